using Microsoft.AspNetCore.Http.HttpResults;
using Gateway.Hosting;
using Gateway.Phones;
using Gateway.Ussd;
using Microsoft.Extensions.Options;

namespace Gateway.Providers.AfricasTalking;

/// <summary>
/// Africa's Talking's USSD dialect (protocols.md §8.1): a form POST on every step, answered with text/plain that
/// starts with "CON " (show and wait for input) or "END " (show and close). Everything else is provider-neutral
/// (<see cref="HandleUssd"/>).
///
/// Sample request (application/x-www-form-urlencoded), the resident chose 3 then 1:
/// sessionId=ATUid_5d3b4c2bc589f4811820a7184eed4df5&amp;serviceCode=*384*123%23&amp;phoneNumber=%2B254711000001&amp;networkCode=63902&amp;text=3*1
/// </summary>
public static class AfricasTalkingUssd
{
    public const string Provider = "africastalking";

    /// <summary>The form is five short fields; the history stays far below this in a 3-minute session.</summary>
    public const long MaxRequestBytes = 8 * 1024;

    public const int MaxSessionIdLength = 128;
    public const int MaxServiceCodeLength = 64;

    public static async Task<Results<ContentHttpResult, ProblemHttpResult>> ReceiveAsync(HttpRequest request, HandleUssd handle, IOptions<GatewayOptions> options, CancellationToken ct)
    {
        // A POST with no body and no Content-Type passes the body guard (there is nothing to check) but is no callback.
        if (!request.HasFormContentType)
            return TypedResults.Problem(statusCode: 415, detail: "Africa's Talking callbacks are application/x-www-form-urlencoded");
        var form = await request.ReadFormAsync(ct);
        string? Field(string name) => form.TryGetValue(name, out var value) ? value.ToString() : null;

        var sessionId = Field("sessionId");
        var serviceCode = Field("serviceCode");
        var phoneNumber = Field("phoneNumber");
        var text = Field("text");
        // networkCode is informational (which telco); it is kept when sent, but a session never fails for want of it.
        var networkCode = Field("networkCode");

        if (string.IsNullOrWhiteSpace(sessionId))
            return TypedResults.Problem(statusCode: 400, detail: "sessionId: required");
        if (sessionId.Length > MaxSessionIdLength)
            return TypedResults.Problem(statusCode: 400, detail: $"sessionId: at most {MaxSessionIdLength} characters");
        if (string.IsNullOrWhiteSpace(serviceCode))
            return TypedResults.Problem(statusCode: 400, detail: "serviceCode: required");
        if (serviceCode.Length > MaxServiceCodeLength)
            return TypedResults.Problem(statusCode: 400, detail: $"serviceCode: at most {MaxServiceCodeLength} characters");
        if (phoneNumber is null)
            return TypedResults.Problem(statusCode: 400, detail: "phoneNumber: required");
        // AT sends +254…-style numbers: with the '+', the number's own country code wins over DEFAULT_REGION. The network
        // dialled in from it, so a possible number is enough (its sandbox uses +254000000001, which is not "valid").
        var phone = Phone.NormaliseSender(phoneNumber, options.Value.DefaultRegion);
        if (!phone.IsValid)
            return TypedResults.Problem(statusCode: 400, detail: $"phoneNumber: {phone.Error}");
        if (text is null)
            return TypedResults.Problem(statusCode: 400, detail: "text: required (empty on the first request of a session)");
        if (networkCode is { Length: > 16 })
            return TypedResults.Problem(statusCode: 400, detail: "networkCode: at most 16 characters");

        var reply = await handle.HandleAsync(new UssdRequest(sessionId.Trim(), phone.E164!, serviceCode.Trim(), networkCode, text), ct);
        return TypedResults.Text(Format(reply), "text/plain; charset=utf-8");
    }

    /// <summary>"CON …" or "END …", nothing before it: AT ends the session on a reply that starts any other way (help article 484351).</summary>
    public static string Format(UssdReply reply) => (reply.End ? "END " : "CON ") + reply.Text;
}
