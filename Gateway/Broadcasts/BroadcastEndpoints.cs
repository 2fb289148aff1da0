using Gateway.Admin;
using Gateway.Hosting;
using Microsoft.Extensions.Options;

namespace Gateway.Broadcasts;

/// <summary>
/// The broadcast API (Authorization: Bearer …): editors and admins create, a second person (approver or admin, never
/// the creator) approves, editors, approvers and admins cancel, every role reads and previews.
/// </summary>
public static class BroadcastEndpoints
{
    public const int DefaultPage = 50;
    /// <summary>Four 1,600-character texts and an audience fit easily; anything bigger is not a broadcast request.</summary>
    public const long MaxRequestBytes = 64 * 1024;

    /// <summary>Shown per language in a preview; a Chinese text has many more, all forcing UCS-2.</summary>
    public const int Ucs2CharactersShown = 30;

    public static void MapBroadcasts(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/broadcasts");
        api.MapGet("", List).RequireAuthorization(AdminPolicies.View);
        api.MapGet("/{id:long}", Get).RequireAuthorization(AdminPolicies.View);
        api.MapPost("/preview", Preview).RequireAuthorization(AdminPolicies.View).WithRequestSizeLimit(MaxRequestBytes);
        api.MapPost("", Create).RequireAuthorization(AdminPolicies.Edit).WithRequestSizeLimit(MaxRequestBytes);
        api.MapPost("/{id:long}/approve", Approve).RequireAuthorization(AdminPolicies.Approve);
        api.MapPost("/{id:long}/cancel", Cancel).RequireAuthorization(p => p.RequireRole(Roles.Admin, Roles.Editor, Roles.Approver));
    }

    private static async Task<IResult> Preview(BroadcastRequest request, ValidateBroadcast validate, PreviewBroadcast preview,
        IOptions<GatewayOptions> options, CancellationToken ct)
    {
        var checkedRequest = validate.Check(request);
        if (checkedRequest.Problem is not null) return Results.Problem(statusCode: 422, detail: checkedRequest.Problem);
        var p = await preview.HandleAsync(checkedRequest.Draft!, ct);
        var zone = options.Value.CityTimeZone;
        return Results.Ok(new
        {
            plannedAt = Local(p.PlannedAt, zone),
            sendsAt = Local(p.SendsAt, zone),
            heldForQuietHours = p.HeldForQuietHours,
            audience = p.Audience,
            recipients = p.Recipients,
            deferred = p.Deferred,
            skipped = new { optedOut = p.SkippedOptedOut, invalidNumber = p.SkippedInvalidNumber, sameText = p.SkippedSameText },
            languages = p.Languages.Select(l => new
            {
                language = l.Text.Language,
                recipients = l.Recipients,
                text = l.Text.Prepared.Body,
                fallbackFrom = l.Text.FallbackFrom,
                encoding = l.Text.Prepared.Encoding,
                characters = l.Text.Measured.Units,
                ucs2Characters = l.Text.Measured.NonGsmCharacters.Take(Ucs2CharactersShown),
                ucs2CharacterCount = l.Text.Measured.NonGsmCharacters.Count,
                segments = l.Text.Prepared.Segments,
                costPerMessage = l.Text.Prepared.Cost,
                cost = l.Cost,
            }),
            segments = p.Segments,
            pricePerSegment = p.PricePerSegment,
            estimatedCost = p.EstimatedCost,
            estimatedDuration = p.EstimatedDuration,
            warnings = p.Warnings,
        });
    }

    private static async Task<IResult> Create(BroadcastRequest request, ValidateBroadcast validate, CreateBroadcast create, HttpContext http,
        CancellationToken ct)
    {
        var checkedRequest = validate.Check(request);
        if (checkedRequest.Problem is not null) return Results.Problem(statusCode: 422, detail: checkedRequest.Problem);
        var id = await create.HandleAsync(checkedRequest.Draft!, http.User.Caller().Name, ct);
        return Results.Created($"/api/broadcasts/{id}", new { id, status = BroadcastStatus.PendingApproval });
    }

