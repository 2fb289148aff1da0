using Dapper;
using Npgsql;

namespace Gateway.Hosting;

/// <summary>A worker process whose Hangfire server sent a heartbeat lately.</summary>
public sealed record LiveWorker(string Name, DateTime LastHeartbeat);

/// <summary>
/// Which workers are alive: Hangfire servers (Gateway.Worker, or the web process with WORKER_IN_PROCESS) whose last
/// heartbeat is within <see cref="Window"/>. Each worker runs the dispatcher beside its Hangfire server, so a gateway with
/// none alive neither fans out broadcasts nor sends anything queued. A stopped worker removes its server row; a killed
/// one stops beating and drops out of the window. Read with the database's clock, as Hangfire writes it.
/// </summary>
public sealed class WorkerLiveness(NpgsqlDataSource db)
{
    /// <summary>Heartbeats come every <see cref="JobServer.HeartbeatInterval"/>; this allows for two missed ones.</summary>
    public static readonly TimeSpan Window = JobServer.HeartbeatInterval * 3;

    private const string LiveSql = $"""
        SELECT id AS name, lastheartbeat AS last_heartbeat
          FROM {Data.DatabaseMigrator.HangfireSchema}.server
         WHERE lastheartbeat > now() - @Window
         ORDER BY id
        """;

    public async Task<IReadOnlyList<LiveWorker>> ReadAsync(CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return (await conn.QueryAsync<LiveWorker>(new CommandDefinition(LiveSql, new { Window }, cancellationToken: ct))).AsList();
    }
}
