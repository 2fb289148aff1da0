using Dapper;
using Gateway.Data;
using Npgsql;

namespace Gateway.Inbound;

/// <summary>What a store found: the message's id, and whether an earlier delivery of it was already handled (and how).</summary>
public sealed record StoredMessage(long Id, bool Handled, string? Reply, string? Intent);

/// <summary>The inbound_messages table: a message is stored before anything acts on it, then marked handled with the
/// intent and reply it got. (provider, provider_message_id) is unique, so a provider's retry is found, never stored twice.</summary>
public sealed class StoreInboundMessage(TimeProvider clock)
{
    private const string Columns = "provider, provider_message_id, from_phone, to_phone, body, media_urls, media_types, received_at";
    private const string Values = "@InboundProvider, @InboundMessageId, @InboundFrom, @InboundTo, @InboundBody, @InboundMediaUrls, @InboundMediaTypes, @InboundReceivedAt";

    // A retry's earlier delivery is read in the same statement when it committed before this one began.
    private const string StoreSql = $"""
        WITH stored AS (
            INSERT INTO inbound_messages ({Columns}) VALUES ({Values})
            ON CONFLICT (provider, provider_message_id) DO NOTHING
            RETURNING id)
        SELECT id, false AS handled, NULL::text AS reply, NULL::text AS intent FROM stored
        UNION ALL
        SELECT id, handled_at IS NOT NULL, reply, intent FROM inbound_messages
         WHERE provider = @InboundProvider AND provider_message_id = @InboundMessageId AND NOT EXISTS (SELECT FROM stored)
        """;

    private const string SelectEarlierSql = """
        SELECT id, handled_at IS NOT NULL AS handled, reply, intent FROM inbound_messages
         WHERE provider = @InboundProvider AND provider_message_id = @InboundMessageId
        """;

    /// <summary>Stores the message in a commit of its own, so it is kept whatever happens next; a retry finds the earlier one.</summary>
    public async Task<StoredMessage> StoreAsync(NpgsqlConnection conn, InboundMessage message, CancellationToken ct)
    {
        var parameters = Parameters(message);
        return await conn.QuerySingleOrDefaultAsync<StoredMessage>(new CommandDefinition(StoreSql, parameters, cancellationToken: ct))
            // The earlier delivery committed while this statement waited on it: read it now.
            ?? await conn.QuerySingleAsync<StoredMessage>(new CommandDefinition(SelectEarlierSql, parameters, cancellationToken: ct));
    }

    private const string LockSql = "SELECT id, handled_at IS NOT NULL AS handled, reply, intent FROM inbound_messages WHERE id = @Id FOR UPDATE";

    /// <summary>Locks the stored message until <paramref name="tx"/> ends: a second delivery of it handled at the same
    /// time waits here, then finds it handled.</summary>
    public Task<StoredMessage> LockAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long id, CancellationToken ct) =>
        conn.QuerySingleAsync<StoredMessage>(new CommandDefinition(LockSql, new { Id = id }, tx, cancellationToken: ct));

    private const string MarkHandledSql = """
        UPDATE inbound_messages
           SET intent = @InboundIntent, reply = @InboundReply, handled_at = @InboundHandledAt
         WHERE id = @InboundId AND handled_at IS NULL
        """;

    /// <summary>The stored message <paramref name="id"/> marked handled, as a statement beside its changes.</summary>
    public SqlStatement MarkHandled(long id, InboundDecision decision) => new(MarkHandledSql, new
    {
        InboundId = id,
        InboundIntent = decision.Intent,
        InboundReply = decision.Reply,
        InboundHandledAt = clock.GetUtcNow(),
    });

    // The guard runs first, in the same statement (a set-returning call in FROM yields one row): the row is written
    // only past it, and the statement fails, with everything sent with it, when the sender changed.
    private const string StoreHandledSql = $"""
        INSERT INTO inbound_messages (id, {Columns}, intent, reply, handled_at)
        OVERRIDING SYSTEM VALUE
        SELECT @InboundId, {Values}, @InboundIntent, @InboundReply, @InboundHandledAt
          FROM inbound_sender_guard(@GuardSubscriberId, @GuardStatus, @GuardLanguage, @GuardTopics, @GuardConversation, @GuardLock)
        """;

    /// <summary>
    /// The fast path's statement: the message stored already handled, written once, with id <paramref name="id"/>
    /// (<see cref="InboundIds"/>), if the sender is still as <paramref name="sender"/> says (database function
    /// inbound_sender_guard, which fails with SQLSTATE GW001 otherwise, and locks the sender's row when
    /// <paramref name="lockSender"/>). A retry fails it on the unique provider id (<see cref="IsRetry"/>).
    /// </summary>
    public SqlStatement StoreHandled(long id, InboundMessage m, InboundDecision decision, InboundSender sender, bool lockSender) => new(StoreHandledSql, new
    {
        GuardSubscriberId = sender.Subscriber.Id,
        GuardStatus = sender.Subscriber.Status,
        GuardLanguage = sender.Subscriber.Language,
        GuardTopics = sender.Topics.ToArray(),
        GuardConversation = sender.Conversation,
        GuardLock = lockSender,
        InboundId = id,
        InboundProvider = m.Provider,
        InboundMessageId = m.ProviderMessageId,
        InboundFrom = m.From,
        InboundTo = m.To,
        InboundBody = m.Body,
        InboundMediaUrls = InboundMediaColumns.Urls(m.Media),
        InboundMediaTypes = InboundMediaColumns.Types(m.Media),
        InboundReceivedAt = m.ReceivedAt,
        InboundIntent = decision.Intent,
        InboundReply = decision.Reply,
        InboundHandledAt = clock.GetUtcNow(),
    });

    /// <summary>The message was stored before (a provider's retry, or a delivery racing this one).</summary>
    public static bool IsRetry(PostgresException e) =>
        e is { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: "inbound_messages_provider_provider_message_id_key" };

    private static object Parameters(InboundMessage m) => new
    {
        InboundProvider = m.Provider,
        InboundMessageId = m.ProviderMessageId,
        InboundFrom = m.From,
        InboundTo = m.To,
        InboundBody = m.Body,
        InboundMediaUrls = InboundMediaColumns.Urls(m.Media),
        InboundMediaTypes = InboundMediaColumns.Types(m.Media),
        InboundReceivedAt = m.ReceivedAt,
    };
}
