using Gateway.Broadcasts;
using Gateway.Delivery;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.Broadcasts;

/// <summary>The guard as other producers (daily tips, scheduled lessons) call it for one message.</summary>
public sealed class FrequencyGuardTests(BroadcastApp app) : IClassFixture<BroadcastApp>
{
    private FrequencyGuard Guard => app.Services.GetRequiredService<FrequencyGuard>();

    private async Task<long> SubscriberIdAsync(string phone) => await app.QuerySingleAsync<long>("SELECT id FROM subscribers WHERE phone = @phone", new { phone });

    private async Task QueueAsync(string phone, string body, DateTimeOffset at, MessagePriority priority = MessagePriority.Bulk, string kind = MessageKinds.Tip)
    {
        await using var conn = await app.OpenDatabaseAsync();
        await app.Services.GetRequiredService<Outbox>().EnqueueAsync(conn, null,
            new OutboundMessage(phone, body, kind, priority) { SubscriberId = await SubscriberIdAsync(phone), NotBefore = at }, CancellationToken.None);
    }

    private async Task<GuardVerdict> CheckAsync(string phone, string body, DateTimeOffset due)
    {
        await using var conn = await app.OpenDatabaseAsync();
        return await Guard.CheckAsync(conn, null, await SubscriberIdAsync(phone), due, body, CancellationToken.None);
    }

    [Fact]
    public async Task ThreeBulkMessagesADay_TheFourthWaits24HoursAfterTheLatest_RepliesNeverCount()
    {
        var phone = Broadcasting.NewPhone();
        await Broadcasting.SeedAsync(app, Broadcasting.NewRegion(), new Resident(phone));
        var now = app.Clock.GetUtcNow();
        await QueueAsync(phone, "Tip one", now.AddHours(-20));
        await QueueAsync(phone, "Tip two", now.AddHours(-2));
        await QueueAsync(phone, "Thanks, you joined", now, MessagePriority.Critical, MessageKinds.Confirmation);
        await QueueAsync(phone, "Lesson 3 (asked for with NEXT)", now, MessagePriority.Normal, MessageKinds.Lesson);

        Assert.Equal(new GuardVerdict(false, now), await CheckAsync(phone, "Tip three", now));

        await QueueAsync(phone, "Tip three", now);
        var fourth = await CheckAsync(phone, "Tip four", now);
        Assert.True(fourth.Deferred(now));
        Assert.Equal(now.AddHours(24), fourth.SendAt);

        Assert.True((await CheckAsync(phone, "Tip two", now)).SameText);
        // A canceled message does not count.
        await app.QuerySingleAsync<int>("UPDATE outbound_messages SET status = 'canceled' WHERE body = 'Tip one' AND recipient = @phone RETURNING 1", new { phone });
        Assert.Equal(new GuardVerdict(false, now), await CheckAsync(phone, "Tip four", now));
    }

    [Fact]
    public async Task ADeferredMessage_WaitsForTheEndOfQuietHours()
    {
        var phone = Broadcasting.NewPhone();
        await Broadcasting.SeedAsync(app, Broadcasting.NewRegion(), new Resident(phone));
        var cst = TimeSpan.FromHours(8);
        var day = app.Clock.GetUtcNow().ToOffset(cst).Date.AddDays(2);
        // Three urgent notices at 21:10 city time; another message due at 21:15 would go 24 hours later, at night.
        for (var i = 0; i < 3; i++)
            await QueueAsync(phone, $"Urgent {i}", new DateTimeOffset(day.AddHours(21).AddMinutes(10), cst).ToUniversalTime(), MessagePriority.Normal, MessageKinds.Broadcast);

        var verdict = await CheckAsync(phone, "Notice", new DateTimeOffset(day.AddHours(21).AddMinutes(15), cst).ToUniversalTime());

        Assert.Equal(new DateTimeOffset(day.AddDays(2).AddHours(8), cst), verdict.SendAt);
    }
}
