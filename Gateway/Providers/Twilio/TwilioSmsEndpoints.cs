using Microsoft.AspNetCore.Http.HttpResults;
using Gateway.Hosting;
using Gateway.Inbound;
using Gateway.Phones;
using Microsoft.Extensions.Options;

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
            .TimedAsWebhook("twilio_sms")
            .Produces<string>(StatusCodes.Status200OK, "application/xml")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithRequestSizeLimit(MaxRequestBytes)
            .AddEndpointFilter<TwilioSignatureFilter>()
            .KeepsResidentsText()    // a NUL in a signed message is the resident's text, made storable, never refused
            .DisableAntiforgery();   // Twilio authenticates by signature; it cannot send antiforgery tokens
    }

    /// <summary>Twilio's MessageSid is 34 characters; anything far longer, or with control characters, is not one.</summary>
    public const int MaxMessageSidLength = 64;

    /// <summary>TwiML, or a problem (400; 403 from the signature filter; 503 when neither the database nor the spool can keep it).</summary>
    private static async Task<Results<ContentHttpResult, ProblemHttpResult>> ReceiveSms(HttpRequest request, InboundIntake intake, IOptions<GatewayOptions> options,
        TimeProvider clock, CancellationToken ct)
    {
        // The signature filter has read and checked the form already; this is its cached copy.
        var form = await request.ReadFormAsync(ct);
        var messageSid = form["MessageSid"].ToString().Trim();
        if (messageSid.Length == 0)
            return TypedResults.Problem(statusCode: 400, detail: "MessageSid: required");
        if (messageSid.Length > MaxMessageSidLength || messageSid.Any(char.IsControl))
            return TypedResults.Problem(statusCode: 400, detail: $"MessageSid: at most {MaxMessageSidLength} printable characters");
        var fromField = form["From"].ToString();
        if (string.IsNullOrWhiteSpace(fromField))
            return TypedResults.Problem(statusCode: 400, detail: "From: required");
        // Channel addresses (whatsapp:+…, messenger:…) are other products with other consent rules: not served here.
        if (fromField.Contains(':', StringComparison.Ordinal))
            return TypedResults.Problem(statusCode: 400, detail: $"From: '{fromField.Split(':')[0]}:' addresses are not supported; only SMS from phone numbers");
        // The carrier delivered it: a number libphonenumber does not know yet is still a resident's (Phone.NormaliseSender).
        var from = Phone.NormaliseSender(fromField, options.Value.DefaultRegion);
        if (!from.IsValid)
            return TypedResults.Problem(statusCode: 400, detail: $"From: {from.Error}");
        if (Media(form) is not { } media)
            return TypedResults.Problem(statusCode: 400, detail: $"NumMedia: a number from 0 to {MaxMedia}, with a MediaUrl for each");

        var to = form["To"].ToString();
        var optOutType = form["OptOutType"].ToString();
        var message = new InboundMessage(ProviderName, messageSid, from.E164!, to.Length == 0 ? null : InboundReader.Storable(to),
            form["Body"].ToString(), clock.GetUtcNow())
        {
            Media = media,
            ProviderKeyword = optOutType.Length == 0 ? null : optOutType,
        };

        var answer = await intake.TakeAsync(message, ct);   // the spool when the database is unreachable
        return TypedResults.Text(TwimlReplies.For(answer.Reply), "application/xml; charset=utf-8");
    }

    /// <summary>Twilio sends at most 10 media with a message.</summary>
    public const int MaxMedia = 10;

    /// <summary>MMS: MediaUrl0…MediaUrl{NumMedia-1}, with MediaContentType0…; null when NumMedia and the URLs disagree.</summary>
    private static List<InboundMedia>? Media(IFormCollection form)
    {
        var count = form["NumMedia"].ToString();
        if (count.Length == 0)
            return [];
        if (!int.TryParse(count, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) || n > MaxMedia)
            return null;
        var media = new List<InboundMedia>(n);
        for (var i = 0; i < n; i++)
        {
            var url = form[$"MediaUrl{i}"].ToString();
            if (!Uri.TryCreate(url, UriKind.Absolute, out var parsed) || parsed.Scheme is not ("https" or "http"))
                return null;
            var type = form[$"MediaContentType{i}"].ToString();
            media.Add(new InboundMedia(url, type.Length == 0 ? null : InboundReader.Storable(type)));
        }
        return media;
    }
}
