using System.Globalization;
using System.Text;

namespace Gateway.Delivery.Encoding;

public enum SmsEncoding { Gsm7, Ucs2 }

public static class SmsEncodingLabels
{
    /// <summary>The name used in the database, the API and Twilio's documentation: GSM-7 or UCS-2.</summary>
    public static string Label(this SmsEncoding encoding) => encoding == SmsEncoding.Gsm7 ? "GSM-7" : "UCS-2";
}

/// <summary>What a body costs as SMS. Units are septets for GSM-7 and UTF-16 code units for UCS-2.
/// NonGsmCharacters are the distinct text elements that force UCS-2, in order of first appearance.</summary>
public sealed record SmsSegments(SmsEncoding Encoding, int Segments, int Units, IReadOnlyList<string> NonGsmCharacters)
{
    /// <summary>Payload bits without headers (Twilio calculator's messageSize).</summary>
    public int MessageBits => Units * (Encoding == SmsEncoding.Gsm7 ? 7 : 16);

    /// <summary>Payload plus the 6-octet UDH each concatenated segment carries (Twilio calculator's totalSize).</summary>
    public int TotalBits => MessageBits + (Segments > 1 ? Segments * SegmentCalculator.UdhBits : 0);
}

/// <summary>Counts SMS segments the way Twilio does (protocols.md §7.1, TwilioDevEd/message-segment-calculator).</summary>
public static class SegmentCalculator
{
    // One SMS is 140 octets = 1120 bits; a concatenated segment spends 48 of them on the User Data Header.
    internal const int UdhBits = 48;
    private const int Gsm7Single = 160, Gsm7Concatenated = 153;   // 1120 / 7, (1120 - 48) / 7
    private const int Ucs2Single = 70, Ucs2Concatenated = 67;     // 1120 / 16, (1120 - 48) / 16

    /// <summary>Encoding, segment count and size of <paramref name="body"/>. An empty body counts as 1 segment,
    /// as in Twilio's calculator (Twilio refuses to send an empty SMS anyway).</summary>
    public static SmsSegments Measure(string body)
    {
        var layout = Layout(body);
        var nonGsm = layout.Elements.Where(e => !IsGsm7(e)).Distinct(StringComparer.Ordinal).ToList();
        return new SmsSegments(layout.Encoding, layout.Segments.Count, layout.Elements.Sum(e => UnitsOf(e, layout.Encoding)), nonGsm);
    }

    /// <summary>The text of each segment, in order. Concatenating them gives <paramref name="body"/> back.</summary>
    public static IReadOnlyList<string> Split(string body) => Layout(body).Segments;

    private sealed record BodyLayout(SmsEncoding Encoding, List<string> Elements, List<string> Segments);

    private static BodyLayout Layout(string body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var elements = TextElements(body);
        var encoding = elements.All(IsGsm7) ? SmsEncoding.Gsm7 : SmsEncoding.Ucs2;
        var (single, concatenated) = encoding == SmsEncoding.Gsm7 ? (Gsm7Single, Gsm7Concatenated) : (Ucs2Single, Ucs2Concatenated);

        var total = elements.Sum(e => UnitsOf(e, encoding));
        var capacity = total <= single ? single : concatenated;

        // Greedy packing over whole text elements: an escape pair (GSM-7) or a grapheme cluster (UCS-2) that does
        // not fit moves whole to the next segment, as Twilio's calculator does (Segment.ts addHeader/_buildSegments).
        var segments = new List<string>();
        var current = new StringBuilder();
        var used = 0;
        foreach (var element in elements)
        {
            var units = UnitsOf(element, encoding);
            if (used + units > capacity && used > 0)
            {
                segments.Add(current.ToString());
                current.Clear();
                used = 0;
            }
            current.Append(element);
            used += units;
        }
        segments.Add(current.ToString());
        return new BodyLayout(encoding, elements, segments);
    }

    // Grapheme clusters (UAX #29 via StringInfo), with two exceptions:
    // - CR LF is one cluster in UAX #29, but Twilio counts it as two GSM-7 characters (calculator's CRLF handling).
    // - A cluster longer than a whole UCS-2 segment (e.g. "zalgo" text) cannot stay whole; it is split into scalars.
    private static List<string> TextElements(string body)
    {
        var elements = new List<string>();
        var e = StringInfo.GetTextElementEnumerator(body);
        while (e.MoveNext())
        {
            var element = e.GetTextElement();
            if (element == "\r\n")
                elements.AddRange(["\r", "\n"]);
            else if (element.Length > Ucs2Concatenated)
                elements.AddRange(element.EnumerateRunes().Select(r => r.ToString()));
            else
                elements.Add(element);
        }
        return elements;
    }

    // A multi-code-unit cluster (emoji, flag, base + combining mark) is never GSM-7, even if its base letter is.
    private static bool IsGsm7(string element) => element.Length == 1 && Gsm7.IsGsm7(element[0]);

    private static int UnitsOf(string element, SmsEncoding encoding) =>
        encoding == SmsEncoding.Gsm7 ? Gsm7.Septets(element[0]) : element.Length;
}
