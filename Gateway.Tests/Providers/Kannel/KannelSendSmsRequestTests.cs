using System.Web;
using Gateway.Delivery;
using Gateway.Delivery.Encoding;
using Gateway.Hosting;
using Gateway.Providers.Kannel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Gateway.Tests.Providers.Kannel;

/// <summary>
/// The sendsms request itself, for what the fake SMSC cannot show (validity, the dlr-url as Kannel receives it).
/// What Kannel makes of the request is in <see cref="KannelChainTests"/>.
/// </summary>
public sealed class KannelSendSmsRequestTests
{
    private static readonly FakeTimeProvider Clock = new(new DateTimeOffset(2026, 3, 2, 1, 0, 0, TimeSpan.Zero));

    private static KannelSmsProvider Provider() => new(
        new ServiceCollection().AddHttpClient().BuildServiceProvider().GetRequiredService<IHttpClientFactory>(),
        Options.Create(new KannelOptions
        {
            SendSmsUrl = "http://kannel.internal:13013/cgi-bin/sendsms", Username = "gateway", Password = "p&ss word+",
            From = "City Health", CallbackToken = "0123456789abcdef-token",
        }),
        Options.Create(new GatewayOptions { PublicBaseUrl = "https://sms.example.org/" }),
        NpgsqlDataSource.Create("Host=127.0.0.1;Port=1"),
        Clock,
        NullLogger<KannelSmsProvider>.Instance);

    [Theory]
    [InlineData(SmsEncoding.Ucs2, "2")]
    [InlineData(SmsEncoding.Gsm7, "0")]
    public void EveryValue_ReachesKannelAsWritten(SmsEncoding encoding, string coding)
    {
        var sms = new OutgoingSms(42, "+8613800138000", "请勤洗手 & 戴口罩+ 100%", encoding, 1, Clock.GetUtcNow() + TimeSpan.FromHours(4) - TimeSpan.FromSeconds(30));

        var uri = Provider().SendSmsUri(sms, "0a1b2c3d4e5f");

        Assert.Equal("http://kannel.internal:13013/cgi-bin/sendsms", uri.GetLeftPart(UriPartial.Path));
        var query = HttpUtility.ParseQueryString(uri.Query);
        Assert.Equal(
            ["gateway", "p&ss word+", "City Health", "+8613800138000", "请勤洗手 & 戴口罩+ 100%", coding, "UTF-8", "31", "240"],
            new[] { "username", "password", "from", "to", "text", "coding", "charset", "dlr-mask", "validity" }.Select(k => query[k]));
        Assert.Equal("https://sms.example.org/webhooks/kannel/dlr?token=0123456789abcdef-token&id=42&ref=0a1b2c3d4e5f&status=%d&answer=%A&ts=%T",
            query["dlr-url"]);
    }

    [Fact]
    public void WithoutAnExpiry_NoValidityIsSent()
    {
        var uri = Provider().SendSmsUri(new OutgoingSms(42, "+8613800138000", "Hello", SmsEncoding.Gsm7, 1), "0a1b2c3d4e5f");

        Assert.Null(HttpUtility.ParseQueryString(uri.Query)["validity"]);
    }
}
