using Hangfire;

namespace Gateway.Hosting;

/// <summary>Every recurring job in one short table. Registered by whichever process runs the Hangfire server.</summary>
public static class RecurringJobs
{
    public static void Register(IRecurringJobManager jobs)
    {
        jobs.AddOrUpdate<Ussd.PurgeUssdSessionsJob>("ussd:purge-sessions", j => j.RunAsync(CancellationToken.None), Cron.Hourly());
        jobs.AddOrUpdate<Inbound.FinishUnhandledMessages>(Inbound.FinishUnhandledMessages.JobId, j => j.RunAsync(CancellationToken.None), Cron.Minutely());
        // The planner reads the city time from the clock, so its cron is plain UTC; a missed run is made good by the next.
        jobs.AddOrUpdate<Lessons.QueueLessonsAndTipsJob>(Lessons.QueueLessonsAndTipsJob.JobId, j => j.RunAsync(CancellationToken.None),
            Lessons.QueueLessonsAndTipsJob.Cron, new RecurringJobOptions { TimeZone = TimeZoneInfo.Utc, MisfireHandling = MisfireHandlingMode.Relaxed });
        jobs.AddOrUpdate<Broadcasts.SettleBroadcasts>(Broadcasts.SettleBroadcasts.JobId, j => j.RunAsync(CancellationToken.None), Cron.Minutely());
        jobs.AddOrUpdate<Dashboard.CompactTallies>(Dashboard.CompactTallies.JobId, j => j.RunAsync(CancellationToken.None), Cron.Minutely());
        jobs.AddOrUpdate<Imports.DiscardStaleImports>(Imports.DiscardStaleImports.JobId, j => j.RunAsync(CancellationToken.None), Cron.Hourly());
        jobs.AddOrUpdate<Support.CounsellingTimers>(Support.CounsellingTimers.JobId, j => j.RunAsync(CancellationToken.None), Cron.Minutely());
        jobs.AddOrUpdate<Broadcasts.HoldForQuietHours>(Broadcasts.HoldForQuietHours.JobId, j => j.RunAsync(CancellationToken.None), Cron.Minutely());
    }
}
