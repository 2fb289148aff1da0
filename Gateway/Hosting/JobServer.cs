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

    /// <summary>Longest pause between two tries at registering the recurring jobs while the database is away.</summary>
    private static readonly TimeSpan MaxRegisterPause = TimeSpan.FromSeconds(15);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await readiness.WaitAsync(stoppingToken);
        await RegisterRecurringJobsAsync(stoppingToken);

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

    // Registering takes a Hangfire lock and writes per job (synchronously): the database may go away meanwhile (it is
    // ready a moment before, not necessarily still). An exception out of ExecuteAsync stops the whole host, dispatcher
    // included (BackgroundServiceExceptionBehavior.StopHost): a worker started just before a PostgreSQL crash then never
    // sent again (issue 20's db-down-inbound miss). So it tries again until the database answers, as DatabaseStartup does.
    private async Task RegisterRecurringJobsAsync(CancellationToken stoppingToken)
    {
        var pause = TimeSpan.FromSeconds(1);
        while (true)
        {
            try
            {
                RecurringJobs.Register(recurring);
                return;
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                log.LogWarning("Could not register the recurring jobs ({Error}); trying again in {Pause} s", e.Message, pause.TotalSeconds);
                await Task.Delay(pause, stoppingToken);
                pause = TimeSpan.FromTicks(Math.Min(MaxRegisterPause.Ticks, pause.Ticks * 2));
            }
        }
    }
}
