using System.Text;

namespace Gateway.Delivery.Encoding;

/// <summary>Twilio-style Smart Encoding: swaps look-alike characters (curly quotes, dashes, odd spaces, fullwidth
/// punctuation, …) for GSM-7 ones so an English message is not sent as UCS-2 (protocols.md §7.4).</summary>
public static class SmartEncoding
{
    /// <summary>
    /// Returns the body with look-alikes replaced, but only if that makes the whole message GSM-7 without costing
    /// more segments; otherwise returns the body unchanged. So text with any Han character (or emoji, ç, …) is never
    /// touched: turning 。， into ., in Chinese text would look wrong and could not save a segment, since the Han
    /// characters keep the message in UCS-2 anyway.
    /// </summary>
    public static string Apply(string body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var replaced = Replace(body);
        if (ReferenceEquals(replaced, body))
            return body;

        var after = SegmentCalculator.Measure(replaced);
        if (after.Encoding != SmsEncoding.Gsm7)
            return body;

        // A replacement can cost more than it saves ("…" becomes "...", fullwidth ｛ becomes a 2-septet {),
        // so 70 × "…" is 1 UCS-2 segment but 210 septets would be 2 GSM-7 segments.
        if (after.Segments > SegmentCalculator.Measure(body).Segments)
            return body;

        return replaced;
    }

    private static string Replace(string body)
    {
        if (!body.Any(Map.ContainsKey))
            return body;

        var sb = new StringBuilder(body.Length);
        foreach (var c in body)
        {
            if (Map.TryGetValue(c, out var replacement))
                sb.Append(replacement);
            else
                sb.Append(c);
        }
        return sb.ToString();
    }

