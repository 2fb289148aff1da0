using Gateway.Admin;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Gateway.Imports;

/// <summary>
/// /imports/{id} (admins, and the editor who uploaded it): the report, group by group with what happens to each; for a
/// checked list the Confirm and Discard buttons; while the job runs, its progress (rows done of rows) and a link to
/// look again (no automatic refresh: axe counts a timed refresh as a barrier); then what it did.
/// </summary>
[Authorize(Policy = AdminPolicies.Edit)]
public sealed class ImportPage(ManageImports manage) : PageModel
{
    /// <summary>The invalid rows listed on the page (the API lists up to <see cref="ReadImportFile.MaxInvalidListed"/>).</summary>
    public const int InvalidShown = 200;

    public ImportRecord? Import { get; private set; }

    /// <summary>confirmed or discarded, after the redirect that follows the button.</summary>
    [BindProperty(SupportsGet = true)]
    public string? Done { get; set; }

    public async Task<IActionResult> OnGetAsync(long id, CancellationToken ct)
    {
        Import = await manage.FindAsync(User.Caller(), id, ct);
        if (Done is not ("confirmed" or "discarded")) Done = null;
        return Import is null ? NotFound() : Page();
    }

    public async Task<IActionResult> OnPostConfirmAsync(long id, CancellationToken ct) =>
        After(id, await manage.ConfirmAsync(HttpContext, id, ct), "confirmed");

    public async Task<IActionResult> OnPostDiscardAsync(long id, CancellationToken ct) =>
        After(id, await manage.DiscardAsync(HttpContext, id, ct), "discarded");

    private IActionResult After(long id, ImportChange change, string done) => change switch
    {
        ImportChange.NotFound => NotFound(),
        ImportChange.Done => Redirect($"/imports/{id}?done={done}"),
        _ => Redirect($"/imports/{id}"),
    };
}
