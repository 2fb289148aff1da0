namespace Gateway.Shell;

/// <summary>Marks the console's endpoints (pages, its stylesheet, the language switch): they get compression, the
/// reader's language, HTML status pages and the console's security headers; the API and webhooks do not.</summary>
public sealed class ConsoleEndpoint
{
    public static readonly ConsoleEndpoint Instance = new();

    /// <summary>A console endpoint, or an address that matches nothing asked for by a browser (it gets the console's 404
    /// page; API clients and webhooks keep their problem+json answers).</summary>
    public static bool Is(HttpContext http) => http.GetEndpoint() is { } endpoint
        ? endpoint.Metadata.GetMetadata<ConsoleEndpoint>() is not null
        : http.Request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase)
          && !http.Request.Path.StartsWithSegments("/api") && !http.Request.Path.StartsWithSegments("/webhooks");
}