    // Twilio's emulation of its Smart Encoding list (TwilioDevEd/message-segment-calculator SmartEncodingMap.ts,
    // 270 entries, transcribed in protocols.md §7.4), in its order, with the corrections that section recommends:
    // - every Unicode space becomes ONE ordinary space (the emulation writes two);
    // - TAB becomes one space: a TAB is not GSM-7, so keeping it would keep the message in UCS-2, and handsets
    //   render tabs inconsistently anyway (the emulation writes seven spaces, which the doc marks unverified);
    // - ‹ becomes < and › becomes > (the emulation has them swapped).
    // Every key is a single BMP character outside GSM-7 and every value is GSM-7 text (checked by SmartEncodingTests).
    internal static readonly Dictionary<char, string> Map = new()
    {
        { '\u00AB', "\"" }, // « LEFT-POINTING DOUBLE ANGLE QUOTATION MARK
        { '\u00BB', "\"" }, // » RIGHT-POINTING DOUBLE ANGLE QUOTATION MARK
        { '\u201C', "\"" }, // “ LEFT DOUBLE QUOTATION MARK
        { '\u201D', "\"" }, // ” RIGHT DOUBLE QUOTATION MARK
        { '\u02BA', "\"" }, // ʺ MODIFIER LETTER DOUBLE PRIME
        { '\u02EE', "\"" }, // ˮ MODIFIER LETTER DOUBLE APOSTROPHE
        { '\u201F', "\"" }, // ‟ DOUBLE HIGH-REVERSED-9 QUOTATION MARK
        { '\u201E', "\"" }, // „ DOUBLE LOW-9 QUOTATION MARK
        { '\u275D', "\"" }, // ❝ HEAVY DOUBLE TURNED COMMA QUOTATION MARK ORNAMENT
        { '\u275E', "\"" }, // ❞ HEAVY DOUBLE COMMA QUOTATION MARK ORNAMENT
        { '\u301D', "\"" }, // 〝 REVERSED DOUBLE PRIME QUOTATION MARK
        { '\u301E', "\"" }, // 〞 DOUBLE PRIME QUOTATION MARK
        { '\uFF02', "\"" }, // ＂ FULLWIDTH QUOTATION MARK
        { '\u2018', "'" }, // ‘ LEFT SINGLE QUOTATION MARK
        { '\u2019', "'" }, // ’ RIGHT SINGLE QUOTATION MARK
        { '\u02BB', "'" }, // ʻ MODIFIER LETTER TURNED COMMA
        { '\u02C8', "'" }, // ˈ MODIFIER LETTER VERTICAL LINE
        { '\u02BC', "'" }, // ʼ MODIFIER LETTER APOSTROPHE
        { '\u02BD', "'" }, // ʽ MODIFIER LETTER REVERSED COMMA
        { '\u02B9', "'" }, // ʹ MODIFIER LETTER PRIME
        { '\u201B', "'" }, // ‛ SINGLE HIGH-REVERSED-9 QUOTATION MARK
        { '\uFF07', "'" }, // ＇ FULLWIDTH APOSTROPHE
        { '\u00B4', "'" }, // ´ ACUTE ACCENT
        { '\u02CA', "'" }, // ˊ MODIFIER LETTER ACUTE ACCENT
        { '\u0060', "'" }, // ` GRAVE ACCENT
        { '\u02CB', "'" }, // ˋ MODIFIER LETTER GRAVE ACCENT
        { '\u275B', "'" }, // ❛ HEAVY SINGLE TURNED COMMA QUOTATION MARK ORNAMENT
        { '\u275C', "'" }, // ❜ HEAVY SINGLE COMMA QUOTATION MARK ORNAMENT
        { '\u0313', "'" }, // COMBINING COMMA ABOVE
        { '\u0314', "'" }, // COMBINING REVERSED COMMA ABOVE
        { '\uFE10', "'" }, // ︐ PRESENTATION FORM FOR VERTICAL COMMA
        { '\uFE11', "'" }, // ︑ PRESENTATION FORM FOR VERTICAL IDEOGRAPHIC COMMA
        { '\u00F7', "/" }, // ÷ DIVISION SIGN
        { '\u00BC', "1/4" }, // ¼ VULGAR FRACTION ONE QUARTER
        { '\u00BD', "1/2" }, // ½ VULGAR FRACTION ONE HALF
        { '\u00BE', "3/4" }, // ¾ VULGAR FRACTION THREE QUARTERS
        { '\u29F8', "/" }, // ⧸ BIG SOLIDUS
        { '\u0337', "/" }, // COMBINING SHORT SOLIDUS OVERLAY
        { '\u0338', "/" }, // COMBINING LONG SOLIDUS OVERLAY
        { '\u2044', "/" }, // ⁄ FRACTION SLASH
        { '\u2215', "/" }, // ∕ DIVISION SLASH
        { '\uFF0F', "/" }, // ／ FULLWIDTH SOLIDUS
        { '\u29F9', "\\" }, // ⧹ BIG REVERSE SOLIDUS
        { '\u29F5', "\\" }, // ⧵ REVERSE SOLIDUS OPERATOR
        { '\u20E5', "\\" }, // COMBINING REVERSE SOLIDUS OVERLAY
        { '\uFE68', "\\" }, // ﹨ SMALL REVERSE SOLIDUS
        { '\uFF3C', "\\" }, // ＼ FULLWIDTH REVERSE SOLIDUS
        { '\u0332', "_" }, // COMBINING LOW LINE
        { '\uFF3F', "_" }, // ＿ FULLWIDTH LOW LINE
        { '\u20D2', "|" }, // COMBINING LONG VERTICAL LINE OVERLAY
        { '\u20D3', "|" }, // COMBINING SHORT VERTICAL LINE OVERLAY
        { '\u2223', "|" }, // ∣ DIVIDES
        { '\uFF5C', "|" }, // ｜ FULLWIDTH VERTICAL LINE
        { '\u23B8', "|" }, // ⎸ LEFT VERTICAL BOX LINE
        { '\u23B9', "|" }, // ⎹ RIGHT VERTICAL BOX LINE
        { '\u23D0', "|" }, // ⏐ VERTICAL LINE EXTENSION
        { '\u239C', "|" }, // ⎜ LEFT PARENTHESIS EXTENSION
        { '\u239F', "|" }, // ⎟ RIGHT PARENTHESIS EXTENSION
        { '\u23BC', "-" }, // ⎼ HORIZONTAL SCAN LINE-7
        { '\u23BD', "-" }, // ⎽ HORIZONTAL SCAN LINE-9
        { '\u2015', "-" }, // ― HORIZONTAL BAR
        { '\uFE63', "-" }, // ﹣ SMALL HYPHEN-MINUS
        { '\uFF0D', "-" }, // － FULLWIDTH HYPHEN-MINUS
        { '\u2010', "-" }, // ‐ HYPHEN
        { '\u2043', "-" }, // ⁃ HYPHEN BULLET
        { '\uFE6B', "@" }, // ﹫ SMALL COMMERCIAL AT
        { '\uFF20', "@" }, // ＠ FULLWIDTH COMMERCIAL AT
        { '\uFE69', "$" }, // ﹩ SMALL DOLLAR SIGN
        { '\uFF04', "$" }, // ＄ FULLWIDTH DOLLAR SIGN
        { '\u01C3', "!" }, // ǃ LATIN LETTER RETROFLEX CLICK
        { '\uFE15', "!" }, // ︕ PRESENTATION FORM FOR VERTICAL EXCLAMATION MARK
        { '\uFE57', "!" }, // ﹗ SMALL EXCLAMATION MARK
        { '\uFF01', "!" }, // ！ FULLWIDTH EXCLAMATION MARK
        { '\uFE5F', "#" }, // ﹟ SMALL NUMBER SIGN
        { '\uFF03', "#" }, // ＃ FULLWIDTH NUMBER SIGN
        { '\uFE6A', "%" }, // ﹪ SMALL PERCENT SIGN
        { '\uFF05', "%" }, // ％ FULLWIDTH PERCENT SIGN
        { '\uFE60', "&" }, // ﹠ SMALL AMPERSAND
        { '\uFF06', "&" }, // ＆ FULLWIDTH AMPERSAND
        { '\u201A', "," }, // ‚ SINGLE LOW-9 QUOTATION MARK
        { '\u0326', "," }, // COMBINING COMMA BELOW
        { '\uFE50', "," }, // ﹐ SMALL COMMA
        { '\uFE51', "," }, // ﹑ SMALL IDEOGRAPHIC COMMA
        { '\uFF0C', "," }, // ， FULLWIDTH COMMA
        { '\uFF64', "," }, // ､ HALFWIDTH IDEOGRAPHIC COMMA
        { '\u2768', "(" }, // ❨ MEDIUM LEFT PARENTHESIS ORNAMENT
        { '\u276A', "(" }, // ❪ MEDIUM FLATTENED LEFT PARENTHESIS ORNAMENT
        { '\uFE59', "(" }, // ﹙ SMALL LEFT PARENTHESIS
        { '\uFF08', "(" }, // （ FULLWIDTH LEFT PARENTHESIS
        { '\u27EE', "(" }, // ⟮ MATHEMATICAL LEFT FLATTENED PARENTHESIS
        { '\u2985', "(" }, // ⦅ LEFT WHITE PARENTHESIS
        { '\u2769', ")" }, // ❩ MEDIUM RIGHT PARENTHESIS ORNAMENT
        { '\u276B', ")" }, // ❫ MEDIUM FLATTENED RIGHT PARENTHESIS ORNAMENT
        { '\uFE5A', ")" }, // ﹚ SMALL RIGHT PARENTHESIS
        { '\uFF09', ")" }, // ） FULLWIDTH RIGHT PARENTHESIS
        { '\u27EF', ")" }, // ⟯ MATHEMATICAL RIGHT FLATTENED PARENTHESIS
        { '\u2986', ")" }, // ⦆ RIGHT WHITE PARENTHESIS
        { '\u204E', "*" }, // ⁎ LOW ASTERISK
        { '\u2217', "*" }, // ∗ ASTERISK OPERATOR
        { '\u229B', "*" }, // ⊛ CIRCLED ASTERISK OPERATOR
        { '\u2722', "*" }, // ✢ FOUR TEARDROP-SPOKED ASTERISK
        { '\u2723', "*" }, // ✣ FOUR BALLOON-SPOKED ASTERISK
        { '\u2724', "*" }, // ✤ HEAVY FOUR BALLOON-SPOKED ASTERISK
        { '\u2725', "*" }, // ✥ FOUR CLUB-SPOKED ASTERISK
        { '\u2731', "*" }, // ✱ HEAVY ASTERISK
        { '\u2732', "*" }, // ✲ OPEN CENTRE ASTERISK
        { '\u2733', "*" }, // ✳ EIGHT SPOKED ASTERISK
        { '\u273A', "*" }, // ✺ SIXTEEN POINTED ASTERISK
        { '\u273B', "*" }, // ✻ TEARDROP-SPOKED ASTERISK
        { '\u273C', "*" }, // ✼ OPEN CENTRE TEARDROP-SPOKED ASTERISK
        { '\u273D', "*" }, // ✽ HEAVY TEARDROP-SPOKED ASTERISK
        { '\u2743', "*" }, // ❃ HEAVY TEARDROP-SPOKED PINWHEEL ASTERISK
        { '\u2749', "*" }, // ❉ BALLOON-SPOKED ASTERISK
        { '\u274A', "*" }, // ❊ EIGHT TEARDROP-SPOKED PROPELLER ASTERISK
        { '\u274B', "*" }, // ❋ HEAVY EIGHT TEARDROP-SPOKED PROPELLER ASTERISK
        { '\u29C6', "*" }, // ⧆ SQUARED ASTERISK
        { '\uFE61', "*" }, // ﹡ SMALL ASTERISK
        { '\uFF0A', "*" }, // ＊ FULLWIDTH ASTERISK
        { '\u02D6', "+" }, // ˖ MODIFIER LETTER PLUS SIGN
        { '\uFE62', "+" }, // ﹢ SMALL PLUS SIGN
        { '\uFF0B', "+" }, // ＋ FULLWIDTH PLUS SIGN
        { '\u3002', "." }, // 。 IDEOGRAPHIC FULL STOP
        { '\uFE52', "." }, // ﹒ SMALL FULL STOP
        { '\uFF0E', "." }, // ． FULLWIDTH FULL STOP
        { '\uFF61', "." }, // ｡ HALFWIDTH IDEOGRAPHIC FULL STOP
        { '\uFF10', "0" }, // ０ FULLWIDTH DIGIT ZERO
        { '\uFF11', "1" }, // １ FULLWIDTH DIGIT ONE
        { '\uFF12', "2" }, // ２ FULLWIDTH DIGIT TWO
        { '\uFF13', "3" }, // ３ FULLWIDTH DIGIT THREE
        { '\uFF14', "4" }, // ４ FULLWIDTH DIGIT FOUR
        { '\uFF15', "5" }, // ５ FULLWIDTH DIGIT FIVE
        { '\uFF16', "6" }, // ６ FULLWIDTH DIGIT SIX
        { '\uFF17', "7" }, // ７ FULLWIDTH DIGIT SEVEN
        { '\uFF18', "8" }, // ８ FULLWIDTH DIGIT EIGHT
        { '\uFF19', "9" }, // ９ FULLWIDTH DIGIT NINE
        { '\u02D0', ":" }, // ː MODIFIER LETTER TRIANGULAR COLON
        { '\u02F8', ":" }, // ˸ MODIFIER LETTER RAISED COLON
        { '\u2982', ":" }, // ⦂ Z NOTATION TYPE COLON
        { '\uA789', ":" }, // ꞉ MODIFIER LETTER COLON
        { '\uFE13', ":" }, // ︓ PRESENTATION FORM FOR VERTICAL COLON
        { '\uFF1A', ":" }, // ： FULLWIDTH COLON
        { '\u204F', ";" }, // ⁏ REVERSED SEMICOLON
        { '\uFE14', ";" }, // ︔ PRESENTATION FORM FOR VERTICAL SEMICOLON
        { '\uFE54', ";" }, // ﹔ SMALL SEMICOLON
        { '\uFF1B', ";" }, // ； FULLWIDTH SEMICOLON
        { '\uFE64', "<" }, // ﹤ SMALL LESS-THAN SIGN
        { '\uFF1C', "<" }, // ＜ FULLWIDTH LESS-THAN SIGN
        { '\u0347', "=" }, // COMBINING EQUALS SIGN BELOW
        { '\uA78A', "=" }, // ꞊ MODIFIER LETTER SHORT EQUALS SIGN
        { '\uFE66', "=" }, // ﹦ SMALL EQUALS SIGN
        { '\uFF1D', "=" }, // ＝ FULLWIDTH EQUALS SIGN
        { '\uFE65', ">" }, // ﹥ SMALL GREATER-THAN SIGN
        { '\uFF1E', ">" }, // ＞ FULLWIDTH GREATER-THAN SIGN
        { '\uFE16', "?" }, // ︖ PRESENTATION FORM FOR VERTICAL QUESTION MARK
        { '\uFE56', "?" }, // ﹖ SMALL QUESTION MARK
        { '\uFF1F', "?" }, // ？ FULLWIDTH QUESTION MARK
        { '\uFF21', "A" }, // Ａ FULLWIDTH LATIN CAPITAL LETTER A
        { '\u1D00', "A" }, // ᴀ LATIN LETTER SMALL CAPITAL A
        { '\uFF22', "B" }, // Ｂ FULLWIDTH LATIN CAPITAL LETTER B
        { '\u0299', "B" }, // ʙ LATIN LETTER SMALL CAPITAL B
        { '\uFF23', "C" }, // Ｃ FULLWIDTH LATIN CAPITAL LETTER C
        { '\u1D04', "C" }, // ᴄ LATIN LETTER SMALL CAPITAL C
        { '\uFF24', "D" }, // Ｄ FULLWIDTH LATIN CAPITAL LETTER D
        { '\u1D05', "D" }, // ᴅ LATIN LETTER SMALL CAPITAL D
        { '\uFF25', "E" }, // Ｅ FULLWIDTH LATIN CAPITAL LETTER E
        { '\u1D07', "E" }, // ᴇ LATIN LETTER SMALL CAPITAL E
        { '\uFF26', "F" }, // Ｆ FULLWIDTH LATIN CAPITAL LETTER F
        { '\uA730', "F" }, // ꜰ LATIN LETTER SMALL CAPITAL F
        { '\uFF27', "G" }, // Ｇ FULLWIDTH LATIN CAPITAL LETTER G
        { '\u0262', "G" }, // ɢ LATIN LETTER SMALL CAPITAL G
        { '\uFF28', "H" }, // Ｈ FULLWIDTH LATIN CAPITAL LETTER H
        { '\u029C', "H" }, // ʜ LATIN LETTER SMALL CAPITAL H
        { '\uFF29', "I" }, // Ｉ FULLWIDTH LATIN CAPITAL LETTER I
        { '\u026A', "I" }, // ɪ LATIN LETTER SMALL CAPITAL I
        { '\uFF2A', "J" }, // Ｊ FULLWIDTH LATIN CAPITAL LETTER J
        { '\u1D0A', "J" }, // ᴊ LATIN LETTER SMALL CAPITAL J
        { '\uFF2B', "K" }, // Ｋ FULLWIDTH LATIN CAPITAL LETTER K
        { '\u1D0B', "K" }, // ᴋ LATIN LETTER SMALL CAPITAL K
        { '\uFF2C', "L" }, // Ｌ FULLWIDTH LATIN CAPITAL LETTER L
        { '\u029F', "L" }, // ʟ LATIN LETTER SMALL CAPITAL L
        { '\uFF2D', "M" }, // Ｍ FULLWIDTH LATIN CAPITAL LETTER M
        { '\u1D0D', "M" }, // ᴍ LATIN LETTER SMALL CAPITAL M
        { '\uFF2E', "N" }, // Ｎ FULLWIDTH LATIN CAPITAL LETTER N
        { '\u0274', "N" }, // ɴ LATIN LETTER SMALL CAPITAL N
        { '\uFF2F', "O" }, // Ｏ FULLWIDTH LATIN CAPITAL LETTER O
        { '\u1D0F', "O" }, // ᴏ LATIN LETTER SMALL CAPITAL O
        { '\uFF30', "P" }, // Ｐ FULLWIDTH LATIN CAPITAL LETTER P
        { '\u1D18', "P" }, // ᴘ LATIN LETTER SMALL CAPITAL P
        { '\uFF31', "Q" }, // Ｑ FULLWIDTH LATIN CAPITAL LETTER Q
        { '\uFF32', "R" }, // Ｒ FULLWIDTH LATIN CAPITAL LETTER R
        { '\u0280', "R" }, // ʀ LATIN LETTER SMALL CAPITAL R
        { '\uFF33', "S" }, // Ｓ FULLWIDTH LATIN CAPITAL LETTER S
        { '\uA731', "S" }, // ꜱ LATIN LETTER SMALL CAPITAL S
        { '\uFF34', "T" }, // Ｔ FULLWIDTH LATIN CAPITAL LETTER T
        { '\u1D1B', "T" }, // ᴛ LATIN LETTER SMALL CAPITAL T
        { '\uFF35', "U" }, // Ｕ FULLWIDTH LATIN CAPITAL LETTER U
        { '\u1D1C', "U" }, // ᴜ LATIN LETTER SMALL CAPITAL U
        { '\uFF36', "V" }, // Ｖ FULLWIDTH LATIN CAPITAL LETTER V
        { '\u1D20', "V" }, // ᴠ LATIN LETTER SMALL CAPITAL V
        { '\uFF37', "W" }, // Ｗ FULLWIDTH LATIN CAPITAL LETTER W
        { '\u1D21', "W" }, // ᴡ LATIN LETTER SMALL CAPITAL W
        { '\uFF38', "X" }, // Ｘ FULLWIDTH LATIN CAPITAL LETTER X
        { '\uFF39', "Y" }, // Ｙ FULLWIDTH LATIN CAPITAL LETTER Y
        { '\u028F', "Y" }, // ʏ LATIN LETTER SMALL CAPITAL Y
        { '\uFF3A', "Z" }, // Ｚ FULLWIDTH LATIN CAPITAL LETTER Z
        { '\u1D22', "Z" }, // ᴢ LATIN LETTER SMALL CAPITAL Z
        { '\u02C6', "^" }, // ˆ MODIFIER LETTER CIRCUMFLEX ACCENT
        { '\u0302', "^" }, // COMBINING CIRCUMFLEX ACCENT
        { '\uFF3E', "^" }, // ＾ FULLWIDTH CIRCUMFLEX ACCENT
        { '\u1DCD', "^" }, // COMBINING DOUBLE CIRCUMFLEX ABOVE
        { '\u2774', "{" }, // ❴ MEDIUM LEFT CURLY BRACKET ORNAMENT
        { '\uFE5B', "{" }, // ﹛ SMALL LEFT CURLY BRACKET
        { '\uFF5B', "{" }, // ｛ FULLWIDTH LEFT CURLY BRACKET
        { '\u2775', "}" }, // ❵ MEDIUM RIGHT CURLY BRACKET ORNAMENT
        { '\uFE5C', "}" }, // ﹜ SMALL RIGHT CURLY BRACKET
        { '\uFF5D', "}" }, // ｝ FULLWIDTH RIGHT CURLY BRACKET
        { '\uFF3B', "[" }, // ［ FULLWIDTH LEFT SQUARE BRACKET
        { '\uFF3D', "]" }, // ］ FULLWIDTH RIGHT SQUARE BRACKET
        { '\u02DC', "~" }, // ˜ SMALL TILDE
        { '\u02F7', "~" }, // ˷ MODIFIER LETTER LOW TILDE
        { '\u0303', "~" }, // COMBINING TILDE
        { '\u0330', "~" }, // COMBINING TILDE BELOW
        { '\u0334', "~" }, // COMBINING TILDE OVERLAY
        { '\u223C', "~" }, // ∼ TILDE OPERATOR
        { '\uFF5E', "~" }, // ～ FULLWIDTH TILDE

        // Unicode spaces and C1 controls. Twilio's emulation writes two spaces here; protocols.md §7.4 says
        // map every one to a single U+0020.
        { '\u00A0', " " }, // NO-BREAK SPACE
        { '\u2000', " " }, // EN QUAD
        { '\u2002', " " }, // EN SPACE
        { '\u2003', " " }, // EM SPACE
        { '\u2004', " " }, // THREE-PER-EM SPACE
        { '\u2005', " " }, // FOUR-PER-EM SPACE
        { '\u2006', " " }, // SIX-PER-EM SPACE
        { '\u2007', " " }, // FIGURE SPACE
        { '\u2008', " " }, // PUNCTUATION SPACE
        { '\u2009', " " }, // THIN SPACE
        { '\u200A', " " }, // HAIR SPACE
        { '\u202F', " " }, // NARROW NO-BREAK SPACE
        { '\u205F', " " }, // MEDIUM MATHEMATICAL SPACE
        { '\u3000', " " }, // IDEOGRAPHIC SPACE
        { '\u008D', " " }, // REVERSE LINE FEED (C1 control)
        { '\u009F', " " }, // APPLICATION PROGRAM COMMAND (C1 control)
        { '\u0080', " " }, // PADDING CHARACTER (C1 control)
        { '\u0090', " " }, // DEVICE CONTROL STRING (C1 control)
        { '\u009B', " " }, // CONTROL SEQUENCE INTRODUCER (C1 control)
        { '\u0009', " " }, // CHARACTER TABULATION (our choice, see above; Twilio's emulation: 7 spaces)

        // Invisible controls are dropped.
        { '\u0010', "" }, // DATA LINK ESCAPE
        { '\u0000', "" }, // NULL
        { '\u0003', "" }, // END OF TEXT
        { '\u0004', "" }, // END OF TRANSMISSION
        { '\u0017', "" }, // END OF TRANSMISSION BLOCK
        { '\u0019', "" }, // END OF MEDIUM
        { '\u0011', "" }, // DEVICE CONTROL ONE
        { '\u0012', "" }, // DEVICE CONTROL TWO
        { '\u0013', "" }, // DEVICE CONTROL THREE
        { '\u0014', "" }, // DEVICE CONTROL FOUR
        { '\u2060', "" }, // WORD JOINER

        // Entries appended at the end of Twilio's list.
        { '\u2017', "_" }, // ‗ DOUBLE LOW LINE
        { '\u2014', "-" }, // — EM DASH
        { '\u2013', "-" }, // – EN DASH
        { '\u2039', "<" }, // ‹ SINGLE LEFT-POINTING ANGLE QUOTATION MARK (Twilio's emulation has '>', swapped)
        { '\u203A', ">" }, // › SINGLE RIGHT-POINTING ANGLE QUOTATION MARK (Twilio's emulation has '<', swapped)
        { '\u203C', "!!" }, // ‼ DOUBLE EXCLAMATION MARK
        { '\u2028', " " }, // LINE SEPARATOR
        { '\u2029', " " }, // PARAGRAPH SEPARATOR
        { '\u2026', "..." }, // … HORIZONTAL ELLIPSIS
        { '\u2001', " " }, // EM QUAD
        { '\u200B', "" }, // ZERO WIDTH SPACE
        { '\u3001', "," }, // 、 IDEOGRAPHIC COMMA
        { '\uFEFF', "" }, // ZERO WIDTH NO-BREAK SPACE
        { '\u2022', "-" }, // • BULLET
    };
}
