using Dapper;
using Npgsql;

namespace Gateway.Support;

/// <summary>The counsellors' queue and one request: crisis first, then oldest first (closed ones: newest closed first).
/// A caller limited to regions sees the requests of residents of those regions only.</summary>
public sealed class ListSupportRequests(NpgsqlDataSource db)
{
    private const string Columns = """
        r.id, r.subscriber_id, r.phone, r.priority, r.reason, r.channel, r.status, s.language, r.created_at,
        r.claimed_by, r.claimed_at, r.closed_at, r.closed_by, r.outcome, r.last_message_at, r.escalations
        """;

    private const string ListSql = $"""
        SELECT {Columns}
          FROM support_requests r
          LEFT JOIN subscribers s ON s.id = r.subscriber_id
         WHERE CASE @Status WHEN 'open' THEN r.status = 'open' AND r.claimed_by IS NULL
                            WHEN 'claimed' THEN r.status = 'open' AND r.claimed_by IS NOT NULL
                            WHEN 'closed' THEN r.status = 'closed'
                            ELSE true END
           AND (cardinality(@Regions::text[]) = 0 OR s.region = ANY(@Regions))
         ORDER BY CASE WHEN @Status = 'closed' THEN r.closed_at END DESC NULLS LAST,
                  r.status = 'closed', (r.priority = 'high') DESC, r.created_at, r.id
         LIMIT @Limit
        """;

    public async Task<IReadOnlyList<SupportRequest>> HandleAsync(string status, int limit, IReadOnlyList<string> regions, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return (await conn.QueryAsync<SupportRequest>(new CommandDefinition(ListSql,
            new { Status = status, Limit = limit, Regions = regions.ToArray() }, cancellationToken: ct))).AsList();
    }

    private const string FindSql = $"""
        SELECT {Columns}
          FROM support_requests r
          LEFT JOIN subscribers s ON s.id = r.subscriber_id
         WHERE r.id = @Id AND (cardinality(@Regions::text[]) = 0 OR s.region = ANY(@Regions))
        """;

    /// <summary>One request, or null when there is none the caller may see.</summary>
    public async Task<SupportRequest?> FindAsync(long id, IReadOnlyList<string> regions, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return await conn.QuerySingleOrDefaultAsync<SupportRequest>(new CommandDefinition(FindSql,
            new { Id = id, Regions = regions.ToArray() }, cancellationToken: ct));
    }

    /// <summary>One request as the caller's transaction sees it (no region limit: the caller checked it).</summary>
    public Task<SupportRequest?> FindAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, long id, CancellationToken ct) =>
        conn.QuerySingleOrDefaultAsync<SupportRequest>(new CommandDefinition(FindSql, new { Id = id, Regions = Array.Empty<string>() }, tx, cancellationToken: ct));
}
