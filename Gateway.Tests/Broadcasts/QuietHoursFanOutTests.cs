using System.Net.Http.Json;
using System.Text.Json;
using Gateway.Broadcasts;
using Gateway.Delivery;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.Broadcasts;

/// <summary>Quiet hours (21:00-08:00 city time) with the fake clock moved into the night and out of it again.</summary>
public sealed class QuietHoursFanOutTests(BroadcastApp app) : IClassFixture<BroadcastApp>
{
    private static readonly TimeSpan Cst = TimeSpan.FromHours(8);

    private Dispatcher Dispatcher => app.Services.GetRequiredService<Dispatcher>();

    /// <summary>Moves the clock to the next time the city's clock shows hh:mm (the tests of this class share the clock).</summary>
    private DateTimeOffset MoveClockTo(int hour, int minute, int second = 0)
    {
        var now = app.Clock.GetUtcNow().ToOffset(Cst);
        var at = new DateTimeOffset(now.Date.AddHours(hour).AddMinutes(minute).AddSeconds(second), Cst);
        if (at <= now) at = at.AddDays(1);
        app.Clock.SetUtcNow(at.ToUniversalTime());
        return at;
    }

    private Task<int> SentToAsync(string phone) => app.QuerySingleAsync<int>("SELECT count(*) FROM simulator_messages WHERE to_phone = @phone", new { phone });

    [Fact]
    public async Task AtNight_ANotice_WaitsUntil0800_AnUrgentOneGoesAtOnce()
    {
        var night = MoveClockTo(22, 30);
        var morning = new DateTimeOffset(night.Date.AddDays(1).AddHours(8), Cst);
        var region = Broadcasting.NewRegion();
        Resident first = new(Broadcasting.NewPhone()), second = new(Broadcasting.NewPhone(), "en");
        await Broadcasting.SeedAsync(app, region, first, second);
        var body = new { title = "Night", content = new { zh = "夜间通知。", en = "Night notice." }, audience = new { regions = new[] { region } } };

        var preview = JsonDocument.Parse(await (await app.AdminClient().PostAsJsonAsync("/api/broadcasts/preview", body)).Content.ReadAsStringAsync()).RootElement;
        Assert.True(preview.GetProperty("heldForQuietHours").GetBoolean());
        Assert.Equal(morning, preview.GetProperty("sendsAt").GetDateTimeOffset());

        var id = await Broadcasting.SendAsync(app, body);
        var urgent = await Broadcasting.SendAsync(app, new
        {
            title = "Urgent", urgent = true, content = new { zh = "紧急通知：请留在家中。", en = "Urgent: stay at home." }, audience = new { regions = new[] { region } },
        });
        await Dispatcher.DispatchOnceAsync(CancellationToken.None);

        var held = await Broadcasting.MessagesAsync(app, id);
        Assert.All(held, m => Assert.Equal(morning.UtcDateTime, m.NotBefore));
        Assert.All(held, m => Assert.Equal(OutboundStatus.Queued, m.Status));
        var counts = await Broadcasting.CountsAsync(app, id);
        Assert.Equal((2, 2, 0), (counts["planned"], counts["skipped_quiet_hours"], counts["sent"]));
        Assert.All(await Broadcasting.MessagesAsync(app, urgent), m => Assert.Equal(OutboundStatus.Sent, m.Status));
        Assert.Equal((1, 1), (await SentToAsync(first.Phone), await SentToAsync(second.Phone)));

        MoveClockTo(8, 0);
        await Dispatcher.DispatchOnceAsync(CancellationToken.None);
        Assert.Equal(2, (await Broadcasting.CountsAsync(app, id))["sent"]);
        Assert.Equal((2, 2), (await SentToAsync(first.Phone), await SentToAsync(second.Phone)));
    }

    [Fact]
    public async Task BulkMessagesStillQueuedWhenQuietHoursBegin_WaitForTheMorning_KeepingTheirValidity()
    {
        var evening = MoveClockTo(20, 59);
        var region = Broadcasting.NewRegion();
        Resident resident = new(Broadcasting.NewPhone());
        await Broadcasting.SeedAsync(app, region, resident);
        var id = await Broadcasting.SendAsync(app, new { title = "Late", content = new { zh = "傍晚通知。" }, audience = new { regions = new[] { region } } });
        var hold = app.Services.GetRequiredService<HoldForQuietHours>();

        Assert.Equal(0, await hold.RunAsync(CancellationToken.None));
        MoveClockTo(21, 0, 30);
        Assert.True(await hold.RunAsync(CancellationToken.None) >= 1);
        await Dispatcher.DispatchOnceAsync(CancellationToken.None);

        var message = Assert.Single(await Broadcasting.MessagesAsync(app, id));
        Assert.Equal(OutboundStatus.Queued, message.Status);
        Assert.Equal(new DateTimeOffset(evening.Date.AddDays(1).AddHours(8), Cst).UtcDateTime, message.NotBefore);
        Assert.Equal(message.NotBefore.AddHours(4), message.ExpiresAt);
        Assert.Equal(0, await SentToAsync(resident.Phone));
    }

    [Fact]
    public async Task ALessonValidOnlyUntilQuietHours_IsNotHeld_ButExpires()
    {
        var evening = MoveClockTo(20, 59);
        var phone = Broadcasting.NewPhone();
        long id;
        await using (var conn = await app.OpenDatabaseAsync())
            id = (await app.Services.GetRequiredService<Outbox>().EnqueueAsync(conn, null,
                new OutboundMessage(phone, "Lesson 3/9: wash hands. Reply NEXT, STOP to end.", MessageKinds.Lesson, MessagePriority.Bulk)
                {
                    NotBefore = evening,
                    ExpiresAt = new DateTimeOffset(evening.Date.AddHours(21), Cst),
                }, CancellationToken.None))!.Value;

        // Not sent before 21:00 (the dispatcher was busy): the hold job must not carry it into tomorrow.
        MoveClockTo(21, 0, 30);
        await app.Services.GetRequiredService<HoldForQuietHours>().RunAsync(CancellationToken.None);
        await Dispatcher.DispatchOnceAsync(CancellationToken.None);

        Assert.Equal(OutboundStatus.Expired, await app.QuerySingleAsync<string>("SELECT status FROM outbound_messages WHERE id = @id", new { id }));
        Assert.Equal(0, await SentToAsync(phone));
    }
}
