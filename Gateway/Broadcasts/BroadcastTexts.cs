using Gateway.Delivery;
using Gateway.Delivery.Encoding;
using Gateway.Hosting;

namespace Gateway.Broadcasts;

/// <summary>A broadcast's text in one recipient language, measured once for every recipient who reads that language.</summary>
/// <param name="FallbackFrom">Null when the language has its own text; otherwise DEFAULT_LANGUAGE, whose text it gets.</param>
/// <param name="Prepared">The body as stored and sent (after Smart Encoding), its encoding, segments and cost per message.</param>
/// <param name="Measured">Segments and the characters that force UCS-2.</param>
public sealed record LanguageText(string Language, string? FallbackFrom, PreparedBody Prepared, SmsSegments Measured);

public static class BroadcastTexts
{
    /// <summary>
    /// The text each recipient language gets: its own, or the DEFAULT_LANGUAGE text. Languages with neither are left
    /// out (validation refused such a broadcast unless its audience excludes them).
    /// </summary>
    public static IReadOnlyList<LanguageText> Render(IReadOnlyDictionary<string, string> content, string defaultLanguage, Outbox outbox)
    {
        var texts = new List<LanguageText>();
        foreach (var language in GatewayOptions.Languages)
        {
            var (text, fallbackFrom) = content.TryGetValue(language, out var own) ? (own, null)
                : content.TryGetValue(defaultLanguage, out var fallback) ? (fallback, defaultLanguage)
                : ((string?)null, (string?)null);
            if (text is null) continue;
            var prepared = outbox.Prepare(text);
            texts.Add(new LanguageText(language, fallbackFrom, prepared, SegmentCalculator.Measure(prepared.Body)));
        }
        return texts;
    }
}
