using Gateway.Delivery.Encoding;

namespace Gateway.Tests.Delivery.Encoding;

public class SmartEncodingTests
{
    public sealed record MapCase(char From, string To, string Name)
    {
        public override string ToString() => $"U+{(int)From:X4} {Name} → \"{To}\"";
    }

    // A sample of protocols.md §7.4 (Twilio's map), with the corrections that section recommends:
    // Unicode spaces → one space, ‹ → <, › → >; and our TAB decision (one space).
    public static TheoryData<MapCase> MapCases =>
    [
        new('\u00AB', "\"", "LEFT-POINTING DOUBLE ANGLE QUOTATION MARK"),
        new('\u00BB', "\"", "RIGHT-POINTING DOUBLE ANGLE QUOTATION MARK"),
        new('\u201C', "\"", "LEFT DOUBLE QUOTATION MARK"),
        new('\u201D', "\"", "RIGHT DOUBLE QUOTATION MARK"),
        new('\u201E', "\"", "DOUBLE LOW-9 QUOTATION MARK"),
        new('\uFF02', "\"", "FULLWIDTH QUOTATION MARK"),
        new('\u2018', "'", "LEFT SINGLE QUOTATION MARK"),
        new('\u2019', "'", "RIGHT SINGLE QUOTATION MARK"),
        new('\u02BC', "'", "MODIFIER LETTER APOSTROPHE"),
        new('\uFF07', "'", "FULLWIDTH APOSTROPHE"),
        new('\u00B4', "'", "ACUTE ACCENT"),
        new('\u0060', "'", "GRAVE ACCENT"),
        new('\u00F7', "/", "DIVISION SIGN"),
        new('\u00BC', "1/4", "VULGAR FRACTION ONE QUARTER"),
        new('\u00BD', "1/2", "VULGAR FRACTION ONE HALF"),
        new('\u00BE', "3/4", "VULGAR FRACTION THREE QUARTERS"),
        new('\u2044', "/", "FRACTION SLASH"),
        new('\uFF0F', "/", "FULLWIDTH SOLIDUS"),
        new('\uFF3C', "\\", "FULLWIDTH REVERSE SOLIDUS"),
        new('\uFF3F', "_", "FULLWIDTH LOW LINE"),
        new('\uFF5C', "|", "FULLWIDTH VERTICAL LINE"),
        new('\u2010', "-", "HYPHEN"),
        new('\u2013', "-", "EN DASH"),
        new('\u2014', "-", "EM DASH"),
        new('\u2015', "-", "HORIZONTAL BAR"),
        new('\uFF0D', "-", "FULLWIDTH HYPHEN-MINUS"),
        new('\u2022', "-", "BULLET"),
        new('\uFF20', "@", "FULLWIDTH COMMERCIAL AT"),
        new('\uFF04', "$", "FULLWIDTH DOLLAR SIGN"),
        new('\uFF01', "!", "FULLWIDTH EXCLAMATION MARK"),
        new('\uFF03', "#", "FULLWIDTH NUMBER SIGN"),
        new('\uFF05', "%", "FULLWIDTH PERCENT SIGN"),
        new('\uFF06', "&", "FULLWIDTH AMPERSAND"),
        new('\uFF0C', ",", "FULLWIDTH COMMA"),
        new('\u3001', ",", "IDEOGRAPHIC COMMA"),
        new('\uFF08', "(", "FULLWIDTH LEFT PARENTHESIS"),
        new('\uFF09', ")", "FULLWIDTH RIGHT PARENTHESIS"),
        new('\u2217', "*", "ASTERISK OPERATOR"),
        new('\uFF0B', "+", "FULLWIDTH PLUS SIGN"),
        new('\u3002', ".", "IDEOGRAPHIC FULL STOP"),
        new('\uFF0E', ".", "FULLWIDTH FULL STOP"),
        new('\uFF10', "0", "FULLWIDTH DIGIT ZERO"),
        new('\uFF19', "9", "FULLWIDTH DIGIT NINE"),
        new('\uFF1A', ":", "FULLWIDTH COLON"),
        new('\uFF1B', ";", "FULLWIDTH SEMICOLON"),
        new('\uFF1C', "<", "FULLWIDTH LESS-THAN SIGN"),
        new('\uFF1D', "=", "FULLWIDTH EQUALS SIGN"),
        new('\uFF1E', ">", "FULLWIDTH GREATER-THAN SIGN"),
        new('\uFF1F', "?", "FULLWIDTH QUESTION MARK"),
        new('\uFF21', "A", "FULLWIDTH LATIN CAPITAL LETTER A"),
        new('\u1D00', "A", "LATIN LETTER SMALL CAPITAL A"),
        new('\uFF3A', "Z", "FULLWIDTH LATIN CAPITAL LETTER Z"),
        new('\u02C6', "^", "MODIFIER LETTER CIRCUMFLEX ACCENT"),
        new('\uFF5B', "{", "FULLWIDTH LEFT CURLY BRACKET"),
        new('\uFF5D', "}", "FULLWIDTH RIGHT CURLY BRACKET"),
        new('\uFF3B', "[", "FULLWIDTH LEFT SQUARE BRACKET"),
        new('\uFF3D', "]", "FULLWIDTH RIGHT SQUARE BRACKET"),
        new('\u02DC', "~", "SMALL TILDE"),
        new('\uFF5E', "~", "FULLWIDTH TILDE"),
        new('\u2026', "...", "HORIZONTAL ELLIPSIS"),
        new('\u203C', "!!", "DOUBLE EXCLAMATION MARK"),
        new('\u2039', "<", "SINGLE LEFT-POINTING ANGLE QUOTATION MARK (corrected)"),
        new('\u203A', ">", "SINGLE RIGHT-POINTING ANGLE QUOTATION MARK (corrected)"),
        new('\u00A0', " ", "NO-BREAK SPACE (one space, corrected)"),
        new('\u2002', " ", "EN SPACE (one space, corrected)"),
        new('\u2003', " ", "EM SPACE (one space, corrected)"),
        new('\u2009', " ", "THIN SPACE (one space, corrected)"),
        new('\u202F', " ", "NARROW NO-BREAK SPACE (one space, corrected)"),
        new('\u3000', " ", "IDEOGRAPHIC SPACE (one space, corrected)"),
        new('\u2028', " ", "LINE SEPARATOR"),
        new('\u0009', " ", "CHARACTER TABULATION (our decision: one space)"),
        new('\u200B', "", "ZERO WIDTH SPACE"),
        new('\uFEFF', "", "ZERO WIDTH NO-BREAK SPACE"),
        new('\u2060', "", "WORD JOINER"),
        new('\u0000', "", "NULL"),
    ];

