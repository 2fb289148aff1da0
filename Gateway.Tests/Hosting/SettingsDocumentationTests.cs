using System.Reflection;
using System.Text.RegularExpressions;
using Gateway.Tests.Support;
using Microsoft.Extensions.Configuration;

namespace Gateway.Tests.Hosting;

/// <summary>Every setting the code reads is documented in .env.example and the README, and nothing documented is dead.</summary>
public sealed class SettingsDocumentationTests
{
    // Read by Program/LocalMode before options exist; documented like the others.
    private static readonly string[] ReadDirectly = ["LOCAL_POSTGRES_DIR"];

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
    public void Readme_ConfigurationTable_NamesEverySetting()
    {
        var readme = File.ReadAllText(Path.Combine(RepoPaths.Root, "README.md"));
        var missing = SettingsInCode().Where(k => !readme.Contains($"`{k}`")).ToList();
        Assert.True(missing.Count == 0, "README lacks: " + string.Join(", ", missing));
    }
}
