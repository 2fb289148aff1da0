using System.Reflection;
using System.Text.RegularExpressions;
using Gateway.Tests.Support;
using Microsoft.Extensions.Configuration;

namespace Gateway.Tests.Hosting;

/// <summary>Every setting the code reads is documented in .env.example and the configuration table (docs/configuration.md), and nothing documented is dead.</summary>
public sealed class SettingsDocumentationTests
{
    // Read by LocalMode before options exist; documented like the others.
    private static readonly string[] ReadDirectly = ["LOCAL_POSTGRES_DIR", "LOCAL_MODE"];

    private static HashSet<string> SettingsInCode() => typeof(Gateway.Hosting.GatewayOptions).Assembly.GetTypes()
        .SelectMany(t => t.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        .Select(p => p.GetCustomAttribute<ConfigurationKeyNameAttribute>()?.Name)
        .OfType<string>()
        .Concat(ReadDirectly)
        .ToHashSet();

    [Fact]
    public void EnvExample_DocumentsExactlyTheSettingsTheCodeReads()
    {
        var documented = File.ReadLines(Path.Combine(RepoPaths.Root, ".env.example"))
            .Select(l => Regex.Match(l, @"^([A-Z][A-Z0-9_]+)=").Groups[1].Value)
            .Where(k => k.Length > 0)
            .ToHashSet();

        Assert.Empty(SettingsInCode().Except(documented));
        Assert.Empty(documented.Except(SettingsInCode()));
    }

    [Fact]
    public void ConfigurationTable_NamesEverySetting()
    {
        // Wherever the table lives (README or a page under docs/), it is the one file with this header row.
        var pages = Directory.GetFiles(Path.Combine(RepoPaths.Root, "docs"), "*.md").Append(Path.Combine(RepoPaths.Root, "README.md"));
        var withTable = pages.Where(p => File.ReadAllText(p).Contains(SettingsTableHeader)).ToList();
        var table = Assert.Single(withTable);
        var text = File.ReadAllText(table);
        var missing = SettingsInCode().Where(k => !text.Contains($"`{k}`")).ToList();
        Assert.True(missing.Count == 0, $"{Path.GetFileName(table)} lacks: " + string.Join(", ", missing));
    }

    private const string SettingsTableHeader = "| Setting | Default | Meaning |";
}
