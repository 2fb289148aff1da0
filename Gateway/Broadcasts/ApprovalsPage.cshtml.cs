using Gateway.Admin;
using Gateway.Audit;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Gateway.Broadcasts;

/// <summary>A broadcast waiting for approval, with what it would do if approved now (the preview) and its month's budget.</summary>
public sealed record WaitingBroadcast(Broadcast Broadcast, BroadcastPreview Preview, BudgetCheck? Budget);

/// <summary>
/// /approvals (approvers, admins): broadcasts waiting for a second person, oldest first, each with exactly what it will
/// send per language, to how many residents, at what cost and when (<see cref="PreviewBroadcast"/>, as POST
/// /api/broadcasts/preview counts it, per route too when SMS_ROUTES has several), and its month's budget. Approve, or Reject with a reason, call the operations
/// behind POST /api/broadcasts/{id}/approve and /reject: a creator sees neither button on their own broadcast, and the
/// operations refuse it anyway. Over the budget, only an admin approves, by ticking the override.
/// </summary>
[Authorize(Policy = AdminPolicies.Approve)]
public sealed class ApprovalsPage(ListBroadcasts list, PreviewBroadcast preview, MonthlyBudget budget, ApproveBroadcast approve,
    RejectBroadcast reject, TimeProvider clock) : PageModel
{
    public const int Shown = 20;

    public IReadOnlyList<WaitingBroadcast> Waiting { get; private set; } = [];

    /// <summary>approved or rejected, after the redirect that follows it; <see cref="DoneId"/> names the broadcast.</summary>
    [BindProperty(SupportsGet = true)] public string? Done { get; set; }

    [BindProperty(SupportsGet = true)] public long? DoneId { get; set; }

    /// <summary>The broadcast a refused action was about, and why (a text key "approvals.problem.…").</summary>
    public (long Id, string Key)? Problem { get; private set; }

    /// <summary>The reason typed, kept when the rejection was refused.</summary>
    public string? Reason { get; private set; }

    public bool IsAdmin => User.IsInRole(Roles.Admin);

    public bool IsOwn(Broadcast broadcast) => StaffName.Same(broadcast.CreatedBy, User.Caller().Name);

    public async Task OnGetAsync(CancellationToken ct)
    {
        if (Done is not ("approved" or "rejected")) Done = null;
        await LoadAsync(ct);
    }

    public async Task<IActionResult> OnPostApproveAsync(long id, bool overBudget, CancellationToken ct)
    {
        var approval = await approve.HandleAsync(id, AuditActor.Of(HttpContext), IsAdmin, overBudget, ct);
        if (approval.Outcome == ApprovalOutcome.NotFound) return NotFound();
        if (approval.Outcome == ApprovalOutcome.Approved) return Redirect($"/approvals?done=approved&doneId={id}");
        Problem = (id, approval.Outcome switch
        {
            ApprovalOutcome.OwnBroadcast => "own",
            ApprovalOutcome.NotPending => "not_pending",
            _ => IsAdmin ? "over_budget" : "over_budget_admin_only",
        });
        await LoadAsync(ct);
        return Page();
    }

    public async Task<IActionResult> OnPostRejectAsync(long id, string? reason, CancellationToken ct)
    {
        if (RejectBroadcast.Problem(reason) is not null)
        {
            Problem = (id, string.IsNullOrWhiteSpace(reason) ? "reason_required" : "reason_too_long");
            Reason = reason;
            await LoadAsync(ct);
            return Page();
        }
        var (outcome, _) = await reject.HandleAsync(id, AuditActor.Of(HttpContext), reason!, ct);
        if (outcome == RejectionOutcome.NotFound) return NotFound();
        if (outcome == RejectionOutcome.Rejected) return Redirect($"/approvals?done=rejected&doneId={id}");
        Problem = (id, outcome == RejectionOutcome.OwnBroadcast ? "own" : "not_pending");
        await LoadAsync(ct);
        return Page();
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var waiting = new List<WaitingBroadcast>();
        foreach (var broadcast in await list.PendingAsync(Shown, ct))
        {
            var draft = broadcast.ToDraft(now);
            var counted = await preview.HandleAsync(draft, ct);
            waiting.Add(new WaitingBroadcast(broadcast, counted, await budget.CheckAsync(draft, counted, excluding: broadcast.Id, ct)));
        }
        Waiting = waiting;
    }
}
