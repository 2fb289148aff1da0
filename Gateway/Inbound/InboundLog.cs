using Gateway.Hosting;
using Gateway.Phones;

namespace Gateway.Inbound;

/// <summary>
/// The inbound path's log lines, source-generated ([LoggerMessage]): no boxing or formatting when the level is off.
/// Each public method takes the number as stored and masks it (<see cref="Phone.Mask"/>) only when the line is written;
/// values a sender chose (message ids) pass through <see cref="LogSanitiser.Clean"/>.
/// </summary>
internal static partial class InboundLog
{
    public static void DuplicateAnswered(this ILogger log, InboundMessage message)
    {
        if (log.IsEnabled(LogLevel.Debug)) WriteDuplicateAnswered(log, LogSanitiser.Clean(message.ProviderMessageId), Phone.Mask(message.From));
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Debug, Message = "Duplicate inbound {MessageSid} from {From}, answered as before")]
    private static partial void WriteDuplicateAnswered(ILogger log, string messageSid, string from);

    public static void Handled(this ILogger log, InboundContext c, InboundDecision decision, string path)
    {
        if (log.IsEnabled(LogLevel.Debug))
            WriteHandled(log, c.InboundId, Phone.Mask(c.Phone), path, decision.Intent, c.Parsed.Fuzzy ? " (one typo)" : "", decision.Reply is null ? "no reply" : "replied");
    }

    [LoggerMessage(EventId = 1002, Level = LogLevel.Debug, Message = "Inbound {Id} from {From} ({Path}): {Intent}{Fuzzy}, {Replied}")]
    private static partial void WriteHandled(ILogger log, long id, string from, string path, string intent, string fuzzy, string replied);

    public static void FastPathFailed(this ILogger log, Exception e, InboundMessage message, string phone) =>
        WriteFastPathFailed(log, e, LogSanitiser.Clean(message.ProviderMessageId), Phone.Mask(phone));

    [LoggerMessage(EventId = 1003, Level = LogLevel.Error, Message = "Inbound {MessageSid} from {From}: handling failed, storing it first")]
    private static partial void WriteFastPathFailed(ILogger log, Exception e, string messageSid, string from);

    public static void FinishedLate(this ILogger log, long id, string phone) => WriteFinishedLate(log, id, Phone.Mask(phone));

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning, Message = "Inbound {Id} from {From} was stored but not handled; handled now, reply not sent")]
    private static partial void WriteFinishedLate(ILogger log, long id, string from);
}
