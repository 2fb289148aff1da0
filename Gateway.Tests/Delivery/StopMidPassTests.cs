using System.Diagnostics;
using Dapper;
using Gateway.Delivery;
using Gateway.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Gateway.Tests.Delivery;

/// <summary>A worker taken down in the middle of a paced pass, on the real clock.</summary>
public sealed class StopMidPassTests
{
    [Fact]
    public async Task AWorkerDisposedMidPass_WithoutBeingStopped_RecordsWhatItHandedOver_AndLogsNoError()
    {
        const int count = 200;
        var connectionString = await TestDatabase.CreateAsync();
        await using var twilio = FakeTwilio.Start();
        twilio.Latency = TimeSpan.FromMilliseconds(200);
        var host = await WorkerHost.StartAsync(new Dictionary<string, string?>
        {
            ["DATABASE_URL"] = connectionString,
            ["SMS_PROVIDER"] = "twilio",
            ["TWILIO_ACCOUNT_SID"] = FakeTwilio.AccountSid,
            ["TWILIO_AUTH_TOKEN"] = FakeTwilio.AuthToken,
            ["TWILIO_MESSAGING_SERVICE_SID"] = FakeTwilio.MessagingServiceSid,
            ["TWILIO_API_BASE_URL"] = twilio.BaseUrl.ToString(),
            ["SMS_RATE_PER_SECOND"] = "50",
        });
        var logs = host.Services.GetFakeLogCollector();
        await using (var conn = new NpgsqlConnection(connectionString))
        {
            await conn.OpenAsync();
            var outbox = host.Services.GetRequiredService<Outbox>();
            for (var i = 0; i < count; i++)
                await outbox.EnqueueAsync(conn, null, new OutboundMessage($"+86139003{i:D5}", $"Daily tip {i}", MessageKinds.Tip, MessagePriority.Bulk), CancellationToken.None);
        }
        var waited = Stopwatch.StartNew();
        while (twilio.Requests.Count < 20 && waited.Elapsed < TimeSpan.FromSeconds(30)) await Task.Delay(20);

        // As a crashed benchmark or test leaves it: disposed, never stopped. Its passes were mid-way, with sends in flight.
        host.Dispose();

        Assert.DoesNotContain(logs.GetSnapshot(), r => r.Level >= LogLevel.Error || r.Exception is ObjectDisposedException);
        await using var check = new NpgsqlConnection(connectionString);
        await check.OpenAsync();
        Assert.Equal(0, await check.ExecuteScalarAsync<int>("SELECT count(*)::int FROM outbound_messages WHERE status = 'sending'"));
        Assert.Equal(0, await check.ExecuteScalarAsync<int>("SELECT count(*)::int FROM dispatch_passes"));
        Assert.Equal(twilio.Requests.Count, await check.ExecuteScalarAsync<int>("SELECT count(*)::int FROM outbound_messages WHERE status = 'sent'"));
        Assert.InRange(twilio.Requests.Count, 20, count - 1);
    }
}
