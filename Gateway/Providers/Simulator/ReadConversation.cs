using Dapper;
using Gateway.Inbound;
using Npgsql;

namespace Gateway.Providers.Simulator;

/// <summary>One line of a simulated phone's conversation: what the resident sent (in) or what the gateway sent (out).</summary>
/// <param name="Replied">For an inbound message that was handled: whether the gateway answered it (an opted-out number mostly gets no answer).</param>
/// <param name="Media">What the resident sent with a message (MMS links); empty for everything else.</param>
public sealed record ConversationLine(string Direction, string Body, DateTime At, string? Intent, bool? Replied, int? Segments, string? Encoding,
    IReadOnlyList<InboundMedia> Media);

/// <summary>
/// What one number sent and received, oldest first, read back from the database: the messages the gateway
/// stored (inbound_messages, from any provider) and the SMS the simulator "sent" to it (replies and broadcasts).
/// </summary>
public sealed class ReadConversation(NpgsqlDataSource db)
{
    // The newest @Limit lines, returned oldest first. At the same instant a message comes before its reply.
    private const string SelectSql = """
        SELECT direction, body, at, intent, replied, segments, encoding, media_urls, media_types
          FROM (SELECT 'in' AS direction, body, received_at AS at, intent,
                       CASE WHEN handled_at IS NOT NULL THEN reply IS NOT NULL END AS replied, NULL::int AS segments, NULL::text AS encoding,
                       media_urls, media_types, 0 AS side, id
                  FROM inbound_messages WHERE from_phone = @Phone
                UNION ALL
                SELECT 'out', body, sent_at, NULL, NULL, segments, encoding, NULL, NULL, 1, id
                  FROM simulator_messages WHERE to_phone = @Phone
                 ORDER BY at DESC, side DESC, id DESC
                 LIMIT @Limit) newest
         ORDER BY at, side, id
        """;

    public async Task<IReadOnlyList<ConversationLine>> HandleAsync(string phone, int limit, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = await conn.QueryAsync<Row>(new CommandDefinition(SelectSql, new { Phone = phone, Limit = limit }, cancellationToken: ct));
        return rows.Select(r => new ConversationLine(r.Direction, r.Body, r.At, r.Intent, r.Replied, r.Segments, r.Encoding,
            InboundMediaColumns.Read(r.MediaUrls, r.MediaTypes))).ToList();
    }

    private sealed class Row
    {
        public string Direction { get; init; } = "";
        public string Body { get; init; } = "";
        public DateTime At { get; init; }
        public string? Intent { get; init; }
        public bool? Replied { get; init; }
        public int? Segments { get; init; }
        public string? Encoding { get; init; }
        public string[]? MediaUrls { get; init; }
        public string[]? MediaTypes { get; init; }
    }
}
