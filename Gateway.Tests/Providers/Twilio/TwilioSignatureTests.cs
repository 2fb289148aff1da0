using Gateway.Tests.Support;
using Twilio.Security;

namespace Gateway.Tests.Providers.Twilio;

/// <summary>Our test signer and the SDK validator the gateway uses, against Twilio's published vectors (protocols.md §3.2-3.3).</summary>
public sealed class TwilioSignatureTests
{
    private static readonly Dictionary<string, string> Canonical = new()
    {
        ["CallSid"] = "CA1234567890ABCDE",
        ["From"] = "+14158675309",
        ["Digits"] = "1234",
        ["To"] = "+18005551212",
        ["Caller"] = "+14158675309",
    };

    public sealed record Vector(string Label, string Url, string Signature)
    {
        public override string ToString() => Label;
    }

    // Vectors whose signed string is the URL as given (the "raw HMAC input" column says "as given").
    public static TheoryData<Vector> AsGiven => new()
    {
        new("1 base url", "https://mycompany.com/myapp.php?foo=1&bar=2", "RSOYDt4T1cUTdK1PDd93/VVr8B8="),
        new("5 custom https port", "https://mycompany.com:1234/myapp.php?foo=1&bar=2", "CYn1h0gLBdNxDGkKJg6hYohgeD8="),
        new("6 custom http port", "http://mycompany.com:1234/myapp.php?foo=1&bar=2", "Zmvh+3yNM1Phv2jhDCwEM3q5ebU="),
        new("7 mixed-case host", "https://MyCompany.com/myapp.php?foo=1&bar=2", "g9IN/x4Cft2g517EjYvEvM/W7LU="),
        new("8 mixed-case host with port", "https://MyCompany.com:1234/myapp.php?foo=1&bar=2", "PCqOZm8cnu/L6+u5i5fuEd+Iac4="),
        new("9 mixed-case http host", "http://MyCompany.com/myapp.php?foo=1&bar=2", "XY7AlKOKL6im4yWyX84gldUrtis="),
        new("10 credentials preserved", "http://username:password@MyCompany.com/myapp.php?foo=1&bar=2", "PJ08CxXr7KLPjEQCTc8LkUSMwSM="),
        new("11 upper-case scheme", "HTTP://username:password@MyCompany.com/myapp.php?foo=1&bar=2", "hy/l8pca+LFms4cvRdv8uiP6NGc="),
        new("12 mixed-case credentials", "http://Username:Password@MyCompany.com/myapp.php?foo=1&bar=2", "SkTSKyDJH9kUlhItI0slbgZ1UsI="),
        new("13 credentials", "https://user:pass@mycompany.com/myapp.php?foo=1&bar=2", "CukzLTc1tT5dXEDIHm/tKBanW10="),
        new("14 user only", "https://user@mycompany.com/myapp.php?foo=1&bar=2", "2YRLlVAflCqxaNicjMpJcSTgzSs="),
        new("2 signed with :443 added", "https://mycompany.com:443/myapp.php?foo=1&bar=2", "kvajT1Ptam85bY51eRf/AJRuM3w="),
        new("3 signed with :80 added", "http://mycompany.com:80/myapp.php?foo=1&bar=2", "0ZXoZLH/DfblKGATFgpif+LLRf4="),
        new("15 credentials, signed with :443 added", "https://user:pass@mycompany.com:443/myapp.php?foo=1&bar=2", "ZQFR1PTIZXF2MXB8ZnKCvnnA+rI="),
    };

    [Theory, MemberData(nameof(AsGiven))]
    public void Signer_ReproducesPublishedVectors(Vector v) =>
        Assert.Equal(v.Signature, TwilioSigner.Sign("12345", v.Url, Canonical));

    // Repeated names (protocols.md §3.2 vectors 17-18, from twilio-node and twilio-python's suites): each distinct value,
    // in ordinal order. Our signer reproduces them, and the gateway's parameters validate them with the SDK.
    public static TheoryData<string, (string Name, string Value)[], string> RepeatedNames => new()
    {
        { "18 multi-valued Digits", [("Sid", "CA123"), ("SidAccount", "AC123"), ("Digits", "5678"), ("Digits", "1234"), ("Digits", "1234")], "IK+Dwps556ElfBT0I3Rgjkr1wJU=" },
        { "17 array parameter", [("MessagingBinding.Address", "+1325xxxxxxx"), ("MessagingBinding.Address", "+1415xxxxxxx")], "83O6e2vORAoJHUNzJjDWN1jz+BA=" },
        { "17 array parameter, other order", [("MessagingBinding.Address", "+1415xxxxxxx"), ("MessagingBinding.Address", "+1325xxxxxxx")], "83O6e2vORAoJHUNzJjDWN1jz+BA=" },
    };

