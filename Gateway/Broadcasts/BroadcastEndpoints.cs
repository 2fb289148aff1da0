using Gateway.Admin;
using Gateway.Audit;
using Gateway.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Gateway.Broadcasts;

/// <summary>
/// The broadcast API (a bearer token or a console sign-in): editors and admins create, a second person (approver or
/// admin, never the creator) approves or rejects, editors, approvers and admins cancel, every role reads, previews and
/// downloads the delivery report (numbers masked); admins download the residents not reached with full numbers.
/// Every change and every download is audited.
/// </summary>
public static class BroadcastEndpoints
{
    public const int DefaultPage = 50;
    /// <summary>Four 1,600-character texts and an audience fit easily; anything bigger is not a broadcast request.</summary>
    public const long MaxRequestBytes = 64 * 1024;

    /// <summary>Shown per language in a preview; a Chinese text has many more, all forcing UCS-2.</summary>
    public const int Ucs2CharactersShown = 30;

    /// <summary>How the audit log names a broadcast.</summary>
    public static string Target(long id) => $"broadcast {id}";

    public static void MapBroadcasts(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/broadcasts");
        api.MapGet("", List).RequireAuthorization(AdminPolicies.View);
        api.MapGet("/{id:long}", Get).RequireAuthorization(AdminPolicies.View);
        api.MapGet("/{id:long}/report.csv", Report).RequireAuthorization(AdminPolicies.View)
            .Produces(StatusCodes.Status200OK, contentType: "text/csv").ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/{id:long}/not-reached.csv", NotReached).RequireAuthorization(AdminPolicies.Administer)
            .Produces(StatusCodes.Status200OK, contentType: "text/csv").ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("/preview", Preview).RequireAuthorization(AdminPolicies.View).WithRequestSizeLimit(MaxRequestBytes);
        api.MapPost("", Create).RequireAuthorization(AdminPolicies.Edit).WithRequestSizeLimit(MaxRequestBytes);
        api.MapPost("/{id:long}/approve", Approve).RequireAuthorization(AdminPolicies.Approve).WithRequestSizeLimit(MaxRequestBytes);
        api.MapPost("/{id:long}/reject", Reject).RequireAuthorization(AdminPolicies.Approve).WithRequestSizeLimit(MaxRequestBytes);
        api.MapPost("/{id:long}/cancel", Cancel).RequireAuthorization(p => p.RequireRole(Roles.Admin, Roles.Editor, Roles.Approver));
    }

    private static async Task<Results<Ok<PreviewResponse>, ProblemHttpResult>> Preview(BroadcastRequest request, ValidateBroadcast validate,
        PreviewBroadcast preview, MonthlyBudget budget, HttpContext http, IOptions<GatewayOptions> options, CancellationToken ct)
    {
        var checkedRequest = validate.Check(request, http.User.Caller().Regions);
        if (checkedRequest.Problems.Count > 0) return FieldProblems.Answer(checkedRequest.FieldProblems);
        var p = await preview.HandleAsync(checkedRequest.Draft!, ct);
        var check = await budget.CheckAsync(checkedRequest.Draft!, p, excluding: null, ct);
        var zone = options.Value.CityTimeZone;
        return TypedResults.Ok(new PreviewResponse(
            Local(p.PlannedAt, zone), Local(p.SendsAt, zone), p.HeldForQuietHours, p.Audience, p.Recipients, p.Deferred,
            new SkippedResponse(p.SkippedOptedOut, p.SkippedInvalidNumber, p.SkippedSameText),
            p.Languages.Select(l => new LanguagePreviewResponse(l.Text.Language, l.Recipients, l.Text.Prepared.Body, l.Text.FallbackFrom,
                l.Text.Prepared.Encoding, l.Text.Measured.Units, l.Text.Measured.NonGsmCharacters.Take(Ucs2CharactersShown).ToList(),
                l.Text.Measured.NonGsmCharacters.Count, l.Text.Prepared.Segments, l.Text.Prepared.Cost, l.Cost)).ToList(),
            p.Segments, p.PricePerSegment, p.EstimatedCost, p.EstimatedDuration, p.Warnings.Select(w => w.Text).ToList(),
            p.NextOccurrences.Select(o => Local(o, zone)).ToList(), check is null ? null : BudgetResponse.From(check),
            p.Routes.Select(r => new RoutePreviewResponse(r.Provider, r.Prefixes, r.Messages, r.Segments, r.PricePerSegment, r.Cost, r.EstimatedDuration)).ToList()));
    }

