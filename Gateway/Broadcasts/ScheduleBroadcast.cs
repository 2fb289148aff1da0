using Gateway.Hosting;
using Hangfire;
using Microsoft.Extensions.Options;

namespace Gateway.Broadcasts;

/// <summary>
/// Hangfire's part: when an approved broadcast starts. A one-off broadcast gets a delayed job (or an immediate one)
/// running <see cref="FanOutBroadcast.StartAsync"/>; a recurring one a recurring job in the city's time zone running
/// <see cref="FanOutBroadcast.FireAsync"/>. Hangfire only says "now"; whether an occurrence was already sent is decided
/// by the database (broadcast_occurrences), so a job that runs twice sends nothing twice.
/// </summary>
public sealed class ScheduleBroadcast(IBackgroundJobClient jobs, IRecurringJobManager recurring, JobStorage storage,
    IOptions<GatewayOptions> gateway, TimeProvider clock)
{
    public static string RecurringJobId(long broadcastId) => $"broadcast:{broadcastId}";

    /// <summary>Schedules the start; returns the delayed job's id for a one-off broadcast (to delete it on cancel).</summary>
    public string? Start(Broadcast broadcast)
    {
        if (broadcast.IsRecurring)
        {
            recurring.AddOrUpdate<FanOutBroadcast>(RecurringJobId(broadcast.Id), job => job.FireAsync(broadcast.Id, CancellationToken.None),
                broadcast.RepeatCron!, new RecurringJobOptions { TimeZone = gateway.Value.CityTimeZone, MisfireHandling = MisfireHandlingMode.Relaxed });
            return null;
        }
        // The delay is taken on our clock; Hangfire counts it on its own.
        var delay = broadcast.StartAt - clock.GetUtcNow();
        return delay > TimeSpan.Zero
            ? jobs.Schedule<FanOutBroadcast>(job => job.StartAsync(broadcast.Id, CancellationToken.None), delay)
            : jobs.Enqueue<FanOutBroadcast>(job => job.StartAsync(broadcast.Id, CancellationToken.None));
    }

    /// <summary>Removes what would start the broadcast again. Jobs already running see the canceled status and stop.</summary>
    public void Stop(Broadcast broadcast)
    {
        if (broadcast.StartJobId is { } jobId) jobs.Delete(jobId);
        if (broadcast.IsRecurring) recurring.RemoveIfExists(RecurringJobId(broadcast.Id));
    }

    /// <summary>True when Hangfire holds the recurring job of this broadcast.</summary>
    public bool IsRecurringJobRegistered(long broadcastId)
    {
        using var connection = storage.GetConnection();
        return connection.GetAllEntriesFromHash($"recurring-job:{RecurringJobId(broadcastId)}") is { Count: > 0 };
    }
}
