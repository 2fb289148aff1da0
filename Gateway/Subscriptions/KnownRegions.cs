using Dapper;
using Npgsql;

namespace Gateway.Subscriptions;

/// <summary>
/// The districts residents live in (subscribers.region), for audiences to be chosen from a list rather than typed: a
/// typo must not address nobody, or somebody else. Read from the dashboard's tallies (migration 0073), not the table.
/// </summary>
public sealed class KnownRegions(NpgsqlDataSource db)
{
    private const string SelectSql = """
        SELECT region FROM subscriber_tallies WHERE region IS NOT NULL GROUP BY region HAVING sum(subscribers) > 0 ORDER BY region
        """;

    public async Task<IReadOnlyList<string>> HandleAsync(CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return (await conn.QueryAsync<string>(new CommandDefinition(SelectSql, cancellationToken: ct))).AsList();
    }
}
