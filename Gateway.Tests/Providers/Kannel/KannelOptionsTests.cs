using Gateway.Delivery;
using Gateway.Hosting;
using Gateway.Providers.Kannel;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Providers.Kannel;

/// <summary>The Kannel settings' validation messages name the setting (start-up itself is tested in Hosting/).</summary>
public sealed class KannelOptionsTests
{
    public sealed record Case(string Label, Action<KannelOptions> Change, string? Expected, string Provider = DeliveryOptions.Kannel, string BaseUrl = "https://sms.example.org")
    {
        public override string ToString() => Label;
    }

    private static KannelOptions Valid() => new()
    {
        SendSmsUrl = "http://kannel.internal:13013/cgi-bin/sendsms", Username = "gateway", Password = "secret",
        From = "12356", CallbackToken = "0123456789abcdef-token",
    };

    public static TheoryData<Case> Cases => new()
    {
        new("complete", _ => { }, null),
        new("an alphanumeric sender", o => o.From = "CityHealth", null),
        new("an E.164 sender", o => o.From = "+8610123456789", null),
        new("no sendsms URL", o => o.SendSmsUrl = null, "KANNEL_SENDSMS_URL: required when SMS_PROVIDER=kannel"),
        new("a sendsms URL without scheme", o => o.SendSmsUrl = "kannel:13013/cgi-bin/sendsms", "KANNEL_SENDSMS_URL: 'kannel:13013/cgi-bin/sendsms' must be an absolute http(s) URL"),
        new("a sendsms URL with a query", o => o.SendSmsUrl = "http://kannel:13013/cgi-bin/sendsms?username=x", "KANNEL_SENDSMS_URL"),
        new("no username", o => o.Username = "", "KANNEL_USERNAME: required"),
        new("no password", o => o.Password = null, "KANNEL_PASSWORD: required"),
        new("no sender", o => o.From = " ", "KANNEL_FROM: required"),
        new("a sender name of 12 characters", o => o.From = "CityHealthBu", "KANNEL_FROM: 'CityHealthBu' must be"),
        new("a sender number of 16 digits", o => o.From = "1234567890123456", "KANNEL_FROM"),
        new("no callback token", o => o.CallbackToken = null, "KANNEL_CALLBACK_TOKEN: required when SMS_PROVIDER=kannel"),
        new("a short callback token", o => o.CallbackToken = "short", "KANNEL_CALLBACK_TOKEN: at least 16 characters"),
        new("a token with '%', which Kannel would rewrite", o => o.CallbackToken = "0123456789abcdef%d", "KANNEL_CALLBACK_TOKEN"),
        new("a timeout of a minute", o => o.RequestTimeout = TimeSpan.FromMinutes(1), "KANNEL_REQUEST_TIMEOUT: 00:01:00 must be between"),
        new("a base URL Kannel would rewrite", _ => { }, "PUBLIC_BASE_URL: 'https://sms.example.org/%41' must not contain '%'", BaseUrl: "https://sms.example.org/%41"),
        new("nothing set, with another provider", o => { o.SendSmsUrl = o.Username = o.Password = o.From = o.CallbackToken = null; }, null, DeliveryOptions.Twilio),
        new("a bad token, with another provider", o => o.CallbackToken = "short", "KANNEL_CALLBACK_TOKEN: at least 16", DeliveryOptions.Twilio),
    };

    [Theory, MemberData(nameof(Cases))]
    public void KannelSettings(Case c)
    {
        var options = Valid();
        c.Change(options);
        var validator = new KannelOptionsValidator(Options.Create(new DeliveryOptions { SmsProvider = c.Provider }),
            Options.Create(new GatewayOptions { PublicBaseUrl = c.BaseUrl }));

        var result = validator.Validate(null, options);

        if (c.Expected is null) Assert.True(result.Succeeded, result.FailureMessage);
        else Assert.Contains(c.Expected, result.FailureMessage);
    }
}
