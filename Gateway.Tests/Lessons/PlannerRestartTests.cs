using Gateway.Hosting;
using Gateway.Lessons;
using Gateway.Tests.Support;
using Hangfire;
using Hangfire.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Gateway.Tests.Lessons;

/// <summary>
/// The planner is at-least-once (Hangfire) and may run in several workers: two runs at once, and a run by a freshly
/// started worker process on the same database after a restart, queue nothing twice.
/// </summary>
public sealed class PlannerRestartTests(LessonsApp app) : IClassFixture<LessonsApp>
{
    private readonly TwilioSms _sms = new(app);

    private static string Phone(int i) => $"+86137500{i:D5}";

    private Task<IReadOnlyList<(string Recipient, string Kind, int Count)>> PerLearnerAsync() =>
        app.QueryAsync<(string, string, int)>("""
            SELECT recipient, kind, count(*)::int FROM outbound_messages WHERE kind IN ('lesson', 'tip') GROUP BY recipient, kind ORDER BY 1, 2
            """);

    [Fact]
    public async Task TwoRunsAtOnce_ARunAfterARestart_AndACatchUpAfterDowntime_QueueEachLessonAndTipOnce()
    {
        const int learners = 40;
        app.AdvanceTo(new TimeOnly(7, 0));
        for (var i = 0; i < learners; i++)
        {
            await _sms.SendAsync(Phone(i), i % 2 == 0 ? "JOIN 11" : "订阅 13");
            await _sms.SendAsync(Phone(i), "JOIN 2");
        }
        app.AdvanceTo(new TimeOnly(8, 0));

        await Task.WhenAll(app.RunPlannerAsync(), app.RunPlannerAsync(), app.RunPlannerAsync());

        var once = await PerLearnerAsync();
        Assert.Equal(learners * 2, once.Count);
        Assert.All(once, r => Assert.Equal(1, r.Count));
        Assert.Equal(learners, await app.QuerySingleAsync<int>("SELECT count(*)::int FROM enrolments WHERE next_lesson = 2 AND last_lesson = 1"));

        // A worker process started after a crash, on the same database, runs the same job at the same moment.
        await using var worker = new AsyncHost(await WorkerHost.StartAsync(new Dictionary<string, string?>
        {
            ["DATABASE_URL"] = app.ConnectionString,
            ["SMS_PROVIDER"] = "simulator",
        }, dispatcher: false));
        var job = ActivatorUtilities.CreateInstance<QueueLessonsAndTipsJob>(worker.Host.Services, (TimeProvider)app.Clock);
        await job.RunAsync(CancellationToken.None);
        app.Clock.Advance(TimeSpan.FromMinutes(5));
        await job.RunAsync(CancellationToken.None);

        Assert.Equal(once, await PerLearnerAsync());

        // The next day no worker runs from 07:55 until 10:05, across everyone's 08:00: the first run after the restart
        // catches up, once, and a run beside it adds nothing.
        app.AdvanceTo(new TimeOnly(7, 55));
        await job.RunAsync(CancellationToken.None);
        Assert.All(await PerLearnerAsync(), r => Assert.Equal(1, r.Count));
        app.AdvanceTo(new TimeOnly(10, 5));
        await Task.WhenAll(job.RunAsync(CancellationToken.None), app.RunPlannerAsync());
        await job.RunAsync(CancellationToken.None);
        Assert.All(await PerLearnerAsync(), r => Assert.Equal(2, r.Count));
        Assert.Equal(learners, await app.QuerySingleAsync<int>("SELECT count(*)::int FROM enrolments WHERE next_lesson = 3 AND last_lesson = 2"));
    }

    [Fact]
    public void TheRecurringJob_IsRegistered_EveryFiveMinutes_InUtc()
    {
        RecurringJobs.Register(app.Services.GetRequiredService<IRecurringJobManager>());

        using var connection = app.Services.GetRequiredService<JobStorage>().GetConnection();
        var job = connection.GetRecurringJobs().Single(j => j.Id == QueueLessonsAndTipsJob.JobId);
        Assert.Equal(("*/5 * * * *", "UTC"), (job.Cron, job.TimeZoneId));
        Assert.Equal(typeof(QueueLessonsAndTipsJob), job.Job.Type);
    }

    private sealed class AsyncHost(IHost host) : IAsyncDisposable
    {
        public IHost Host => host;

        public async ValueTask DisposeAsync()
        {
            await host.StopAsync();
            host.Dispose();
        }
    }
}
