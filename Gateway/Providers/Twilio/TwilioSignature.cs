using System.Text.RegularExpressions;
using Gateway.Hosting;
using Microsoft.Extensions.Options;
using Twilio.Security;

namespace Gateway.Providers.Twilio;

/// <summary>
/// Checks X-Twilio-Signature on Twilio's webhooks: HMAC-SHA1, keyed with TWILIO_AUTH_TOKEN, over the URL Twilio
/// called (PUBLIC_BASE_URL + path + query) followed by every POST parameter, sorted (protocols.md §3.1).
/// Forged, missing or stale (old token, other URL) signatures get 403 before anything is stored.
/// A replay of a genuine request passes here and is made harmless by the endpoints' idempotency.
/// </summary>
public sealed partial class TwilioSignatureFilter(IOptions<TwilioOptions> twilio, IOptions<GatewayOptions> gateway) : IEndpointFilter
{
    public const string Header = "X-Twilio-Signature";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var request = context.HttpContext.Request;
        if (string.IsNullOrEmpty(twilio.Value.AuthToken))
            return Forbidden("Twilio webhooks are off: TWILIO_AUTH_TOKEN is not set");
        if (!request.Headers.TryGetValue(Header, out var signature) || string.IsNullOrEmpty(signature))
            return Forbidden($"missing {Header}");
        if (!request.HasFormContentType)
            return Results.Problem(statusCode: 415, detail: "Twilio webhooks are application/x-www-form-urlencoded");

        var form = await request.ReadFormAsync(context.HttpContext.RequestAborted);
        // Sign over every parameter received: Twilio adds parameters without notice (protocols.md §1).
        var parameters = form.ToDictionary(p => p.Key, p => p.Value.ToString(), StringComparer.Ordinal);
        var url = PublicUrl(gateway.Value.PublicBaseUrl, request);

        return new RequestValidator(twilio.Value.AuthToken).Validate(url, parameters, signature.ToString())
            ? await next(context)
            : Forbidden($"invalid {Header}");
    }

    /// <summary>
    /// The URL as Twilio requested it. Behind a proxy or TLS terminator the request we see is not what Twilio
    /// called, so the configured public base URL replaces scheme, host and port. An explicit default port is
    /// dropped: Twilio's C# validator tries the URL with and without a port, but not with an explicit :443.
    /// </summary>
    public static string PublicUrl(string publicBaseUrl, HttpRequest request)
    {
        var baseUrl = DefaultPort().Replace(publicBaseUrl.TrimEnd('/'), "$1$2");
        return baseUrl + request.PathBase + request.Path + request.QueryString;
    }

    private static IResult Forbidden(string reason) => Results.Problem(statusCode: 403, title: "Forbidden", detail: reason);

    [GeneratedRegex(@"^(https://[^/:]+):443(?=/|$)|^(http://[^/:]+):80(?=/|$)", RegexOptions.IgnoreCase)]
    private static partial Regex DefaultPort();
}
