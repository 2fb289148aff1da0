using Gateway.Hosting;
using Gateway.Inbound;
using Gateway.Phones;
using Microsoft.Extensions.Options;
using Twilio.TwiML;

namespace Gateway.Providers.Twilio;

/// <summary>
/// Twilio's incoming-message webhook: POST /webhooks/twilio/sms, form-encoded, signed (protocols.md §1, §3).
/// Sample body (names are case-sensitive; Twilio adds parameters without notice, so none is rejected):
/// <code>
/// MessageSid=SM1234…&amp;SmsSid=SM1234…&amp;AccountSid=AC…&amp;MessagingServiceSid=MG…&amp;From=%2B8613800138000
/// &amp;To=%2B15017122661&amp;Body=%E9%80%80%E8%AE%A2&amp;NumMedia=0&amp;NumSegments=1&amp;SmsStatus=received&amp;ApiVersion=2010-04-01
/// </code>
/// The reply is TwiML given inline: Twilio sends it back to the resident as an SMS.
/// </summary>
public static class TwilioSmsEndpoints
{
    public const string ProviderName = "twilio";
    public const string Path = "/webhooks/twilio/sms";

    /// <summary>Twilio bodies are at most 1,600 characters plus a few dozen short parameters: far below this.</summary>
    public const int MaxRequestBytes = 16 * 1024;

    public static void MapTwilioSms(this IEndpointRouteBuilder app)
    {
        app.MapPost(Path, ReceiveSms)
            .WithRequestSizeLimit(MaxRequestBytes)
            .AddEndpointFilter<TwilioSignatureFilter>()
            .DisableAntiforgery();   // Twilio authenticates by signature; it cannot send antiforgery tokens
    }

    private static async Task<IResult> ReceiveSms(HttpRequest request, ReceiveSms receive, IOptions<GatewayOptions> options, CancellationToken ct)
    {
        // The signature filter has read and checked the form already; this is its cached copy.
        var form = await request.ReadFormAsync(ct);
        var messageSid = form["MessageSid"].ToString();
        if (string.IsNullOrWhiteSpace(messageSid))
            return Results.Problem(statusCode: 400, detail: "MessageSid: required");
        var fromField = form["From"].ToString();
        if (string.IsNullOrWhiteSpace(fromField))
            return Results.Problem(statusCode: 400, detail: "From: required");
        // Channel addresses (whatsapp:+…, messenger:…) are other products with other consent rules: not served here.
        if (fromField.Contains(':', StringComparison.Ordinal))
            return Results.Problem(statusCode: 400, detail: $"From: '{fromField.Split(':')[0]}:' addresses are not supported; only SMS from phone numbers");
        var from = Phone.Normalise(fromField, options.Value.DefaultRegion);
        if (!from.IsValid)
            return Results.Problem(statusCode: 400, detail: $"From: {from.Error}");

        var to = form["To"].ToString();
        var optOutType = form["OptOutType"].ToString();
        var sms = new InboundSms(ProviderName, messageSid.Trim(), from.E164!, to.Length == 0 ? null : to, form["Body"].ToString(),
            optOutType.Length == 0 ? null : optOutType);

        var result = await receive.HandleAsync(sms, ct);
        var twiml = new MessagingResponse();
        if (result.Reply is not null)
            twiml.Message(result.Reply);
        return Results.Text(twiml.ToString(), "application/xml; charset=utf-8");
    }
}
