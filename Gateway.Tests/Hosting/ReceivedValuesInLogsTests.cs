using System.Net;
using System.Net.Http.Json;
using Gateway.Tests.Broadcasts;
using Gateway.Tests.Providers.AfricasTalking;
using Gateway.Tests.Support;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace Gateway.Tests.Hosting;

/// <summary>
/// Values received from outside reach the logs only through LogSanitiser: a CR/LF in a USSD sessionId or serviceCode,
/// a provider message id or a broadcast title never starts a line of its own. Checked on every line the gateway's
/// own code logs, at every level, over HTTP.
/// </summary>
public sealed class ReceivedValuesInLogsTests(ReceivedValuesInLogsTests.App app) : IClassFixture<ReceivedValuesInLogsTests.App>
{
    public sealed class App : BroadcastApp
    {
        public CapturedLogs Logs { get; } = new();

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureLogging(Logs.AddTo);
        }
    }

    private const string Forged = "\r\ninfo: Gateway.Admin.AdminEndpoints[0]\r\n      admin token rotated by admin";

    private void AssertNothingForged(string escapedPart)
    {
        var lines = app.Logs.Lines.Where(l => l.Category.StartsWith("Gateway.", StringComparison.Ordinal)).ToList();
        Assert.All(lines, l => Assert.DoesNotContain('\n', l.Message));
        Assert.All(lines, l => Assert.DoesNotContain('\r', l.Message));
        Assert.Contains(lines, l => l.Message.Contains(escapedPart, StringComparison.Ordinal));
    }

    [Fact]
    public async Task UssdSessionIdAndServiceCode()
    {
        var session = new UssdSession(app.CreateClient(), "+8613800000801", sessionId: "ATUid_forged" + Forged);
        var form = session.Form("");
        form["serviceCode"] = "*384*123#\nwarn: forged";

        var response = await UssdSession.Post(app.CreateClient(), form);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        AssertNothingForged(@"USSD session ATUid_forged\r\ninfo: Gateway.Admin.AdminEndpoints[0]\r\n      admin token rotated by admin from +86138****0801 on *384*123#\nwarn: forged");
    }

    [Fact]
    public async Task ProviderMessageId()
    {
        var body = new { from = "13800000802", body = "HELP", id = "SM-forged" + Forged };
        await app.AdminClient().PostAsJsonAsync("/api/simulator/inbound", body);

        // The retry is logged with its id.
        var retry = await app.AdminClient().PostAsJsonAsync("/api/simulator/inbound", body);

        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        AssertNothingForged(@"Duplicate inbound SM-forged\r\ninfo: Gateway.Admin");
    }

    [Fact]
    public async Task BroadcastTitle()
    {
        await Broadcasting.CreateAsync(app, new
        {
            title = "Mask reminder" + Forged,
            content = new { zh = "请戴口罩。", en = "Please wear a mask." },
            audience = new { regions = new[] { Broadcasting.NewRegion() } },
        });

        AssertNothingForged(@"'Mask reminder\r\ninfo: Gateway.Admin.AdminEndpoints[0]\r\n      admin token rotated by admin' created by lin");
    }
}
