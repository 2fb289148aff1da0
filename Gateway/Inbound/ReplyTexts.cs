using System.Globalization;
using Gateway.Templates;

namespace Gateway.Inbound;

/// <summary>The replies' words, from templates/messages, for the intent classes: one place that fills in a text.</summary>
public sealed class ReplyTexts(MessageTexts texts, TopicCatalog topics)
{
    public string Text(string key, string language, params (string Name, string Value)[] values) =>
        texts.Get(key, language, values.Length == 0 ? null : values.ToDictionary(v => v.Name, v => v.Value));

    /// <summary>Two sentences of one reply: English puts a space between them, Chinese does not.</summary>
    public static string Sentences(string language, string first, string second) => first + (language == "en" ? " " : "") + second;

    public string TopicNames(IEnumerable<string> keys, string language) => topics.Names(keys, language, Text(MessageKeys.NoTopics, language));

    public string TopicMenu(string language) => topics.Menu(language);

    public static string Number(int n) => n.ToString(CultureInfo.InvariantCulture);
}
