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

        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(context.HttpContext.RequestAborted);
        }
        catch (InvalidDataException e)
        {
            // ASP.NET refuses a form it cannot read (a NUL in a value, too many fields): say why instead of a 500.
            return Results.Problem(statusCode: 400, detail: $"form: {e.Message}");
        }
        // Sign over every parameter received: Twilio adds parameters without notice (protocols.md §1).
        var url = PublicUrl(gateway.Value.PublicBaseUrl, request);
        return SignedExactly(twilio.Value.AuthToken, url, form, signature.ToString())
               || new RequestValidator(twilio.Value.AuthToken).Validate(url, SignedParameters(form), signature.ToString())
            ? await next(context)
            : Forbidden($"invalid {Header}");
    }

    /// <summary>
    /// True when <paramref name="signature"/> is the HMAC-SHA1 of <paramref name="url"/> exactly as given followed by the
    /// parameters as <see cref="SignedParameters"/> orders them: what Twilio signs for the URL it called. A match cannot
    /// be forged without the token, so it is accepted at once; anything else goes on to the SDK's validator, which also
    /// tries the URL with and without its port. The SDK's validator allocated 4.5 kB and took about 10 µs per webhook
    /// (webhook --diagnose); this check signs from pooled buffers.
    /// </summary>
    public static bool SignedExactly(string authToken, string url, IFormCollection form, string signature)
    {
        Span<byte> expected = stackalloc byte[20];
        if (!Convert.TryFromBase64String(signature, expected, out var length) || length != expected.Length)
            return false;
        var names = System.Buffers.ArrayPool<string>.Shared.Rent(form.Count);
        var text = System.Buffers.ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            form.Keys.CopyTo(names, 0);
            Array.Sort(names, 0, form.Count, StringComparer.Ordinal);
            var written = 0;
            void Append(string? part)
            {
                var needed = System.Text.Encoding.UTF8.GetByteCount(part ?? "");
                if (written + needed > text.Length)
                {
                    var larger = System.Buffers.ArrayPool<byte>.Shared.Rent(Math.Max(text.Length * 2, written + needed));
                    text.AsSpan(0, written).CopyTo(larger);
                    System.Buffers.ArrayPool<byte>.Shared.Return(text);
                    text = larger;
                }
                written += System.Text.Encoding.UTF8.GetBytes(part ?? "", text.AsSpan(written));
            }
            Append(url);
            foreach (var name in names.AsSpan(0, form.Count))
            {
                Append(name);
                Append(SignedValue(name, form[name]));
            }
            Span<byte> actual = stackalloc byte[20];
            System.Security.Cryptography.HMACSHA1.HashData(KeyOf(authToken), text.AsSpan(0, written), actual);
            return System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(actual, expected);
        }
        finally
        {
            System.Buffers.ArrayPool<string>.Shared.Return(names, clearArray: true);
            System.Buffers.ArrayPool<byte>.Shared.Return(text);
        }
    }

    private sealed record TokenKey(string Token, byte[] Key);

    private static TokenKey _key = new("", []);

    // The token's bytes, kept while the token stays the same (it is read from options on every request).
    private static byte[] KeyOf(string authToken)
    {
        var key = _key;
        if (key.Token != authToken)
            _key = key = new TokenKey(authToken, System.Text.Encoding.UTF8.GetBytes(authToken));
        return key.Key;
    }

    /// <summary>
    /// The parameters as the SDK's validator signs them, a name's values included as Twilio's published algorithm says
    /// (twilio-node, twilio-python: every distinct value of a repeated name, in ordinal order, each appended as
    /// name + value). The validator appends name + value once per dictionary entry, names in ordinal order, so a
    /// repeated name's values go in as one: "v1" + name + "v2" … gives name v1 name v2. Joining them with commas, as
    /// a plain ToString() of the form value would, makes such a webhook fail with 403.
    /// </summary>
    public static Dictionary<string, string> SignedParameters(IEnumerable<KeyValuePair<string, Microsoft.Extensions.Primitives.StringValues>> form) =>
        form.ToDictionary(p => p.Key, p => SignedValue(p.Key, p.Value), StringComparer.Ordinal);

    // What follows a name in the signed text: its one value, or its distinct values in ordinal order joined by the name.
    private static string SignedValue(string name, Microsoft.Extensions.Primitives.StringValues values) => values.Count == 1 ? values[0] ?? ""
        : string.Join(name, values.Select(v => v ?? "").Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));

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