    private static async Task<Results<Created<BroadcastCreatedResponse>, ProblemHttpResult>> Create(BroadcastRequest request, ValidateBroadcast validate,
        CreateBroadcast create, HttpContext http, CancellationToken ct)
    {
        var checkedRequest = validate.Check(request, http.User.Caller().Regions);
        if (checkedRequest.Problems.Count > 0) return FieldProblems.Answer(checkedRequest.FieldProblems);
        var id = await create.HandleAsync(checkedRequest.Draft!, AuditActor.Of(http), ct);
        return TypedResults.Created($"/api/broadcasts/{id}", new BroadcastCreatedResponse(id, BroadcastStatus.PendingApproval));
    }

    private static async Task<Results<Ok<BroadcastResponse>, ProblemHttpResult>> Approve(long id,
        [FromBody(EmptyBodyBehavior = EmptyBodyBehavior.Allow)] ApproveRequest? request, ApproveBroadcast approve, GetBroadcast get, HttpContext http,
        IOptions<GatewayOptions> options, WorkerLiveness workers, CancellationToken ct)
    {
        var caller = http.User.Caller();
        var approval = await approve.HandleAsync(id, AuditActor.Of(http), caller.IsInRole(Roles.Admin), request?.OverBudget == true, ct);
        var broadcast = approval.Broadcast;
        return approval.Outcome switch
        {
            ApprovalOutcome.NotFound => TypedResults.Problem(statusCode: 404, detail: $"id: no broadcast {id}"),
            ApprovalOutcome.OwnBroadcast => TypedResults.Problem(statusCode: 403, detail: OwnBroadcast("approve", broadcast!, caller.Name)),
            ApprovalOutcome.NotPending => TypedResults.Problem(statusCode: 409,
                detail: $"status: broadcast {id} is {broadcast!.Status}; only a broadcast pending approval can be approved"),
            ApprovalOutcome.OverBudget => TypedResults.Problem(statusCode: 409, detail: OverBudget(approval.Budget!, caller.IsInRole(Roles.Admin)),
                extensions: new Dictionary<string, object?> { ["budget"] = BudgetResponse.From(approval.Budget!) }),
            _ => TypedResults.Ok(await ViewAsync(get, id, options, workers, ct)),
        };
    }

    private static string OverBudget(BudgetCheck check, bool admin) =>
        $"budget: this broadcast's estimate exceeds what remains of SMS_MONTHLY_BUDGET ({ApproveBroadcast.Figures(check)}); " +
        (admin ? "to approve it anyway, send {\"overBudget\": true} (the override is audited)" : "only an admin may approve it");

    private static string OwnBroadcast(string verb, Broadcast broadcast, string caller) => broadcast.CreatedBy == caller
        ? $"{verb}: '{caller}' created broadcast {broadcast.Id}; a second person (approver or admin) must {verb} it"
        : $"{verb}: '{broadcast.CreatedBy}' created broadcast {broadcast.Id}, and '{caller}' is the same person (names ignore case); a second person (approver or admin) must {verb} it";

    private static async Task<Results<Ok<BroadcastResponse>, ProblemHttpResult>> Reject(long id, RejectRequest? request, RejectBroadcast reject,
        GetBroadcast get, HttpContext http, IOptions<GatewayOptions> options, WorkerLiveness workers, CancellationToken ct)
    {
        if (RejectBroadcast.Problem(request?.Reason) is { } problem) return TypedResults.Problem(statusCode: 422, detail: problem);
        var (outcome, broadcast) = await reject.HandleAsync(id, AuditActor.Of(http), request!.Reason!, ct);
        return outcome switch
        {
            RejectionOutcome.NotFound => TypedResults.Problem(statusCode: 404, detail: $"id: no broadcast {id}"),
            RejectionOutcome.OwnBroadcast => TypedResults.Problem(statusCode: 403, detail: OwnBroadcast("reject", broadcast!, http.User.Caller().Name)),
            RejectionOutcome.NotPending => TypedResults.Problem(statusCode: 409,
                detail: $"status: broadcast {id} is {broadcast!.Status}; only a broadcast pending approval can be rejected"),
            _ => TypedResults.Ok(await ViewAsync(get, id, options, workers, ct)),
        };
    }

