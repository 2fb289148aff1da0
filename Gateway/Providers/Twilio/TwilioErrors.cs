using System.Net;
using Gateway.Delivery;
using Twilio.Exceptions;

namespace Gateway.Providers.Twilio;

/// <summary>
/// Every Twilio error code and status word the gateway acts on, translated into its own terms in this one file
/// (protocols.md §2.4, §5.4; https://www.twilio.com/docs/api/errors). Twilio advises against logic on codes it may
/// split or rename, so anything not listed is a permanent failure of that message, keeping Twilio's code.
/// </summary>
public static class TwilioErrors
{
    /// <summary>A synchronous error from the REST create: <paramref name="status"/> is the HTTP status our handler saw.</summary>
    public static SendOutcome FromApiError(ApiException e, HttpStatusCode? status, TimeSpan? retryAfter)
    {
        var http = status is { } s ? (int)s : e.Status;
        var code = e.Code != 0 ? e.Code.ToString() : null;
        return (e.Code, http) switch
        {
            // The recipient texted STOP to this sender: never retry; not charged.
            (21610, _) => new SendOutcome.RecipientOptedOut($"Twilio 21610: {e.Message}", "21610"),
            (21211, _) => new SendOutcome.InvalidNumber($"Twilio 21211: {e.Message}", NumberProblem.Invalid, "21211"),
            // 21635 was split out of 21614 in 2024: both say "not a mobile number" (landline or invalid).
            (21614 or 21635, _) => new SendOutcome.InvalidNumber($"Twilio {e.Code}: {e.Message}", NumberProblem.NotMobile, code),
            // "Requests that receive 429 responses aren't processed and are safe to retry after backing off."
            // An empty 429 body surfaces as Code=0, Status=0, "Api Error: TooManyRequests - " (§5.4).
            (20429, _) or (_, 429) => new SendOutcome.RetryLater("Twilio 429: too many requests", retryAfter, "20429"),
            (0, 0) when e.Message.Contains("TooManyRequests", StringComparison.Ordinal) =>
                new SendOutcome.RetryLater("Twilio 429: too many requests", retryAfter, "20429"),
            // Credentials are configuration: retrying gives an operator time to fix them before messages fail.
            (20003, _) or (_, 401) => new SendOutcome.RetryLater($"Twilio refused our credentials ({e.Message}): check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN", null, "20003"),
            // "Sending an SMS is not idempotent: if you get a 500 and retry, a customer may receive two messages" (20500).
            (_, >= 500) => new SendOutcome.Ambiguous($"Twilio HTTP {http}: {e.Message}", code ?? http.ToString()),
            (0, 0) when IsServerError(e.Message) => new SendOutcome.Ambiguous($"Twilio server error: {e.Message}", code),
            _ => new SendOutcome.Failed(code ?? $"http {http}", e.Message),
        };
    }

    /// <summary>No HTTP answer: see <see cref="TransportFailure"/>.</summary>
    public static SendOutcome FromTransportFailure(Exception e) => TransportFailure.ToOutcome("Twilio", e);

    private static bool IsServerError(string message) =>
        message.Contains("InternalServerError", StringComparison.Ordinal) || message.Contains("BadGateway", StringComparison.Ordinal)
        || message.Contains("ServiceUnavailable", StringComparison.Ordinal) || message.Contains("GatewayTimeout", StringComparison.Ordinal);

    /// <summary>Twilio's MessageStatus values (protocols.md §2.2), ranked so that a report never moves a row backwards.</summary>
    private static readonly Dictionary<string, (int Rank, string? Outcome)> Statuses = new(StringComparer.Ordinal)
    {
        ["accepted"] = (1, null),
        ["scheduled"] = (1, null),
        ["queued"] = (1, null),
        ["sending"] = (2, null),
        ["sent"] = (3, null),
        ["partially_delivered"] = (3, null),
        ["failed"] = (4, OutboundStatus.Failed),
        ["undelivered"] = (4, OutboundStatus.Undelivered),
        ["canceled"] = (4, OutboundStatus.Canceled),
        // A late "undelivered" never overrides "delivered"; "read" (WhatsApp/RCS) comes after both.
        ["delivered"] = (5, OutboundStatus.Delivered),
        ["read"] = (6, OutboundStatus.Delivered),
        // Inbound statuses: known words, but they never change an outbound row.
        ["receiving"] = (0, null),
        ["received"] = (0, null),
    };

    public static IReadOnlyCollection<string> StatusWords => Statuses.Keys;

    /// <summary>A status callback in the gateway's terms, or null when <paramref name="status"/> is not a Twilio status.</summary>
    public static DeliveryReport? ToReport(string messageSid, long? messageId, string status, string? errorCode)
    {
        if (!Statuses.TryGetValue(status, out var s)) return null;
        var (problem, number) = errorCode switch
        {
            // 30003 unreachable handset (off, no signal), 30008 unknown carrier error: "retry… a one-time downstream issue".
            "30003" or "30008" => (ReportProblem.Retryable, NumberProblem.Invalid),
            // With a Messaging Service, an opt-out arrives here rather than on the create call.
            "21610" => (ReportProblem.RecipientOptedOut, NumberProblem.Invalid),
            "21211" => (ReportProblem.BadNumber, NumberProblem.Invalid),
            "21614" or "21635" or "30006" => (ReportProblem.BadNumber, NumberProblem.NotMobile),
            "30005" => (ReportProblem.BadNumber, NumberProblem.Unreachable),
            _ => (ReportProblem.None, NumberProblem.Invalid),
        };
        if (s.Outcome is null or OutboundStatus.Delivered) problem = ReportProblem.None;
        return new DeliveryReport(TwilioSmsProvider.ProviderName, messageSid, messageId, status, s.Rank, s.Outcome,
            string.IsNullOrEmpty(errorCode) ? null : errorCode, problem, number);
    }
}
