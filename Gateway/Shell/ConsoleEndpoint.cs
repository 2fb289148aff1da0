namespace Gateway.Shell;

/// <summary>Marks the console's endpoints (pages, its stylesheet, the language switch): they get compression, the
/// reader's language, HTML status pages and the console's security headers; the API and webhooks do not.</summary>
public sealed class ConsoleEndpoint
{
    public static readonly ConsoleEndpoint Instance = new();

    public static bool Is(HttpContext http) => http.GetEndpoint()?.Metadata.GetMetadata<ConsoleEndpoint>() is not null;
}
