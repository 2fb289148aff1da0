using Microsoft.AspNetCore.Http.HttpResults;
using Gateway.Inbound;
using Gateway.Delivery;
using Gateway.Hosting;

namespace Gateway.Providers.Twilio;

/// <summary>
/// Twilio's status callbacks for the messages we send (protocols.md §2.1). A sample, form-encoded and signed:
/// <code>
/// MessageSid=SM1234…&amp;SmsSid=SM1234…&amp;MessageStatus=undelivered&amp;SmsStatus=undelivered&amp;ErrorCode=30003
/// &amp;To=%2B8613800138000&amp;From=%2B15017122661&amp;MessagingServiceSid=MG…&amp;AccountSid=AC…&amp;ApiVersion=2010-04-01
/// </code>
/// The URL carries our message id (?m=…), set by <see cref="TwilioSmsProvider"/> and covered by the signature.
/// Callbacks come late, twice, and out of order; each is applied at most once and never moves a message backwards.
/// </summary>
public static class TwilioStatusEndpoints
{
    public static void MapTwilioStatus(this IEndpointRouteBuilder app) =>
        app.MapPost(TwilioSmsProvider.StatusPath, ReceiveStatus)
            .TimedAsWebhook("twilio_status")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden)
            .AddEndpointFilter<TwilioSignatureFilter>()
            .WithRequestSizeLimit(16 * 1024)
            .DisableAntiforgery();

    private static async Task<Results<Ok, ProblemHttpResult>> ReceiveStatus(HttpRequest request, RecordDeliveryReport reports, CancellationToken ct)
    {
        var form = await request.ReadFormAsync(ct);
        var sid = form["MessageSid"].ToString();
        var status = form["MessageStatus"].ToString();
        if (string.IsNullOrWhiteSpace(sid) || sid.Length > 64)
            return TypedResults.Problem(statusCode: 400, detail: "MessageSid: required (at most 64 characters)");
        if (string.IsNullOrWhiteSpace(status))
            return TypedResults.Problem(statusCode: 400, detail: "MessageStatus: required");
        long? messageId = null;
        if (request.Query["m"] is { Count: > 0 } m)
        {
            if (!long.TryParse(m.ToString(), out var id) || id <= 0)
                return TypedResults.Problem(statusCode: 400, detail: "m: must be our message id, a positive integer");
            messageId = id;
        }

        var errorCode = form["ErrorCode"].ToString();
        var report = TwilioErrors.ToReport(sid, messageId, status, errorCode);
        if (report is null)
            return TypedResults.Problem(statusCode: 400,
                detail: $"MessageStatus: '{status}' is not a Twilio status; expected one of {string.Join(", ", TwilioErrors.StatusWords)}");

        await reports.HandleAsync(report, ct);
        return TypedResults.Ok();
    }
}
