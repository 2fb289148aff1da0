using System.Security.Cryptography;

namespace Gateway.Shell;

/// <summary>
/// A file every console page loads (embedded in the build): the stylesheet, and the one small script that enhances pages
/// which work without it. Its URL carries a hash of its content, so a browser keeps it for a year and fetches it again only
/// when it changed: after the first page, pages cost only their HTML.
/// </summary>
public sealed class ConsoleAsset
{
    /// <summary>Shell/console.css: system fonts, no images.</summary>
    public static readonly ConsoleAsset Styles = new("/console.css", "Gateway.Shell.console.css", "text/css; charset=utf-8");

    /// <summary>Shell/console.js: live counters and progress on the pages that ask for them (data- attributes); nothing else.</summary>
    public static readonly ConsoleAsset Script = new("/console.js", "Gateway.Shell.console.js", "text/javascript; charset=utf-8");

    public static readonly IReadOnlyList<ConsoleAsset> All = [Styles, Script];

    /// <summary>A page that uses the script says so (<c>ViewData[ConsoleAsset.ScriptFlag] = true</c>): the others load only the stylesheet.</summary>
    public const string ScriptFlag = "console.script";

    private readonly byte[] _content;
    private readonly string _contentType;

    private ConsoleAsset(string path, string resource, string contentType)
    {
        Path = path;
        _contentType = contentType;
        using var stream = typeof(ConsoleAsset).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"{resource} is not embedded in the build");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        _content = copy.ToArray();
        Version = Convert.ToHexString(SHA256.HashData(_content))[..12].ToLowerInvariant();
    }

    public string Path { get; }

    public string Version { get; }

    public string Url => $"{Path}?v={Version}";

    public IResult Serve(HttpContext http)
    {
        http.Response.Headers.CacheControl = "public, max-age=31536000, immutable";
        return Results.Bytes(_content, _contentType);
    }
}