    [Theory, MemberData(nameof(RepeatedNames))]
    public void RepeatedNames_AreSignedAsTwilioPublishes(string label, (string Name, string Value)[] parameters, string signature)
    {
        const string url = "https://mycompany.com/myapp.php?foo=1&bar=2";
        var pairs = parameters.Select(p => KeyValuePair.Create(p.Name, p.Value)).ToList();
        var form = pairs.GroupBy(p => p.Key).ToDictionary(g => g.Key, g => new Microsoft.Extensions.Primitives.StringValues(g.Select(p => p.Value).ToArray()));

        Assert.Equal(signature, TwilioSigner.Sign("12345", url, pairs));
        Assert.True(new RequestValidator("12345").Validate(url, Gateway.Providers.Twilio.TwilioSignatureFilter.SignedParameters(form), signature), label);
    }

    private static Microsoft.AspNetCore.Http.FormCollection FormOf(IEnumerable<(string Name, string Value)> parameters) =>
        new(parameters.GroupBy(p => p.Name).ToDictionary(g => g.Key, g => new Microsoft.Extensions.Primitives.StringValues(g.Select(p => p.Value).ToArray())));

    // The gateway's own check of the URL as given: every published vector whose signed string is that URL, repeated names included.
    [Theory, MemberData(nameof(AsGiven))]
    public void ExactCheck_AcceptsPublishedVectors(Vector v) =>
        Assert.True(Gateway.Providers.Twilio.TwilioSignatureFilter.SignedExactly("12345", v.Url, FormOf(Canonical.Select(p => (p.Key, p.Value))), v.Signature));

    [Theory, MemberData(nameof(RepeatedNames))]
    public void ExactCheck_AcceptsRepeatedNamesAsTwilioPublishes(string label, (string Name, string Value)[] parameters, string signature) =>
        Assert.True(Gateway.Providers.Twilio.TwilioSignatureFilter.SignedExactly("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", FormOf(parameters), signature), label);

    // Whatever it refuses goes on to the SDK's validator; it must never accept what the SDK refuses.
    [Theory]
    [InlineData("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", "NOTRSOYDt4T1cUTdK1PDd93/VVr8B8=")]
    [InlineData("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", "RSOYDt4T1cUTdK1PDd93/VVr8B8")]
    [InlineData("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", "AAAA")]
    [InlineData("12345", "https://mycompany.com/myapp.php?foo=1&bar=3", "RSOYDt4T1cUTdK1PDd93/VVr8B8=")]
    [InlineData("54321", "https://mycompany.com/myapp.php?foo=1&bar=2", "RSOYDt4T1cUTdK1PDd93/VVr8B8=")]
    [InlineData("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", "RSOYDt4T1cUTdK1PDd93/VVr8B8=AAAA")]
    public void ExactCheck_RefusesWhatTheSdkRefuses(string token, string url, string signature)
    {
        var form = FormOf(Canonical.Select(p => (p.Key, p.Value)));
        Assert.False(Gateway.Providers.Twilio.TwilioSignatureFilter.SignedExactly(token, url, form, signature));
        Assert.False(new RequestValidator(token).Validate(url, Gateway.Providers.Twilio.TwilioSignatureFilter.SignedParameters(form), signature));
    }

    [Fact]
    public void ExactCheck_SignsALongChineseMessage()
    {
        // 1,600 characters of three UTF-8 bytes each: more than the check's first buffer holds.
        var form = new Dictionary<string, string>(Canonical) { ["Body"] = string.Concat(Enumerable.Repeat("防疫通知请勿外出", 200)) };
        const string url = "https://gateway.example.org/webhooks/twilio/sms";
        var signature = TwilioSigner.Sign("12345", url, form);

        Assert.True(Gateway.Providers.Twilio.TwilioSignatureFilter.SignedExactly("12345", url, FormOf(form.Select(p => (p.Key, p.Value))), signature));
        form["Body"] += "!";
        Assert.False(Gateway.Providers.Twilio.TwilioSignatureFilter.SignedExactly("12345", url, FormOf(form.Select(p => (p.Key, p.Value))), signature));
    }

    [Fact]
    public void ExactCheck_RefusesAChangedParameter()
    {
        var form = FormOf(Canonical.Select(p => (p.Key, p.Key == "Digits" ? "1235" : p.Value)));
        Assert.False(Gateway.Providers.Twilio.TwilioSignatureFilter.SignedExactly("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", form, "RSOYDt4T1cUTdK1PDd93/VVr8B8="));
    }

