namespace Gateway.Support;

/// <summary>A resident asked for a person. Priority high = crisis words: counsellors take these first.</summary>
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

/// <summary>A support request as counsellors see it.</summary>
public sealed record SupportRequest(long Id, string Phone, string Priority, string Reason, string Channel, string Status,
    string? Language, string? Message, DateTime CreatedAt, DateTime? ClosedAt, string? ClosedBy);
