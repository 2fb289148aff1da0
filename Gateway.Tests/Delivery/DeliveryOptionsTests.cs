using Gateway.Delivery;
using Gateway.Providers.Twilio;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Delivery;

/// <summary>The delivery settings' validation messages name the setting (start-up itself is tested in Hosting/).</summary>
public sealed class DeliveryOptionsTests
{
    public sealed record Case(string Label, Action<DeliveryOptions> Change, string? Expected)
    {
        public override string ToString() => Label;
    }

    public static TheoryData<Case> Delivery => new()
    {
        new("defaults", _ => { }, null),
        new("pacing off", o => o.RatePerSecond = 0, null),
        new("negative rate", o => o.RatePerSecond = -1, "SMS_RATE_PER_SECOND: -1 must be between 0"),
        new("absurd rate", o => o.RatePerSecond = 1e6, "SMS_RATE_PER_SECOND"),
        new("nothing in flight", o => o.MaxInFlight = 0, "SMS_MAX_IN_FLIGHT: 0 must be between 1 and 1000"),
        new("validity of seconds", o => o.Validity = TimeSpan.FromSeconds(5), "SMS_VALIDITY: 00:00:05 must be between"),
        new("validity of a month", o => o.Validity = TimeSpan.FromDays(30), "SMS_VALIDITY"),
        new("negative price", o => o.PricePerSegment = -0.01m, "SMS_PRICE_PER_SEGMENT: -0.01 must not be negative"),
    };

    [Theory, MemberData(nameof(Delivery))]
    public void DeliverySettings(Case c)
    {
        var options = new DeliveryOptions();
        c.Change(options);

        var result = new DeliveryOptionsValidator().Validate(null, options);

        if (c.Expected is null) Assert.True(result.Succeeded, result.FailureMessage);
        else Assert.Contains(c.Expected, result.FailureMessage);
    }

    [Theory]
    [InlineData("", "00:00:10", null)]
    [InlineData("http://127.0.0.1:4010", "00:00:01", null)]
    [InlineData("127.0.0.1:4010", "00:00:10", "TWILIO_API_BASE_URL: '127.0.0.1:4010' must be empty or an absolute http(s) URL")]
    [InlineData("", "00:00:30", "TWILIO_REQUEST_TIMEOUT: 00:00:30 must be between")]
    public void TwilioApiSettings(string baseUrl, string timeout, string? expected)
    {
        var options = new TwilioOptions
        {
            AccountSid = "AC0123456789abcdef0123456789abcdef", AuthToken = "token", MessagingServiceSid = "MG0123456789abcdef0123456789abcdef",
            ApiBaseUrl = baseUrl, RequestTimeout = TimeSpan.Parse(timeout),
        };

        var result = new TwilioOptionsValidator(Options.Create(new DeliveryOptions { SmsProvider = DeliveryOptions.Twilio })).Validate(null, options);

        if (expected is null) Assert.True(result.Succeeded, result.FailureMessage);
        else Assert.Contains(expected, result.FailureMessage);
    }
}
