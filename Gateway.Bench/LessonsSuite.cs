using System.Diagnostics;
using System.Globalization;
using Dapper;
using Gateway.Delivery;
using Gateway.Hosting;
using Gateway.Lessons;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Gateway.Bench;

/// <summary>
/// lessons: the daily planner at 08:00 for a city's learners (performance.md §0: planners are set-based, never one job
/// per learner). A fresh PostgreSQL; N subscribers, each on one course at a random lesson and on the tips topic, all with
/// delivery hour 8.
/// <list type="number">
/// <item>The planner as the recurring job runs it: one statement for every lesson due, one for every tip due.</item>
/// <item>The same planner again a minute later (the 5-minute job with nothing left to do): its cost every run of the day.</item>
/// <item>Baseline, same run: one transaction per learner (lock the enrolment, queue its lesson through Outbox.EnqueueAsync,
/// move it), as a per-learner loop or one job per learner would do it, on fewer learners.</item>
/// </list>
/// </summary>
public static class LessonsSuite
{
    public static readonly BenchSuite Suite = new(
        "the 08:00 planner for N learners (lessons + tips) vs one transaction per learner (options: --learners N --baseline N)",
        RunAsync);

    // 08:00 in Shanghai on a Monday.
    private static readonly DateTimeOffset Eight = new DateTimeOffset(2026, 3, 2, 8, 0, 0, TimeSpan.FromHours(8)).ToUniversalTime();

    private static async Task RunAsync(string[] args)
    {
        var learners = BenchArgs.Option(args, "--learners", 100_000);
        var baselineLearners = BenchArgs.Option(args, "--baseline", 3_000);
        var report = new BenchReport("lessons");
        await using var pg = await BenchDatabase.StartAsync();

        var db = await pg.CreateMigratedAsync("lessons_planner");
        await SeedAsync(db, learners);
        using var host = await StartAsync(db);
        var lessons = host.Services.GetRequiredService<QueueDueLessons>();
        var tips = host.Services.GetRequiredService<QueueDailyTips>();

        BenchArgs.Settle();
        var (before, clock) = (CpuTime.Now(pg.DataDirectory), Stopwatch.StartNew());
        var (queued, _) = await lessons.RunAsync(Eight, CancellationToken.None);
        var lessonTime = clock.Elapsed;
        var tipCount = await tips.RunAsync(Eight, CancellationToken.None);
        var total = clock.Elapsed;
        var after = CpuTime.Now(pg.DataDirectory);
        report.Add("planner at 08:00: lessons", $"{queued:N0} in {lessonTime.TotalSeconds:F2} s", $"{queued / lessonTime.TotalSeconds:N0} learners/s; one INSERT … SELECT");
        report.Add("planner at 08:00: tips", $"{tipCount:N0} in {(total - lessonTime).TotalSeconds:F2} s", $"{tipCount / (total - lessonTime).TotalSeconds:N0} subscribers/s; one INSERT … SELECT with the rotation pick");
        report.Add("planner at 08:00: CPU per 1k messages", $"{(after.Process - before.Process + after.Postgres - before.Postgres) / (queued + tipCount) * 1000:F3} CPU-s",
            $"bench process {after.Process - before.Process:F1} s, PostgreSQL {after.Postgres - before.Postgres:F1} s");

        clock.Restart();
        var (again, _) = await lessons.RunAsync(Eight.AddMinutes(5), CancellationToken.None);
        var tipsAgain = await tips.RunAsync(Eight.AddMinutes(5), CancellationToken.None);
        report.Add("the next run (nothing left to do)", $"{clock.Elapsed.TotalMilliseconds:N0} ms", $"{again + tipsAgain} queued (must be 0): the cost of each 5-minute run for the rest of the day");

        var baselineDb = await pg.CreateMigratedAsync("lessons_baseline");
        await SeedAsync(baselineDb, baselineLearners);
        using var baselineHost = await StartAsync(baselineDb);
        BenchArgs.Settle();
        clock.Restart();
        var sent = await OneTransactionPerLearnerAsync(baselineHost, baselineDb);
        var perLearner = sent / clock.Elapsed.TotalSeconds;
        report.Add("one transaction per learner", $"{perLearner:N0} learners/s", $"{sent:N0} lessons in {clock.Elapsed.TotalSeconds:F1} s (lessons only)");
        report.Add("planner ÷ one transaction per learner", $"{queued / lessonTime.TotalSeconds / perLearner:F1}×", "lessons");

        await host.StopAsync();
        await baselineHost.StopAsync();
        report.Print();
    }

