using Gateway.Delivery;
using Gateway.Lessons;
using Gateway.Templates;
using Gateway.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Gateway.Tests.Lessons;

/// <summary>
/// The daily tip over weeks of the fake clock: everyone on the tips topic gets one a day at their hour, each subscriber
/// going through the whole pool before any tip comes again, whatever days they missed and however the pool changed.
/// </summary>
public sealed class TipRotationTests(LessonsApp app) : IClassFixture<LessonsApp>
{
    private readonly TwilioSms _sms = new(app);

    private static readonly TimeOnly Eight = new(8, 0);

    private async Task<List<string>> TipsForAsync(string phone) =>
        (await app.QueuedForAsync(phone)).Where(q => q.Kind == MessageKinds.Tip).Select(q => q.Body).ToList();

    private Task<int> CycleAsync(string phone) => app.QuerySingleAsync<int>(
        "SELECT r.cycle FROM tip_rotations r JOIN subscribers s ON s.id = r.subscriber_id WHERE s.phone = @phone", new { phone });

    [Fact]
    public async Task EveryTipOnce_BeforeAnyComesAgain_TheMenusTipOfTheDayForDailyReceivers_AndMissedDaysNeverRepeat()
    {
        const string daily = "+8613740000001", away = "+8613740000002";
        var pool = app.Tips.Tips.Count;
        app.AdvanceTo(new TimeOnly(7, 0));
        await _sms.SendAsync(daily, "JOIN 2");
        await _sms.SendAsync(away, "JOIN tips");
        var expectedDaily = new List<string>();

        for (var day = 1; day <= pool + 5; day++)
        {
            if (day == 6) await _sms.SendAsync(away, "STOP");
            if (day == 16) await _sms.SendAsync(away, "START");
            app.AdvanceTo(Eight);
            await app.RunPlannerAsync();
            await app.RunPlannerAsync();
            expectedDaily.Add(app.Tips.ForDay(DateOnly.FromDateTime(app.LocalNow)).En);
        }

        // Every day: exactly the tip the USSD menu shows that day, the whole pool in the first cycle.
        var dailyTips = await TipsForAsync(daily);
        Assert.Equal(expectedDaily, dailyTips);
        Assert.Equal(pool, dailyTips.Take(pool).Distinct().Count());
        Assert.Equal(2, await CycleAsync(daily));

        // Ten days away: 5 + 33 tips, and not one of them twice, although the last five days' tips of the day are the
        // ones of its first five days (a date rotation would have sent those again instead of the ten it missed).
        var awayTips = await TipsForAsync(away);
        Assert.Equal(pool + 5 - 10, awayTips.Count);
        Assert.Equal(expectedDaily.Take(5), awayTips.Take(5));
        Assert.Equal(expectedDaily.Skip(5).Take(5), awayTips.TakeLast(5));
        Assert.Equal(awayTips.Count, awayTips.Distinct().Count());
        Assert.Equal(1, await CycleAsync(away));
        Assert.All(awayTips, t => Assert.Contains(t, app.Tips.Tips.Select(x => x.En)));
    }

    [Fact]
    public async Task APoolThatChangesMidCycle_StillNeverRepeatsATip_UntilEveryTipWasSent()
    {
        const string phone = "+8613740000003";
        var templates = CourseCatalogTests.CopyTemplates();
        try
        {
            // A new tip at the top of the file: every tip's place (and a date rotation's pick) shifts by one.
            var file = Path.Combine(templates, "tips.yaml");
            File.WriteAllText(file, File.ReadAllText(file).Replace("tips:\n", """
                tips:
                  - zh: "晴天晒被褥，多翻几面，晒好拍一拍再收起来。"
                    en: "On a sunny day air the bedding outside, turn it a few times, then shake it out before you bring it in."

                """));
            var grown = new DailyTips(templates);
            Assert.Equal(app.Tips.Tips.Count + 1, grown.Tips.Count);
            var queueGrown = new QueueDailyTips(app.Services.GetRequiredService<NpgsqlDataSource>(), grown,
                app.Services.GetRequiredService<Outbox>(), app.Services.GetRequiredService<DailySchedule>());

            app.AdvanceTo(new TimeOnly(7, 0));
            await _sms.SendAsync(phone, "JOIN 2");
            for (var day = 1; day <= 10; day++)
            {
                app.AdvanceTo(Eight);
                await app.RunPlannerAsync();
            }
            for (var day = 11; day <= grown.Tips.Count + 1; day++)
            {
                app.AdvanceTo(Eight);
                await queueGrown.RunAsync(app.Clock.GetUtcNow(), CancellationToken.None);
            }

            var tips = await TipsForAsync(phone);
            Assert.Equal(grown.Tips.Count + 1, tips.Count);
            Assert.Equal(grown.Tips.Select(t => t.En).Order(), tips.Take(grown.Tips.Count).Order());
            Assert.Equal(2, await CycleAsync(phone));
        }
        finally
        {
            Directory.Delete(templates, recursive: true);
        }
    }

    [Fact]
    public async Task Tips_GoInTheSubscribersLanguage_OnlyToTheTipsTopic_OncePerDay()
    {
        const string zh = "+8613740000004", notices = "+8613740000005";
        app.AdvanceTo(new TimeOnly(7, 0));
        await _sms.SendAsync(zh, "订阅 每日");
        await _sms.SendAsync(notices, "JOIN 1");
        app.AdvanceTo(Eight);
        await app.RunPlannerAsync();
        app.AdvanceTo(new TimeOnly(20, 55));
        await app.RunPlannerAsync();

        var tip = (await app.QueuedForAsync(zh)).Single();
        Assert.Equal(app.Tips.ForDay(DateOnly.FromDateTime(app.LocalNow)).Zh, tip.Body);
        Assert.Equal((MessageKinds.Tip, (short)MessagePriority.Bulk), (tip.Kind, tip.Priority));
        Assert.Empty(await app.QueuedForAsync(notices));
    }
}
