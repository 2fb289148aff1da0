using Gateway.Admin;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Gateway.Audit;

/// <summary>/audit (admins): the audit log, newest first, <see cref="ListAuditEvents.DefaultPage"/> entries a page.</summary>
[Authorize(Policy = AdminPolicies.Administer)]
public sealed class AuditPage(ListAuditEvents list) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public long? Before { get; set; }

    public IReadOnlyList<AuditEvent> Events { get; private set; } = [];

    /// <summary>Where the next (older) page starts, when there may be one.</summary>
    public long? Older => Events.Count == ListAuditEvents.DefaultPage ? Events[^1].Id : null;

    public async Task OnGetAsync(CancellationToken ct) => Events = await list.HandleAsync(Before, ListAuditEvents.DefaultPage, ct);
}
