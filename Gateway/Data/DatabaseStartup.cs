using Npgsql;

namespace Gateway.Data;

/// <summary>
/// Something a slice writes into the database at every start-up, once the schema is up and before the process is
/// ready: what follows from this process's settings (Delivery's SMS_ROUTES as a database function).
/// </summary>
public interface IStartupSchemaStep
{
    Task ApplyAsync(NpgsqlDataSource db, CancellationToken ct);
}

/// <summary>
/// Brings the schema up at start-up and keeps retrying while the database is unreachable,
/// instead of crashing or running degraded: /health/ready says "not ready" until it succeeds.
/// </summary>
public sealed class DatabaseStartup(DatabaseMigrator migrator, IEnumerable<IStartupSchemaStep> steps, NpgsqlDataSource db, DatabaseReadiness readiness,
    ILogger<DatabaseStartup> log) : BackgroundService
{
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(15);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromSeconds(1);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await migrator.MigrateAsync(stoppingToken);
                foreach (var step in steps)
                    await step.ApplyAsync(db, stoppingToken);
                readiness.MarkReady();
                log.LogInformation("Database schema is up to date");
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                readiness.MarkFailed(e.Message);
                log.LogWarning("Database not ready ({Error}); retrying in {Delay}s", e.Message, delay.TotalSeconds);
                await Task.Delay(delay, stoppingToken);
                delay = TimeSpan.FromTicks(Math.Min(MaxDelay.Ticks, delay.Ticks * 2));
            }
        }
    }
}
