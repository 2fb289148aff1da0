using Gateway.Audit;
using Gateway.Admin;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Gateway.Staff;

/// <summary>/staff (admins): everyone who can sign in, and the form to add a colleague.</summary>
[Authorize(Policy = AdminPolicies.Administer)]
public sealed class StaffPage(StaffAccounts accounts, ManageStaff manage, TimeProvider clock) : PageModel
{
    public IReadOnlyList<StaffMember> Members { get; private set; } = [];

    [BindProperty] public string? Name { get; set; }
    [BindProperty] public string? DisplayName { get; set; }
    [BindProperty] public List<string> Roles { get; set; } = [];
    [BindProperty] public string? Regions { get; set; }
    [BindProperty] public string? Password { get; set; }

    /// <summary>The name just added (after the redirect that follows a successful post).</summary>
    [BindProperty(SupportsGet = true)]
    public string? Added { get; set; }

    public StaffProblem? Problem { get; private set; }

    /// <summary>active, disabled or locked.</summary>
    public string StatusOf(StaffMember member) =>
        member.IsDisabled ? "disabled" : member.IsLockedAt(clock.GetUtcNow()) ? "locked" : "active";

    public async Task OnGetAsync(CancellationToken ct) => Members = await accounts.ListAsync(ct);

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        var change = await manage.CreateAsync(AuditActor.Of(HttpContext), new StaffDraft(Name, DisplayName, Roles, StaffForm.Regions(Regions), Password), ct);
        if (change.Outcome == StaffChangeOutcome.Done)
            return Redirect($"/staff?added={Uri.EscapeDataString(change.Member!.Name)}");
        Problem = change.Problem;
        Password = null;
        Added = null;
        Members = await accounts.ListAsync(ct);
        return Page();
    }
}
