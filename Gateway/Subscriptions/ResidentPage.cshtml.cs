using Gateway.Admin;
using Gateway.Audit;
using Gateway.Delivery;
using Gateway.Inbound;
using Gateway.Lessons;
using Gateway.Phones;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Gateway.Subscriptions;

/// <summary>
/// One line of a resident's conversation, At in UTC: what they sent (<paramref name="In"/>), the answer given to it at once
/// (a reply on the webhook's own answer: <paramref name="Incoming"/> false, In set, Out null), or a message the gateway
/// queued for them (<paramref name="Out"/>).
/// </summary>
public sealed record ConversationEntry(DateTime At, bool Incoming, string Body, ResidentMessage? In, ResidentDelivery? Out)
{
    public bool IsReply => !Incoming && In is not null;
}

/// <summary>
/// /residents/{id} (everyone signed in, within their regions): a resident as the admin API reads them (GetSubscriber,
/// ListCoursePositions, ListConsentEvents), with their conversation: messages in and out, with what became of each. The
/// number is masked; anyone but a viewer may press "Show number", which is audited, to see it in full on that page.
/// </summary>
public sealed class ResidentPage(GetSubscriber get, ListCoursePositions positions, ListConsentEvents consent, ListMessagesFrom messagesFrom,
    ListMessagesTo messagesTo, AuditLog audit) : PageModel
{
    /// <summary>Lines of the conversation shown: the newest, both ways.</summary>
    public const int ConversationShown = 50;

    public SubscriberProfile Resident { get; private set; } = null!;

    public IReadOnlyList<CoursePosition> Courses { get; private set; } = [];

    public IReadOnlyList<ConsentEvent> Consent { get; private set; } = [];

    public IReadOnlyList<ConversationEntry> Conversation { get; private set; } = [];

    /// <summary>The full number, after "Show number"; otherwise masked.</summary>
    public string Number => NumberShown ? Resident.Phone : Phone.Mask(Resident.Phone);

    public bool NumberShown { get; private set; }

    /// <summary>Viewers see numbers masked, always; other roles may unmask one, on the record.</summary>
    public bool MayShowNumber => User.Caller().Roles.Any(r => r != Roles.Viewer) && User.Caller().SeesFullNumbers;

    public async Task<IActionResult> OnGetAsync(long id, CancellationToken ct) => await LoadAsync(id, ct) ? Page() : NotFound();

    public async Task<IActionResult> OnPostShowNumberAsync(long id, CancellationToken ct)
    {
        if (!MayShowNumber) return Forbid();
        if (!await LoadAsync(id, ct)) return NotFound();
        await audit.RecordAsync(HttpContext, AuditActions.NumberShown, $"resident {id}", Phone.Mask(Resident.Phone), ct);
        NumberShown = true;
        return Page();
    }

    private async Task<bool> LoadAsync(long id, CancellationToken ct)
    {
        if (await get.HandleAsync(id, ct) is not { } resident || !User.Caller().Regions.Includes(resident.Region)) return false;
        Resident = resident;
        Courses = await positions.HandleAsync(resident.Phone, ct);
        Consent = await consent.HandleAsync(resident.Phone, ct);
        // What a resident says to a counsellor is for counsellors and admins only.
        var counselling = User.Caller().SeesCounselling;
        var incoming = await messagesFrom.HandleAsync(resident.Phone, ConversationShown, counselling, ct);
        var outgoing = await messagesTo.HandleAsync(resident.Id, resident.Phone, ConversationShown,
            counselling ? [] : [Support.CounsellingKinds.Reply, Support.CounsellingKinds.Notice, Support.CounsellingKinds.OncallAlert], ct);
        Conversation = incoming.Select(m => new ConversationEntry(m.ReceivedAt, true, m.Body, m, null))
            .Concat(incoming.Where(m => m.Reply is not null).Select(m => new ConversationEntry(m.HandledAt ?? m.ReceivedAt, false, m.Reply!, m, null)))
            .Concat(outgoing.Select(m => new ConversationEntry(m.At, false, m.Body, null, m)))
            .OrderByDescending(e => e.At).ThenBy(e => e.Incoming).Take(ConversationShown).ToList();
        return true;
    }
}
