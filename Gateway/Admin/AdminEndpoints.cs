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
        view.MapGet("/subscribers/{phone}", GetSubscriber);
        view.MapGet("/subscribers/{phone}/consent", ListConsent);
        view.MapGet("/inbox", ListInbox);
        view.MapGet("/courses", ListCourses);

        // Everyone who acts on residents' messages; viewers only look.
        api.MapPost("/inbox/{id:long}/handled", MarkHandled).RequireAuthorization(p => p.RequireRole(Roles.Admin, Roles.Editor, Roles.Approver, Roles.Counsellor));

        var edit = api.MapGroup("").RequireAuthorization(AdminPolicies.Edit);
        edit.MapPost("/subscribers/{phone}/enrolments", EnrolInCourse).WithRequestSizeLimit(16 * 1024);
    }

    // ---- Subscribers ------------------------------------------------------------------------------------------

    private static async Task<IResult> GetSubscriber(string phone, GetSubscriber get, ListCoursePositions positions, IOptions<GatewayOptions> options,
        CancellationToken ct)
    {
        var (e164, problem) = ReadPhone(phone, options.Value);
        if (problem is not null)
            return problem;
        var profile = await get.HandleAsync(e164!, ct);
        return profile is null
            ? Results.Problem(statusCode: 404, detail: $"phone: no subscriber {Phone.Mask(e164)}")
            : Results.Ok(new
            {
                phone = profile.Phone,
                status = profile.Status,
                language = profile.Language,
                topics = profile.Topics,
                region = profile.Region,
                createdAt = profile.CreatedAt,
                optedOutAt = profile.OptedOutAt,
                courses = (await positions.HandleAsync(e164!, ct)).Select(CoursePositionJson),
            });
    }

    private static async Task<IResult> ListConsent(string phone, GetSubscriber get, ListConsentEvents list, IOptions<GatewayOptions> options, CancellationToken ct)
    {
        var (e164, problem) = ReadPhone(phone, options.Value);
        if (problem is not null)
            return problem;
        var events = await list.HandleAsync(e164!, ct);
        if (events.Count == 0 && await get.HandleAsync(e164!, ct) is null)
            return Results.Problem(statusCode: 404, detail: $"phone: no subscriber and no consent record for {Phone.Mask(e164)}");
        return Results.Ok(events.Select(e => new
        {
            action = e.Action,
            scope = e.Scope,
            keyword = e.Keyword,
            channel = e.Channel,
            occurredAt = e.OccurredAt,
        }));
    }

    // ---- Courses (Lessons) -------------------------------------------------------------------------------------

    private static async Task<IResult> ListCourses(ListCourses list, CancellationToken ct) =>
        Results.Ok((await list.HandleAsync(ct)).Select(c => new
        {
            key = c.Course.Key,
            number = c.Course.Number,
            title = new { zh = c.Course.Title.Zh, en = c.Course.Title.En },
            lessons = c.Course.Lessons.Count,
            enrolments = c.Enrolments,
            completed = c.Completed,
            completionRate = c.CompletionRate,
            reached = c.Reached,
        }));

    /// <param name="Course">The course's key or number ("hygiene-kids", "11"), or any name residents may type.</param>
    public sealed record EnrolmentRequest(string? Course);

    private static async Task<IResult> EnrolInCourse(string phone, EnrolmentRequest? request, EnrolInCourse enrol, CourseCatalog courses,
        IOptions<GatewayOptions> options, HttpContext http, CancellationToken ct)
    {
        var (e164, problem) = ReadPhone(phone, options.Value);
        if (problem is not null)
            return problem;
        if (string.IsNullOrWhiteSpace(request?.Course))
            return Results.Problem(statusCode: 400, detail: "course: required (a course key or number)");
        if (courses.Resolve(request.Course) is not { } course)
            return Results.Problem(statusCode: 422, detail: $"course: no course '{request.Course}'; courses: {courses.Menu("en")}");

        var (result, enrolment) = await enrol.HandleAsync(e164!, course, http.User.Caller().Name, ct);
        return result switch
        {
            EnrolmentResult.UnknownSubscriber => Results.Problem(statusCode: 404,
                detail: $"phone: no subscriber {Phone.Mask(e164)}; only a number that has texted or dialled the gateway can be enrolled"),
            EnrolmentResult.OptedOut => Results.Problem(statusCode: 409,
                detail: $"phone: {Phone.Mask(e164)} opted out of all messages; only the resident can opt back in"),
            EnrolmentResult.Pending => Results.Problem(statusCode: 409,
                detail: $"phone: {Phone.Mask(e164)} was imported and has not replied YES yet; only the resident can confirm"),
            EnrolmentResult.Already => Results.Ok(EnrolmentJson(course, enrolment!)),
            _ => Results.Created($"/api/subscribers/{Uri.EscapeDataString(e164!)}", EnrolmentJson(course, enrolment!)),
        };
    }

    private static object EnrolmentJson(Course course, Enrolment e) => new
    {
        course = course.Key,
        number = course.Number,
        nextLesson = e.LessonDue,
        lessons = course.Lessons.Count,
        channel = e.Channel,
        enrolledAt = e.EnrolledAt,
    };

    private static object CoursePositionJson(CoursePosition p) => new
    {
        course = p.Course,
        number = p.Number,
        nextLesson = p.NextLesson,
        lessons = p.Lessons,
        lastLesson = p.LastLesson,
        lastLessonStatus = p.LastLessonStatus,
        channel = p.Channel,
        enrolledAt = p.EnrolledAt,
        completedAt = p.CompletedAt,
    };

    // ---- Inbox ------------------------------------------------------------------------------------------------

    private static async Task<IResult> ListInbox(bool? unhandled, long? before, int? limit, ListInbox list, HttpContext http, CancellationToken ct)
    {
        if (limit is < 1 or > Inbound.ListInbox.MaxPage)
            return Results.Problem(statusCode: 400, detail: $"limit: must be between 1 and {Inbound.ListInbox.MaxPage}");
        // The messages a person should look at, unless they ask for every message.
        var caller = http.User.Caller();
        var messages = await list.HandleAsync(unhandled ?? true, before, limit ?? DefaultPage, caller.Regions.Regions, caller.SeesCounselling, ct);
        var next = messages.Count == (limit ?? DefaultPage)
            ? $"/api/inbox?unhandled={(unhandled ?? true ? "true" : "false")}&limit={limit ?? DefaultPage}&before={messages[^1].Id}"
            : null;
        return Results.Ok(new
        {
            messages = messages.Select(m => new
            {
                id = m.Id,
                phone = caller.SeesFullNumbers ? m.Phone : Phone.Mask(m.Phone),
                body = m.Body,
                receivedAt = m.ReceivedAt,
                intent = m.Intent,
                reply = m.Reply,
                handledAt = m.HandledAt,
                provider = m.Provider,
                media = m.Media.Select(x => new { url = x.Url, contentType = x.ContentType }),
            }),
            next,
        });
    }

    private static async Task<Results<Ok<InboxHandledResponse>, ProblemHttpResult>> MarkHandled(long id, MarkInboxMessageHandled mark, HttpContext http,
        IOptions<GatewayOptions> options, CancellationToken ct) =>
        await mark.HandleAsync(id, AuditActor.Of(http), http.User.Caller().Regions, ct) is { } marked
            ? TypedResults.Ok(new InboxHandledResponse(marked.Id, marked.By, TimeZoneInfo.ConvertTime(marked.At, options.Value.CityTimeZone)))
            : TypedResults.Problem(statusCode: 404, detail: $"id: no message {id} in your inbox");

    // ---- Helpers ----------------------------------------------------------------------------------------------

    /// <summary>"+8613800138000", "+86 138 0013 8000" (URL-encoded) or "13800138000" (DEFAULT_REGION) all name the same number.</summary>
    private static (string? E164, IResult? Problem) ReadPhone(string raw, GatewayOptions options)
    {
        var phone = Phone.Normalise(Uri.UnescapeDataString(raw), options.DefaultRegion);
        return phone.IsValid ? (phone.E164, null) : (null, Results.Problem(statusCode: 400, detail: $"phone: {phone.Error}"));
    }
}
