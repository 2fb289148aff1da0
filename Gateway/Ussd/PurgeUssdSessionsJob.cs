using Dapper;
using Npgsql;

namespace Gateway.Ussd;

/// <summary>
/// Deletes USSD sessions a day after their last step: they hold the number and what was on screen, and nothing needs
/// them after the 5-minute resume window (a day leaves time to look into a complaint). Safe to run twice.
/// </summary>
public sealed class PurgeUssdSessionsJob(NpgsqlDataSource db, TimeProvider clock, ILogger<PurgeUssdSessionsJob> log)
{
    public static readonly TimeSpan KeepFor = TimeSpan.FromDays(1);

    private const string DeleteOldSessionsSql = "DELETE FROM ussd_sessions WHERE updated_at < @Before";

    public async Task RunAsync(CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var deleted = await conn.ExecuteAsync(new CommandDefinition(DeleteOldSessionsSql, new { Before = clock.GetUtcNow() - KeepFor }, cancellationToken: ct));
        if (deleted > 0) log.SessionsPurged(deleted, KeepFor.TotalDays);
    }
}
