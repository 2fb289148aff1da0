using Gateway.Delivery;
using Gateway.Delivery.Encoding;
using Gateway.Tests.Support;

namespace Gateway.Tests.Providers.Twilio;

/// <summary>
/// Contract: the gateway's Twilio provider, with the real SDK, against Prism serving Twilio's own OpenAPI
/// description. Prism checks the request (path, Basic auth, form fields, SID patterns, URI formats) and answers
/// with Twilio's example; it cannot model errors or state, which the fake Twilio covers.
/// </summary>
public sealed class TwilioContractTests
{
    private static OutgoingSms Sms(string body = "Wear a mask in crowded places.") =>
        new(42, "+8613800138000", body, SmsEncoding.Gsm7, 1, DateTimeOffset.UtcNow.AddHours(4));

    [Fact]
    public async Task Create_WithAMessagingService_IsAValidRequest_AndAccepted()
    {
        var prism = await Prism.UrlAsync();

        var outcome = await TwilioSmsProviderTests.Provider(prism).SendAsync(Sms(), CancellationToken.None);

        Assert.StartsWith("SM", Assert.IsType<SendOutcome.Accepted>(outcome).ProviderMessageId);
    }

    [Fact]
    public async Task Create_FromANumber_WithAChineseBody_IsAValidRequest_AndAccepted()
    {
        var prism = await Prism.UrlAsync();

        var outcome = await TwilioSmsProviderTests.Provider(prism, messagingServiceSid: null, from: "+15017122661")
            .SendAsync(Sms("请在人多的地方戴口罩。"), CancellationToken.None);

        Assert.IsType<SendOutcome.Accepted>(outcome);
    }

    [Fact]
    public async Task Create_WithAMalformedMessagingServiceSid_IsRejectedWith422()
    {
        var prism = await Prism.UrlAsync();

        var outcome = await TwilioSmsProviderTests.Provider(prism, messagingServiceSid: "MG123").SendAsync(Sms(), CancellationToken.None);

        Assert.Equal("http 422", Assert.IsType<SendOutcome.Failed>(outcome).Code);
    }

    [Fact]
    public async Task Lookup_ListsMessagesToTheNumber_WithAValidRequest()
    {
        var prism = await Prism.UrlAsync();

        var outcome = await TwilioSmsProviderTests.Provider(prism).FindAsync(Sms(), DateTimeOffset.UtcNow.AddMinutes(-1), CancellationToken.None);

        Assert.IsNotType<LookupOutcome.Unknown>(outcome);
    }
}
