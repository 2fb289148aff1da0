using Dapper;
using Npgsql;

namespace Gateway.Broadcasts;

public sealed record BroadcastSummary(long Id, string Title, string Status, bool Urgent, string? RepeatCron, DateTime SendAt,
    string CreatedBy, DateTime CreatedAt, string? ApprovedBy, long Planned);

/// <summary>Broadcasts newest first, with how many messages their occurrences planned; GET /api/broadcasts/{id} has the rest.
/// And those waiting for approval, oldest first, whole (the approvals page shows what each will send).</summary>
public sealed class ListBroadcasts(NpgsqlDataSource db)
{
    public const int MaxPage = 200;

    private const string PendingSql = """
        SELECT id FROM broadcasts WHERE status = 'pending_approval' ORDER BY created_at, id LIMIT @Limit
        """;

    public async Task<IReadOnlyList<Broadcast>> PendingAsync(int limit, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var pending = new List<Broadcast>();
        foreach (var id in await conn.QueryAsync<long>(new CommandDefinition(PendingSql, new { Limit = limit }, cancellationToken: ct)))
            if (await Broadcast.FindAsync(conn, null, id, ct) is { Status: BroadcastStatus.PendingApproval } broadcast)
                pending.Add(broadcast);
        return pending;
    }

    private const string ListSql = """
        SELECT b.id, b.title, b.status, b.urgent, b.repeat_cron, b.send_at, b.created_by, b.created_at, b.approved_by,
               coalesce((SELECT sum(o.planned) FROM broadcast_occurrences o WHERE o.broadcast_id = b.id), 0)::bigint AS planned
          FROM broadcasts b
         WHERE (@Status::text IS NULL OR b.status = @Status) AND (@Before::bigint IS NULL OR b.id < @Before)
         ORDER BY b.id DESC
         LIMIT @Limit
        """;

    public async Task<IReadOnlyList<BroadcastSummary>> HandleAsync(string? status, long? before, int limit, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return (await conn.QueryAsync<BroadcastSummary>(new CommandDefinition(ListSql,
            new { Status = status, Before = before, Limit = limit }, cancellationToken: ct))).AsList();
    }
}
