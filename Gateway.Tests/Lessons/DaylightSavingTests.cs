using Gateway.Delivery;
using Gateway.Tests.Support;

namespace Gateway.Tests.Lessons;

/// <summary>
/// Lessons and tips in a city with daylight saving (America/New_York), the planner run every 20 minutes of the fake
/// clock across the spring-forward day (2026-03-08: 02:00 EST becomes 03:00 EDT) and the fall-back day (2026-11-01:
/// 02:00 EDT becomes 01:00 EST, so 01:00-01:59 happens twice). Learners at 01:00 (the repeated hour), 02:00 (the
/// skipped hour) and 08:00 (an ordinary one) get exactly one lesson and one tip per city date, at their local hour,
/// or at the first local time after it when it does not exist. Quiet hours are 22:00-00:00 here so night hours can be chosen.
/// </summary>
public sealed class DaylightSavingTests(DaylightSavingTests.NewYorkApp app) : IClassFixture<DaylightSavingTests.NewYorkApp>
{
    public sealed class NewYorkApp : LessonsApp
    {
        protected override void Configure(Dictionary<string, string?> settings)
        {
            base.Configure(settings);
            settings["TIME_ZONE"] = "America/New_York";
            settings["QUIET_HOURS"] = "22:00-00:00";
        }
    }

    private readonly TwilioSms _sms = new(app);

    private static readonly (string Phone, int Hour)[] Learners = [("+12125550101", 1), ("+12125550102", 2), ("+12125550108", 8)];

    /// <summary>Runs the planner every 20 minutes from 00:00 local on <paramref name="first"/> for <paramref name="days"/> days.</summary>
    private async Task RunEveryTwentyMinutesAsync(DateOnly first, int days)
    {
        var from = Gateway.Lessons.CityTime.ToInstant(first.ToDateTime(TimeOnly.MinValue), app.Zone);
        var until = Gateway.Lessons.CityTime.ToInstant(first.AddDays(days).ToDateTime(TimeOnly.MinValue), app.Zone);
        for (var t = from; t < until; t += TimeSpan.FromMinutes(20))
        {
            app.Clock.SetUtcNow(t);
            await app.RunPlannerAsync();
        }
    }

    /// <summary>City date and local time of every lesson or tip queued for the number.</summary>
    private async Task<List<(string Date, string Time, string Kind, DateTime Utc)>> SentAsync(string phone) =>
        (await app.QueuedForAsync(phone)).Where(q => q.Kind is "lesson" or "tip").Select(q =>
        {
            var local = TimeZoneInfo.ConvertTime(new DateTimeOffset(q.CreatedAt, TimeSpan.Zero), app.Zone);
            return (local.ToString("yyyy-MM-dd"), local.ToString("HH:mm zzz"), q.Kind, q.CreatedAt);
        }).ToList();

    [Fact]
    public async Task AcrossBothChanges_OneLessonAndOneTipPerCityDate_AtTheLocalHour()
    {
        foreach (var (phone, hour) in Learners)
        {
            await _sms.SendAsync(phone, "JOIN 11");
            await _sms.SendAsync(phone, "JOIN 2");
            Assert.StartsWith($"Your daily tip and lessons will come at {hour}:00", await _sms.SendAsync(phone, $"TIME {hour}"));
        }

        await RunEveryTwentyMinutesAsync(new DateOnly(2026, 3, 7), 3);
        await RunEveryTwentyMinutesAsync(new DateOnly(2026, 10, 31), 3);

        var expected = new Dictionary<int, string[]>
        {
            // Saturday (EST), the spring-forward Sunday, Monday (EDT); then Saturday (EDT), the fall-back Sunday, Monday (EST).
            [1] = ["01:00 -05:00", "01:00 -05:00", "01:00 -04:00", "01:00 -04:00", "01:00 -04:00", "01:00 -05:00"],
            [2] = ["02:00 -05:00", "03:00 -04:00", "02:00 -04:00", "02:00 -04:00", "02:00 -05:00", "02:00 -05:00"],
            [8] = ["08:00 -05:00", "08:00 -04:00", "08:00 -04:00", "08:00 -04:00", "08:00 -05:00", "08:00 -05:00"],
        };
        string[] dates = ["2026-03-07", "2026-03-08", "2026-03-09", "2026-10-31", "2026-11-01", "2026-11-02"];
        foreach (var (phone, hour) in Learners)
        {
            var sent = await SentAsync(phone);
            foreach (var kind in new[] { "lesson", "tip" })
            {
                var mine = sent.Where(s => s.Kind == kind).ToList();
                Assert.Equal(dates, mine.Select(s => s.Date));
                Assert.Equal(expected[hour], mine.Select(s => s.Time));
            }
            // Lesson n on the n-th day the planner ran, whatever the clock did.
            Assert.Equal(Enumerable.Range(1, 6).Select(n => app.Lesson("hygiene-kids", n)),
                (await app.LessonsForAsync(phone)).Select(l => l.Body));
        }

        // The fall-back hour: the 01:00 learner got theirs at the first 01:00 (05:00 UTC), not again an hour later.
        var fallBack = (await SentAsync("+12125550101")).Where(s => s.Date == "2026-11-01").ToList();
        Assert.All(fallBack, s => Assert.Equal(new DateTime(2026, 11, 1, 5, 0, 0), s.Utc));
        // Expiry: the end of the allowed window, 22:00 local.
        var lesson = (await app.LessonsForAsync("+12125550102")).First(l => l.CreatedAt == new DateTime(2026, 3, 8, 7, 0, 0));
        Assert.Equal(new DateTime(2026, 3, 9, 2, 0, 0), lesson.ExpiresAt);
        Assert.Equal((short)MessagePriority.Bulk, lesson.Priority);
    }
}
