using Hangfire;

namespace Gateway.Lessons;

/// <summary>
/// The recurring planner (Hosting/RecurringJobs.cs, every 5 minutes): queues the lessons and tips that are due, each
/// kind with one set-based statement for everyone (never one job per learner), through the outbound queue. Runs are
/// safe to repeat or overlap: each message is queued at most once per learner per city date (see
/// <see cref="QueueDueLessons"/> and <see cref="QueueDailyTips"/>), so a retried or doubled run, or one after a restart,
/// sends nothing twice; a run missed while no worker was up is simply made good by the next one (catching up the
/// same day, never at night). The time of day comes from the clock, not from the cron, so time zones and daylight
/// saving only matter in <see cref="DailySchedule"/>.
/// </summary>
public sealed class QueueLessonsAndTipsJob(QueueDueLessons lessons, QueueDailyTips tips, TimeProvider clock, ILogger<QueueLessonsAndTipsJob> log)
{
    public const string JobId = "lessons:queue-due";

    /// <summary>Every 5 minutes (UTC cron): lesson 1 reaches someone who joins after their hour within minutes.</summary>
    public const string Cron = "*/5 * * * *";

    [DisableConcurrentExecution(timeoutInSeconds: 300)]
    [AutomaticRetry(Attempts = 0)]   // it runs again in 5 minutes anyway
    public async Task RunAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var (queued, completions) = await lessons.RunAsync(now, ct);
        var tipCount = await tips.RunAsync(now, ct);
        if (queued + tipCount > 0)
            log.LogInformation("Queued {Lessons} lessons ({Completions} course completions) and {Tips} daily tips", queued, completions, tipCount);
    }
}
