using Dapper;
using Npgsql;

namespace Gateway.Imports;

/// <summary>
/// Hourly (RecurringJobs): a list checked in the console but neither confirmed nor discarded within
/// <see cref="ManageImports.CheckedKeptFor"/> is discarded, so the staged numbers of a forgotten upload do not stay.
/// </summary>
public sealed class DiscardStaleImports(NpgsqlDataSource db, TimeProvider clock)
{
    public const string JobId = "imports:discard-stale";

    private const string DiscardSql = """
        WITH stale AS (
            UPDATE imports SET status = 'discarded', finished_at = @Now, failure = 'not confirmed within a day'
             WHERE status = 'checked' AND created_at < @Before
            RETURNING id)
        DELETE FROM import_rows WHERE import_id IN (SELECT id FROM stale)
        """;

    public async Task RunAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(DiscardSql, new { Now = now, Before = now - ManageImports.CheckedKeptFor }, commandTimeout: 600, cancellationToken: ct));
    }
}
