using System.Text.Json;
using Gateway.Broadcasts;
using Gateway.Delivery;
using Gateway.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.Broadcasts;

/// <summary>
/// A resident who misses an urgent notice because its hand-off stayed ambiguous, resend included: the official sees
/// it in the broadcast's counts, and the operator on /health/ready.
/// </summary>
public sealed class UnconfirmedDeliveryTests(UnconfirmedDeliveryTests.App app) : IClassFixture<UnconfirmedDeliveryTests.App>
{
    /// <summary>Twilio (faked) as provider, with the broadcast roles' tokens.</summary>
    public sealed class App : TwilioGatewayApp
    {
        protected override void Configure(Dictionary<string, string?> settings)
        {
            base.Configure(settings);
            settings["API_TOKENS"] = $"lin:editor:{BroadcastApp.EditorToken},wang:approver:{BroadcastApp.ApproverToken},zhao:viewer:{BroadcastApp.ViewerToken}";
        }
    }

    [Fact]
    public async Task AMessageAmbiguousTwice_IsFailedUnconfirmed_InTheBroadcastsCounts_AndOnHealthReady()
    {
        var region = Broadcasting.NewRegion();
        Resident missed = new(Broadcasting.NewPhone()), reached = new(Broadcasting.NewPhone());
        await Broadcasting.SeedAsync(app, region, missed, reached);
        // Twilio answers 500 to the hand-off and to its one resend, and never created either.
        app.Twilio.Script(missed.Phone, FakeReply.ServerError, FakeReply.ServerError);
        var id = await Broadcasting.SendAsync(app, new
        {
            title = "Water supply",
            content = new { zh = "明天停水，请提前储水。" },
            audience = new { regions = new[] { region } },
            urgent = true,
        });

        await app.Dispatcher.DispatchOnceAsync(CancellationToken.None);
        for (var round = 0; round < 2; round++)
        {
            app.Clock.Advance(ReconcileDeliveries.Grace);
            await app.Reconcile.ReconcileOnceAsync(CancellationToken.None);
            await app.Dispatcher.DispatchOnceAsync(CancellationToken.None);
        }

        var counts = await Broadcasting.CountsAsync(app, id);
        Assert.Equal((2, 1, 1, 1), (counts["planned"], counts["sent"], counts["failed"], counts["failed_unconfirmed"]));
        Assert.Equal(2, app.Twilio.RequestsTo(missed.Phone).Count);

        var ready = JsonDocument.Parse(await app.CreateClient().GetStringAsync("/health/ready")).RootElement;
        var delivery = ready.GetProperty("checks").GetProperty("delivery");
        Assert.Equal(1, delivery.GetProperty("figures").GetProperty("failed_unconfirmed_24h").GetInt64());
        Assert.Contains("1 failed unconfirmed in the last 24 h", delivery.GetProperty("detail").GetString());
        Assert.Equal("ready", ready.GetProperty("status").GetString());
    }
}
