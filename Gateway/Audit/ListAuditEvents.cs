using Dapper;
using Npgsql;

namespace Gateway.Audit;

/// <summary>The audit log, newest first, a page at a time (<c>before</c> = the last id of the previous page).</summary>
public sealed class ListAuditEvents(NpgsqlDataSource db)
{
    public const int MaxPage = 500;
    public const int DefaultPage = 50;

    private const string PageSql = """
        SELECT id, at, actor, via, action, target, detail, address
          FROM audit_events
         WHERE @Before IS NULL OR id < @Before
         ORDER BY id DESC
         LIMIT @Limit
        """;

    public async Task<IReadOnlyList<AuditEvent>> HandleAsync(long? before, int limit, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return (await conn.QueryAsync<AuditEvent>(new CommandDefinition(PageSql, new { Before = before, Limit = limit }, cancellationToken: ct))).AsList();
    }
}
