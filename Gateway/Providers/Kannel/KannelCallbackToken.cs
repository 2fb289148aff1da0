using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Gateway.Providers.Kannel;

/// <summary>
/// KANNEL_CALLBACK_TOKEN on the URLs Kannel calls (?token=…). Kannel signs nothing, so a callback without the token is
/// refused before anything is read, and with no token configured every callback is refused. Compared in constant
/// time over hashes, so neither content nor length leaks.
/// </summary>
public static class KannelCallbackToken
{
    public const string QueryParameter = "token";

    /// <summary>Null when <paramref name="given"/> is the token; otherwise why the callback is refused.</summary>
    public static string? Check(string? given, string? expected)
    {
        if (string.IsNullOrEmpty(expected))
            return "KANNEL_CALLBACK_TOKEN is not set: Kannel's callbacks are refused";
        if (string.IsNullOrEmpty(given))
            return $"missing the callback token (?{QueryParameter}=)";
        return CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(given)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)))
            ? null
            : "wrong callback token";
    }
}

/// <summary>Refuses a Kannel callback without KANNEL_CALLBACK_TOKEN with 403, before the endpoint runs.</summary>
public sealed class KannelCallbackTokenFilter(IOptions<KannelOptions> options) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var given = context.HttpContext.Request.Query[KannelCallbackToken.QueryParameter].ToString();
        return KannelCallbackToken.Check(given, options.Value.CallbackToken) is { } refusal
            ? TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, detail: refusal)
            : await next(context);
    }
}
