using Gateway.Hosting;
using Gateway.Phones;

namespace Gateway.Ussd;

/// <summary>
/// The USSD slice's log lines, source-generated ([LoggerMessage]): no boxing or formatting when the level is off.
/// Public methods take the number as the operator sent it and mask it (<see cref="Phone.Mask"/>); values the operator
/// chose (session ids, service codes) pass through <see cref="LogSanitiser.Clean"/>. What a resident typed is never logged.
/// </summary>
internal static partial class UssdLog
{
    public static void NoAnswerInTime(this ILogger log, Exception e, UssdRequest request) =>
        WriteNoAnswerInTime(log, e, LogSanitiser.Clean(request.SessionId), Phone.Mask(request.Phone));

    [LoggerMessage(EventId = 4001, Level = LogLevel.Error, Message = "USSD session {SessionId} from {Phone}: no answer in time")]
    private static partial void WriteNoAnswerInTime(ILogger log, Exception e, string sessionId, string phone);

    public static void OtherPhone(this ILogger log, UssdRequest request) =>
        WriteOtherPhone(log, LogSanitiser.Clean(request.SessionId), Phone.Mask(request.Phone));

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning, Message = "USSD session {SessionId} came from {Phone}, not the number it started with")]
    private static partial void WriteOtherPhone(ILogger log, string sessionId, string phone);

    public static void UnreadableHistory(this ILogger log, UssdRequest request)
    {
        if (log.IsEnabled(LogLevel.Information)) WriteUnreadableHistory(log, LogSanitiser.Clean(request.SessionId), Phone.Mask(request.Phone));
    }

    [LoggerMessage(EventId = 4003, Level = LogLevel.Information, Message = "USSD session {SessionId} from {Phone}: unreadable input history")]
    private static partial void WriteUnreadableHistory(ILogger log, string sessionId, string phone);

    public static void SessionStarted(this ILogger log, UssdRequest request)
    {
        if (log.IsEnabled(LogLevel.Information))
            WriteSessionStarted(log, LogSanitiser.Clean(request.SessionId), Phone.Mask(request.Phone), LogSanitiser.Clean(request.ServiceCode));
    }

    [LoggerMessage(EventId = 4004, Level = LogLevel.Information, Message = "USSD session {SessionId} from {Phone} on {ServiceCode}")]
    private static partial void WriteSessionStarted(ILogger log, string sessionId, string phone, string serviceCode);

    public static void SavedConcurrently(this ILogger log, UssdRequest request)
    {
        if (log.IsEnabled(LogLevel.Information)) WriteSavedConcurrently(log, LogSanitiser.Clean(request.SessionId));
    }

    [LoggerMessage(EventId = 4005, Level = LogLevel.Information, Message = "USSD session {SessionId}: a concurrent request for the same step was saved first")]
    private static partial void WriteSavedConcurrently(ILogger log, string sessionId);

    [LoggerMessage(EventId = 4006, Level = LogLevel.Information, Message = "Deleted {Count} USSD sessions older than {Days} day(s)")]
    public static partial void SessionsPurged(this ILogger log, int count, double days);

    public static void ActionPerformed(this ILogger log, UssdActionRequest action, string phone, UssdActionResult result)
    {
        if (log.IsEnabled(LogLevel.Information)) WriteActionPerformed(log, action.Name, action.Item, Phone.Mask(phone), result.Outcome);
    }

    [LoggerMessage(EventId = 4007, Level = LogLevel.Information, Message = "USSD {Action} {Item} for {Phone}: {Outcome}")]
    private static partial void WriteActionPerformed(ILogger log, string action, string? item, string phone, string outcome);
}
