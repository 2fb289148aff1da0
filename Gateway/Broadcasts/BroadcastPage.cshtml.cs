using Gateway.Admin;
using Gateway.Audit;
using Gateway.Hosting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Gateway.Broadcasts;

/// <summary>
/// /broadcasts/{id} (everyone signed in): one broadcast as <see cref="GetBroadcast"/> reads it for GET /api/broadcasts/{id}
/// (counts from the tallies, so a million-message broadcast loads as fast as a small one): its texts as sent, audience,
/// who created, approved or rejected it and when, its progress (refreshed by the console's script while it sends, from
/// the Progress handler), its occurrences, its reports, and "Cancel broadcast" behind a confirmation. With more than one
/// route (SMS_ROUTES), its messages and cost per route: while it waits for approval, what <see cref="PreviewBroadcast"/>
/// counts now (as the approvals page and POST /api/broadcasts/preview do); once approved, the routes as that same
/// preview estimated them at approval (kept with the broadcast beside its estimated cost).
/// </summary>
public sealed class BroadcastPage(GetBroadcast get, CancelBroadcast cancel, WorkerLiveness workers, PreviewBroadcast preview,
    TimeProvider clock) : PageModel
{
    public BroadcastReport Report { get; private set; } = null!;

    public Broadcast Broadcast => Report.Broadcast;

    public bool WaitingForWorker { get; private set; }

    /// <summary>What was just done (submitted, approved, rejected, canceled), after the redirect that follows it.</summary>
    [BindProperty(SupportsGet = true)] public string? Done { get; set; }

    /// <summary>"cancel" once "Cancel broadcast" was pressed: the page asks to confirm.</summary>
    [BindProperty(SupportsGet = true)] public string? Confirm { get; set; }

    private static readonly string[] Dones = ["submitted", "approved", "rejected", "canceled", "finished"];

    public bool MayCancel => User.IsInRole(Roles.Admin) || User.IsInRole(Roles.Editor) || User.IsInRole(Roles.Approver);

    public bool CanCancel => MayCancel && BroadcastStatus.Live.Contains(Broadcast.Status);

    /// <summary>While the broadcast may still change by itself, the script refreshes its progress.</summary>
    public bool IsMoving => Broadcast.Status is BroadcastStatus.Approved or BroadcastStatus.Sending;

    /// <summary>The routes' figures: counted now while pending approval, as estimated at approval after it (empty before 0175).</summary>
    public RouteFigures Routes { get; private set; } = new([], "broadcasts.routes.caption_approval");

    public async Task<IActionResult> OnGetAsync(long id, CancellationToken ct)
    {
        if (Done is not null && !Dones.Contains(Done)) Done = null;
        if (!await LoadAsync(id, ct)) return NotFound();
        Routes = Broadcast.Status == BroadcastStatus.PendingApproval
            ? new((await preview.HandleAsync(Broadcast.ToDraft(clock.GetUtcNow()), ct)).Routes, "broadcasts.routes.caption_now")
            : new(Broadcast.RoutesAtApproval, "broadcasts.routes.caption_approval");
        return Page();
    }

    /// <summary>The progress section alone, for the script's polling.</summary>
    public async Task<IActionResult> OnGetProgressAsync(long id, CancellationToken ct) =>
        await LoadAsync(id, ct) ? Partial("/Broadcasts/_BroadcastProgress.cshtml", this) : NotFound();

    public async Task<IActionResult> OnPostCancelAsync(long id, CancellationToken ct)
    {
        if (!MayCancel) return Forbid();
        var (outcome, _, _) = await cancel.HandleAsync(id, AuditActor.Of(HttpContext), ct);
        return outcome switch
        {
            CancelOutcome.NotFound => NotFound(),
            CancelOutcome.Finished => Redirect($"/broadcasts/{id}?done=finished"),
            _ => Redirect($"/broadcasts/{id}?done=canceled"),
        };
    }

    private async Task<bool> LoadAsync(long id, CancellationToken ct)
    {
        if (await get.HandleAsync(id, ct) is not { } report) return false;
        Report = report;
        WaitingForWorker = BroadcastEndpoints.WaitsForWorker(report.Broadcast.Status, (await workers.ReadAsync(ct)).Count > 0);
        return true;
    }
}
