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

    private const string LockSql = "SELECT id, handled_at IS NOT NULL AS handled, reply, intent FROM inbound_messages WHERE id = @InboundId FOR UPDATE";

    /// <summary>The stored message <paramref name="id"/> locked until the transaction ends, as the first statement of the
    /// pipeline's read (one row, a <see cref="StoredMessage"/>): a second delivery of it handled at the same time waits
    /// here, then finds it handled.</summary>
    public static SqlStatement Lock(long id) => new(LockSql, new { InboundId = id });

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

    // When the message changes the sender, their row is locked first, by a statement of its own: the check in the next
    // statement then reads what a change that held the lock committed (each statement reads the latest commits).
    private const string LockSenderSql = "SELECT FROM subscribers WHERE id = @GuardSubscriberId FOR UPDATE";

    // The guard inline, planned with the insert: the row is written only when the sender is as remembered; otherwise
    // inbound_sender_changed (migration 0185) fails the statement, and everything sent with it, with GW001. CASE, so
    // that the function is called only when the check fails.
    private const string StoreHandledSql = $"""
        INSERT INTO inbound_messages (id, {Columns}, intent, reply, handled_at)
        OVERRIDING SYSTEM VALUE
        SELECT @InboundId, {Values}, @InboundIntent, @InboundReply, @InboundHandledAt
         WHERE CASE WHEN EXISTS (
                        SELECT FROM subscribers s
                         WHERE s.id = @GuardSubscriberId AND s.status = @GuardStatus AND s.language = @GuardLanguage
                           AND ARRAY(SELECT t.topic FROM subscriptions t WHERE t.subscriber_id = s.id ORDER BY t.topic) = @GuardTopics
                           AND (SELECT max(r.id) FROM support_requests r
                                 WHERE r.subscriber_id = s.id AND r.status = 'open' AND r.claimed_by IS NOT NULL) IS NOT DISTINCT FROM @GuardConversation)
                    THEN true
                    ELSE inbound_sender_changed(@GuardSubscriberId) END
        """;

    /// <summary>
    /// The fast path's statements: the message stored already handled, written once, with id <paramref name="id"/>
    /// (<see cref="InboundIds"/>), if the sender is still as <paramref name="sender"/> says (else the round trip fails
    /// with SQLSTATE GW001), after locking the sender's row when <paramref name="lockSender"/>. A retry fails it on the
    /// unique provider id (<see cref="IsRetry"/>).
    /// </summary>
    public IReadOnlyList<SqlStatement> StoreHandled(long id, InboundMessage m, InboundDecision decision, InboundSender sender, bool lockSender)
    {
        var store = StoreHandledStatement(id, m, decision, sender);
        return lockSender ? [new SqlStatement(LockSenderSql, new { GuardSubscriberId = sender.Subscriber.Id }), store] : [store];
    }

    private SqlStatement StoreHandledStatement(long id, InboundMessage m, InboundDecision decision, InboundSender sender) => new(StoreHandledSql, new
    {
        GuardSubscriberId = sender.Subscriber.Id,
        GuardStatus = sender.Subscriber.Status,
        GuardLanguage = sender.Subscriber.Language,
        GuardTopics = sender.Topics.ToArray(),
        GuardConversation = sender.Conversation,
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
