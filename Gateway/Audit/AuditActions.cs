namespace Gateway.Audit;

/// <summary>
/// What the audit log records, as "slice.verb" names. A slice that adds a staff action adds its name here (and a text
/// "audit.action.&lt;name&gt;" in Audit/audit.texts.yaml, so the Audit page shows it in both languages).
/// </summary>
public static class AuditActions
{
    public const string SignIn = "staff.sign_in";
    public const string SignInFailed = "staff.sign_in_failed";
    public const string LockedOut = "staff.locked_out";
    public const string SignOut = "staff.sign_out";
    public const string StaffCreated = "staff.created";
    public const string StaffDisabled = "staff.disabled";
    public const string StaffEnabled = "staff.enabled";
    public const string PasswordReset = "staff.password_reset";
    public const string RolesChanged = "staff.roles_changed";
    public const string SubscribersImported = "subscribers.imported";
    public const string ImportDiscarded = "subscribers.import_discarded";
    public const string SubscribersExported = "subscribers.exported";
    public const string ConsentExported = "subscribers.consent_exported";
    public const string BroadcastCreated = "broadcast.created";
    public const string BroadcastApproved = "broadcast.approved";
    /// <summary>An admin approved a broadcast whose estimate exceeds what remains of SMS_MONTHLY_BUDGET (detail: the figures).</summary>
    public const string BroadcastOverBudget = "broadcast.approved_over_budget";
    public const string BroadcastRejected = "broadcast.rejected";
    public const string BroadcastCanceled = "broadcast.canceled";
    /// <summary>A broadcast's delivery report downloaded (numbers masked).</summary>
    public const string ReportExported = "broadcast.report_exported";
    /// <summary>The residents a broadcast did not reach downloaded with full numbers (admins).</summary>
    public const string UnreachedExported = "broadcast.unreached_exported";
    /// <summary>A resident's full number shown in the console.</summary>
    public const string NumberShown = "resident.number_shown";
    public const string InboxMarkedHandled = "inbox.marked_handled";
    public const string ConversationClaimed = "conversation.claimed";
    /// <summary>A counsellor's reply queued (detail: its segments; never the text).</summary>
    public const string ConversationReplied = "conversation.replied";
    public const string ConversationNoteAdded = "conversation.note_added";
    /// <summary>Closed by a person or by the gateway (detail: the outcome).</summary>
    public const string ConversationClosed = "conversation.closed";
    /// <summary>An admin revealed a conversation's full number (detail: the reason given).</summary>
    public const string ConversationNumberShown = "conversation.number_shown";

    /// <summary>Every action this build records (the Audit page's texts are checked against it).</summary>
    public static readonly string[] All =
    [
        SignIn, SignInFailed, LockedOut, SignOut, StaffCreated, StaffDisabled, StaffEnabled, PasswordReset, RolesChanged,
        SubscribersImported, ImportDiscarded, SubscribersExported, ConsentExported,
        BroadcastCreated, BroadcastApproved, BroadcastOverBudget, BroadcastRejected, BroadcastCanceled, ReportExported, UnreachedExported,
        NumberShown, InboxMarkedHandled,
        ConversationClaimed, ConversationReplied, ConversationNoteAdded, ConversationClosed, ConversationNumberShown,
    ];
}
