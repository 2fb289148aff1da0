using System.Net;
using Gateway.Delivery;

namespace Gateway.Providers.Kannel;

/// <summary>
/// smsbox's answers to a sendsms request, translated into the gateway's terms in this one file. Kannel 1.4.5 answers
/// with a one-line text body (user guide, "SMS Push reply codes", and what it was seen to answer):
/// <code>
/// 202 "0: Accepted for delivery"           handed to an SMSC link
/// 202 "3: Queued for later delivery"       bearerbox holds it until a link is up
/// 403 "Authorization failed for sendsms"   wrong KANNEL_USERNAME / KANNEL_PASSWORD
/// 403 "Not routable. Do not try again."    no SMSC group may carry this number
/// 400 "… rejected", "Number(s) has/have been denied by white- and/or black-lists."
/// 503 "Temporal failure, try again later."
/// </code>
/// The 202 carries no message id: the provider makes its own and reads it back from the delivery reports.
/// </summary>
public static class KannelAnswers
{
    public const string Accepted = "0:";
    public const string Queued = "3:";

    private const int MaxReasonLength = 200;

    public static SendOutcome FromSendSms(HttpStatusCode status, string body, string providerMessageId)
    {
        // A proxy in front of Kannel may answer with a whole HTML page: keep a line of it.
        var reason = body.Trim() is var text && text.Length > MaxReasonLength ? text[..MaxReasonLength] + "…" : body.Trim();
        var http = (int)status;
        return http switch
        {
            // "3: Queued" is Kannel's to deliver as much as "0: Accepted": sending it again would send it twice.
            202 or 200 when reason.StartsWith(Accepted, StringComparison.Ordinal) || reason.StartsWith(Queued, StringComparison.Ordinal) =>
                new SendOutcome.Accepted(providerMessageId),
            // Credentials are configuration: retrying gives an operator time to fix them before messages fail.
            401 or 403 when reason.StartsWith("Authorization failed", StringComparison.Ordinal) =>
                new SendOutcome.RetryLater($"Kannel refused our credentials ({reason}): check KANNEL_USERNAME and KANNEL_PASSWORD", null, "kannel 403"),
            503 => new SendOutcome.RetryLater($"Kannel HTTP 503: {reason}", null, "kannel 503"),
            // Not Kannel's own answer (it has none), but a proxy in front of it may throttle.
            429 => new SendOutcome.RetryLater($"Kannel HTTP 429: {reason}", null, "kannel 429"),
            >= 400 and < 500 => new SendOutcome.Failed($"kannel {http}", reason.Length == 0 ? $"Kannel HTTP {http}" : reason),
            // Any other answer (a 5xx, a 2xx we do not know) may follow a message Kannel took: reconciled, never resent blindly.
            _ => new SendOutcome.Ambiguous($"Kannel HTTP {http}: {(reason.Length == 0 ? "(empty body)" : reason)}", $"kannel {http}"),
        };
    }
}
