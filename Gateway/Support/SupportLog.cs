using Gateway.Hosting;
using Gateway.Phones;

namespace Gateway.Support;

/// <summary>
/// The Support slice's log lines, source-generated ([LoggerMessage]): what counsellors and operators should know, never a
/// word a resident or a counsellor wrote. Public methods take numbers as stored and mask them (<see cref="Phone.Mask"/>);
/// staff names pass through <see cref="LogSanitiser.Clean"/>.
/// </summary>
internal static partial class SupportLog
{
    /// <summary>Crisis requests reach counsellors first: a warning; other requests: information.</summary>
    public static void RequestOpened(this ILogger log, SupportRequestToOpen request)
    {
        if (request.Priority == SupportPriority.High)
            WriteCrisisRequestOpened(log, request.Reason, Phone.Mask(request.Phone));
        else if (log.IsEnabled(LogLevel.Information))
            WriteRequestOpened(log, request.Reason, Phone.Mask(request.Phone));
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "High-priority support request ({Reason}) from {Phone}")]
    private static partial void WriteCrisisRequestOpened(ILogger log, string reason, string phone);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "Support request ({Reason}) from {Phone}")]
    private static partial void WriteRequestOpened(ILogger log, string reason, string phone);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Information, Message = "Conversation {Id} closed: the resident opted out")]
    public static partial void ClosedByOptOut(this ILogger log, long id);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Warning, Message = "Crisis words in conversation {Id}")]
    public static partial void CrisisWords(this ILogger log, long id);

    public static void Claimed(this ILogger log, long id, string counsellor)
    {
        if (log.IsEnabled(LogLevel.Information)) WriteClaimed(log, id, LogSanitiser.Clean(counsellor));
    }

    [LoggerMessage(EventId = 3005, Level = LogLevel.Information, Message = "Conversation {Id} claimed by {Counsellor}")]
    private static partial void WriteClaimed(ILogger log, long id, string counsellor);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Information, Message = "Conversation {Id} closed ({Outcome})")]
    public static partial void Closed(this ILogger log, long id, string outcome);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Warning, Message = "Crisis request {Id} has waited {Minutes} min unclaimed; COUNSELLOR_ONCALL_PHONES is empty, so only the console shows it")]
    public static partial void CrisisWaitingNoOncall(this ILogger log, long id, int minutes);

    [LoggerMessage(EventId = 3008, Level = LogLevel.Warning, Message = "Crisis request {Id} has waited {Minutes} min unclaimed: alert {Count} sent to {Phones} on-call number(s)")]
    public static partial void CrisisWaitingAlerted(this ILogger log, long id, int minutes, int count, int phones);
}
