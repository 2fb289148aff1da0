using System.Text;
using Gateway.Inbound;

namespace Gateway.Tests.Inbound;

/// <summary>The read step's text rules: what is decoded as base64 (and what never is), and what PostgreSQL cannot hold.</summary>
public sealed class InboundReaderTests
{
    private static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    private const string Long = "Please stop texting me, I have asked three times already and I still get your notices.";
    private const string LongZh = "请不要再给我发短信了，我已经说过三次了，可是每天还是收到这些健康通知，谢谢。";

    public sealed record Case(string Label, string Body, string Read)
    {
        public override string ToString() => Label;
    }

    public static TheoryData<Case> Bodies => new()
    {
        new("base64 of an English text is decoded", B64(Long), Long),
        new("base64 of a Chinese text is decoded", B64(LongZh), LongZh),
        new("base64 split over lines (CRLF) is decoded", string.Join("\r\n", B64(Long).Chunk(40).Select(c => new string(c))), Long),
        new("a keyword is never base64", "STOP", "STOP"),
        new("a word that is valid base64 is too short to decode", "HELPHELPHELP", "HELPHELPHELP"),
        new("a sentence has spaces", "Please stop texting me, I have asked three times already and I still get notices", "Please stop texting me, I have asked three times already and I still get notices"),
        new("base64 of bytes that are not UTF-8 stays as received", Convert.ToBase64String(Enumerable.Range(0, 60).Select(i => (byte)(0x80 + i)).ToArray()),
            Convert.ToBase64String(Enumerable.Range(0, 60).Select(i => (byte)(0x80 + i)).ToArray())),
        new("base64 of text with control characters stays as received", B64("\u0001\u0002 binary-looking payload with a bell \u0007 in it, long enough"),
            B64("\u0001\u0002 binary-looking payload with a bell \u0007 in it, long enough")),
        new("a long run of letters that is not base64 (length) stays", new string('a', 61), new string('a', 61)),
    };

    [Theory, MemberData(nameof(Bodies))]
    public void Base64Body(Case c) => Assert.Equal(c.Read, InboundReader.Base64Body(c.Body));

    // Built in code: an attribute cannot carry half a surrogate pair.
    public static TheoryData<string, string, string> Texts => new()
    {
        { "plain text", "HELP", "HELP" },
        { "a NUL", "HELP\0me", "HELP\uFFFDme" },
        { "half a pair, high", "lone " + (char)0xD83D + " high", "lone \uFFFD high" },
        { "half a pair, low", "lone " + (char)0xDE00 + " low", "lone \uFFFD low" },
        { "a whole pair is kept", "emoji \ud83d\ude00 kept", "emoji \ud83d\ude00 kept" },
    };

    [Theory, MemberData(nameof(Texts))]
    public void Storable_ReplacesWhatPostgresCannotHold(string label, string text, string stored) =>
        Assert.True(stored == InboundReader.Storable(text), label);
}
