using Dapper;
using Npgsql;

namespace Gateway.Delivery;

/// <summary>A message the gateway queued for a resident, and what became of it. Times are UTC.</summary>
/// <param name="At">When it was queued.</param>
/// <param name="BroadcastId">The broadcast occurrence it belongs to, if any.</param>
public sealed record ResidentDelivery(long Id, string Body, string Kind, string Status, string? ErrorCode, DateTime At, DateTime? SentAt,
    DateTime StatusAt, long? BroadcastId);

/// <summary>
/// What the gateway sent (or meant to send) one resident, newest first: the residents page's conversation. Bulk and
/// on-demand messages (priority 1, 2) along outbound_messages_recent_bulk by subscriber, replies and confirmations
/// (priority 0) along outbound_messages_critical_recipient by number (migration 0113): never a scan of the queue.
/// </summary>
public sealed class ListMessagesTo(NpgsqlDataSource db)
{
    private const string SelectSql = """
        SELECT id, body, kind, status, error_code, created_at AS at, sent_at, status_at, broadcast_id
          FROM ((SELECT id, body, kind, status, error_code, created_at, sent_at, status_at, broadcast_id FROM outbound_messages
                  WHERE subscriber_id = @SubscriberId AND priority > 0
                  ORDER BY not_before DESC LIMIT @Limit)
                UNION ALL
                (SELECT id, body, kind, status, error_code, created_at, sent_at, status_at, broadcast_id FROM outbound_messages
                  WHERE recipient = @Phone AND priority = 0 AND NOT (kind = ANY(@HiddenKinds))
                  ORDER BY created_at DESC LIMIT @Limit)) messages
         ORDER BY created_at DESC, id DESC
         LIMIT @Limit
        """;

    /// <param name="hiddenKinds">Kinds of critical messages the reader may not see (a counsellor's messages, for anyone but
    /// counsellors and admins).</param>
    public async Task<IReadOnlyList<ResidentDelivery>> HandleAsync(long subscriberId, string phone, int limit, IReadOnlyCollection<string> hiddenKinds,
        CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return (await conn.QueryAsync<ResidentDelivery>(new CommandDefinition(SelectSql,
            new { SubscriberId = subscriberId, Phone = phone, Limit = limit, HiddenKinds = hiddenKinds.ToArray() }, cancellationToken: ct))).AsList();
    }
}
