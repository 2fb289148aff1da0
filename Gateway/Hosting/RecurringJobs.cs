using Hangfire;

namespace Gateway.Hosting;

/// <summary>Every recurring job in one short table. Registered by whichever process runs the Hangfire server.</summary>
public static class RecurringJobs
{
    public static void Register(IRecurringJobManager jobs)
    {
        jobs.AddOrUpdate<Ussd.PurgeUssdSessionsJob>("ussd:purge-sessions", j => j.RunAsync(CancellationToken.None), Cron.Hourly());
        jobs.AddOrUpdate<Inbound.FinishUnhandledMessages>(Inbound.FinishUnhandledMessages.JobId, j => j.RunAsync(CancellationToken.None), Cron.Minutely());
        jobs.AddOrUpdate<Broadcasts.SettleBroadcasts>(Broadcasts.SettleBroadcasts.JobId, j => j.RunAsync(CancellationToken.None), Cron.Minutely());
        jobs.AddOrUpdate<Broadcasts.HoldForQuietHours>(Broadcasts.HoldForQuietHours.JobId, j => j.RunAsync(CancellationToken.None), Cron.Minutely());
    }
}
