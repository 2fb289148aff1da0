using Dapper;
using Npgsql;

namespace Gateway.Inbound;

/// <summary>A message a resident sent, with what the gateway made of it. ReceivedAt and HandledAt are UTC.</summary>
/// <param name="Intent">What the gateway understood ('unknown' when nothing), null while not handled.</param>
/// <param name="Reply">The answer given, if any.</param>
public sealed record ResidentMessage(long Id, string Body, DateTime ReceivedAt, string? Intent, string? Reply, DateTime? HandledAt,
    DateTime? MarkedHandledAt, string? MarkedHandledBy);

/// <summary>What one number sent, newest first (the residents page's conversation), along inbound_messages_from_phone.</summary>
public sealed class ListMessagesFrom(NpgsqlDataSource db)
{
    private const string SelectSql = """
        SELECT id, body, received_at, intent, reply, handled_at, marked_handled_at, marked_handled_by
          FROM inbound_messages
         WHERE from_phone = @Phone
         ORDER BY received_at DESC
         LIMIT @Limit
        """;

    public async Task<IReadOnlyList<ResidentMessage>> HandleAsync(string phone, int limit, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return (await conn.QueryAsync<ResidentMessage>(new CommandDefinition(SelectSql, new { Phone = phone, Limit = limit }, cancellationToken: ct))).AsList();
    }
}
