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

    /// <summary>Every action this build records (the Audit page's texts are checked against it).</summary>
    public static readonly string[] All = [SignIn, SignInFailed, LockedOut, SignOut, StaffCreated, StaffDisabled, StaffEnabled, PasswordReset, RolesChanged,
        SubscribersImported, ImportDiscarded, SubscribersExported, ConsentExported];
}
