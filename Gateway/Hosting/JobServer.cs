using Gateway.Data;
using Hangfire;

namespace Gateway.Hosting;

/// <summary>
/// Runs the Hangfire server once the database is migrated. Hangfire only orchestrates (fan-outs, recurring
/// planners); messages are sent by the dispatcher, never one job per message (performance.md §0).
/// </summary>
public sealed class JobServer(JobStorage storage, JobActivator activator, DatabaseReadiness readiness,
    IRecurringJobManager recurring, ILogger<JobServer> log) : BackgroundService
{
    /// <summary>Queues by latency: replies before everything, bulk fan-out last.</summary>
    public static readonly string[] Queues = ["critical", "default", "bulk"];

    /// <summary>How often the server says it is alive (Hangfire's default is 30 s); <see cref="WorkerLiveness"/> reads it.</summary>
    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(15);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await readiness.WaitAsync(stoppingToken);
        RecurringJobs.Register(recurring);

        using var server = new BackgroundJobServer(new BackgroundJobServerOptions
        {
            Queues = Queues,
            // Jobs do their I/O asynchronously in batches; a few workers are plenty on two cores.
            WorkerCount = Math.Clamp(Environment.ProcessorCount * 2, 2, 8),
            Activator = activator,
            ServerName = $"{Environment.MachineName}:{Environment.ProcessId}",
            HeartbeatInterval = HeartbeatInterval,
        }, storage);
        log.LogInformation("Hangfire server started (queues {Queues})", string.Join(", ", Queues));
        try
        {
            await Task.Delay(Timeout.Infinite, stoppingToken);
        }
        catch (OperationCanceledException)
        {
            server.SendStop();
        }
    }
}