    private static async Task<IResult> Approve(long id, ApproveBroadcast approve, GetBroadcast get, HttpContext http, IOptions<GatewayOptions> options,
        WorkerLiveness workers, CancellationToken ct)
    {
        var caller = http.User.Caller().Name;
        var (outcome, broadcast) = await approve.HandleAsync(id, caller, ct);
        return outcome switch
        {
            ApprovalOutcome.NotFound => Results.Problem(statusCode: 404, detail: $"id: no broadcast {id}"),
            ApprovalOutcome.OwnBroadcast => Results.Problem(statusCode: 403, detail: broadcast!.CreatedBy == caller
                ? $"approve: '{caller}' created broadcast {id}; a second person (approver or admin) must approve it"
                : $"approve: '{broadcast.CreatedBy}' created broadcast {id}, and '{caller}' is the same person (names ignore case); a second person (approver or admin) must approve it"),
            ApprovalOutcome.NotPending => Results.Problem(statusCode: 409,
                detail: $"status: broadcast {id} is {broadcast!.Status}; only a broadcast pending approval can be approved"),
            _ => Results.Ok(View((await get.HandleAsync(id, ct))!, options.Value.CityTimeZone, await AnyWorkerAsync(workers, ct))),
        };
    }

    private static async Task<IResult> Cancel(long id, CancelBroadcast cancel, GetBroadcast get, HttpContext http, IOptions<GatewayOptions> options,
        WorkerLiveness workers, CancellationToken ct)
    {
        var (outcome, broadcast, _) = await cancel.HandleAsync(id, http.User.Caller().Name, ct);
        return outcome switch
        {
            CancelOutcome.NotFound => Results.Problem(statusCode: 404, detail: $"id: no broadcast {id}"),
            CancelOutcome.Finished => Results.Problem(statusCode: 409, detail: $"status: broadcast {id} is already {broadcast!.Status}"),
            _ => Results.Ok(View((await get.HandleAsync(id, ct))!, options.Value.CityTimeZone, await AnyWorkerAsync(workers, ct))),
        };
    }

    private static async Task<IResult> Get(long id, GetBroadcast get, IOptions<GatewayOptions> options, WorkerLiveness workers, CancellationToken ct) =>
        await get.HandleAsync(id, ct) is { } report
            ? Results.Ok(View(report, options.Value.CityTimeZone, await AnyWorkerAsync(workers, ct)))
            : Results.Problem(statusCode: 404, detail: $"id: no broadcast {id}");

    private static async Task<bool> AnyWorkerAsync(WorkerLiveness workers, CancellationToken ct) => (await workers.ReadAsync(ct)).Count > 0;

    private static async Task<IResult> List(string? status, long? before, int? limit, ListBroadcasts list, IOptions<GatewayOptions> options,
        CancellationToken ct)
    {
        if (status is not null && !BroadcastStatus.Live.Append(BroadcastStatus.Sent).Append(BroadcastStatus.Canceled).Append(BroadcastStatus.Failed).Contains(status))
            return Results.Problem(statusCode: 400, detail: "status: must be pending_approval, approved, scheduled, sending, sent, canceled or failed");
        if (limit is < 1 or > ListBroadcasts.MaxPage)
            return Results.Problem(statusCode: 400, detail: $"limit: must be between 1 and {ListBroadcasts.MaxPage}");
        var zone = options.Value.CityTimeZone;
        var page = await list.HandleAsync(status, before, limit ?? DefaultPage, ct);
        return Results.Ok(new
        {
            broadcasts = page.Select(b => new
            {
                id = b.Id,
                title = b.Title,
                status = b.Status,
                urgent = b.Urgent,
                repeat = b.RepeatCron,
                sendAt = Local(b.SendAt, zone),
                createdBy = b.CreatedBy,
                createdAt = Local(b.CreatedAt, zone),
                approvedBy = b.ApprovedBy,
                planned = b.Planned,
            }),
            next = page.Count == (limit ?? DefaultPage) ? $"/api/broadcasts?limit={limit ?? DefaultPage}&before={page[^1].Id}{(status is null ? "" : $"&status={status}")}" : null,
        });
    }

