using System.Globalization;
using System.Text.RegularExpressions;
using Gateway.Delivery;

namespace Gateway.Providers.Kannel;

/// <summary>
/// Kannel's delivery report types (the dlr-url's %d; user guide "dlr-mask", gw/dlr.h), ranked so that a report never
/// moves a row backwards, the same way Twilio's statuses are (<see cref="RecordDeliveryReport"/> applies both):
/// <code>
///  8  accepted by the SMSC          rank 2, the row stays 'sent'
///  4  buffered (queued) at the SMSC  rank 3, the row stays 'sent'
/// 16  rejected by the SMSC          rank 4, 'failed'
///  2  not delivered to the phone    rank 4, 'undelivered'  (0x22 expired and 0x42 unknown carry this bit too)
///  1  delivered to the phone        rank 5, 'delivered'
/// </code>
/// The fake SMSC sends 8 and 1 for the same message in either order; a late 8 after 1 is stale and changes nothing.
/// </summary>
public static partial class KannelReports
{
    public const int Delivered = 1;
    public const int Undelivered = 2;
    public const int Buffered = 4;
    public const int AcceptedBySmsc = 8;
    public const int RejectedBySmsc = 16;

    /// <summary>The dlr-mask the provider asks for: every type above.</summary>
    public const int Mask = Delivered | Undelivered | Buffered | AcceptedBySmsc | RejectedBySmsc;

    /// <summary>
    /// A report in the gateway's terms, or null when <paramref name="type"/> carries none of Kannel's report bits.
    /// <paramref name="providerMessageId"/> is the id the provider made for the hand-off (Kannel has none of its own).
    /// </summary>
    public static DeliveryReport? ToReport(string providerMessageId, long messageId, int type, string? answer)
    {
        (int Rank, string? Outcome)? meaning =
            (type & Delivered) != 0 ? (5, OutboundStatus.Delivered)
            : (type & RejectedBySmsc) != 0 ? (4, OutboundStatus.Failed)
            : (type & Undelivered) != 0 ? (4, OutboundStatus.Undelivered)
            : (type & Buffered) != 0 ? (3, null)
            : (type & AcceptedBySmsc) != 0 ? (2, null)
            : null;
        if (meaning is not { } m) return null;
        return new DeliveryReport(KannelSmsProvider.ProviderName, providerMessageId, messageId, type.ToString(CultureInfo.InvariantCulture),
            m.Rank, m.Outcome, m.Outcome is null or OutboundStatus.Delivered ? null : ErrorCode(answer));
    }

    /// <summary>
    /// The SMSC's error, when its answer (%A) names one: an SMPP NACK ("NACK/0x00000045/Submit failed") or the err
    /// field of a delivery receipt ("id:… stat:UNDELIV err:001 text:…"). The rest of the answer quotes the message
    /// text, so it is not kept.
    /// </summary>
    public static string? ErrorCode(string? answer)
    {
        if (string.IsNullOrEmpty(answer)) return null;
        if (NackPattern().Match(answer) is { Success: true } nack) return "smpp " + nack.Groups[1].Value.ToLowerInvariant();
        if (ReceiptErrorPattern().Match(answer) is { Success: true } receipt && receipt.Groups[1].Value.Trim('0').Length > 0)
            return "err " + receipt.Groups[1].Value;
        return null;
    }

    [GeneratedRegex("^NACK/(0x[0-9A-Fa-f]{1,8})")]
    private static partial Regex NackPattern();

    [GeneratedRegex(@"\berr:([0-9A-Za-z]{1,8})\b")]
    private static partial Regex ReceiptErrorPattern();
}
