using System.Text;
using System.Xml;

namespace Gateway.Providers.Twilio;

/// <summary>
/// Text for a TwiML reply. XML 1.0 cannot carry control characters other than tab and line breaks, U+FFFE, U+FFFF or
/// half a surrogate pair: one of them echoed from a resident's message ("JOIN \uFFFF" names the topic it did not find)
/// would make the whole answer invalid XML, and Twilio would deliver no reply at all. They are dropped.
/// </summary>
public static class XmlText
{
    public static string Carriable(string text)
    {
        var bad = false;
        for (var i = 0; i < text.Length && !bad; i++)
            bad = !Fits(text, ref i);
        if (!bad) return text;

        var kept = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var start = i;
            if (Fits(text, ref i)) kept.Append(text, start, i - start + 1);
        }
        return kept.ToString();
    }

    // A surrogate pair is one character for XML: both halves are checked together, and i moves past the second.
    private static bool Fits(string text, ref int i)
    {
        if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
        {
            i++;
            return true;
        }
        return XmlConvert.IsXmlChar(text[i]);
    }
}
