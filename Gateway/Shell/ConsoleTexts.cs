using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Gateway.Shell;

/// <summary>
/// Every text a console page shows, in both languages: one mechanism for all pages. Each slice keeps its texts beside
/// its pages in a <c>&lt;slice&gt;.texts.yaml</c> file (embedded in the build), one entry per key with both languages:
/// <code>
/// staff.title:
///   en: Staff
///   zh: 工作人员
/// </code>
/// Pages ask by key (<c>@T["staff.title"]</c>, <c>@T["staff.added", name]</c> with {0}-style placeholders) in the
/// language of the request. Loading checks every file: each key once across all files, both languages present,
/// the same placeholders in both. An unknown key throws, so a page that names a missing text fails its tests.
/// </summary>
public sealed partial class ConsoleTexts
{
    public const string Zh = "zh";
    public const string En = "en";

    private readonly Dictionary<string, (string Zh, string En)> _texts = new(StringComparer.Ordinal);

    public ConsoleTexts() : this(EmbeddedFiles()) { }

    public ConsoleTexts(IEnumerable<(string File, string Yaml)> files)
    {
        foreach (var (file, text) in files) Read(file, text);
    }

    /// <summary>The text in the current request's language (CultureInfo.CurrentUICulture), placeholders filled in.</summary>
    public string this[string key, params object?[] args] => In(CurrentLanguage, key, args);

    /// <summary>The text in <paramref name="language"/> (zh or en).</summary>
    public string In(string language, string key, params object?[] args)
    {
        if (!_texts.TryGetValue(key, out var text)) throw new KeyNotFoundException($"no console text '{key}' in any *.texts.yaml");
        var chosen = language == Zh ? text.Zh : text.En;
        return args.Length == 0 ? chosen : string.Format(CultureFor(language), chosen, args);
    }

    public bool Has(string key) => _texts.ContainsKey(key);

    public IReadOnlyCollection<string> Keys => _texts.Keys;

    /// <summary>zh or en: the language of the current request (set by the console's localization middleware).</summary>
    public static string CurrentLanguage => CultureInfo.CurrentUICulture.TwoLetterISOLanguageName == Zh ? Zh : En;

    public static CultureInfo CultureFor(string language) => CultureInfo.GetCultureInfo(language == Zh ? "zh-CN" : "en");

    private void Read(string file, string text)
    {
        var yaml = new YamlStream();
        try
        {
            yaml.Load(new StringReader(text));
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new InvalidDataException($"{file}: not valid YAML ({e.Message})", e);
        }
        if (yaml.Documents.Count == 0) return;
        if (yaml.Documents[0].RootNode is not YamlMappingNode root) throw new InvalidDataException($"{file}: must be a map of keys");
        foreach (var (keyNode, valueNode) in root.Children)
        {
            var key = ((YamlScalarNode)keyNode).Value ?? "";
            if (_texts.ContainsKey(key)) throw new InvalidDataException($"{file}: key '{key}' is defined twice (keys are shared by every *.texts.yaml)");
            if (valueNode is not YamlMappingNode languages) throw new InvalidDataException($"{file}: '{key}' must have an 'en:' and a 'zh:' text");
            string Text(string language) => languages.Children.TryGetValue(new YamlScalarNode(language), out var node) && node is YamlScalarNode { Value: { Length: > 0 } v }
                ? v
                : throw new InvalidDataException($"{file}: '{key}' has no '{language}:' text");
            var (zh, en) = (Text(Zh), Text(En));
            if (!Placeholders(zh).SetEquals(Placeholders(en)))
                throw new InvalidDataException($"{file}: '{key}' uses different placeholders in zh and en");
            _texts[key] = (zh, en);
        }
    }

    private static HashSet<string> Placeholders(string text) => PlaceholderPattern().Matches(text).Select(m => m.Value).ToHashSet();

    /// <summary>Every *.texts.yaml file of the build (embedded resources).</summary>
    public static IEnumerable<(string File, string Yaml)> EmbeddedFiles()
    {
        var assembly = typeof(ConsoleTexts).Assembly;
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.EndsWith(".texts.yaml", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream);
            yield return (name, reader.ReadToEnd());
        }
    }

    [GeneratedRegex(@"\{\d+(:[^}]*)?\}")]
    private static partial Regex PlaceholderPattern();
}