    private static async Task<Results<Ok<BroadcastResponse>, ProblemHttpResult>> Cancel(long id, CancelBroadcast cancel, GetBroadcast get, HttpContext http,
        IOptions<GatewayOptions> options, WorkerLiveness workers, CancellationToken ct)
    {
        var (outcome, broadcast, _) = await cancel.HandleAsync(id, AuditActor.Of(http), ct);
        return outcome switch
        {
            CancelOutcome.NotFound => TypedResults.Problem(statusCode: 404, detail: $"id: no broadcast {id}"),
            CancelOutcome.Finished => TypedResults.Problem(statusCode: 409, detail: $"status: broadcast {id} is already {broadcast!.Status}"),
            _ => TypedResults.Ok(await ViewAsync(get, id, options, workers, ct)),
        };
    }

    private static async Task<Results<Ok<BroadcastResponse>, ProblemHttpResult>> Get(long id, GetBroadcast get, IOptions<GatewayOptions> options,
        WorkerLiveness workers, CancellationToken ct) =>
        await get.HandleAsync(id, ct) is { } report
            ? TypedResults.Ok(View(report, options.Value.CityTimeZone, await AnyWorkerAsync(workers, ct)))
            : TypedResults.Problem(statusCode: 404, detail: $"id: no broadcast {id}");

    private static async Task<Results<PushStreamHttpResult, ProblemHttpResult>> Report(long id, GetBroadcast get, NpgsqlDataSource db, AuditLog audit,
        HttpContext http, IOptions<GatewayOptions> options, CancellationToken ct)
    {
        if (await get.HandleAsync(id, ct) is not { } report) return TypedResults.Problem(statusCode: 404, detail: $"id: no broadcast {id}");
        await audit.RecordAsync(http, AuditActions.ReportExported, Target(id), ct: ct);
        return Csv($"broadcast-{id}-report.csv", (body, conn) => BroadcastReportCsv.WriteReportAsync(body, conn, report.OccurrenceIds, options.Value.CityTimeZone, ct), db, ct);
    }

    private static async Task<Results<PushStreamHttpResult, ProblemHttpResult>> NotReached(long id, GetBroadcast get, NpgsqlDataSource db, AuditLog audit,
        HttpContext http, IOptions<GatewayOptions> options, CancellationToken ct)
    {
        if (await get.HandleAsync(id, ct) is not { } report) return TypedResults.Problem(statusCode: 404, detail: $"id: no broadcast {id}");
        await audit.RecordAsync(http, AuditActions.UnreachedExported, Target(id),
            $"full numbers of residents whose message is {string.Join(", ", Delivery.BroadcastMessages.NotReached)}", ct);
        return Csv($"broadcast-{id}-not-reached.csv", (body, conn) => BroadcastReportCsv.WriteNotReachedAsync(body, conn, report.OccurrenceIds, options.Value.CityTimeZone, ct), db, ct);
    }

    /// <summary>A CSV download written as it is read: chunked, without Content-Length, on its own connection.</summary>
    private static PushStreamHttpResult Csv(string file, Func<Stream, NpgsqlConnection, Task> write, NpgsqlDataSource db, CancellationToken ct) =>
        TypedResults.Stream(async body =>
        {
            await using var conn = await db.OpenConnectionAsync(ct);
            await write(body, conn);
        }, "text/csv; charset=utf-8", file);

    private static async Task<bool> AnyWorkerAsync(WorkerLiveness workers, CancellationToken ct) => (await workers.ReadAsync(ct)).Count > 0;

