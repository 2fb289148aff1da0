using Gateway.Phones;
using Gateway.Tests.Providers.AfricasTalking;
using Gateway.Tests.Support;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace Gateway.Tests.Ussd;

/// <summary>
/// A USSD session's log lines, every level captured: each is a source-generated line of the USSD or Support slice (its
/// own event id), and names the number masked, never in full at Information or above.
/// </summary>
public sealed class UssdLogsTests(UssdLogsTests.App app) : IClassFixture<UssdLogsTests.App>
{
    public sealed class App : GatewayApp
    {
        public CapturedLogs Logs { get; } = new();

        protected override void Configure(Dictionary<string, string?> settings) => settings["DEFAULT_LANGUAGE"] = "en";

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureLogging(Logs.AddTo);
        }
    }

    [Fact]
    public async Task ACallbackAskedForByUssd_IsLoggedBySourceGeneratedLines_WithTheNumberMasked()
    {
        const string phone = "+8613800000731";
        const string otherPhone = "+8613800000732";
        var client = app.CreateClient();
        var session = new UssdSession(client, phone);
        await session.Dial();
        await session.Press("4");
        Assert.StartsWith("END ", await session.Press("1"));   // counsellor → please call me back
        await new UssdSession(client, otherPhone, session.Id).Send(session.History);   // the same session from another number

        var lines = app.Logs.Lines.Where(l => l.Category.StartsWith("Gateway.Ussd.", StringComparison.Ordinal)
            || l.Category.StartsWith("Gateway.Support.", StringComparison.Ordinal)).ToList();
        var ids = lines.Select(l => l.EventId).ToHashSet();
        Assert.Contains(4004, ids);   // session started
        Assert.Contains(4007, ids);   // action performed
        Assert.Contains(3002, ids);   // support request opened
        Assert.Contains(4002, ids);   // another number
        Assert.All(lines, l => Assert.True(
            l.Category.StartsWith("Gateway.Ussd.", StringComparison.Ordinal) ? l.EventId is > 4000 and < 4100 : l.EventId is > 3000 and < 3100,
            $"{l.Category} {l.EventId}: {l.Message}"));
        Assert.Contains(lines, l => l.EventId == 4004 && l.Message.Contains(Phone.Mask(phone), StringComparison.Ordinal));
        Assert.Contains(lines, l => l.EventId == 3002 && l.Message.Contains(Phone.Mask(phone), StringComparison.Ordinal));
        Assert.Contains(lines, l => l.EventId == 4002 && l.Message.Contains(Phone.Mask(otherPhone), StringComparison.Ordinal));
        Assert.DoesNotContain(app.Logs.Lines, l => l.Level >= LogLevel.Information
            && (l.Message.Contains(phone, StringComparison.Ordinal) || l.Message.Contains(otherPhone, StringComparison.Ordinal)));
    }
}
