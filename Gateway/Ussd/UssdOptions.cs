using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Gateway.Ussd;

public sealed class UssdOptions
{
    /// <summary>Whether the USSD callback (and the USSD simulator page) is served. false: SMS only, the callback is 404.</summary>
    [ConfigurationKeyName("USSD_ENABLED")]
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Shared secret USSD aggregators must send (query string ?token=… in the callback URL, or the X-Ussd-Token
    /// header). Africa's Talking signs nothing (protocols.md §8.1), so without it anyone can drive sessions for any number.
    /// </summary>
    [ConfigurationKeyName("USSD_CALLBACK_TOKEN")]
    public string? CallbackToken { get; set; }
}

public sealed class UssdOptionsValidator : IValidateOptions<UssdOptions>
{
    public const int MinTokenLength = 16;

    public ValidateOptionsResult Validate(string? name, UssdOptions o) =>
        !string.IsNullOrEmpty(o.CallbackToken) && (o.CallbackToken.Length < MinTokenLength || o.CallbackToken.Any(char.IsWhiteSpace))
            ? ValidateOptionsResult.Fail($"USSD_CALLBACK_TOKEN: at least {MinTokenLength} characters without spaces (empty accepts callbacks without a token, in local mode only)")
            : ValidateOptionsResult.Success;
}

/// <summary>
/// Checks USSD_CALLBACK_TOKEN on an aggregator's callback, before anything is read: 403 when it is set and the
/// request does not carry it. Compared in constant time over hashes, so neither content nor length leaks.
/// </summary>
public sealed class UssdCallbackTokenFilter(IOptions<UssdOptions> options) : IEndpointFilter
{
    public const string Header = "X-Ussd-Token";
    public const string QueryParameter = "token";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var expected = options.Value.CallbackToken;
        if (string.IsNullOrEmpty(expected)) return await next(context);

        var request = context.HttpContext.Request;
        var given = request.Headers.TryGetValue(Header, out var header) && header.Count > 0 ? header.ToString() : request.Query[QueryParameter].ToString();
        if (string.IsNullOrEmpty(given))
            return Results.Problem(statusCode: 403, detail: $"missing the callback token (?{QueryParameter}= or {Header})");
        return CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(given)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)))
            ? await next(context)
            : Results.Problem(statusCode: 403, detail: "wrong callback token");
    }
}
