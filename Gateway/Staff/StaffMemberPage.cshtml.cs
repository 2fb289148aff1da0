using Gateway.Audit;
using Gateway.Admin;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Gateway.Staff;

/// <summary>/staff/{name} (admins): one person; change roles and regions, reset the password, disable or enable.</summary>
[Authorize(Policy = AdminPolicies.Administer)]
public sealed class StaffMemberPage(StaffAccounts accounts, ManageStaff manage, TimeProvider clock) : PageModel
{
    public StaffMember? Member { get; private set; }

    [BindProperty] public List<string> Roles { get; set; } = [];
    [BindProperty] public string? Regions { get; set; }
    [BindProperty] public string? Password { get; set; }

    /// <summary>What was just changed (roles, password, disabled, enabled), after the redirect that follows a post.</summary>
    [BindProperty(SupportsGet = true)]
    public string? Done { get; set; }

    public StaffProblem? Problem { get; private set; }

    public string Status => Member!.IsDisabled ? "disabled" : Member.IsLockedAt(clock.GetUtcNow()) ? "locked" : "active";

    private static readonly string[] Changes = ["roles", "password", "disabled", "enabled"];

    public async Task<IActionResult> OnGetAsync(string name, CancellationToken ct)
    {
        if (Done is not null && !Changes.Contains(Done)) Done = null;
        Member = await accounts.FindAsync(name, ct);
        return Member is null ? NotFound() : Page();
    }

    public Task<IActionResult> OnPostRolesAsync(string name, CancellationToken ct) =>
        ShowAsync(name, "roles", manage.ChangeRolesAsync(AuditActor.Of(HttpContext), name, Roles, StaffForm.Regions(Regions), ct), ct);

    public Task<IActionResult> OnPostPasswordAsync(string name, CancellationToken ct) =>
        ShowAsync(name, "password", manage.ResetPasswordAsync(AuditActor.Of(HttpContext), name, Password, ct), ct);

    public Task<IActionResult> OnPostDisableAsync(string name, CancellationToken ct) =>
        ShowAsync(name, "disabled", manage.DisableAsync(AuditActor.Of(HttpContext), name, ct), ct);

    public Task<IActionResult> OnPostEnableAsync(string name, CancellationToken ct) =>
        ShowAsync(name, "enabled", manage.EnableAsync(AuditActor.Of(HttpContext), name, ct), ct);

    private async Task<IActionResult> ShowAsync(string name, string done, Task<StaffChange> changing, CancellationToken ct)
    {
        var change = await changing;
        if (change.Outcome == StaffChangeOutcome.NotFound) return NotFound();
        if (change.Outcome is StaffChangeOutcome.Done or StaffChangeOutcome.Unchanged)
            return Redirect($"/staff/{Uri.EscapeDataString(change.Member!.Name)}?done={done}");
        Problem = change.Problem;
        Password = null;
        Done = null;
        Member = await accounts.FindAsync(name, ct);
        return Member is null ? NotFound() : Page();
    }
}
