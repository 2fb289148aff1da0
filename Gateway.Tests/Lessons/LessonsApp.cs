using Gateway.Delivery;
using Gateway.Hosting;
using Gateway.Lessons;
using Gateway.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Lessons;

/// <summary>
/// The gateway with signed Twilio SMS and English replies by default, plus what lesson tests need: run the planner
/// on the fake clock, move the clock to a city time, read what was queued for a number.
/// </summary>
public class LessonsApp : TwilioWebhookApp
{
    protected override void Configure(Dictionary<string, string?> settings)
    {
        base.Configure(settings);
        settings["DEFAULT_LANGUAGE"] = "en";
        // Tests walk whole courses by NEXT within one day of the fake clock; the daily limit has tests of its own
        // (LessonsAskedLimitTests, at the default).
        settings["LESSONS_ASKED_PER_DAY"] = "100";
    }

    public CourseCatalog Courses => Services.GetRequiredService<CourseCatalog>();

    public DailyTips Tips => Services.GetRequiredService<DailyTips>();

    public TimeZoneInfo Zone => Services.GetRequiredService<IOptions<GatewayOptions>>().Value.CityTimeZone;

    /// <summary>One run of the recurring planner, as Hangfire would start it, at the fake clock's time.</summary>
    public Task RunPlannerAsync() => Services.GetRequiredService<QueueLessonsAndTipsJob>().RunAsync(CancellationToken.None);

    /// <summary>City time now.</summary>
    public DateTime LocalNow => TimeZoneInfo.ConvertTime(Clock.GetUtcNow(), Zone).DateTime;

    /// <summary>Moves the clock forward to the next moment the city clock shows <paramref name="local"/> (never backwards).</summary>
    public void AdvanceTo(TimeOnly local)
    {
        var now = LocalNow;
        var target = DateOnly.FromDateTime(now).ToDateTime(local);
        if (target <= now) target = target.AddDays(1);
        Clock.SetUtcNow(CityTime.ToInstant(target, Zone));
    }

    /// <summary>Moves the clock forward to <paramref name="local"/> on <paramref name="days"/> days from today.</summary>
    public void AdvanceToDay(int days, TimeOnly local)
    {
        var target = DateOnly.FromDateTime(LocalNow).AddDays(days).ToDateTime(local);
        Assert.True(target > LocalNow, $"{target} is not after {LocalNow}");
        Clock.SetUtcNow(CityTime.ToInstant(target, Zone));
    }

    public sealed record Queued(long Id, string Body, string Kind, short Priority, string Status, string? DedupeKey, DateTime CreatedAt, DateTime ExpiresAt);

    /// <summary>Every outbound row for <paramref name="phone"/>, oldest first.</summary>
    public Task<IReadOnlyList<Queued>> QueuedForAsync(string phone) => QueryAsync<Queued>(
        "SELECT id, body, kind, priority, status, dedupe_key, created_at, expires_at FROM outbound_messages WHERE recipient = @phone ORDER BY id", new { phone });

    /// <summary>Lessons and completions (not replies or tips) queued for <paramref name="phone"/>.</summary>
    public async Task<IReadOnlyList<Queued>> LessonsForAsync(string phone) =>
        (await QueuedForAsync(phone)).Where(q => q.Kind is LessonKinds.Lesson or LessonKinds.CourseCompletion).ToList();

    /// <summary>What a delivery report would do: the row ends with <paramref name="status"/>.</summary>
    public async Task SetStatusAsync(long id, string status)
    {
        await using var conn = await OpenDatabaseAsync();
        await Dapper.SqlMapper.ExecuteAsync(conn, "UPDATE outbound_messages SET status = @status, status_at = now() WHERE id = @id", new { id, status });
    }

    /// <summary>Hands everything due to the simulator, as the worker's dispatcher would.</summary>
    public Task DispatchAsync() => Services.GetRequiredService<Dispatcher>().DispatchOnceAsync(CancellationToken.None);

    public string Lesson(string course, int n, string language = "en") => Courses.Find(course)!.Lesson(n, language);
}
