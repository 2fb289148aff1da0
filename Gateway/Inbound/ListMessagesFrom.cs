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
           AND (@Counselling OR (NOT EXISTS (SELECT 1 FROM conversation_messages c WHERE c.inbound_message_id = inbound_messages.id)
                                 AND NOT EXISTS (SELECT 1 FROM support_requests r WHERE r.inbound_message_id = inbound_messages.id)))
         ORDER BY received_at DESC
         LIMIT @Limit
        """;

    /// <param name="counselling">Whether the messages that asked for a counsellor and those of conversations are
    /// included: only for counsellors and admins (<see cref="Admin.Caller.SeesCounselling"/>).</param>
    public async Task<IReadOnlyList<ResidentMessage>> HandleAsync(string phone, int limit, bool counselling, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return (await conn.QueryAsync<ResidentMessage>(new CommandDefinition(SelectSql,
            new { Phone = phone, Limit = limit, Counselling = counselling }, cancellationToken: ct))).AsList();
    }
}
