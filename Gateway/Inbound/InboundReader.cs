using System.Globalization;
using System.Text;
using Gateway.Hosting;
using Microsoft.Extensions.Options;

namespace Gateway.Inbound;

/// <summary>
/// The pipeline's first step, pure: makes the text storable, decodes a body that came base64-encoded, and says what
/// the message asks for (<see cref="KeywordParser"/>) and what language a new number gets.
/// </summary>
public sealed class InboundReader(KeywordParser parser, IOptions<GatewayOptions> gateway)
{
    public InboundReading Read(InboundMessage message)
    {
        var body = Base64Body(Storable(message.Body));
        message = message with { Body = body };
        var parsed = WithProviderKeyword(parser.Parse(body), message.ProviderKeyword);
        return new InboundReading(message, parsed, LanguageOfNewSubscriber(parsed));
    }

    /// <summary>
    /// PostgreSQL text cannot hold U+0000, and UTF-8 cannot hold half a surrogate pair: either would fail the statement
    /// that stores the message (and a failure while Npgsql prepares a statement leaves that connection misreading the
    /// statement's next result: docs/inbound.md "Storable text"). Each becomes U+FFFD, so the message is kept as sent
    /// but for that character.
    /// </summary>
    public static string Storable(string text)
    {
        if (!text.Contains('\0') && !text.AsSpan().ContainsAnyInRange('\uD800', '\uDFFF'))
            return text;
        var sb = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                sb.Append(c).Append(text[++i]);
            else
                sb.Append(c == '\0' || char.IsSurrogate(c) ? '\uFFFD' : c);
        }
        return sb.ToString();
    }

    /// <summary>
    /// Some gateways hand over a long (concatenated) message base64-encoded. A body is decoded when it is at least
    /// <see cref="MinBase64Length"/> characters of strict base64 (line breaks aside), the bytes are valid UTF-8, and
    /// the text is printable (no control characters but line breaks and tabs, no unassigned or private-use characters).
    /// A resident's own words practically never pass all three: they have spaces or punctuation, are short, or decode
    /// to bytes that are not text.
    /// </summary>
    public static string Base64Body(string body)
    {
        var compact = body.Replace("\r", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal).Trim();
        if (compact.Length < MinBase64Length || compact.Length % 4 != 0 || !compact.All(IsBase64Char))
            return body;
        var bytes = new byte[compact.Length / 4 * 3];
        if (!Convert.TryFromBase64String(compact, bytes, out var length))
            return body;
        string text;
        try
        {
            text = StrictUtf8.GetString(bytes, 0, length);
        }
        catch (DecoderFallbackException)
        {
            return body;
        }
        return text.Length > 0 && text.EnumerateRunes().All(IsPrintable) ? text : body;
    }

    /// <summary>A 60-character body is 45 bytes of text: longer than any keyword, shorter than a two-part message.</summary>
    public const int MinBase64Length = 60;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static bool IsBase64Char(char c) => char.IsAsciiLetterOrDigit(c) || c is '+' or '/' or '=';

    private static bool IsPrintable(Rune r) => r.Value is '\n' or '\r' or '\t' || Rune.GetUnicodeCategory(r) switch
    {
        UnicodeCategory.Control or UnicodeCategory.OtherNotAssigned or UnicodeCategory.PrivateUse or UnicodeCategory.Surrogate => false,
        _ => r.Value != 0xFFFD,
    };

    /// <summary>Our parser decides; the provider's own keyword reading (Twilio's OptOutType) only fills in when we
    /// understood nothing: Twilio has then already blocked or unblocked the number, and our records must agree.</summary>
    private static ParsedMessage WithProviderKeyword(ParsedMessage parsed, string? providerKeyword)
    {
        if (parsed.Intent != Intent.Unknown || providerKeyword is null)
            return parsed;
        return providerKeyword.ToUpperInvariant() switch
        {
            "STOP" => parsed with { Intent = Intent.OptOutAll, Keyword = "stop" },
            "START" => parsed with { Intent = Intent.OptIn, Keyword = "start" },
            "HELP" => parsed with { Intent = Intent.Help, Keyword = "help" },
            _ => parsed,
        };
    }

    /// <summary>
    /// The language of a number we have never seen, from its first message: Chinese characters mean zh; an English
    /// keyword of three letters or more (HELP, STOP, JOIN, a phrase) means en, since whoever typed it reads English;
    /// anything else (TD and T are Chinese-market conventions, pinyin, digits, "?") gets DEFAULT_LANGUAGE.
    /// LANG EN / 中文 in the first message wins. Later messages never change the language implicitly.
    /// </summary>
    private string LanguageOfNewSubscriber(ParsedMessage parsed)
    {
        if (parsed is { Intent: Intent.Language, Argument: { } chosen })
            return chosen;
        if (parsed.DetectedLanguage == MessageLanguage.Zh)
            return "zh";
        if (parsed.DetectedLanguage == MessageLanguage.En && parsed.Keyword?.Count(char.IsAsciiLetter) >= 3)
            return "en";
        return gateway.Value.DefaultLanguage;
    }
}