    private static object View(BroadcastReport report, TimeZoneInfo zone, bool anyWorker)
    {
        var b = report.Broadcast;
        var c = report.Counts;
        // Approved, scheduled and sending broadcasts need a worker: to start the fan-out, fire occurrences, send the messages.
        var waitingForWorker = !anyWorker && b.Status is BroadcastStatus.Approved or BroadcastStatus.Scheduled or BroadcastStatus.Sending;
        return new
        {
            id = b.Id,
            title = b.Title,
            status = b.Status,
            urgent = b.Urgent,
            template = b.TemplateKey,
            content = b.Texts,
            audience = new { topics = b.Topics, regions = b.Regions, languages = b.Languages },
            sendAt = Local(b.SendAt, zone),
            repeat = b.RepeatCron,
            nextOccurrenceAt = report.NextOccurrenceAt is { } next ? TimeZoneInfo.ConvertTime(next, zone) : (DateTimeOffset?)null,
            createdBy = b.CreatedBy,
            createdAt = Local(b.CreatedAt, zone),
            approvedBy = b.ApprovedBy,
            approvedAt = Local(b.ApprovedAt, zone),
            canceledBy = b.CanceledBy,
            canceledAt = Local(b.CanceledAt, zone),
            finishedAt = Local(b.FinishedAt, zone),
            failure = b.Failure,
            waitingForWorker,
            warning = waitingForWorker
                ? $"no worker is alive (no heartbeat in the last {WorkerLiveness.Window.TotalSeconds:0} s): this broadcast waits until Gateway.Worker runs"
                : null,
            texts = report.Texts.Select(t => new
            {
                language = t.Language,
                fallbackFrom = t.FallbackFrom,
                text = t.Prepared.Body,
                encoding = t.Prepared.Encoding,
                segments = t.Prepared.Segments,
            }),
            // Names as in the issue (snake_case, like the statuses they count); README "## Broadcasts" defines each.
            counts = new Dictionary<string, long>
            {
                ["planned"] = c.Planned,
                ["sent"] = c.Sent,
                ["delivered"] = c.Delivered,
                ["failed"] = c.Failed,
                ["failed_unconfirmed"] = c.FailedUnconfirmed,
                ["skipped_opted_out"] = c.SkippedOptedOut,
                ["skipped_quiet_hours"] = c.SkippedQuietHours,
                ["deferred"] = c.Deferred,
                ["waiting"] = c.Waiting,
                ["expired"] = c.Expired,
                ["canceled"] = c.Canceled,
                ["skipped_invalid_number"] = c.SkippedInvalidNumber,
                ["skipped_same_text"] = c.SkippedSameText,
            },
            occurrences = report.Occurrences.Select(o => new
            {
                id = o.Id,
                at = Local(o.OccurrenceAt, zone),
                dueAt = Local(o.DueAt, zone),
                status = o.Status,
                planned = o.Planned,
                heldForQuietHours = o.HeldForQuietHours,
                deferred = o.Deferred,
                skippedOptedOut = o.SkippedOptedOut,
                skippedInvalidNumber = o.SkippedInvalidNumber,
                skippedSameText = o.SkippedSameText,
                startedAt = Local(o.StartedAt, zone),
                fannedOutAt = Local(o.FannedOutAt, zone),
            }),
        };
    }

    private static DateTimeOffset Local(DateTimeOffset at, TimeZoneInfo zone) => TimeZoneInfo.ConvertTime(at, zone);

    private static DateTimeOffset Local(DateTime utc, TimeZoneInfo zone) => Local(new DateTimeOffset(utc), zone);

    private static DateTimeOffset? Local(DateTime? utc, TimeZoneInfo zone) => utc is { } value ? Local(value, zone) : null;
}
