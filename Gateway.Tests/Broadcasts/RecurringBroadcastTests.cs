using System.Net;
using Gateway.Broadcasts;
using Hangfire;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.Broadcasts;

/// <summary>A daily broadcast at 08:00 city time fires exactly once per occurrence, however often Hangfire runs its job.</summary>
public sealed class RecurringBroadcastTests(BroadcastApp app) : IClassFixture<BroadcastApp>
{
    private static readonly TimeSpan Cst = TimeSpan.FromHours(8);

    private Task<long> OccurrencesAsync(long id) => app.QuerySingleAsync<long>("SELECT count(*) FROM broadcast_occurrences WHERE broadcast_id = @id", new { id });

    [Fact]
    public async Task DailyAt0800_FiresOncePerOccurrence_AcrossRetriesSeveralWorkersAndRestarts()
    {
        var region = Broadcasting.NewRegion();
        Resident first = new(Broadcasting.NewPhone()), second = new(Broadcasting.NewPhone());
        await Broadcasting.SeedAsync(app, region, first, second);
        var id = await Broadcasting.CreateAsync(app, new
        {
            title = "Daily tip", content = new { zh = "每日提示：开窗通风。" }, audience = new { topics = new[] { "notices" }, regions = new[] { region } }, repeat = "0 8 * * *",
        });

        var approved = await Broadcasting.ApproveAsync(app, id);
        Assert.Equal("scheduled", approved.GetProperty("status").GetString());
        Assert.Equal(new DateTimeOffset(2026, 3, 3, 8, 0, 0, Cst), approved.GetProperty("nextOccurrenceAt").GetDateTimeOffset());
        using (var connection = app.Services.GetRequiredService<JobStorage>().GetConnection())
        {
            var job = connection.GetAllEntriesFromHash($"recurring-job:{ScheduleBroadcast.RecurringJobId(id)}");
            Assert.Equal(("0 8 * * *", "Asia/Shanghai"), (job["Cron"], job["TimeZoneId"]));
        }

        // Approved at 09:00: today's 08:00 came before the broadcast existed.
        var fanOut = app.Services.GetRequiredService<FanOutBroadcast>();
        await fanOut.FireAsync(id, CancellationToken.None);
        Assert.Equal(0, await OccurrencesAsync(id));

        // Tuesday 08:00: two workers fire at once, Hangfire retries, a restarted process fires again, a misfire runs late.
        app.Clock.SetUtcNow(new DateTimeOffset(2026, 3, 3, 8, 0, 2, Cst).ToUniversalTime());
        var restarted = ActivatorUtilities.CreateInstance<FanOutBroadcast>(app.Services);
        await Task.WhenAll(fanOut.FireAsync(id, CancellationToken.None), restarted.FireAsync(id, CancellationToken.None));
        await fanOut.FireAsync(id, CancellationToken.None);
        app.Clock.SetUtcNow(new DateTimeOffset(2026, 3, 3, 9, 30, 0, Cst).ToUniversalTime());
        await restarted.FireAsync(id, CancellationToken.None);

        Assert.Equal(1, await OccurrencesAsync(id));
        var tuesday = await Broadcasting.MessagesAsync(app, id);
        Assert.Equal(new[] { first.Phone, second.Phone }.Order(), tuesday.Select(m => m.Recipient));
        Assert.All(tuesday, m => Assert.Equal(new DateTime(2026, 3, 3, 0, 0, 0, DateTimeKind.Utc), m.NotBefore));

        // Wednesday 08:00: the next occurrence; the same text exactly a day later is not "twice within 24 hours".
        app.Clock.SetUtcNow(new DateTimeOffset(2026, 3, 4, 8, 0, 1, Cst).ToUniversalTime());
        await fanOut.FireAsync(id, CancellationToken.None);
        await fanOut.FireAsync(id, CancellationToken.None);

        Assert.Equal(2, await OccurrencesAsync(id));
        var counts = await Broadcasting.CountsAsync(app, id);
        Assert.Equal((4, 0, 0), (counts["planned"], counts["skipped_same_text"], counts["deferred"]));
        var report = await Broadcasting.GetAsync(app, id);
        Assert.Equal("scheduled", report.GetProperty("status").GetString());
        Assert.Equal(2, report.GetProperty("occurrences").GetArrayLength());

        // Canceled: the recurring job is gone and a stray firing sends nothing.
        Assert.Equal(HttpStatusCode.OK, (await app.AdminClient(BroadcastApp.ApproverToken).PostAsync($"/api/broadcasts/{id}/cancel", null)).StatusCode);
        Assert.False(app.Services.GetRequiredService<ScheduleBroadcast>().IsRecurringJobRegistered(id));
        app.Clock.SetUtcNow(new DateTimeOffset(2026, 3, 5, 8, 0, 1, Cst).ToUniversalTime());
        await fanOut.FireAsync(id, CancellationToken.None);
        Assert.Equal(2, await OccurrencesAsync(id));
    }
}
