using Gateway.Admin;
using Gateway.Audit;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Gateway.Support;

/// <summary>
/// /support/{id} (counsellors, admins): one request or conversation. Its messages, oldest first, each of ours with its
/// delivery status; <c>Claim</c> while it waits; <c>Reply</c> and <c>Send</c> for the counsellor who claimed it; private
/// notes; <c>Close conversation</c> with an <c>Outcome</c>. Each form calls the operation behind the API's route. The
/// number is masked; an admin may show it, stating why (audited).
/// </summary>
[Authorize(Policy = AdminPolicies.Counsel)]
public sealed class ConversationPage(ListSupportRequests list, ConversationMessages messages, ConversationNotes notes, ClaimSupportRequest claim,
    CloseSupportRequest close, AuditLog audit) : PageModel
{
    public SupportRequest Conversation { get; private set; } = null!;

    public IReadOnlyList<ConversationMessage> Messages { get; private set; } = [];

    public IReadOnlyList<ConversationNote> Notes { get; private set; } = [];

    [BindProperty] public string? Text { get; set; }

    [BindProperty] public string? Note { get; set; }

    [BindProperty] public string? Outcome { get; set; }

    [BindProperty] public string? Reason { get; set; }

    /// <summary>sent, noted, closed or claimed, after the redirect that follows it.</summary>
    [BindProperty(SupportsGet = true)] public string? Done { get; set; }

    /// <summary>The field a problem is about, and the text key saying what (with its arguments).</summary>
    public (string Field, string TextKey, object[] Args)? Problem { get; private set; }

    /// <summary>The full number, after an admin's Show number.</summary>
    public string? ShownNumber { get; private set; }

    public bool IsMine => Conversation.IsClaimed && !Conversation.IsClosed && string.Equals(Conversation.ClaimedBy, User.Caller().Name, StringComparison.OrdinalIgnoreCase);

    public bool MayClose => !Conversation.IsClosed && (!Conversation.IsClaimed || IsMine || User.Caller().IsInRole(Roles.Admin));

    public bool MayShowNumber => User.Caller().IsInRole(Roles.Admin);

    public async Task<IActionResult> OnGetAsync(long id, CancellationToken ct)
    {
        if (Done is not ("sent" or "noted" or "closed" or "claimed")) Done = null;
        return await LoadAsync(id, ct) ? Page() : NotFound();
    }

    public async Task<IActionResult> OnPostClaimAsync(long id, CancellationToken ct)
    {
        var result = await claim.HandleAsync(id, HttpContext, ct);
        if (result.Outcome == ClaimOutcome.NotFound) return NotFound();
        if (result.Outcome == ClaimOutcome.Claimed) return Redirect($"/support/{id}?done=claimed");
        return await AgainAsync(id, ("claim", result.Outcome == ClaimOutcome.Closed ? "support.conversation.closed_already" : "support.conversation.claimed_by_other",
            [result.Request?.ClaimedBy ?? ""]), ct);
    }

    public async Task<IActionResult> OnPostReplyAsync(long id, CancellationToken ct)
    {
        var result = await messages.ReplyAsync(id, Text, HttpContext, ct);
        return result.Outcome switch
        {
            ReplyOutcome.Queued => Redirect($"/support/{id}?done=sent#reply"),
            ReplyOutcome.NotFound => NotFound(),
            ReplyOutcome.Empty => await AgainAsync(id, ("reply", "support.conversation.reply_empty", []), ct),
            ReplyOutcome.TooLong => await AgainAsync(id, ("reply", "support.conversation.reply_too_long", [result.Segments, ConversationMessages.MaxSegments]), ct),
            _ => await AgainAsync(id, ("reply", "support.conversation.not_yours", []), ct),
        };
    }

    public async Task<IActionResult> OnPostNoteAsync(long id, CancellationToken ct)
    {
        if (await list.FindAsync(id, User.Caller().Regions.Regions, ct) is null) return NotFound();
        var text = Note?.Trim();
        if (string.IsNullOrEmpty(text) || text.Length > ConversationNotes.MaxLength)
            return await AgainAsync(id, ("note", "support.conversation.note_required", [ConversationNotes.MaxLength]), ct);
        await notes.AddAsync(id, User.Caller().Name, text, ct);
        await audit.RecordAsync(HttpContext, AuditActions.ConversationNoteAdded, $"conversation {id}", ct: ct);
        return Redirect($"/support/{id}?done=noted#notes");
    }

    public async Task<IActionResult> OnPostCloseAsync(long id, CancellationToken ct)
    {
        if (Outcome is null || !SupportOutcome.Chosen.Contains(Outcome))
            return await AgainAsync(id, ("outcome", "support.conversation.outcome_required", []), ct);
        if (Note is { Length: > ConversationNotes.MaxLength })
            return await AgainAsync(id, ("close-note", "support.conversation.note_required", [ConversationNotes.MaxLength]), ct);
        var result = await close.HandleAsync(id, Outcome, Note, HttpContext, ct);
        return result.Outcome switch
        {
            CloseOutcome.Closed => Redirect($"/support/{id}?done=closed"),
            CloseOutcome.NotFound => NotFound(),
            CloseOutcome.AlreadyClosed => await AgainAsync(id, ("outcome", "support.conversation.closed_already", []), ct),
            _ => await AgainAsync(id, ("outcome", "support.conversation.not_yours", []), ct),
        };
    }

    public async Task<IActionResult> OnPostShowNumberAsync(long id, CancellationToken ct)
    {
        if (!MayShowNumber) return Forbid();
        if (!await LoadAsync(id, ct)) return NotFound();
        var reason = Reason?.Trim();
        if (string.IsNullOrEmpty(reason))
        {
            Problem = ("reason", "support.conversation.reason_required", []);
            Response.StatusCode = StatusCodes.Status422UnprocessableEntity;
            return Page();
        }
        await audit.RecordAsync(HttpContext, AuditActions.ConversationNumberShown, $"conversation {id} ({Conversation.MaskedPhone})", reason, ct);
        ShownNumber = Conversation.Phone;
        return Page();
    }

    private async Task<IActionResult> AgainAsync(long id, (string Field, string TextKey, object[] Args) problem, CancellationToken ct)
    {
        if (!await LoadAsync(id, ct)) return NotFound();
        Problem = problem;
        Response.StatusCode = problem.TextKey is "support.conversation.not_yours" or "support.conversation.claimed_by_other" or "support.conversation.closed_already"
            ? StatusCodes.Status409Conflict : StatusCodes.Status422UnprocessableEntity;
        return Page();
    }

    private async Task<bool> LoadAsync(long id, CancellationToken ct)
    {
        if (await list.FindAsync(id, User.Caller().Regions.Regions, ct) is not { } request) return false;
        Conversation = request;
        Messages = await messages.ListAsync(id, ct);
        Notes = await notes.ListAsync(id, ct);
        return true;
    }
}
