using Gateway.Hosting;

namespace Gateway.Tests.Hosting;

/// <summary>What a received value looks like in a log line: on one line, every hidden character visible.</summary>
public sealed class LogSanitiserTests
{
    public static TheoryData<string, string?, string> Cases => new()
    {
        { "plain text is kept", "ATUid_5d3b4c2bc589f4811820a7184eed4df5", "ATUid_5d3b4c2bc589f4811820a7184eed4df5" },
        { "a USSD code is kept", "*384*123#", "*384*123#" },
        { "Chinese is kept", "口罩提醒", "口罩提醒" },
        { "an emoji (a surrogate pair) is kept", "mask 😷", "mask 😷" },
        { "CR LF cannot start a forged line", "s1\r\ninfo: Gateway.Admin[0] admin signed in", @"s1\r\ninfo: Gateway.Admin[0] admin signed in" },
        { "a lone LF", "a\nb", @"a\nb" },
        { "a tab", "a\tb", @"a\tb" },
        { "NUL and ESC (terminal colours)", "a\0b\u001b[31mred", @"a\u0000b\u001B[31mred" },
        { "NEL, a C1 line break", "a\u0085b", @"a\u0085b" },
        { "Unicode line and paragraph separators", "a\u2028b\u2029c", @"a\u2028b\u2029c" },
        { "a right-to-left override cannot reorder the line", "evil\u202Etxt.exe", @"evil\u202Etxt.exe" },
        { "a zero-width space is shown", "ad\u200Bmin", @"ad\u200Bmin" },
        { "non-characters", "a\uFFFEb\uFFFF", @"a\uFFFEb\uFFFF" },
        { "a backslash is escaped, so \\n typed as text stays tellable from a line feed", @"C:\n", @"C:\\n" },
        { "null", null, "(none)" },
        { "empty", "", "" },
        { "long values are cut, saying how much", new string('x', 150), new string('x', 100) + "…(+50 characters)" },
        { "a cut never splits a surrogate pair", new string('x', 99) + "😷" + "yy", new string('x', 99) + "…(+4 characters)" },
    };

    [Theory, MemberData(nameof(Cases))]
    public void Clean(string label, string? received, string logged)
    {
        Assert.True(LogSanitiser.Clean(received) == logged, $"{label}: {LogSanitiser.Clean(received)}");
    }

    // Not theory data: xunit's serialisation of test cases would turn the lone surrogate into U+FFFD.
    [Fact]
    public void ALoneSurrogate_IsShown()
    {
        Assert.Equal(@"a\uD800b\uDC00", LogSanitiser.Clean("a\uD800b\uDC00"));
    }
    [Theory]
    [InlineData("/api/subscribers/+8613812345678", "/api/subscribers/+86138****5678")]
    [InlineData("/api/subscribers/%2B8613812345678/consent", "/api/subscribers/%2B86138****5678/consent")]
    [InlineData("/api/subscribers/8613812345678", "/api/subscribers/86138****5678")]
    [InlineData("/api/broadcasts/123456/approve", "/api/broadcasts/123456/approve")]
    [InlineData(null, "(none)")]
    public void CleanPath_MasksAnyPhoneNumberInIt(string? path, string logged) => Assert.Equal(logged, LogSanitiser.CleanPath(path));
}