    private static async Task<BroadcastResponse> ViewAsync(GetBroadcast get, long id, IOptions<GatewayOptions> options, WorkerLiveness workers, CancellationToken ct) =>
        View((await get.HandleAsync(id, ct))!, options.Value.CityTimeZone, await AnyWorkerAsync(workers, ct));

    private static async Task<Results<Ok<BroadcastListResponse>, ProblemHttpResult>> List(string? status, long? before, int? limit, ListBroadcasts list,
        IOptions<GatewayOptions> options, CancellationToken ct)
    {
        if (status is not null && !BroadcastStatus.All.Contains(status))
            return TypedResults.Problem(statusCode: 400, detail: $"status: must be {string.Join(", ", BroadcastStatus.All)}");
        if (limit is < 1 or > ListBroadcasts.MaxPage)
            return TypedResults.Problem(statusCode: 400, detail: $"limit: must be between 1 and {ListBroadcasts.MaxPage}");
        var zone = options.Value.CityTimeZone;
        var size = limit ?? DefaultPage;
        var page = await list.HandleAsync(status, before, size, ct);
        return TypedResults.Ok(new BroadcastListResponse(
            page.Select(b => new BroadcastSummaryResponse(b.Id, b.Title, b.Status, b.Urgent, b.RepeatCron, Local(b.SendAt, zone), b.CreatedBy,
                Local(b.CreatedAt, zone), b.ApprovedBy, b.Planned)).ToList(),
            page.Count == size ? $"/api/broadcasts?limit={size}&before={page[^1].Id}{(status is null ? "" : $"&status={status}")}" : null));
    }

    /// <summary>Whether no worker is alive while <paramref name="status"/> needs one (to start the fan-out, fire occurrences, send).</summary>
    public static bool WaitsForWorker(string status, bool anyWorker) =>
        !anyWorker && status is BroadcastStatus.Approved or BroadcastStatus.Scheduled or BroadcastStatus.Sending;

    private static BroadcastResponse View(BroadcastReport report, TimeZoneInfo zone, bool anyWorker)
    {
        var b = report.Broadcast;
        var c = report.Counts;
        var waitingForWorker = WaitsForWorker(b.Status, anyWorker);
        return new BroadcastResponse(b.Id, b.Title, b.Status, b.Urgent, b.TemplateKey, b.Texts, new AudienceResponse(b.Topics, b.Regions, b.Languages),
            Local(b.SendAt, zone), b.RepeatCron, report.NextOccurrenceAt is { } next ? Local(next, zone) : null,
            b.CreatedBy, Local(b.CreatedAt, zone), b.ApprovedBy, Local(b.ApprovedAt, zone),
            b.RejectedBy, Local(b.RejectedAt, zone), b.RejectionReason,
            b.CanceledBy, Local(b.CanceledAt, zone), Local(b.FinishedAt, zone), b.Failure, b.EstimatedCost,
            waitingForWorker,
            waitingForWorker ? $"no worker is alive (no heartbeat in the last {WorkerLiveness.Window.TotalSeconds:0} s): this broadcast waits until Gateway.Worker runs" : null,
            report.Texts.Select(t => new TextResponse(t.Language, t.FallbackFrom, t.Prepared.Body, t.Prepared.Encoding, t.Prepared.Segments)).ToList(),
            new Dictionary<string, long>
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
            report.Occurrences.Select(o => new OccurrenceResponse(o.Id, Local(o.OccurrenceAt, zone), Local(o.DueAt, zone), o.Status, o.Planned,
                o.HeldForQuietHours, o.Deferred, o.SkippedOptedOut, o.SkippedInvalidNumber, o.SkippedSameText, Local(o.StartedAt, zone),
                Local(o.FannedOutAt, zone))).ToList());
    }

    private static DateTimeOffset Local(DateTimeOffset at, TimeZoneInfo zone) => TimeZoneInfo.ConvertTime(at, zone);

    private static DateTimeOffset Local(DateTime utc, TimeZoneInfo zone) => Local(new DateTimeOffset(utc), zone);

    private static DateTimeOffset? Local(DateTime? utc, TimeZoneInfo zone) => utc is { } value ? Local(value, zone) : null;
}
