using Dapper;
using Gateway.Phones;
using Gateway.Subscriptions;
using Npgsql;
using Gateway.Hosting;

namespace Gateway.Inbound;

/// <summary>A message a resident sent, as any provider's webhook hands it over (From already E.164).</summary>
/// <param name="ProviderKeyword">The provider's own reading of a keyword, when it gives one (Twilio's OptOutType:
/// STOP, START or HELP). A hint only: the router's parser decides, and uses it when it understood nothing.</param>
public sealed record InboundSms(string Provider, string ProviderMessageId, string From, string? To, string Body, string? ProviderKeyword = null);

/// <summary>The reply to give inline (TwiML, simulator), or null for none; Duplicate when the provider retried.</summary>
public sealed record InboundResult(string? Reply, bool Duplicate);

/// <summary>
/// The one inbound pipeline every provider feeds: store the message first (so nothing a resident sent is ever
/// lost), then act on it and remember the reply, so that a retried webhook gets the same reply and changes nothing.
/// One round trip for a message from a number seen recently (its record cached), two otherwise: this store, then the
/// router's one batch. None for a retry of a message this process answered lately (<see cref="RecentReplies"/>).
/// </summary>
public sealed class ReceiveSms(NpgsqlDataSource db, TimeProvider clock, InboundRouter router, SenderCache senders, InboundIds ids,
    RecentReplies replies, ILogger<ReceiveSms> log)
{
    // One statement, committed on its own: the message, and the sender's record (created on a first message, in
    // the language that message suggests) with their topics, which the router decides from. A new number whose
    // record another message is creating at the same instant comes back without one (Phone is null): the router
    // then reads it under a lock. This is the one place outside Subscribers that creates a subscriber, to save a round trip.
    // A retried message is not stored again: "earlier" is the message as stored before, when its commit came before this
    // statement (a retry racing the first delivery's commit is read again afterwards).
    private const string StoreSql = """
        WITH stored AS (
            INSERT INTO inbound_messages (provider, provider_message_id, from_phone, to_phone, body, received_at)
                 VALUES (@Provider, @ProviderMessageId, @From,      @To,      @Body, @ReceivedAt)
            ON CONFLICT (provider, provider_message_id) DO NOTHING
            RETURNING id),
        created AS (
            INSERT INTO subscribers (phone, language, created_at)
                 SELECT @From, @Language, @ReceivedAt WHERE EXISTS (SELECT FROM stored)
            ON CONFLICT (phone) DO NOTHING
            RETURNING id, phone, language, status, region, created_at, opted_out_at),
        sender AS (
            SELECT * FROM created
            UNION ALL
            SELECT id, phone, language, status, region, created_at, opted_out_at FROM subscribers WHERE phone = @From
            LIMIT 1),
        earlier AS (
            SELECT id, reply, handled_at IS NOT NULL AS handled
              FROM inbound_messages
             WHERE provider = @Provider AND provider_message_id = @ProviderMessageId)
        SELECT stored.id AS inbound_id, earlier.id AS earlier_id, earlier.reply AS earlier_reply, earlier.handled AS earlier_handled,
               sender.id AS subscriber_id, sender.phone, sender.language, sender.status,
               sender.region, sender.created_at, sender.opted_out_at,
               ARRAY(SELECT t.topic FROM subscriptions t WHERE t.subscriber_id = sender.id ORDER BY t.topic) AS topics
          FROM (SELECT) one
          LEFT JOIN stored ON true
          LEFT JOIN sender ON true
          LEFT JOIN earlier ON true
        """;

    private sealed class Stored
    {
        public long? InboundId { get; init; }
        public long? EarlierId { get; init; }
        public string? EarlierReply { get; init; }
        public bool EarlierHandled { get; init; }
        public long? SubscriberId { get; init; }
        public string? Phone { get; init; }
        public string? Language { get; init; }
        public string? Status { get; init; }
        public string? Region { get; init; }
        public DateTime CreatedAt { get; init; }
        public DateTime? OptedOutAt { get; init; }
        public string[] Topics { get; init; } = [];
    }

    private const string SelectStoredSql = """
        SELECT id, reply, handled_at IS NOT NULL AS handled
          FROM inbound_messages
         WHERE provider = @Provider AND provider_message_id = @ProviderMessageId
        """;

    public async Task<InboundResult> HandleAsync(InboundSms sms, CancellationToken ct)
    {
        if (replies.Find(sms) is { } answered)
        {
            log.LogDebug("Duplicate inbound {MessageSid} from {From}, answered as before", LogSanitiser.Clean(sms.ProviderMessageId), Phone.Mask(sms.From));
            return answered;
        }
        var result = await StoreAndHandleAsync(sms, ct);
        replies.Remember(sms, result.Reply);
        return result;
    }

    private async Task<InboundResult> StoreAndHandleAsync(InboundSms sms, CancellationToken ct)
    {
        var parsed = router.Read(sms);
        await using var conn = await db.OpenConnectionAsync(ct);
        if (senders.Find(sms.From) is { } known)
        {
            var newId = await ids.NextAsync(conn, ct);
            try
            {
                if (await router.TryStoreAndRouteAsync(conn, newId, sms, clock.GetUtcNow(), parsed, known, CancellationToken.None) is { } done)
                    return done;
            }
            catch (PostgresException e)
            {
                // The batch, message included, was rolled back. Store the message on its own below, so it is kept
                // (and shown in the inbox) even if handling it fails again.
                log.LogError(e, "Inbound {MessageSid} from {From}: handling failed, storing it first", LogSanitiser.Clean(sms.ProviderMessageId), Phone.Mask(sms.From));
            }
        }

        var stored = await conn.QuerySingleAsync<Stored>(new CommandDefinition(StoreSql, new
        {
            sms.Provider,
            sms.ProviderMessageId,
            sms.From,
            sms.To,
            sms.Body,
            Language = router.LanguageOfNewSubscriber(parsed),
            ReceivedAt = clock.GetUtcNow(),
        }, cancellationToken: ct));

        long id;
        InboundSender? sender = null;
        if (stored.InboundId is { } inserted)
        {
            id = inserted;
            if (stored is { SubscriberId: { } subscriberId, Phone: { } phone, Language: { } language, Status: { } status })
                sender = new InboundSender(new Subscriber(subscriberId, phone, language, status, stored.Region, stored.CreatedAt, stored.OptedOutAt), stored.Topics);
        }
        else
        {
            var existing = stored.EarlierId is { } earlierId
                ? (Id: earlierId, Reply: stored.EarlierReply, Handled: stored.EarlierHandled)
                : await conn.QuerySingleAsync<(long Id, string? Reply, bool Handled)>(new CommandDefinition(SelectStoredSql, sms, cancellationToken: ct));
            // A retry of a message we finished: same reply, no effects. One we never finished: finish it now.
            if (existing.Handled)
            {
                log.LogDebug("Duplicate inbound {MessageSid} from {From}", LogSanitiser.Clean(sms.ProviderMessageId), Phone.Mask(sms.From));
                return new InboundResult(existing.Reply, Duplicate: true);
            }
            id = existing.Id;
        }

        // The message is committed: whatever happens next, it is kept. From here it is handled to the end even if the
        // provider hangs up (an opt-out must not wait for a retry that may never come).
        return await router.RouteAsync(conn, id, sms, parsed, sender, CancellationToken.None);
    }
}
