using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Gateway.Phones;

namespace Gateway.Hosting;

/// <summary>
/// The one way a value received from outside (a USSD sessionId or serviceCode, a Twilio MessageSid or error code,
/// a broadcast's title from the admin API, a provider's error text) goes into a log line. CR and LF would let a
/// caller forge log lines, other control, format and separator characters can hide or reorder text in a viewer:
/// they come out as visible escapes (\r, \n, \u202E), a backslash as \\ so that an escape is never ambiguous, and
/// anything longer than <see cref="MaxLength"/> is cut with the count of what was left out.
/// Phone numbers are normalised at the edge and logged with Phone.Mask; <see cref="CleanPath"/> masks any in a request path.
/// </summary>
public static partial class LogSanitiser
{
    public const int MaxLength = 100;

    public static string Clean(string? value)
    {
        if (value is null) return "(none)";
        var kept = value.Length <= MaxLength ? value.Length : char.IsHighSurrogate(value[MaxLength - 1]) ? MaxLength - 1 : MaxLength;
        var text = new StringBuilder(kept + 16);
        for (var i = 0; i < kept; i++)
        {
            var c = value[i];
            if (char.IsSurrogatePair(value, i) && i + 1 < kept)
            {
                text.Append(c).Append(value[++i]);
                continue;
            }
            text.Append(c switch
            {
                '\\' => @"\\",
                '\r' => @"\r",
                '\n' => @"\n",
                '\t' => @"\t",
                _ when NeedsEscape(c) => $@"\u{(int)c:X4}",
                _ => c.ToString(),
            });
        }
        if (kept < value.Length) text.Append(CultureInfo.InvariantCulture, $"…(+{value.Length - kept} characters)");
        return text.ToString();
    }

    /// <summary>A request path (or query) as a log line may show it: cleaned, and any phone number in it masked
    /// (/api/subscribers/+8613812345678 → /api/subscribers/+86138****5678), written with + or %2B or without.</summary>
    public static string CleanPath(string? path) =>
        Clean(path is null ? null : NumberInPath().Replace(path, m => m.Groups[1].Value + Phone.Mask("+" + m.Groups[2].Value)[1..]));

    [GeneratedRegex(@"(\+|%2[Bb])?(\d{7,})")]
    private static partial Regex NumberInPath();

    private static bool NeedsEscape(char c) => char.IsControl(c) || char.IsSurrogate(c) || c is '\uFFFE' or '\uFFFF'
        || char.GetUnicodeCategory(c) is UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;
}
