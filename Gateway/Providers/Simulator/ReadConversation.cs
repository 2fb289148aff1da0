using Dapper;
using Npgsql;

namespace Gateway.Providers.Simulator;

/// <summary>One line of a simulated phone's conversation: what the resident sent (in) or what the gateway sent (out).</summary>
/// <param name="Replied">For an inbound message that was handled: whether the gateway answered it (an opted-out number mostly gets no answer).</param>
public sealed record ConversationLine(string Direction, string Body, DateTime At, string? Intent, bool? Replied, int? Segments, string? Encoding);

/// <summary>
/// What one number sent and received, oldest first, read back from the database: the messages the gateway
/// stored (inbound_messages, from any provider) and the SMS the simulator "sent" to it (replies and broadcasts).
/// </summary>
public sealed class ReadConversation(NpgsqlDataSource db)
{
    // The newest @Limit lines, returned oldest first. At the same instant a message comes before its reply.
    private const string SelectSql = """
        SELECT direction, body, at, intent, replied, segments, encoding
          FROM (SELECT 'in' AS direction, body, received_at AS at, intent,
                       CASE WHEN handled_at IS NOT NULL THEN reply IS NOT NULL END AS replied, NULL::int AS segments, NULL::text AS encoding, 0 AS side, id
                  FROM inbound_messages WHERE from_phone = @Phone
                UNION ALL
                SELECT 'out', body, sent_at, NULL, NULL, segments, encoding, 1, id
                  FROM simulator_messages WHERE to_phone = @Phone
                 ORDER BY at DESC, side DESC, id DESC
                 LIMIT @Limit) newest
         ORDER BY at, side, id
        """;

    public async Task<IReadOnlyList<ConversationLine>> HandleAsync(string phone, int limit, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = await conn.QueryAsync<ConversationLine>(new CommandDefinition(SelectSql, new { Phone = phone, Limit = limit }, cancellationToken: ct));
        return rows.AsList();
    }
}
