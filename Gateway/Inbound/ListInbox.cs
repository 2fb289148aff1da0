using Dapper;
using Npgsql;

namespace Gateway.Inbound;

/// <summary>An inbound message as officials read it in the inbox. The full number: they follow up by phone.</summary>
/// <param name="Media">What came with it (MMS): links to the provider's copies, with their types.</param>
public sealed record InboxMessage(long Id, string Phone, string Body, DateTime ReceivedAt, string? Intent, string? Reply, DateTime? HandledAt, string Provider,
    IReadOnlyList<InboundMedia> Media);

/// <summary>Inbound messages, newest first by arrival, a page at a time (before = the last id of the previous page).</summary>
public sealed class ListInbox(NpgsqlDataSource db)
{
    public const int MaxPage = 500;

    // A caller limited to regions sees the messages of residents of those regions only (@Regions empty: all).
    private const string SelectAllSql = """
        SELECT id, from_phone AS phone, body, received_at, intent, reply, handled_at, provider, media_urls, media_types
          FROM inbound_messages
         WHERE (@Before::bigint IS NULL OR (received_at, id) < (SELECT b.received_at, b.id FROM inbound_messages b WHERE b.id = @Before))
           AND (cardinality(@Regions::text[]) = 0 OR EXISTS (SELECT 1 FROM subscribers s WHERE s.phone = from_phone AND s.region = ANY(@Regions)))
           AND NOT EXISTS (SELECT 1 FROM conversation_messages c WHERE c.inbound_message_id = inbound_messages.id)
           AND (@Counselling OR NOT EXISTS (SELECT 1 FROM support_requests r WHERE r.inbound_message_id = inbound_messages.id))
         ORDER BY received_at DESC, id DESC
         LIMIT @Limit
        """;

    // Newest first along inbound_messages_received, keeping the matching rows: no index on intent, handled_at or
    // marked_handled_at, so that handling a message stays a HOT update (migrations 0011, 0112). A person's "Mark handled"
    // takes a message off this list.
    private const string SelectUnhandledSql = """
        SELECT id, from_phone AS phone, body, received_at, intent, reply, handled_at, provider, media_urls, media_types
          FROM inbound_messages
         WHERE (intent = 'unknown' OR handled_at IS NULL) AND marked_handled_at IS NULL
           AND (@Before::bigint IS NULL OR (received_at, id) < (SELECT b.received_at, b.id FROM inbound_messages b WHERE b.id = @Before))
           AND (cardinality(@Regions::text[]) = 0 OR EXISTS (SELECT 1 FROM subscribers s WHERE s.phone = from_phone AND s.region = ANY(@Regions)))
           AND NOT EXISTS (SELECT 1 FROM conversation_messages c WHERE c.inbound_message_id = inbound_messages.id)
           AND (@Counselling OR NOT EXISTS (SELECT 1 FROM support_requests r WHERE r.inbound_message_id = inbound_messages.id))
         ORDER BY received_at DESC, id DESC
         LIMIT @Limit
        """;

    /// <param name="unhandled">Only messages not understood (intent unknown) or not handled at all, and not marked handled by a person.</param>
    /// <param name="regions">The caller's regions (<see cref="Admin.RegionScope"/>); empty: every resident's messages.</param>
    /// <param name="counselling">Whether the caller sees the messages that asked for a counsellor (counsellors and admins:
    /// <see cref="Admin.Caller.SeesCounselling"/>). What residents write in a conversation is never here: it is the
    /// counsellors' (Support/ConversationMessages).</param>
    public async Task<IReadOnlyList<InboxMessage>> HandleAsync(bool unhandled, long? before, int limit, IReadOnlyList<string> regions, bool counselling,
        CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = await conn.QueryAsync<Row>(new CommandDefinition(unhandled ? SelectUnhandledSql : SelectAllSql,
            new { Before = before, Limit = limit, Regions = regions.ToArray(), Counselling = counselling }, cancellationToken: ct));
        return rows.Select(r => new InboxMessage(r.Id, r.Phone, r.Body, r.ReceivedAt, r.Intent, r.Reply, r.HandledAt, r.Provider,
            InboundMediaColumns.Read(r.MediaUrls, r.MediaTypes))).ToList();
    }

    private sealed class Row
    {
        public long Id { get; init; }
        public string Phone { get; init; } = "";
        public string Body { get; init; } = "";
        public DateTime ReceivedAt { get; init; }
        public string? Intent { get; init; }
        public string? Reply { get; init; }
        public DateTime? HandledAt { get; init; }
        public string Provider { get; init; } = "";
        public string[]? MediaUrls { get; init; }
        public string[]? MediaTypes { get; init; }
    }
}
