using Dapper;
using Npgsql;

namespace Gateway.Support;

/// <summary>The counsellors' queue: high priority first, then oldest first, with what the resident wrote.</summary>
public sealed class ListSupportRequests(NpgsqlDataSource db)
{
    public static readonly string[] Statuses = ["open", "closed", "all"];

    private const string SelectSql = """
        SELECT r.id, r.phone, r.priority, r.reason, r.channel, r.status, s.language, m.body AS message,
               r.created_at, r.closed_at, r.closed_by
          FROM support_requests r
          LEFT JOIN subscribers s ON s.id = r.subscriber_id
          LEFT JOIN inbound_messages m ON m.id = r.inbound_message_id
         WHERE (@Status = 'all' OR r.status = @Status)
         ORDER BY (r.priority = 'high') DESC, r.created_at, r.id
         LIMIT @Limit
        """;

    public async Task<IReadOnlyList<SupportRequest>> HandleAsync(string status, int limit, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = await conn.QueryAsync<SupportRequest>(new CommandDefinition(SelectSql, new { Status = status, Limit = limit }, cancellationToken: ct));
        return rows.AsList();
    }
}
