using Gateway.Delivery;
using Gateway.Providers.Kannel;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Delivery;

/// <summary>SMS_ROUTES: reading the list, refusing a bad one with the reason, and choosing a provider per number.</summary>
public sealed class SmsRoutesTests
{
    [Theory]
    [InlineData(null, "twilio", "*:twilio")]
    [InlineData("", "kannel", "*:kannel")]
    [InlineData("+86:kannel,*:twilio", "twilio", "+86:kannel,*:twilio")]
    [InlineData(" +86 : Kannel , +852:twilio, * : twilio ", "simulator", "+86:kannel,+852:twilio,*:twilio")]
    [InlineData("+8613:kannel,+86:twilio,*:simulator", "simulator", "+8613:kannel,+86:twilio,*:simulator")]
    public void ARouteList_IsRead(string? setting, string smsProvider, string read)
    {
        var (routes, errors) = SmsRoutes.Parse(setting, smsProvider);

        Assert.Empty(errors);
        Assert.Equal(read, routes!.ToString());
    }

    [Theory]
    [InlineData("+86:kannel", "has no default route: end it with '*:<provider>'")]
    [InlineData("+86:smpp,*:twilio", "'+86:smpp' names provider 'smpp'; known are simulator, twilio, kannel")]
    [InlineData("86:kannel,*:twilio", "'86:kannel' must be prefix:provider")]
    [InlineData("+86,*:twilio", "'+86' must be prefix:provider")]
    [InlineData("+86:kannel,+86:twilio,*:twilio", "prefix '+86' appears twice")]
    [InlineData("*:twilio,+86:kannel", "comes after '*'")]
    [InlineData("+86:twilio,+8613:kannel,*:twilio", "'+8613:kannel' is never used: '+86:twilio' comes first")]
    [InlineData("+1234567:kannel,*:twilio", "'+1234567:kannel' must be prefix:provider")]
    public void ABadRouteList_IsRefusedWithItsReason(string setting, string reason)
    {
        var (routes, errors) = SmsRoutes.Parse(setting, "twilio");

        Assert.Null(routes);
        Assert.Contains(errors, e => e.StartsWith("SMS_ROUTES: ", StringComparison.Ordinal) && e.Contains(reason, StringComparison.Ordinal));
        // Start-up says the same, in the one validation of the delivery settings.
        var result = new DeliveryOptionsValidator().Validate(null, new DeliveryOptions { Routes = setting });
        Assert.Contains(reason, result.FailureMessage);
    }

    [Theory]
    [InlineData("+8613800138000", null, "kannel")]
    [InlineData("+85291234567", null, "twilio")]
    [InlineData("+14155550100", null, "twilio")]
    // A reply goes back through the route the resident wrote in on, when a route sends through it.
    [InlineData("+14155550100", "kannel", "kannel")]
    [InlineData("+8613800138000", "twilio", "twilio")]
    [InlineData("+8613800138000", "simulator", "kannel")]
    public void ANumber_GoesToTheFirstRouteWhosePrefixStartsIt(string number, string? wroteInOn, string provider)
    {
        var routes = SmsRoutes.Parse("+86:kannel,*:twilio", "twilio").Routes!;

        Assert.Equal(provider, routes.ProviderFor(number, wroteInOn));
    }

    [Fact]
    public void EachProvider_HasItsOwnRateAndPrice_FallingBackToTheSmsOnes()
    {
        var o = new DeliveryOptions { RatePerSecond = 10, PricePerSegment = 0.05m, KannelRatePerSecond = 100, KannelPricePerSegment = 0.01m };

        Assert.Equal((100d, 0.01m), (o.RateFor(DeliveryOptions.Kannel), o.PriceFor(DeliveryOptions.Kannel)));
        Assert.Equal((10d, 0.05m), (o.RateFor(DeliveryOptions.Twilio), o.PriceFor(DeliveryOptions.Twilio)));
        Assert.Contains("KANNEL_RATE_PER_SECOND: -1", new DeliveryOptionsValidator().Validate(null, new DeliveryOptions { KannelRatePerSecond = -1 }).FailureMessage);
        Assert.Contains("TWILIO_PRICE_PER_SEGMENT: -0.1", new DeliveryOptionsValidator().Validate(null, new DeliveryOptions { TwilioPricePerSegment = -0.1m }).FailureMessage);
    }

    [Fact]
    public void AProviderARouteNames_MustBeConfigured()
    {
        var delivery = Options.Create(new DeliveryOptions { SmsProvider = DeliveryOptions.Twilio, Routes = "+86:kannel,*:twilio" });

        var result = new KannelOptionsValidator(delivery, Options.Create(new Gateway.Hosting.GatewayOptions())).Validate(null, new KannelOptions());

        Assert.Contains("KANNEL_SENDSMS_URL: required", result.FailureMessage);
    }
}