    [Theory]
    [MemberData(nameof(MapCases))]
    public void Apply_ReplacesLookAlikeInEnglishText(MapCase c) =>
        Assert.Equal($"Dose {c.To} today", SmartEncoding.Apply($"Dose {c.From} today"));

    public sealed record RuleCase(string Label, string Body, string Expected)
    {
        public override string ToString() => Label;
    }

    public static TheoryData<RuleCase> RuleCases =>
    [
        // Typical English outreach copy pasted from a word processor.
        new("English with smart quotes, dashes and ellipsis",
            "“Don’t wait” – get your flu shot… Clinic open 9 – 5.",
            "\"Don't wait\" - get your flu shot... Clinic open 9 - 5."),
        new("fullwidth ASCII in Latin text", "ＩＤ：１２３４", "ID:1234"),
        new("each Unicode space becomes exactly one space", "a\u00A0\u00A0b\u2003c", "a  b c"),
        new("TAB becomes one space", "Name:\tAnn", "Name: Ann"),
        new("‹ and › point the right way", "‹Back  Next›", "<Back  Next>"),
        new("zero-width space is dropped", "Hel\u200Blo", "Hello"),
        new("Chinese punctuation in a message without Chinese text", "OK。Thanks！", "OK.Thanks!"),

        // Crucial rule: text that stays UCS-2 is never touched.
        new("Chinese text is unchanged", "【卫健委】提醒：明天上午９点接种流感疫苗，请带身份证。",
            "【卫健委】提醒：明天上午９点接种流感疫苗，请带身份证。"),
        new("Chinese with curly quotes and ideographic space is unchanged", "请回复“1”确认　谢谢", "请回复“1”确认　谢谢"),
        new("mixed Chinese and English is unchanged", "Reminder “flu shot” 流感疫苗 – Sat", "Reminder “flu shot” 流感疫苗 – Sat"),
        new("emoji keeps UCS-2, so unchanged", "Don’t forget 💉", "Don’t forget 💉"),
        new("ç keeps UCS-2, so unchanged", "Garçon – ‘hi’", "Garçon – ‘hi’"),
        new("combining acute keeps UCS-2, so unchanged", "Cafe\u0301 – open", "Cafe\u0301 – open"),
        new("Japanese kana keep UCS-2, so unchanged", "ありがとう “OK”", "ありがとう “OK”"),
        new("Cyrillic keeps UCS-2, so unchanged", "Привет “OK”", "Привет “OK”"),

        // Only when it helps: never more segments than the original.
        new("70 × … stays (1 UCS-2 segment, would be 210 septets = 2)", new string('…', 70), new string('…', 70)),
        new("54 × … stays (1 UCS-2 segment, would be 162 septets = 2)", new string('…', 54), new string('…', 54)),
        new("53 × … becomes 159 dots (1 segment either way)", new string('…', 53), new string('.', 159)),
        new("100 characters with one ’ drop from 2 segments to 1", new string('a', 99) + "’", new string('a', 99) + "'"),
        new("80 × fullwidth { become 160 septets, 2 segments to 1", new string('｛', 80), new string('{', 80)),

        new("GSM-7 text is returned as is", "Clinic [A] open 9-5, €0", "Clinic [A] open 9-5, €0"),
        new("empty body", "", ""),
    ];

    [Theory]
    [MemberData(nameof(RuleCases))]
    public void Apply_OnlyWhenTheResultIsGsm7AndNoLonger(RuleCase c) => Assert.Equal(c.Expected, SmartEncoding.Apply(c.Body));

    [Fact]
    public void Apply_ReturnsTheSameInstanceWhenNothingChanges()
    {
        const string chinese = "请回复“1”确认";
        Assert.Same(chinese, SmartEncoding.Apply(chinese));
    }

    [Fact]
    public void Map_HasAllOfTwiliosEntries_EachFromNonGsmToGsm7()
    {
        Assert.Equal(270, SmartEncoding.Map.Count);
        Assert.All(SmartEncoding.Map, kv =>
        {
            Assert.False(Gsm7.IsGsm7(kv.Key), $"U+{(int)kv.Key:X4} is already GSM-7");
            Assert.False(char.IsSurrogate(kv.Key));
            Assert.True(UssdText.IsGsm7(kv.Value), $"U+{(int)kv.Key:X4} maps to non-GSM \"{kv.Value}\"");
            Assert.True(kv.Value.Length <= 3);
            Assert.DoesNotContain("  ", kv.Value);
        });
    }

    [Fact]
    public void Map_EveryEntryAppliesInEnglishText() =>
        Assert.All(SmartEncoding.Map, kv =>
            Assert.Equal($"Dose {kv.Value} today", SmartEncoding.Apply($"Dose {kv.Key} today")));
}