    private static async Task SeedAsync(string db, int count)
    {
        Console.WriteLine($"[lessons] seeding {count:N0} learners");
        await using var conn = new NpgsqlConnection(db);
        await conn.OpenAsync();
        var now = Eight.AddDays(-1);
        await conn.ExecuteAsync("""
            INSERT INTO subscribers (phone, language, created_at, delivery_hour)
            SELECT '+86139' || lpad(i::text, 8, '0'), CASE WHEN i % 3 = 0 THEN 'en' ELSE 'zh' END, @Now, 8
              FROM generate_series(1, @Count) AS i;
            INSERT INTO subscriptions (subscriber_id, topic, created_at) SELECT id, 'tips', @Now FROM subscribers;
            INSERT INTO enrolments (subscriber_id, course, channel, enrolled_at, next_lesson)
            SELECT id, (ARRAY['hygiene-kids', 'prevention-basics', 'coping-stress', 'home-care'])[id % 4 + 1], 'sms', @Now, 1 + id % 9
              FROM subscribers;
            ANALYZE;
            """, new { Count = count, Now = now }, commandTimeout: 600);
    }

    private static async Task<IHost> StartAsync(string db)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Production" });
        builder.Configuration["DATABASE_URL"] = db;
        builder.Configuration["SIMULATOR_ENABLED"] = "true";
        builder.Configuration["Logging:LogLevel:Default"] = "Warning";
        builder.AddGatewayCore();
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    private sealed record Due(long Id, long SubscriberId, string Phone, string Language, string Course, int NextLesson);

    private const string SelectDueSql = """
        SELECT e.id, e.subscriber_id, s.phone, s.language, e.course, e.next_lesson::int AS next_lesson
          FROM enrolments e JOIN subscribers s ON s.id = e.subscriber_id
         WHERE e.completed_at IS NULL AND e.last_sent_on IS NULL AND s.status = 'active' AND s.delivery_hour = 8
        """;

    // What the planner does per learner, done the obvious way: its own transaction and round trips for each.
    private static async Task<int> OneTransactionPerLearnerAsync(IHost host, string db)
    {
        var outbox = host.Services.GetRequiredService<Outbox>();
        var courses = host.Services.GetRequiredService<CourseCatalog>();
        var source = host.Services.GetRequiredService<NpgsqlDataSource>();
        await using var list = await source.OpenConnectionAsync();
        var due = (await list.QueryAsync<Due>(SelectDueSql)).AsList();
        foreach (var d in due)
        {
            await using var conn = await source.OpenConnectionAsync();
            await using var tx = await conn.BeginTransactionAsync();
            await conn.ExecuteAsync("SELECT 1 FROM enrolments WHERE id = @Id FOR UPDATE", new { d.Id }, tx);
            var id = await outbox.EnqueueAsync(conn, tx, new OutboundMessage(d.Phone, courses.Find(d.Course)!.Lesson(d.NextLesson, d.Language),
                MessageKinds.Lesson, MessagePriority.Bulk) { SubscriberId = d.SubscriberId, DedupeKey = $"lesson:{d.Id}:2026-03-02" }, CancellationToken.None);
            await conn.ExecuteAsync("""
                UPDATE enrolments SET next_lesson = next_lesson + 1, last_lesson = next_lesson, last_message_id = @MessageId,
                       last_sent_at = @Now, last_sent_on = DATE '2026-03-02'
                 WHERE id = @Id
                """, new { d.Id, MessageId = id, Now = Eight }, tx);
            await tx.CommitAsync();
        }
        return due.Count;
    }


}
