using Gateway.Phones;

namespace Gateway.Support;

/// <summary>A resident asked for a person. Priority high = crisis words (when the request opened, or later in its
/// conversation): counsellors take these first.</summary>
public static class SupportPriority
{
    public const string High = "high";
    public const string Normal = "normal";
}

public static class SupportReason
{
    /// <summary>Crisis words in an SMS (always high priority).</summary>
    public const string Crisis = "crisis";
    /// <summary>TALK / 倾诉 by SMS.</summary>
    public const string Talk = "talk";
    /// <summary>"Call me back" from the USSD menu.</summary>
    public const string Callback = "callback";
}

/// <summary>How a conversation ended. A counsellor chooses one of <see cref="Chosen"/>; the gateway writes the others.</summary>
public static class SupportOutcome
{
    public const string Resolved = "resolved";
    public const string Referred = "referred";
    /// <summary>The counsellor's choice, or the gateway's after <see cref="SupportTimeLimits.QuietConversation"/> without a message.</summary>
    public const string NoResponse = "no_response";
    public const string Other = "other";
    /// <summary>The resident's opt-out closed it (only the gateway writes this).</summary>
    public const string OptedOut = "opted_out";

    /// <summary>What a counsellor may choose when closing.</summary>
    public static readonly string[] Chosen = [Resolved, Referred, NoResponse, Other];
}

/// <summary>Where a request stands: waiting (open, nobody claimed it), claimed (a conversation), closed.</summary>
public static class SupportStatus
{
    public const string Open = "open";
    public const string Claimed = "claimed";
    public const string Closed = "closed";
    public const string All = "all";

    public static readonly string[] Filters = [Open, Claimed, Closed, All];
}

/// <summary>
/// A support request as counsellors see it. <see cref="Phone"/> is the full number, for the gateway's own use only:
/// what a person sees is <see cref="Name"/> and <see cref="MaskedPhone"/> (an admin may reveal the number, audited).
/// Times are UTC.
/// </summary>
public sealed record SupportRequest(long Id, long? SubscriberId, string Phone, string Priority, string Reason, string Channel, string Status,
    string? Language, DateTime CreatedAt, string? ClaimedBy, DateTime? ClaimedAt, DateTime? ClosedAt, string? ClosedBy,
    string? Outcome, DateTime? LastMessageAt, int Escalations)
{
    public bool Crisis => Priority == SupportPriority.High;

    public bool IsClosed => Status == SupportStatus.Closed;

    public bool IsClaimed => ClaimedBy is not null;

    /// <summary>open (waiting), claimed or closed.</summary>
    public string State => IsClosed ? SupportStatus.Closed : IsClaimed ? SupportStatus.Claimed : SupportStatus.Open;

    /// <summary>What counsellors call the resident: a name that says nothing about the number.</summary>
    public string Name => ConversationName(Id);

    public string MaskedPhone => Gateway.Phones.Phone.Mask(Phone);

    /// <summary>The number in the name, as pages show it in either language ("Resident 0017", "居民 0017").</summary>
    public string Number => Id.ToString("D4", System.Globalization.CultureInfo.InvariantCulture);

    public static string ConversationName(long id) => $"Resident {id:D4}";
}
