using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Gateway.Templates;

/// <summary>
/// SMS reply texts from templates/messages/&lt;language&gt;.yaml. Loaded and checked once at start-up:
/// every language must define every key in <see cref="MessageKeys"/>, and a reply may only use the placeholders its key allows.
/// </summary>
public sealed partial class MessageTexts
{
    private readonly Dictionary<string, Dictionary<string, string>> _byLanguage;

    public MessageTexts(TemplatesFolder folder) : this(folder.Path) { }

    public MessageTexts(string templatesPath)
    {
        _byLanguage = [];
        foreach (var language in Hosting.GatewayOptions.Languages)
        {
            var file = Path.Combine(templatesPath, "messages", language + ".yaml");
            if (!File.Exists(file)) throw new InvalidDataException($"{file}: missing (every language needs its messages file)");
            _byLanguage[language] = Read(file);
        }

        foreach (var (language, texts) in _byLanguage)
        {
            var missing = MessageKeys.All.Keys.Except(texts.Keys).ToList();
            if (missing.Count > 0)
                throw new InvalidDataException($"messages/{language}.yaml: missing {string.Join(", ", missing)}");
            foreach (var (key, text) in texts)
            {
                if (!MessageKeys.All.TryGetValue(key, out var allowed))
                    throw new InvalidDataException($"messages/{language}.yaml: unknown key '{key}' (a typo?)");
                var unknown = Placeholders(text).Except(allowed).ToList();
                if (unknown.Count > 0)
                    throw new InvalidDataException($"messages/{language}.yaml: '{key}' uses unknown placeholder {{{unknown[0]}}}");
            }
        }
    }

    /// <summary>The text for <paramref name="key"/> in <paramref name="language"/>, placeholders filled in.</summary>
    public string Get(string key, string language, IReadOnlyDictionary<string, string>? values = null)
    {
        if (!_byLanguage.TryGetValue(language, out var texts)) throw new ArgumentException($"unknown language {language}");
        if (!texts.TryGetValue(key, out var text)) throw new KeyNotFoundException($"no message '{key}'");
        return values is null ? text : PlaceholderPattern().Replace(text, m => values.TryGetValue(m.Groups[1].Value, out var v) ? v : m.Value);
    }

    private static IEnumerable<string> Placeholders(string text) =>
        PlaceholderPattern().Matches(text).Select(m => m.Groups[1].Value);

    private static Dictionary<string, string> Read(string file)
    {
        var yaml = new YamlStream();
        try
        {
            using var reader = File.OpenText(file);
            yaml.Load(reader);
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new InvalidDataException($"{file}: not valid YAML ({e.Message})");
        }
        if (yaml.Documents.Count == 0 || yaml.Documents[0].RootNode is not YamlMappingNode root)
            throw new InvalidDataException($"{file}: expected 'key: text' lines");

        var texts = new Dictionary<string, string>();
        foreach (var (k, v) in root.Children)
        {
            if (k is not YamlScalarNode { Value: { Length: > 0 } key } || v is not YamlScalarNode { Value: { Length: > 0 } text })
                throw new InvalidDataException($"{file}: line {k.Start.Line}: expected 'key: text' with a non-empty text");
            texts[key] = text.Trim();
        }
        return texts;
    }

    [GeneratedRegex(@"\{([a-z_]+)\}")]
    private static partial Regex PlaceholderPattern();
}
