using Gateway.Hosting;
using Microsoft.Extensions.Options;

namespace Gateway.Templates;

/// <summary>Where message content and menus are read from: TEMPLATES_PATH, or the templates/ folder shipped with the app.</summary>
public sealed class TemplatesFolder(IOptions<GatewayOptions> options)
{
    public string Path { get; } = Resolve(options.Value.TemplatesPath);

    public static string Resolve(string? configured)
    {
        if (!string.IsNullOrWhiteSpace(configured)) return System.IO.Path.GetFullPath(configured);

        // Builds copy templates/ next to the binaries; a source checkout also has it beside Gateway.sln.
        var shipped = System.IO.Path.Combine(AppContext.BaseDirectory, "templates");
        if (Directory.Exists(shipped)) return shipped;
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            var candidate = System.IO.Path.Combine(dir.FullName, "templates");
            if (Directory.Exists(candidate) && File.Exists(System.IO.Path.Combine(dir.FullName, "Gateway.sln"))) return candidate;
        }
        throw new DirectoryNotFoundException("TEMPLATES_PATH: no templates/ folder found next to the app; set TEMPLATES_PATH");
    }
}
