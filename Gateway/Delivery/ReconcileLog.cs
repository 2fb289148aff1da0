using Gateway.Phones;

namespace Gateway.Delivery;

/// <summary>
/// Reconciliation's log lines (<see cref="ReconcileDeliveries"/>), source-generated ([LoggerMessage]). Public methods take
/// numbers as stored and mask them (<see cref="Phone.Mask"/>); no message text is ever logged.
/// </summary>
internal static partial class ReconcileLog
{
    [LoggerMessage(EventId = 2101, Level = LogLevel.Warning, Message = "Worker {Worker} stopped renewing its lease on {Count} messages: {Requeued} never handed over are queued again, {InDoubt} are in doubt until {Provider} is asked")]
    public static partial void LeaseLapsed(this ILogger log, string worker, int count, int requeued, int inDoubt, string provider);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Warning, Message = "Could not ask {Provider} about {Count} messages; asking again in {Seconds} s")]
    public static partial void ProviderNotAsked(this ILogger log, string provider, int count, double seconds);

    public static void GaveUpUnconfirmed(this ILogger log, long id, string recipient, string provider, string code) =>
        WriteGaveUpUnconfirmed(log, id, Phone.Mask(recipient), provider, code);

    [LoggerMessage(EventId = 2103, Level = LogLevel.Warning, Message = "Message {Id} to {To} failed: handed to {Provider} twice without an answer and not found there; not sent a third time (error_code {Code})")]
    private static partial void WriteGaveUpUnconfirmed(ILogger log, long id, string to, string provider, string code);
}
