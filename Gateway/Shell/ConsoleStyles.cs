using System.Security.Cryptography;

namespace Gateway.Shell;

/// <summary>
/// The console's one stylesheet (Shell/console.css, embedded in the build). Its URL carries a hash of its content, so a
/// browser keeps it for a year and fetches it again only when it changed: after the first page, pages cost only their HTML.
/// </summary>
public static class ConsoleStyles
{
    public const string Path = "/console.css";

    private static readonly byte[] Css = Read();

    public static readonly string Version = Convert.ToHexString(SHA256.HashData(Css))[..12].ToLowerInvariant();

    public static string Url => $"{Path}?v={Version}";

    public static IResult Serve(HttpContext http)
    {
        http.Response.Headers.CacheControl = "public, max-age=31536000, immutable";
        return Results.Bytes(Css, "text/css; charset=utf-8");
    }

    private static byte[] Read()
    {
        using var stream = typeof(ConsoleStyles).Assembly.GetManifestResourceStream("Gateway.Shell.console.css")
            ?? throw new InvalidOperationException("Shell/console.css is not embedded in the build");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
