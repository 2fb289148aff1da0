using Gateway.Admin;
using Gateway.Audit;
using Gateway.Subscriptions;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Gateway.Inbound;

/// <summary>
/// /inbox (everyone signed in, within their regions): the messages the gateway did not understand (or could not handle),
/// newest first, as GET /api/inbox?unhandled=true lists them, with "Mark handled" (POST /api/inbox/{id}/handled) for
/// everyone but viewers. Numbers are masked; each links to the resident's page, where a number can be shown (audited).
/// </summary>
public sealed class InboxPage(ListInbox list, MarkInboxMessageHandled mark, GetSubscriber subscribers) : PageModel
{
    public const int PageSize = 50;

    [BindProperty(SupportsGet = true)] public long? Before { get; set; }

    /// <summary>"handled" after a message was marked.</summary>
    [BindProperty(SupportsGet = true)] public string? Done { get; set; }

    public IReadOnlyList<InboxMessage> Messages { get; private set; } = [];

    /// <summary>The residents' ids by number, for links to their pages.</summary>
    public IReadOnlyDictionary<string, long> Residents { get; private set; } = new Dictionary<string, long>();

    public long? Older => Messages.Count == PageSize ? Messages[^1].Id : null;

    public bool MayMark => User.Caller().Roles.Any(r => r != Roles.Viewer);

    public async Task OnGetAsync(CancellationToken ct)
    {
        if (Done != "handled") Done = null;
        Messages = await list.HandleAsync(unhandled: true, Before, PageSize, User.Caller().Regions.Regions, User.Caller().SeesCounselling, ct);
        Residents = await subscribers.IdsAsync(Messages.Select(m => m.Phone), ct);
    }

    public async Task<IActionResult> OnPostMarkHandledAsync(long id, CancellationToken ct)
    {
        if (!MayMark) return Forbid();
        return await mark.HandleAsync(id, AuditActor.Of(HttpContext), User.Caller().Regions, ct) is null
            ? NotFound()
            : Redirect(Before is { } before ? $"/inbox?done=handled&before={before}" : "/inbox?done=handled");
    }
}