    // The port quirk: the validator accepts the URL as given or with the port toggled.
    [Theory]
    [InlineData("https://mycompany.com/myapp.php?foo=1&bar=2", "kvajT1Ptam85bY51eRf/AJRuM3w=")]
    [InlineData("http://mycompany.com/myapp.php?foo=1&bar=2", "0ZXoZLH/DfblKGATFgpif+LLRf4=")]
    [InlineData("https://mycompany.com:1234/myapp.php?foo=1&bar=2", "RSOYDt4T1cUTdK1PDd93/VVr8B8=")]
    [InlineData("https://mycompany.com:1234/myapp.php?foo=1&bar=2", "CYn1h0gLBdNxDGkKJg6hYohgeD8=")]
    [InlineData("https://user:pass@mycompany.com/myapp.php?foo=1&bar=2", "ZQFR1PTIZXF2MXB8ZnKCvnnA+rI=")]
    public void Validator_AcceptsPortVariants(string url, string signature) =>
        Assert.True(new RequestValidator("12345").Validate(url, Canonical, signature));

    [Theory]
    [InlineData("https://MyCompany.com/myapp.php?foo=1&bar=2", "RSOYDt4T1cUTdK1PDd93/VVr8B8=")]
    [InlineData("https://MyCompany.com:1234/myapp.php?foo=1&bar=2", "RSOYDt4T1cUTdK1PDd93/VVr8B8=")]
    [InlineData("http://MyCompany.com/myapp.php?foo=1&bar=2", "RSOYDt4T1cUTdK1PDd93/VVr8B8=")]
    [InlineData("https://mycompany.com/myapp.php?foo=1&bar=2", "NOTRSOYDt4T1cUTdK1PDd93/VVr8B8=")]
    public void Validator_RejectsNegativeVectors(string url, string signature) =>
        Assert.False(new RequestValidator("12345").Validate(url, Canonical, signature));

    [Fact]
    public void Signer_ReproducesTheSmsShapedVectors()
    {
        var sms = new Dictionary<string, string>
        {
            ["ToCountry"] = "US", ["ToState"] = "CA", ["SmsMessageSid"] = "SM1234567890abcdef1234567890abcdef", ["NumMedia"] = "0",
            ["ToCity"] = "", ["FromZip"] = "", ["SmsSid"] = "SM1234567890abcdef1234567890abcdef", ["FromState"] = "CA",
            ["SmsStatus"] = "received", ["FromCity"] = "", ["Body"] = "Héllo STOP ✓ 😀", ["FromCountry"] = "US",
            ["To"] = "+15017122661", ["MessagingServiceSid"] = "MG1234567890abcdef1234567890abcdef", ["ToZip"] = "",
            ["NumSegments"] = "1", ["MessageSid"] = "SM1234567890abcdef1234567890abcdef",
            ["AccountSid"] = "AC1234567890abcdef1234567890abcdef", ["From"] = "+15558675310", ["ApiVersion"] = "2010-04-01",
        };
        Assert.Equal("fZB5ZfQLOD96fYRdRiCWp9tipvM=", TwilioSigner.Sign("12345", "https://gateway.example.org/webhooks/twilio/sms", sms));
        Assert.Equal("cJYXV37kRxdx/ZqVRpWilm2rUbI=", TwilioSigner.Sign("12345", "https://gateway.example.org/webhooks/twilio/sms?tenant=acme", sms));

        var status = new Dictionary<string, string>
        {
            ["SmsSid"] = "SM1234567890abcdef1234567890abcdef", ["SmsStatus"] = "undelivered", ["MessageStatus"] = "undelivered",
            ["To"] = "+15558675310", ["MessagingServiceSid"] = "MG1234567890abcdef1234567890abcdef",
            ["MessageSid"] = "SM1234567890abcdef1234567890abcdef", ["AccountSid"] = "AC1234567890abcdef1234567890abcdef",
            ["From"] = "+15017122661", ["ApiVersion"] = "2010-04-01", ["ErrorCode"] = "30003",
        };
        Assert.Equal("4jCk6LgKO4gOf+oaxm/+L2caCRU=", TwilioSigner.Sign("12345", "https://gateway.example.org/webhooks/twilio/status", status));
    }

    [Theory]
    [InlineData("https://gateway.example.org", "https://gateway.example.org/webhooks/twilio/sms")]
    [InlineData("https://gateway.example.org/", "https://gateway.example.org/webhooks/twilio/sms")]
    [InlineData("https://Gateway.Example.org:443", "https://Gateway.Example.org/webhooks/twilio/sms")]
    [InlineData("http://gateway.example.org:80/", "http://gateway.example.org/webhooks/twilio/sms")]
    [InlineData("https://gateway.example.org:8443", "https://gateway.example.org:8443/webhooks/twilio/sms")]
    public void PublicUrl_KeepsTheConfiguredHost_AndDropsAnExplicitDefaultPort(string publicBaseUrl, string expected)
    {
        var context = new Microsoft.AspNetCore.Http.DefaultHttpContext();
        context.Request.Path = "/webhooks/twilio/sms";
        Assert.Equal(expected, Gateway.Providers.Twilio.TwilioSignatureFilter.PublicUrl(publicBaseUrl, context.Request));
    }
}
