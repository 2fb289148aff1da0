using Gateway.Data;
using Npgsql;

namespace Gateway.Hosting;

/// <summary>
/// In the web process: a warning in the log once a minute while no worker is alive (<see cref="WorkerLiveness"/>), so
/// that an operator reading the logs learns why broadcasts stay approved and queued messages are not sent.
/// </summary>
public sealed class WorkerWatch(WorkerLiveness liveness, DatabaseReadiness readiness, ILogger<WorkerWatch> log) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await readiness.WaitAsync(stoppingToken);
        // A worker starting beside this process has had a whole interval to send its first heartbeat.
        using var timer = new PeriodicTimer(Interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
            await CheckAsync(stoppingToken);
    }

    /// <summary>One look: whether a worker is alive, with the warning logged when none is.</summary>
    internal async Task<bool> CheckAsync(CancellationToken ct)
    {
        try
        {
            if ((await liveness.ReadAsync(ct)).Count > 0) return true;
            log.LogWarning("No worker is alive (no Hangfire heartbeat in the last {Window}): broadcasts are not fanned out and queued messages " +
                "are not sent. Start Gateway.Worker (or set WORKER_IN_PROCESS=true).", WorkerLiveness.Window);
        }
        catch (NpgsqlException e)
        {
            log.LogWarning("Cannot tell whether a worker is alive: {Error}", e.Message);
        }
        return false;
    }
}
