using Gateway.Admin;
using Gateway.Audit;
using Gateway.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Gateway.Support;

/// <summary>
/// The counsellors' API (docs/support.md): the queue, claiming, the conversation, notes, closing; for tokens and
/// people with the role counsellor or admin, under the same rules as the console's pages.
/// </summary>
public static class SupportEndpoints
{
    public const int MaxRequestBytes = 16 * 1024;

    public static void MapSupport(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/support/requests").RequireAuthorization(AdminPolicies.Counsel);
        api.MapGet("", List);
        api.MapGet("/{id:long}", Get);
        api.MapPost("/{id:long}/claim", Claim);
        api.MapGet("/{id:long}/messages", Messages);
        api.MapPost("/{id:long}/messages", Reply).WithRequestSizeLimit(MaxRequestBytes);
        api.MapGet("/{id:long}/notes", Notes);
        api.MapPost("/{id:long}/notes", AddNote).WithRequestSizeLimit(MaxRequestBytes);
        api.MapPost("/{id:long}/close", Close).WithRequestSizeLimit(MaxRequestBytes);
        api.MapPost("/{id:long}/number", RevealNumber).RequireAuthorization(AdminPolicies.Administer).WithRequestSizeLimit(MaxRequestBytes);
    }

    private static async Task<Results<Ok<IReadOnlyList<SupportRequestResponse>>, ProblemHttpResult>> List(string? status, int? limit,
        ListSupportRequests list, HttpContext http, IOptions<GatewayOptions> options, CancellationToken ct)
    {
        status ??= SupportStatus.Open;
        var problems = new List<FieldProblem>();
        if (!SupportStatus.Filters.Contains(status))
            problems.Add(new("status", $"status: must be one of {string.Join(", ", SupportStatus.Filters)}", StatusCodes.Status400BadRequest));
        if (limit is < 1 or > 500)
            problems.Add(new("limit", "limit: must be between 1 and 500", StatusCodes.Status400BadRequest));
        if (problems.Count > 0) return FieldProblems.Answer(problems);
        var requests = await list.HandleAsync(status, limit ?? 100, http.User.Caller().Regions.Regions, ct);
        return TypedResults.Ok<IReadOnlyList<SupportRequestResponse>>(requests.Select(r => Response(r, options.Value)).ToList());
    }

    private static async Task<Results<Ok<SupportRequestResponse>, ProblemHttpResult>> Get(long id, ListSupportRequests list, HttpContext http,
        IOptions<GatewayOptions> options, CancellationToken ct) =>
        await list.FindAsync(id, http.User.Caller().Regions.Regions, ct) is { } r
            ? TypedResults.Ok(Response(r, options.Value))
            : NotFound(id);

    private static async Task<Results<Ok<SupportRequestResponse>, ProblemHttpResult>> Claim(long id, ClaimSupportRequest claim, HttpContext http,
        IOptions<GatewayOptions> options, CancellationToken ct)
    {
        var result = await claim.HandleAsync(id, http, ct);
        return result.Outcome switch
        {
            ClaimOutcome.Claimed => TypedResults.Ok(Response(result.Request!, options.Value)),
            ClaimOutcome.ClaimedByOther when string.Equals(result.Request!.ClaimedBy, http.User.Caller().Name, StringComparison.OrdinalIgnoreCase) =>
                TypedResults.Ok(Response(result.Request, options.Value)),
            ClaimOutcome.ClaimedByOther => TypedResults.Problem(statusCode: 409, title: "Already claimed",
                detail: $"{result.Request!.Name} is already in a conversation with {result.Request.ClaimedBy} (since {Time(result.Request.ClaimedAt!.Value, options.Value):HH:mm})"),
            ClaimOutcome.Closed => TypedResults.Problem(statusCode: 409, title: "Closed", detail: $"{result.Request!.Name} was closed ({result.Request.Outcome})"),
            _ => NotFound(id),
        };
    }

    private static async Task<Results<Ok<IReadOnlyList<ConversationMessageResponse>>, ProblemHttpResult>> Messages(long id, ListSupportRequests list,
        ConversationMessages messages, HttpContext http, IOptions<GatewayOptions> options, CancellationToken ct)
    {
        if (await list.FindAsync(id, http.User.Caller().Regions.Regions, ct) is null) return NotFound(id);
        return TypedResults.Ok<IReadOnlyList<ConversationMessageResponse>>((await messages.ListAsync(id, ct))
            .Select(m => new ConversationMessageResponse(m.Direction, m.Text, Time(m.At, options.Value), m.Status, m.SentBy)).ToList());
    }

    private static async Task<Results<Accepted<ReplyQueuedResponse>, ProblemHttpResult>> Reply(long id, ConversationTextRequest? request,
        ConversationMessages messages, HttpContext http, CancellationToken ct)
    {
        var result = await messages.ReplyAsync(id, request?.Text, http, ct);
        return result.Outcome switch
        {
            ReplyOutcome.Queued => TypedResults.Accepted($"/api/support/requests/{id}/messages",
                new ReplyQueuedResponse(result.MessageId!.Value, Delivery.OutboundStatus.Queued, result.Segments)),
            ReplyOutcome.Empty => TypedResults.Problem(statusCode: 422, detail: "text: required"),
            ReplyOutcome.TooLong => TypedResults.Problem(statusCode: 422,
                detail: $"text: {result.Segments} segments; a reply may have at most {ConversationMessages.MaxSegments}"),
            ReplyOutcome.NotYours when result.Closed => TypedResults.Problem(statusCode: 409, detail: "the conversation is closed"),
            ReplyOutcome.NotYours when result.ClaimedBy is null => TypedResults.Problem(statusCode: 409, detail: "claim the request first: nobody has claimed it"),
            ReplyOutcome.NotYours => TypedResults.Problem(statusCode: 409, detail: $"the conversation is {result.ClaimedBy}'s: only they reply in it"),
            _ => NotFound(id),
        };
    }

