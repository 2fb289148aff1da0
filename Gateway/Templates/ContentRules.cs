using System.Text.RegularExpressions;
using Gateway.Delivery.Encoding;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Gateway.Templates;

/// <summary>
/// The checks every piece of SMS content passes before the gateway will start (templates/README.md):
/// both languages present, only allowed placeholders, no links, English in GSM-7, and within its segment budget
/// as measured by the same calculator that prices real messages.
/// </summary>
public static partial class ContentRules
{
    private static readonly IDeserializer Yaml = new DeserializerBuilder()
        .WithNamingConvention(UnderscoredNamingConvention.Instance)
        .WithDuplicateKeyChecking()
        .Build();

    /// <summary>
    /// Reads one YAML file, for every loader of templates/: unknown fields (typos), repeated keys, malformed YAML,
    /// an empty or unreadable file are errors naming the file and line, so content staff know what to fix.
    /// </summary>
    public static T Read<T>(string file)
    {
        try
        {
            using var reader = File.OpenText(file);
            return Yaml.Deserialize<T?>(reader) ?? throw new InvalidDataException($"{file}: the file is empty");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"{file}: cannot be read: {e.Message}", e);
        }
        catch (YamlException e)
        {
            var reason = e.InnerException is { } inner ? $"{e.Message} {inner.Message}" : e.Message;
            throw new InvalidDataException($"{file}: line {e.Start.Line}, column {e.Start.Column}: {reason}", e);
        }
    }

    /// <summary>Checks one text in one language; problems are added to <paramref name="errors"/> prefixed by <paramref name="where"/>.</summary>
    /// <param name="placeholders">Allowed placeholders and the longest value each can take, for measuring.</param>
    public static void CheckText(List<string> errors, string where, string language, string? text, int maxSegments,
        IReadOnlyDictionary<string, string>? placeholders = null)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            errors.Add($"{where}: the {language} text is missing");
            return;
        }
        if (text != text.Trim())
            errors.Add($"{where}: the {language} text starts or ends with spaces");

        var measured = text;
        foreach (Match m in Placeholder().Matches(text))
        {
            var name = m.Groups[1].Value;
            if (placeholders is null || !placeholders.TryGetValue(name, out var longest))
                errors.Add($"{where}: unknown placeholder {{{name}}} in the {language} text");
            else
                measured = measured.Replace(m.Value, longest);
        }
        if (Link().IsMatch(text))
            errors.Add($"{where}: the {language} text contains a link; Chinese networks filter SMS with links");

        var cost = SegmentCalculator.Measure(measured);
        if (language == "en" && cost.Encoding != SmsEncoding.Gsm7)
            errors.Add($"{where}: the en text has characters outside GSM-7 ({string.Join(" ", cost.NonGsmCharacters.Select(c => $"'{c}'"))}), which would make it UCS-2 and more than double its cost");
        if (language == "zh" && !HanCharacter().IsMatch(text))
            errors.Add($"{where}: the zh text has no Chinese characters");
        if (cost.Segments > maxSegments)
            errors.Add($"{where}: the {language} text is {cost.Segments} SMS segments ({cost.Units} {(cost.Encoding == SmsEncoding.Gsm7 ? "characters" : "UTF-16 units")}); the limit is {maxSegments}");
    }

    public static void CheckBilingual(List<string> errors, string where, Bilingual? text, int maxSegments,
        Func<string, IReadOnlyDictionary<string, string>?>? placeholders = null)
    {
        if (text is null)
        {
            errors.Add($"{where}: missing (needs zh and en)");
            return;
        }
        CheckText(errors, where, "zh", text.Zh, maxSegments, placeholders?.Invoke("zh"));
        CheckText(errors, where, "en", text.En, maxSegments, placeholders?.Invoke("en"));
    }

    public static void ThrowIfAny(List<string> errors, string what)
    {
        if (errors.Count > 0)
            throw new InvalidDataException($"{what} has {errors.Count} problem(s):\n  - {string.Join("\n  - ", errors)}");
    }

    [GeneratedRegex(@"\{([^{}]*)\}")]
    private static partial Regex Placeholder();

    /// <summary>True when <paramref name="text"/> looks like it carries a link (Chinese networks filter such SMS).</summary>
    public static bool ContainsLink(string text) => Link().IsMatch(text);

    [GeneratedRegex(@"https?:|www\.|\.(com|cn|org|net)\b", RegexOptions.IgnoreCase)]
    private static partial Regex Link();

    [GeneratedRegex(@"\p{IsCJKUnifiedIdeographs}")]
    private static partial Regex HanCharacter();

    [GeneratedRegex("^[a-z0-9]+(-[a-z0-9]+)*$")]
    public static partial Regex Slug();
}
