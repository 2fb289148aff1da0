using Gateway.Phones;

namespace Gateway.Tests.Phones;

public sealed class PhoneTests
{
    public sealed record Case(string Label, string? Input, string Region, string? E164, string? Error = null)
    {
        public override string ToString() => Label;
    }

    public static TheoryData<Case> Cases => new()
    {
        new("CN mobile, national", "13800138000", "CN", "+8613800138000"),
        new("CN mobile, spaces", "138 0013 8000", "CN", "+8613800138000"),
        new("CN mobile, dashes", "138-0013-8000", "CN", "+8613800138000"),
        new("CN mobile, international", "+86 138 0013 8000", "CN", "+8613800138000"),
        new("CN mobile, 00 prefix", "008613800138000", "CN", "+8613800138000"),
        new("CN mobile, full-width digits", "１３８００１３８０００", "CN", "+8613800138000"),
        new("CN mobile, full-width plus", "＋８６１３８００１３８０００", "CN", "+8613800138000"),
        new("CN mobile, brackets", "(+86) 13800138000", "CN", "+8613800138000"),
        new("CN landline, Wuhan", "027 8888 6666", "CN", "+862788886666"),
        new("US number, valid", "+1 (201) 555-0123", "CN", "+12015550123"),
        new("KE number, national with KE region", "0711 234 567", "KE", "+254711234567"),
        new("KE number, international", "+254711234567", "CN", "+254711234567"),
        new("surrounding spaces", "  13800138000  ", "CN", "+8613800138000"),
        new("empty", "", "CN", null, "empty"),
        new("whitespace", "   ", "CN", null, "empty"),
        new("null", null, "CN", null, "empty"),
        new("letters", "call me", "CN", null, "not a phone number"),
        new("too short", "138", "CN", null, "too short"),
        new("too long", "+86 138 0013 8000 1234 5678", "CN", null, "too long"),
        new("unknown country code", "+999 1234 5678", "CN", null, "country code"),
        new("CN mobile missing a digit", "1380013800", "CN", null, "not a valid number"),
        new("US area code that does not exist", "+1 555 555 5555", "CN", null, "not a valid number"),
        new("absurdly long input", new string('1', 200), "CN", null, "too long"),
    };

    [Theory, MemberData(nameof(Cases))]
    public void Normalise(Case c)
    {
        var result = Phone.Normalise(c.Input, c.Region);

        Assert.Equal(c.E164, result.E164);
        if (c.Error is null) Assert.Null(result.Error);
        else Assert.Contains(c.Error, result.Error);
    }

    /// <summary>Numbers a provider says a message or session came from: possible is enough; '+' may be missing.</summary>
    public static TheoryData<Case> SenderCases => new()
    {
        new("AT sandbox number, possible but not valid", "+254000000001", "KE", "+254000000001"),
        new("AT sandbox number with a CN default region", "+254000000001", "CN", "+254000000001"),
        new("international without '+' (Uganda)", "256772000001", "CN", "+256772000001"),
        new("international without '+', possible only", "254000000001", "CN", "+254000000001"),
        new("a valid national number of the default region stays national", "13800138000", "CN", "+8613800138000"),
        new("national with a trunk 0 in the default region", "0711 234 567", "KE", "+254711234567"),
        new("valid numbers as ever", "+8613800138000", "CN", "+8613800138000"),
        new("still too short", "+254 12", "KE", null, "too short"),
        new("still not a number", "mum", "KE", null, "not a phone number"),
        new("still an unknown country code", "+999 1234 5678", "CN", null, "country code"),
    };

    [Theory, MemberData(nameof(SenderCases))]
    public void NormaliseSender(Case c)
    {
        var result = Phone.NormaliseSender(c.Input, c.Region);

        Assert.Equal(c.E164, result.E164);
        if (c.Error is null) Assert.Null(result.Error);
        else Assert.Contains(c.Error, result.Error);
    }

    [Fact]
    public void ANumberWeSendTo_MustStillBeValid() => Assert.Null(Phone.Normalise("+254000000001", "KE").E164);

    [Theory]
    [InlineData("+8613812345678", "+86138****5678")]
    [InlineData("+12015550123", "+12015****0123")]
    [InlineData("+254711234567", "+25471****4567")]
    [InlineData("+1234", "+12****")]
    [InlineData(null, "(none)")]
    public void Mask_KeepsOnlyTheEnds(string? e164, string masked) => Assert.Equal(masked, Phone.Mask(e164));
}