    private static async Task<Results<Ok<IReadOnlyList<ConversationNoteResponse>>, ProblemHttpResult>> Notes(long id, ListSupportRequests list,
        ConversationNotes notes, HttpContext http, IOptions<GatewayOptions> options, CancellationToken ct)
    {
        if (await list.FindAsync(id, http.User.Caller().Regions.Regions, ct) is null) return NotFound(id);
        return TypedResults.Ok<IReadOnlyList<ConversationNoteResponse>>((await notes.ListAsync(id, ct)).Select(n => NoteResponse(n, options.Value)).ToList());
    }

    private static async Task<Results<Created<ConversationNoteResponse>, ProblemHttpResult>> AddNote(long id, ConversationTextRequest? request,
        ListSupportRequests list, ConversationNotes notes, AuditLog audit, HttpContext http, IOptions<GatewayOptions> options, CancellationToken ct)
    {
        if (await list.FindAsync(id, http.User.Caller().Regions.Regions, ct) is null) return NotFound(id);
        var text = request?.Text?.Trim();
        if (string.IsNullOrEmpty(text))
            return TypedResults.Problem(statusCode: 422, detail: "text: required");
        if (text.Length > ConversationNotes.MaxLength)
            return TypedResults.Problem(statusCode: 422, detail: $"text: {text.Length} characters; at most {ConversationNotes.MaxLength}");
        var note = await notes.AddAsync(id, http.User.Caller().Name, text, ct);
        await audit.RecordAsync(http, AuditActions.ConversationNoteAdded, $"conversation {id}", ct: ct);
        return TypedResults.Created($"/api/support/requests/{id}/notes", NoteResponse(note, options.Value));
    }

    private static async Task<Results<Ok<SupportRequestResponse>, ProblemHttpResult>> Close(long id, CloseRequest? request, CloseSupportRequest close,
        HttpContext http, IOptions<GatewayOptions> options, CancellationToken ct)
    {
        var problems = new List<FieldProblem>();
        if (request?.Outcome is not { } outcome || !SupportOutcome.Chosen.Contains(outcome))
        {
            outcome = "";
            problems.Add(new("outcome", $"outcome: required, one of {string.Join(", ", SupportOutcome.Chosen)}"));
        }
        if (request?.Note is { Length: > ConversationNotes.MaxLength })
            problems.Add(new("note", $"note: at most {ConversationNotes.MaxLength} characters"));
        if (problems.Count > 0) return FieldProblems.Answer(problems);
        var result = await close.HandleAsync(id, outcome, request!.Note, http, ct);
        return result.Outcome switch
        {
            CloseOutcome.Closed => TypedResults.Ok(Response(result.Request!, options.Value)),
            CloseOutcome.AlreadyClosed => TypedResults.Problem(statusCode: 409, detail: $"{result.Request!.Name} is already closed ({result.Request.Outcome})"),
            CloseOutcome.ClaimedByOther => TypedResults.Problem(statusCode: 409, detail: $"the conversation is {result.Request!.ClaimedBy}'s: only they (or an admin) close it"),
            _ => NotFound(id),
        };
    }

    private static async Task<Results<Ok<RevealedNumberResponse>, ProblemHttpResult>> RevealNumber(long id, RevealNumberRequest? request,
        ListSupportRequests list, AuditLog audit, HttpContext http, CancellationToken ct)
    {
        if (await list.FindAsync(id, [], ct) is not { } r) return NotFound(id);
        var reason = request?.Reason?.Trim();
        if (string.IsNullOrEmpty(reason))
            return TypedResults.Problem(statusCode: 422, detail: "reason: required (why the full number is needed, e.g. handing a case to emergency services)");
        await audit.RecordAsync(http, AuditActions.ConversationNumberShown, $"conversation {id} ({r.MaskedPhone})", reason, ct);
        return TypedResults.Ok(new RevealedNumberResponse(id, r.Phone));
    }

    public static SupportRequestResponse Response(SupportRequest r, GatewayOptions o) => new(
        r.Id, r.Name, r.MaskedPhone, r.State, r.Crisis, r.Reason, r.Channel, r.Language, Time(r.CreatedAt, o), r.ClaimedBy,
        Time(r.ClaimedAt, o), Time(r.LastMessageAt, o), Time(r.ClosedAt, o), r.ClosedBy, r.Outcome, r.Escalations);

    private static ConversationNoteResponse NoteResponse(ConversationNote n, GatewayOptions o) => new(n.Id, n.Author, n.Body, Time(n.CreatedAt, o));

    private static ProblemHttpResult NotFound(long id) => TypedResults.Problem(statusCode: 404, detail: $"id: no support request {id}");

    private static DateTimeOffset Time(DateTime utc, GatewayOptions o) =>
        TimeZoneInfo.ConvertTime(new DateTimeOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc)), o.CityTimeZone);

    private static DateTimeOffset? Time(DateTime? utc, GatewayOptions o) => utc is { } t ? Time(t, o) : null;
}
