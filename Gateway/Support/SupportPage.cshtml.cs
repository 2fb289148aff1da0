using Gateway.Admin;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Gateway.Support;

/// <summary>
/// /support (counsellors, admins): the queue as GET /api/support/requests lists it: waiting requests, crisis first, then
/// oldest first, each with how long it has waited and the resident's language, and <c>Claim</c>; then the conversations
/// going on. A resident is a conversation name and a masked number.
/// </summary>
[Authorize(Policy = AdminPolicies.Counsel)]
public sealed class SupportPage(ListSupportRequests list, ClaimSupportRequest claim, TimeProvider clock) : PageModel
{
    public const int Shown = 100;

    public IReadOnlyList<SupportRequest> Waiting { get; private set; } = [];

    public IReadOnlyList<SupportRequest> Conversations { get; private set; } = [];

    /// <summary>Who claimed the request this person just tried to claim, when someone else was first.</summary>
    public SupportRequest? Taken { get; private set; }

    public DateTimeOffset Now => clock.GetUtcNow();

    public async Task OnGetAsync(CancellationToken ct) => await LoadAsync(ct);

    public async Task<IActionResult> OnPostClaimAsync(long id, CancellationToken ct)
    {
        var result = await claim.HandleAsync(id, HttpContext, ct);
        if (result.Outcome == ClaimOutcome.NotFound) return NotFound();
        if (result.Outcome == ClaimOutcome.Claimed)
            return Redirect($"/support/{id}?done=claimed");
        if (string.Equals(result.Request?.ClaimedBy, User.Caller().Name, StringComparison.OrdinalIgnoreCase))
            return Redirect($"/support/{id}");
        Taken = result.Request;
        Response.StatusCode = StatusCodes.Status409Conflict;
        await LoadAsync(ct);
        return Page();
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        var regions = User.Caller().Regions.Regions;
        Waiting = await list.HandleAsync(SupportStatus.Open, Shown, regions, ct);
        Conversations = await list.HandleAsync(SupportStatus.Claimed, Shown, regions, ct);
    }

    /// <summary>How long since <paramref name="since"/>, in whole hours and minutes.</summary>
    public static (int Hours, int Minutes) Waited(DateTime since, DateTimeOffset now)
    {
        var span = now - new DateTimeOffset(DateTime.SpecifyKind(since, DateTimeKind.Utc));
        if (span < TimeSpan.Zero) span = TimeSpan.Zero;
        return ((int)span.TotalHours, span.Minutes);
    }
}
