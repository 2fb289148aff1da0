using Gateway.Delivery.Encoding;

namespace Gateway.Tests.Delivery.Encoding;

public class UssdTextTests
{
    // The whole GSM 03.38 basic set (127 characters, ESC left out) and extension table, from protocols.md §7.3.
    private const string BasicSet =
        "@£$¥èéùìòÇ\nØø\rÅå" + "Δ_ΦΓΛΩΠΨΣΘΞÆæßÉ" + " !\"#¤%&'()*+,-./" + "0123456789:;<=>?" +
        "¡ABCDEFGHIJKLMNO" + "PQRSTUVWXYZÄÖÑÜ§" + "¿abcdefghijklmno" + "pqrstuvwxyzäöñüà";
    private const string ExtensionSet = "\f^{}\\[]~|€";

    public sealed record LengthCase(string Label, string Screen, int Septets)
    {
        public override string ToString() => Label;
    }

    public static TheoryData<LengthCase> LengthCases =>
    [
        new("empty", "", 0),
        new("plain ASCII", "Reply 1 for yes", 15),
        new("each extension character costs 2", "{}", 4),
        new("euro sign costs 2", "€5", 3),
        new("form feed costs 2", "\f", 2),
        new("CR LF is two septets", "a\r\nb", 4),
        new("Ç at 0x09 is basic", "Ç", 1),
        new("Greek capitals are basic", "ΔΦΓΛΩΠΨΣΘΞ", 10),
        new("whole basic set", BasicSet, 127),
        new("whole extension table", ExtensionSet, 20),
        new("typical menu", "1. Vaccination times\n2. Clinic near me\n3. Talk to a nurse\n0. Exit", 65),
        new("182 septets fill a screen", new string('a', 180) + "[", 182),
        new("91 extension characters fill a screen", new string('~', 91), 182),
    ];

    [Theory]
    [MemberData(nameof(LengthCases))]
    public void Length_CountsSeptets(LengthCase c)
    {
        Assert.Equal(c.Septets, UssdText.Length(c.Screen));
        Assert.True(UssdText.IsGsm7(c.Screen));
    }

    public sealed record Gsm7Case(string Label, string Text, bool IsGsm7)
    {
        public override string ToString() => Label;
    }

    public static TheoryData<Gsm7Case> Gsm7Cases =>
    [
        new("capital C cedilla (0x09) is GSM", "Ç", true),
        new("small c cedilla is not GSM", "ç", false),
        new("grave accent is not GSM", "`", false),
        new("euro sign is GSM (extension)", "€", true),
        new("TAB is not GSM", "\t", false),
        new("raw ESC is not GSM text", "\u001B", false),
        new("e + combining acute is not GSM", "e\u0301", false),
        new("precomposed é is GSM", "é", true),
        new("Chinese is not GSM", "你好", false),
        new("curly apostrophe is not GSM", "don’t", false),
        new("no-break space is not GSM", "a\u00A0b", false),
        new("emoji is not GSM", "😀", false),
        new("á (acute a) is not GSM", "á", false),
        new("à (grave a) is GSM", "à", true),
        new("empty string is GSM", "", true),
    ];

    [Theory]
    [MemberData(nameof(Gsm7Cases))]
    public void IsGsm7_FollowsTheGsm0338Table(Gsm7Case c) => Assert.Equal(c.IsGsm7, UssdText.IsGsm7(c.Text));

    [Fact]
    public void Length_RejectsTextThatIsNotGsm7()
    {
        var ex = Assert.Throws<ArgumentException>(() => UssdText.Length("Reply “1”"));
        Assert.Contains("U+201C", ex.Message);
    }

    [Fact]
    public void Gsm7_BasicSetHas127CharactersAndExtensionTableCostsTwo()
    {
        Assert.Equal(127, BasicSet.Distinct().Count());
        Assert.All(BasicSet, c => Assert.Equal(1, Gsm7.Septets(c)));
        Assert.All(ExtensionSet, c => Assert.Equal(2, Gsm7.Septets(c)));
        Assert.All(ExtensionSet, c => Assert.True(Gsm7.IsExtension(c)));
    }
}
