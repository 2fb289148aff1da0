using Gateway.Audit;
using Gateway.Hosting;
using Gateway.Inbound;
using Gateway.Lessons;
using Gateway.Phones;
using Gateway.Subscriptions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Gateway.Admin;

/// <summary>
/// The admin API's route table: every route, its policy, and the operation in its capability folder that does
/// the work. Authentication (Authorization: Bearer …) answers 401 with a reason before any of these run.
/// </summary>
public static class AdminEndpoints
{
    public const int DefaultPage = 50;

    public static void MapAdminApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api");

        var view = api.MapGroup("").RequireAuthorization(AdminPolicies.View);
        view.MapGet("/subscribers/{phone}", GetSubscriber).ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        view.MapGet("/subscribers/{phone}/consent", ListConsent).ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        view.MapGet("/inbox", ListInbox).ProducesProblem(StatusCodes.Status400BadRequest);
        view.MapGet("/courses", ListCourses);

        // Everyone who acts on residents' messages; viewers only look.
        api.MapPost("/inbox/{id:long}/handled", MarkHandled).RequireAuthorization(p => p.RequireRole(Roles.Admin, Roles.Editor, Roles.Approver, Roles.Counsellor));

        var edit = api.MapGroup("").RequireAuthorization(AdminPolicies.Edit);
        edit.MapPost("/subscribers/{phone}/enrolments", EnrolInCourse).WithRequestSizeLimit(16 * 1024)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status422UnprocessableEntity);
    }

    // ---- Subscribers ------------------------------------------------------------------------------------------

    private static async Task<Results<Ok<SubscriberResponse>, ProblemHttpResult>> GetSubscriber(string phone, GetSubscriber get,
        ListCoursePositions positions, IOptions<GatewayOptions> options, CancellationToken ct)
    {
        var (e164, problem) = ReadPhone(phone, options.Value);
        if (problem is not null)
            return FieldProblems.Answer([problem]);
        var profile = await get.HandleAsync(e164!, ct);
        if (profile is null)
            return TypedResults.Problem(statusCode: 404, detail: $"phone: no subscriber {Phone.Mask(e164)}");
        return TypedResults.Ok(new SubscriberResponse(profile.Phone, profile.Status, profile.Language, profile.Topics, profile.Region,
            profile.CreatedAt, profile.OptedOutAt, (await positions.HandleAsync(e164!, ct)).Select(CoursePositionJson).ToList()));
    }

    private static async Task<Results<Ok<List<ConsentEventResponse>>, ProblemHttpResult>> ListConsent(string phone, GetSubscriber get,
        ListConsentEvents list, IOptions<GatewayOptions> options, CancellationToken ct)
    {
        var (e164, problem) = ReadPhone(phone, options.Value);
        if (problem is not null)
            return FieldProblems.Answer([problem]);
        var events = await list.HandleAsync(e164!, ct);
        if (events.Count == 0 && await get.HandleAsync(e164!, ct) is null)
            return TypedResults.Problem(statusCode: 404, detail: $"phone: no subscriber and no consent record for {Phone.Mask(e164)}");
        return TypedResults.Ok(events.Select(e => new ConsentEventResponse(e.Action, e.Scope, e.Keyword, e.Channel, e.OccurredAt)).ToList());
    }

    // ---- Courses (Lessons) -------------------------------------------------------------------------------------

    private static async Task<Ok<List<CourseResponse>>> ListCourses(ListCourses list, CancellationToken ct) =>
        TypedResults.Ok((await list.HandleAsync(ct)).Select(c => new CourseResponse(c.Course.Key, c.Course.Number,
            new BilingualText(c.Course.Title.Zh, c.Course.Title.En), c.Course.Lessons.Count, c.Enrolments, c.Completed, c.CompletionRate,
            c.Reached)).ToList());

    /// <param name="Course">The course's key or number ("hygiene-kids", "11"), or any name residents may type.</param>
    public sealed record EnrolmentRequest(string? Course);

    private static async Task<Results<Created<EnrolmentResponse>, Ok<EnrolmentResponse>, ProblemHttpResult>> EnrolInCourse(string phone, EnrolmentRequest? request, EnrolInCourse enrol, CourseCatalog courses,
        IOptions<GatewayOptions> options, HttpContext http, CancellationToken ct)
    {
        // The number and the course are both checked, so that one answer names everything wrong.
        var (e164, phoneProblem) = ReadPhone(phone, options.Value);
        List<FieldProblem> problems = phoneProblem is null ? [] : [phoneProblem];
        var course = string.IsNullOrWhiteSpace(request?.Course) ? null : courses.Resolve(request.Course);
        if (string.IsNullOrWhiteSpace(request?.Course))
            problems.Add(new FieldProblem("course", "course: required (a course key or number)", StatusCodes.Status400BadRequest));
        else if (course is null)
            problems.Add(new FieldProblem("course", $"course: no course '{request.Course}'; courses: {courses.Menu("en")}"));
        if (problems.Count > 0 || course is null)
            return FieldProblems.Answer(problems);

        var (result, enrolment) = await enrol.HandleAsync(e164!, course, http.User.Caller().Name, ct);
        return result switch
        {
            EnrolmentResult.UnknownSubscriber => (Results<Created<EnrolmentResponse>, Ok<EnrolmentResponse>, ProblemHttpResult>)TypedResults.Problem(statusCode: 404,
                detail: $"phone: no subscriber {Phone.Mask(e164)}; only a number that has texted or dialled the gateway can be enrolled"),
            EnrolmentResult.OptedOut => TypedResults.Problem(statusCode: 409,
                detail: $"phone: {Phone.Mask(e164)} opted out of all messages; only the resident can opt back in"),
            EnrolmentResult.Pending => TypedResults.Problem(statusCode: 409,
                detail: $"phone: {Phone.Mask(e164)} was imported and has not replied YES yet; only the resident can confirm"),
            EnrolmentResult.Already => TypedResults.Ok(EnrolmentJson(course, enrolment!)),
            _ => TypedResults.Created($"/api/subscribers/{Uri.EscapeDataString(e164!)}", EnrolmentJson(course, enrolment!)),
        };
    }

    private static EnrolmentResponse EnrolmentJson(Course course, Enrolment e) =>
        new(course.Key, course.Number, e.LessonDue, course.Lessons.Count, e.Channel, e.EnrolledAt);

    private static CoursePositionResponse CoursePositionJson(CoursePosition p) =>
        new(p.Course, p.Number, p.NextLesson, p.Lessons, p.LastLesson, p.LastLessonStatus, p.Channel, p.EnrolledAt, p.CompletedAt);

    // ---- Inbox ------------------------------------------------------------------------------------------------

    private static async Task<Results<Ok<InboxPageResponse>, ProblemHttpResult>> ListInbox(bool? unhandled, long? before, int? limit,
        ListInbox list, HttpContext http, CancellationToken ct)
    {
        if (limit is < 1 or > Inbound.ListInbox.MaxPage)
            return FieldProblems.Answer([new FieldProblem("limit", $"limit: must be between 1 and {Inbound.ListInbox.MaxPage}", StatusCodes.Status400BadRequest)]);
        // The messages a person should look at, unless they ask for every message.
        var caller = http.User.Caller();
        var messages = await list.HandleAsync(unhandled ?? true, before, limit ?? DefaultPage, caller.Regions.Regions, caller.SeesCounselling, ct);
        var next = messages.Count == (limit ?? DefaultPage)
            ? $"/api/inbox?unhandled={(unhandled ?? true ? "true" : "false")}&limit={limit ?? DefaultPage}&before={messages[^1].Id}"
            : null;
        return TypedResults.Ok(new InboxPageResponse(messages.Select(m => new InboxMessageResponse(m.Id,
            caller.SeesFullNumbers ? m.Phone : Phone.Mask(m.Phone), m.Body, m.ReceivedAt, m.Intent, m.Reply, m.HandledAt, m.Provider,
            m.Media.Select(x => new InboxMediaResponse(x.Url, x.ContentType)).ToList())).ToList(), next));
    }

    private static async Task<Results<Ok<InboxHandledResponse>, ProblemHttpResult>> MarkHandled(long id, MarkInboxMessageHandled mark, HttpContext http,
        IOptions<GatewayOptions> options, CancellationToken ct) =>
        await mark.HandleAsync(id, AuditActor.Of(http), http.User.Caller().Regions, ct) is { } marked
            ? TypedResults.Ok(new InboxHandledResponse(marked.Id, marked.By, TimeZoneInfo.ConvertTime(marked.At, options.Value.CityTimeZone)))
            : TypedResults.Problem(statusCode: 404, detail: $"id: no message {id} in your inbox");

    // ---- Helpers ----------------------------------------------------------------------------------------------

    /// <summary>"+8613800138000", "+86 138 0013 8000" (URL-encoded) or "13800138000" (DEFAULT_REGION) all name the same number.</summary>
    private static (string? E164, FieldProblem? Problem) ReadPhone(string raw, GatewayOptions options)
    {
        var phone = Phone.Normalise(Uri.UnescapeDataString(raw), options.DefaultRegion);
        return phone.IsValid ? (phone.E164, null) : (null, new FieldProblem("phone", $"phone: {phone.Error}", StatusCodes.Status400BadRequest));
    }
}
