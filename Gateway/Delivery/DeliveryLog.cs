using Gateway.Hosting;
using Gateway.Phones;

namespace Gateway.Delivery;

/// <summary>
/// The dispatcher's log lines, source-generated ([LoggerMessage]). Public methods take numbers as stored and mask them
/// (<see cref="Phone.Mask"/>); text a provider sent back passes through <see cref="LogSanitiser.Clean"/>.
/// </summary>
internal static partial class DeliveryLog
{
    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning, Message = "Message {Id} goes back to the queue: its hand-off could not be recorded ({Error})")]
    public static partial void HandOffNotRecorded(this ILogger log, long id, string error);

    public static void ProviderThrew(this ILogger log, Exception e, string provider, long id, string recipient) =>
        WriteProviderThrew(log, e, provider, id, Phone.Mask(recipient));

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "Provider {Provider} threw sending message {Id} to {To}")]
    private static partial void WriteProviderThrew(ILogger log, Exception e, string provider, long id, string to);

    public static void OutcomeUnknown(this ILogger log, long id, string recipient, string reason) =>
        WriteOutcomeUnknown(log, id, Phone.Mask(recipient), LogSanitiser.Clean(reason));

    [LoggerMessage(EventId = 2003, Level = LogLevel.Warning, Message = "Message {Id} to {To}: hand-off outcome unknown ({Reason}); it will be reconciled")]
    private static partial void WriteOutcomeUnknown(ILogger log, long id, string to, string reason);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Information, Message = "Dispatch pass {Pass}: outcomes recorded after {Attempts} tries")]
    public static partial void OutcomesRecordedLate(this ILogger log, long pass, int attempts);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Warning, Message = "Dispatch pass {Pass} could not record the outcomes of {Count} messages ({Error}); trying again every {Pause} s")]
    public static partial void OutcomesNotRecorded(this ILogger log, long pass, int count, string error, double pause);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Error, Message = "Dispatch pass {Pass} stopped before it could record {Count} outcomes ({Error}); reconciliation settles those messages once its lease ends")]
    public static partial void OutcomesAbandoned(this ILogger log, long pass, int count, string error);

    [LoggerMessage(EventId = 2007, Level = LogLevel.Warning, Message = "Dispatch pass {Pass}: carrier opt-outs, bad numbers or a pause could not be recorded ({Error})")]
    public static partial void AftermathNotRecorded(this ILogger log, long pass, string error);

    [LoggerMessage(EventId = 2009, Level = LogLevel.Warning, Message = "{Provider}: {Missed} message(s) in the last {Seconds} s woke more than {Tolerance} ms after their send slot and went back to the queue (this process may be short of CPU)")]
    public static partial void MissedSlots(this ILogger log, string provider, long missed, int seconds, int tolerance);

    [LoggerMessage(EventId = 2008, Level = LogLevel.Warning, Message = "Dispatch pass {Pass}: {Lost} of {Count} outcomes came after reconciliation had taken the rows back; {Settled} accepted ones settled their rows, reconciliation decides the rest")]
    public static partial void OutcomesLate(this ILogger log, long pass, int lost, int count, int settled);
}
