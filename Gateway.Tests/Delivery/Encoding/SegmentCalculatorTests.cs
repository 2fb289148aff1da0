using Gateway.Delivery.Encoding;

namespace Gateway.Tests.Delivery.Encoding;

public class SegmentCalculatorTests
{
    // protocols.md §7.2: D = "1234567890" repeated, sliced Python-style, so D(1, 69) is "2345…9" (68 characters).
    private static string D(int start, int end) =>
        string.Concat(Enumerable.Range(start, end - start).Select(i => "1234567890"[i % 10]));

    private static string Repeat(string s, int count) => string.Concat(Enumerable.Repeat(s, count));

    // 70 Han characters (no punctuation); the Chinese cases slice it or repeat it.
    private static readonly string Han70 =
        ("请于本周六上午九点至十一点携带身份证到社区卫生服务中心接种流感疫苗如有发热咳嗽等症状请先电话联系家庭医生预约" +
         "儿童需由监护人陪同接种后留观三十分钟谢谢配合")[..70];

    public sealed record Case(string Label, string Body, SmsEncoding Encoding, int Segments, int Units,
        int? MessageBits = null, int? TotalBits = null)
    {
        public override string ToString() => Label;
    }

    public static TheoryData<Case> Cases
    {
        get
        {
            var data = new TheoryData<Case>
            {
                // §7.2 vectors (Twilio calculator tests/index.test.js "Basic tests"), with messageSize and totalSize.
                new("§7.2 GSM-7 in one segment: D[0:160]", D(0, 160), SmsEncoding.Gsm7, 1, 160, 1120, 1120),
                new("§7.2 GSM-7 in two segments: D[0:161]", D(0, 161), SmsEncoding.Gsm7, 2, 161, 1127, 1223),
                new("§7.2 GSM-7 in three segments: D[0:307]", D(0, 307), SmsEncoding.Gsm7, 3, 307, 2149, 2293),
                new("§7.2 UCS-2 in one segment: 😜 + D[1:69]", "😜" + D(1, 69), SmsEncoding.Ucs2, 1, 70, 1120, 1120),
                new("§7.2 UCS-2 in two segments: 😜 + D[1:70]", "😜" + D(1, 70), SmsEncoding.Ucs2, 2, 71, 1136, 1232),
                new("§7.2 UCS-2 in three segments: 😜 + D[1:134]", "😜" + D(1, 134), SmsEncoding.Ucs2, 3, 135, 2160, 2304),
                new("§7.2 flag 🇮🇹 + D[1:67], one segment", "🇮🇹" + D(1, 67), SmsEncoding.Ucs2, 1, 70, 1120, 1120),
                new("§7.2 flag 🇮🇹 + D[1:68], two segments", "🇮🇹" + D(1, 68), SmsEncoding.Ucs2, 2, 71, 1136, 1232),
                new("§7.2 ZWJ flag 🏳️‍🌈 + D[1:65], one segment", "\U0001F3F3\uFE0F\u200D\U0001F308" + D(1, 65), SmsEncoding.Ucs2, 1, 70, 1120, 1120),
                new("§7.2 ZWJ flag 🏳️‍🌈 + D[1:66], two segments", "\U0001F3F3\uFE0F\u200D\U0001F308" + D(1, 66), SmsEncoding.Ucs2, 2, 71, 1136, 1232),

                // §7.2 extras.
                new("😀 + 68 × ] is one UCS-2 segment (] costs 1 unit in UCS-2)", "😀" + Repeat("]", 68), SmsEncoding.Ucs2, 1, 70),
                new("😀 + 69 × ] is two UCS-2 segments", "😀" + Repeat("]", 69), SmsEncoding.Ucs2, 2, 71),
                new("CRLF counts as two GSM-7 characters", "\rabcde\r\n123", SmsEncoding.Gsm7, 1, 11),
                new("LF-only line breaks", "\nabcde\n\n123\n", SmsEncoding.Gsm7, 1, 12),
                new("e + 3 combining acutes is one cluster of 4 units", "e\u0301\u0301\u0301", SmsEncoding.Ucs2, 1, 4),
                new("e + 3 combining acutes + 66 × a, one segment", "e\u0301\u0301\u0301" + Repeat("a", 66), SmsEncoding.Ucs2, 1, 70),
                new("e + 3 combining acutes + 67 × a, two segments", "e\u0301\u0301\u0301" + Repeat("a", 67), SmsEncoding.Ucs2, 2, 71),

                // Chinese: every Han character is one UTF-16 unit (matches Aliyun/Huawei billing of §9: 70, then 67 each).
                new("70 Han characters, one segment", Han70, SmsEncoding.Ucs2, 1, 70),
                new("71 Han characters, two segments", Han70 + Han70[..1], SmsEncoding.Ucs2, 2, 71),
                new("134 Han characters, two segments", Han70 + Han70[..64], SmsEncoding.Ucs2, 2, 134),
                new("135 Han characters, three segments", Han70 + Han70[..65], SmsEncoding.Ucs2, 3, 135),
                new("Chinese with fullwidth punctuation", "【卫健委】您好，明天接种。", SmsEncoding.Ucs2, 1, 13),
                new("mixed Chinese and English", "Flu vaccine 流感疫苗 Sat 9am 周六上午", SmsEncoding.Ucs2, 1, 29),
                new("one Han character turns 160 ASCII characters into 3 UCS-2 segments", D(0, 159) + "药", SmsEncoding.Ucs2, 3, 160),

                // Emoji and other clusters at UCS-2 boundaries: a cluster that does not fit moves whole.
                new("emoji that would straddle the 67-unit boundary moves to segment 2", Repeat("a", 66) + "😀" + Repeat("a", 10), SmsEncoding.Ucs2, 2, 78),
                new("family ZWJ emoji (8 units) as one cluster", "👨‍👩‍👧" + Repeat("a", 62), SmsEncoding.Ucs2, 1, 70),
                new("emoji with skin tone modifier (4 units)", "👍🏽 ok", SmsEncoding.Ucs2, 1, 7),
                new("kept-whole clusters can cost an extra segment", Repeat("a", 66) + Repeat("😀", 34), SmsEncoding.Ucs2, 3, 134),
                new("a cluster longer than a whole segment falls back to scalars", "a" + new string('\u0301', 100), SmsEncoding.Ucs2, 2, 101),

                // GSM-7 extension characters (protocols.md §7.1, calculator "GSM-7 Escape Characters").
                new("extension pair that would straddle 153 moves to segment 2", D(0, 152) + "[" + D(0, 10), SmsEncoding.Gsm7, 2, 164),
                new("escape pair kept whole costs a third segment", D(0, 152) + "[" + D(0, 152), SmsEncoding.Gsm7, 3, 306),
                new("80 × € fill one segment", Repeat("€", 80), SmsEncoding.Gsm7, 1, 160),
                new("81 × € need two segments", Repeat("€", 81), SmsEncoding.Gsm7, 2, 162),
                new("form feed is an extension character", "a\fb", SmsEncoding.Gsm7, 1, 4),

                // Single non-GSM characters (calculator "One grapheme UCS-2 characters"), and the Ç/ç trap.
                new("Ç (0x09) stays GSM-7", Repeat("Ç", 160), SmsEncoding.Gsm7, 1, 160),
                new("grave accent forces UCS-2", "Don`t", SmsEncoding.Ucs2, 1, 5),
                new("curly apostrophe forces UCS-2", "Don’t", SmsEncoding.Ucs2, 1, 5),

                // Empty body: Twilio's calculator says 1 segment; we follow it (Twilio would refuse to send it anyway).
                new("empty body is one GSM-7 segment", "", SmsEncoding.Gsm7, 1, 0, 0, 0),
            };

            // Twilio calculator: X + D[0:158] fits one segment (160 septets), X + D[0:159] needs two.
            foreach (var x in "|^€{}[]~\\")
            {
                data.Add(new($"escape {x} + D[0:158], one segment", x + D(0, 158), SmsEncoding.Gsm7, 1, 160, 1120, 1120));
                data.Add(new($"escape {x} + D[0:159], two segments", x + D(0, 159), SmsEncoding.Gsm7, 2, 161, 1127, 1223));
            }

            // Twilio calculator: 70 × each of these is one UCS-2 segment, 71 × is two (ç is not GSM; only Ç is).
            foreach (var x in "ÁÚúçíÍóÓ")
            {
                data.Add(new($"70 × {x}, one UCS-2 segment", new string(x, 70), SmsEncoding.Ucs2, 1, 70));
                data.Add(new($"71 × {x}, two UCS-2 segments", new string(x, 71), SmsEncoding.Ucs2, 2, 71));
            }
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Measure_MatchesTwilio(Case c)
    {
        var m = SegmentCalculator.Measure(c.Body);

        Assert.Equal(c.Encoding, m.Encoding);
        Assert.Equal(c.Segments, m.Segments);
        Assert.Equal(c.Units, m.Units);
        if (c.MessageBits is { } messageBits) Assert.Equal(messageBits, m.MessageBits);
        if (c.TotalBits is { } totalBits) Assert.Equal(totalBits, m.TotalBits);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Split_AgreesWithMeasure_AndLosesNothing(Case c)
    {
        var segments = SegmentCalculator.Split(c.Body);

        Assert.Equal(c.Segments, segments.Count);
        Assert.Equal(c.Body, string.Concat(segments));
    }

    public sealed record SplitCase(string Label, string Body, string[] Segments)
    {
        public override string ToString() => Label;
    }

    public static TheoryData<SplitCase> SplitCases =>
    [
        // tests/segments.test.js: the last segment holds only one character.
        new("D[0:307]: 153 + 153 + \"7\"", D(0, 307), [D(0, 153), D(153, 306), "7"]),
        new("😜 + D[1:134]: 67 + 67 units + \"4\"", "😜" + D(1, 134), ["😜" + D(1, 66), D(66, 133), "4"]),
        new("escape pair is never split", D(0, 152) + "[" + D(0, 10), [D(0, 152), "[" + D(0, 10)]),
        new("escape pair fits exactly at the end", D(0, 151) + "]" + D(0, 10), [D(0, 151) + "]", D(0, 10)]),
        new("emoji is never split", Repeat("a", 66) + "😀" + Repeat("a", 10), [Repeat("a", 66), "😀" + Repeat("a", 10)]),
        new("combining cluster is never split", Repeat("a", 65) + "e\u0301\u0301\u0301" + Repeat("a", 5),
            [Repeat("a", 65), "e\u0301\u0301\u0301" + Repeat("a", 5)]),
        new("ZWJ sequence is never split", Repeat("a", 62) + "👨‍👩‍👧" + "ok",
            [Repeat("a", 62), "👨‍👩‍👧" + "ok"]),
        new("CR LF may be split like any two characters", D(0, 152) + "\r\n" + D(0, 10),
            [D(0, 152) + "\r", "\n" + D(0, 10)]),
        new("single segment is the body itself", "Hello", ["Hello"]),
        new("empty body is one empty segment", "", [""]),
    ];

    [Theory]
    [MemberData(nameof(SplitCases))]
    public void Split_KeepsPairsAndClustersWhole(SplitCase c) => Assert.Equal(c.Segments, SegmentCalculator.Split(c.Body));

    public sealed record NonGsmCase(string Label, string Body, string[] NonGsm)
    {
        public override string ToString() => Label;
    }

    public static TheoryData<NonGsmCase> NonGsmCases =>
    [
        new("GSM-7 body reports nothing", "Clinic open 9-5, bring ID [required] €0", []),
        new("one curly quote", "Don’t forget", ["’"]),
        new("distinct, in order of first appearance", "“Hi” – “bye”", ["“", "”", "–"]),
        new("ç is reported, Ç is not", "Ça ç", ["ç"]),
        new("Chinese characters one by one", "流感疫苗 Flu", ["流", "感", "疫", "苗"]),
        new("repeated Han character reported once", "您好您好", ["您", "好"]),
        new("emoji cluster reported whole", "Hi 👨‍👩‍👧!", ["👨‍👩‍👧"]),
        new("flag reported whole", "🇮🇹 Ciao", ["🇮🇹"]),
        new("base + combining mark reported whole, though e is GSM", "Café e\u0301", ["e\u0301"]),
        new("TAB and grave accent", "a\tb`c", ["\t", "`"]),
        new("CR LF is not reported", "a\r\nb", []),
    ];

    [Theory]
    [MemberData(nameof(NonGsmCases))]
    public void Measure_ReportsCharactersThatForceUcs2(NonGsmCase c) =>
        Assert.Equal(c.NonGsm, SegmentCalculator.Measure(c.Body).NonGsmCharacters);
}
