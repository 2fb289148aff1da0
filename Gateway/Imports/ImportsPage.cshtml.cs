using Gateway.Admin;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Gateway.Imports;

/// <summary>
/// /imports (admins and editors): choose a list and check it; the file goes to <see cref="ImportUploadEndpoint"/>, which
/// streams it in and shows its report on /imports/{id}. Below, the latest lists (everyone's for admins, one's own otherwise).
/// </summary>
[Authorize(Policy = AdminPolicies.Edit)]
public sealed class ImportsPage(ImportRecords records) : PageModel
{
    public IReadOnlyList<ImportRecord> Imports { get; private set; } = [];

    /// <summary>Why the last upload was refused (after the redirect), in the API's words.</summary>
    [BindProperty(SupportsGet = true)]
    public string? Problem { get; set; }

    public async Task OnGetAsync(CancellationToken ct)
    {
        var caller = User.Caller();
        Imports = await records.ListAsync(caller.IsInRole(Roles.Admin) ? null : caller.Name, 30, ct);
        if (Problem is { Length: > 300 }) Problem = Problem[..300];
    }
}
