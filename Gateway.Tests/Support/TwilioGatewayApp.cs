using Gateway.Delivery;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.Support;

/// <summary>The gateway with SMS_PROVIDER=twilio, its Twilio SDK pointed at a <see cref="FakeTwilio"/>; pacing off so one
/// pass sends a whole batch at once on the fake clock (pacing has tests of its own on the real clock).</summary>
public class TwilioGatewayApp : GatewayApp
{
    public FakeTwilio Twilio { get; } = FakeTwilio.Start();

    public Dispatcher Dispatcher => Services.GetRequiredService<Dispatcher>();

    public ReconcileDeliveries Reconcile => Services.GetRequiredService<ReconcileDeliveries>();

    public Outbox Outbox => Services.GetRequiredService<Outbox>();

    protected override void Configure(Dictionary<string, string?> settings)
    {
        Twilio.Clock = Clock;
        settings["SMS_PROVIDER"] = "twilio";
        settings["TWILIO_ACCOUNT_SID"] = FakeTwilio.AccountSid;
        settings["TWILIO_AUTH_TOKEN"] = FakeTwilio.AuthToken;
        settings["TWILIO_MESSAGING_SERVICE_SID"] = FakeTwilio.MessagingServiceSid;
        settings["TWILIO_API_BASE_URL"] = Twilio.BaseUrl.ToString();
        settings["TWILIO_REQUEST_TIMEOUT"] = "00:00:01";
        settings["SMS_RATE_PER_SECOND"] = "0";
    }

    /// <summary>Queues one message as a producer would, in its own transaction.</summary>
    public async Task<long> EnqueueAsync(OutboundMessage message)
    {
        await using var conn = await OpenDatabaseAsync();
        return (await Outbox.EnqueueAsync(conn, null, message, CancellationToken.None))!.Value;
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Twilio.DisposeAsync();
    }
}
