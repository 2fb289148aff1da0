namespace Gateway.Delivery;

/// <summary>
/// The status of an outbound message row, as stored in outbound_messages.status. For counting a broadcast:
/// waiting = queued + sending + ambiguous; handed to the provider = sent + delivered + undelivered + failed;
/// never sent = expired + skipped_opted_out + skipped_invalid_number + canceled.
/// </summary>
public static class OutboundStatus
{
    /// <summary>Waiting for its turn (due time, priority, pacing), also between retries.</summary>
    public const string Queued = "queued";
    /// <summary>Claimed by a dispatcher and being handed to the provider.</summary>
    public const string Sending = "sending";
    /// <summary>The provider accepted it (it is charged); delivery reports may follow.</summary>
    public const string Sent = "sent";
    /// <summary>The handset received it (provider's delivery report).</summary>
    public const string Delivered = "delivered";
    /// <summary>The carrier could not deliver it (provider's report; error_code says why).</summary>
    public const string Undelivered = "undelivered";
    /// <summary>Refused or failed for good (error_code and last_error say why).</summary>
    public const string Failed = "failed";
    /// <summary>Its validity passed before it could be sent; it never will be.</summary>
    public const string Expired = "expired";
    /// <summary>Not sent: the number opted out (with us, or at the carrier: error_code 21610).</summary>
    public const string SkippedOptedOut = "skipped_opted_out";
    /// <summary>Not sent: the number cannot receive SMS (see phone_number_problems).</summary>
    public const string SkippedInvalidNumber = "skipped_invalid_number";
    /// <summary>We cannot tell whether the provider got it (timeout after sending, 5xx, worker crash): being reconciled.</summary>
    public const string Ambiguous = "ambiguous";
    /// <summary>Canceled before it was handed to the provider (e.g. a broadcast stopped).</summary>
    public const string Canceled = "canceled";
}

/// <summary>Which messages go first. Lower is sooner; a million-row broadcast never delays a reply.</summary>
public enum MessagePriority : short
{
    /// <summary>Replies, crisis messages, opt-in/opt-out confirmations.</summary>
    Critical = 0,
    /// <summary>Content a resident asked for just now (NEXT lesson).</summary>
    Normal = 1,
    /// <summary>Broadcasts, daily tips, scheduled lessons.</summary>
    Bulk = 2,
}

/// <summary>What a message is, for reporting and for the opt-out rule. Producers may add kinds (lower-case words).</summary>
public static class MessageKinds
{
    public const string Reply = "reply";
    public const string Crisis = "crisis";
    public const string Confirmation = "confirmation";
    /// <summary>The one confirmation after STOP: the only kind sent to a number that opted out.</summary>
    public const string OptOutConfirmation = "opt_out_confirmation";
    public const string Lesson = "lesson";
    public const string Tip = "tip";
    public const string Broadcast = "broadcast";
    /// <summary>The one SMS asking a resident imported from a list to reply YES (Imports/ApplyImport).</summary>
    public const string ImportConfirmation = "import_confirmation";
}
