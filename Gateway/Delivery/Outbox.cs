using System.Diagnostics;
using System.Text.RegularExpressions;
using Dapper;
using Gateway.Data;
using Gateway.Delivery.Encoding;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Gateway.Delivery;

/// <summary>One message for the outbound queue. <paramref name="To"/> is E.164; the body is sent after Smart Encoding.</summary>
public sealed record OutboundMessage(string To, string Body, string Kind, MessagePriority Priority)
{
    public long? SubscriberId { get; init; }
    /// <summary>Not sent before this (default: now).</summary>
    public DateTimeOffset? NotBefore { get; init; }
    /// <summary>Never sent after this (default: NotBefore + SMS_VALIDITY).</summary>
    public DateTimeOffset? ExpiresAt { get; init; }
    /// <summary>A producer's idempotency key (unique): queueing the same key again inserts nothing.</summary>
    public string? DedupeKey { get; init; }
    public long? BroadcastId { get; init; }
    /// <summary>The provider to send through when a route uses it (a reply goes back the way the resident wrote in);
    /// otherwise, or when null, SMS_ROUTES chooses by the number.</summary>
    public string? Provider { get; init; }
}

/// <summary>A body measured once: what a set-based producer writes into every row that carries it.</summary>
/// <param name="Body">The body after Smart Encoding: store this, not the original.</param>
/// <param name="Encoding">'GSM-7' or 'UCS-2'.</param>
public sealed record PreparedBody(string Body, string Encoding, int Segments, decimal Cost);

/// <summary>
/// The one way into the outbound queue: everything the gateway sends, except a reply given inline to a webhook, is a
/// row of outbound_messages written here, in the producer's own transaction, so the message exists exactly when the
/// producer's change commits. Only the Delivery slice names that table's columns (a test checks every other file):
/// <list type="bullet">
/// <item>one message: <see cref="EnqueueAsync"/>;</item>
/// <item>a set (a broadcast to a million numbers, today's lessons and tips): <see cref="EnqueueRowsSql"/>, an
/// INSERT … SELECT over the producer's rows, which the producer runs as a CTE of its own statement, then
/// <see cref="NotifyAsync"/> once.</item>
/// </list>
/// Reading the queue (statuses, recent messages) goes through <see cref="OutboundHistory"/>.
/// </summary>
public sealed partial class Outbox(TimeProvider clock, IOptions<DeliveryOptions> options)
{
    /// <summary>The LISTEN/NOTIFY channel that wakes the dispatchers.</summary>
    public const string Channel = "outbound_messages";

    /// <summary>Twilio accepts bodies up to 1,600 characters.</summary>
    public const int MaxBodyLength = 1600;

    /// <summary>Smart Encoding, then encoding, segments and cost of <paramref name="body"/>.</summary>
    public PreparedBody Prepare(string body)
    {
        var sent = SmartEncoding.Apply(body);
        var measured = SegmentCalculator.Measure(sent);
        return new PreparedBody(sent, measured.Encoding.Label(), measured.Segments, measured.Segments * options.Value.PricePerSegment);
    }

    /// <summary>The default validity: a message due at <paramref name="notBefore"/> is worth sending for SMS_VALIDITY.</summary>
    public DateTimeOffset ExpiresAt(DateTimeOffset notBefore) => notBefore + options.Value.Validity;

    // The notification is delivered when the producer's transaction commits, and only then.
    private const string InsertSql = """
        WITH inserted AS (
            INSERT INTO outbound_messages
                   (recipient, subscriber_id, body, encoding, segments, cost, priority, kind,
                    broadcast_id, dedupe_key, not_before, expires_at, created_at, status_at, trace_parent, provider)
            VALUES (@To,       @SubscriberId, @Body, @Encoding, @Segments, @Cost, @Priority, @Kind,
                    @BroadcastId, @DedupeKey, @NotBefore, @ExpiresAt, @Now, @Now, @TraceParent, @Provider)
            ON CONFLICT DO NOTHING
            RETURNING id)
        SELECT (SELECT id FROM inserted) AS id, pg_notify('outbound_messages', '')::text AS notified
        """;

    /// <summary>Queues one message in the caller's transaction. Returns its id, or null when its dedupe key
    /// (or broadcast and subscriber) was already queued.</summary>
    public async Task<long?> EnqueueAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, OutboundMessage message, CancellationToken ct)
    {
        if (!E164().IsMatch(message.To))
            throw new ArgumentException($"To: '{message.To}' is not an E.164 number", nameof(message));
        if (string.IsNullOrEmpty(message.Body) || message.Body.Length > MaxBodyLength)
            throw new ArgumentException($"Body: must have 1 to {MaxBodyLength} characters", nameof(message));
        if (!Kind().IsMatch(message.Kind))
            throw new ArgumentException($"Kind: '{message.Kind}' must be a lower-case word such as 'reply'", nameof(message));

        var now = clock.GetUtcNow();
        // PostgreSQL stores instants in UTC; a caller may pass city time (Npgsql refuses a non-zero offset).
        var notBefore = (message.NotBefore ?? now).ToUniversalTime();
        var prepared = Prepare(message.Body);
        // The route is chosen here, once, and recorded: the provider's dispatcher claims the row, at the provider's price.
        var provider = options.Value.SmsRoutes.ProviderFor(message.To, message.Provider);
        var row = await conn.QuerySingleAsync<(long? Id, string? Notified)>(new CommandDefinition(InsertSql, new
        {
            message.To,
            message.SubscriberId,
            prepared.Body,
            prepared.Encoding,
            prepared.Segments,
            Cost = prepared.Segments * options.Value.PriceFor(provider),
            Provider = provider,
            Priority = (short)message.Priority,
            message.Kind,
            message.BroadcastId,
            message.DedupeKey,
            NotBefore = notBefore,
            ExpiresAt = (message.ExpiresAt ?? ExpiresAt(notBefore)).ToUniversalTime(),
            Now = now,
            // The producer's trace (an inbound SMS's, a request's, a job's): the provider call continues it.
            TraceParent = Activity.Current?.IdFormat == ActivityIdFormat.W3C ? Activity.Current.Id : null,
        }, tx, cancellationToken: ct));
        return row.Id;
    }

    /// <summary>
    /// A set of messages as one INSERT … SELECT, to embed as a CTE (<c>queued AS ({EnqueueRowsSql("rows", …)})</c>).
    /// <paramref name="rows"/> names a CTE or subquery of the producer with these columns, the queue's request:
    /// <c>to_phone</c> (E.164), <c>subscriber_id</c>, <c>body</c>, <c>encoding</c>, <c>segments</c>, <c>price</c> (all four
    /// from <see cref="Prepare"/>, once per distinct text), <c>priority</c> (<see cref="MessagePriority"/> as smallint),
    /// <c>message_kind</c> (<see cref="MessageKinds"/>), <c>broadcast_id</c>, <c>idempotency_key</c> (unique, or NULL),
    /// <c>due_at</c>, <c>valid_until</c> (<see cref="ExpiresAt"/>) and <c>queued_at</c> (now).
    /// It returns <c>id, subscriber_id, idempotency_key, due_at</c> for each row written.
    /// Each row's provider is chosen by SMS_ROUTES, through the database function <c>outbound_route</c> this process
    /// writes at start-up (<see cref="OutboundRoutes"/>), and its cost is its segments at that provider's price
    /// (<c>price</c> is the default price's, used only before the function was first written).
    /// <para>
    /// (broadcast_id, subscriber_id) and idempotency keys are unique: a producer that may offer a row again passes
    /// <paramref name="skipDuplicates"/> (ON CONFLICT DO NOTHING), so a re-run writes nothing twice; one whose own
    /// bookkeeping rules that out (the broadcast fan-out's cursor) does not, since it made 1M rows 30% slower to write.
    /// </para>
    /// </summary>
    public static string EnqueueRowsSql(string rows, bool skipDuplicates) => $"""
        INSERT INTO outbound_messages (recipient, subscriber_id, body, encoding, segments, cost, priority, kind,
                                       broadcast_id, dedupe_key, not_before, expires_at, created_at, status_at, provider)
        SELECT r.to_phone, r.subscriber_id, r.body, r.encoding, r.segments,
               coalesce(r.segments * outbound_route_price(r.to_phone), r.price), r.priority, r.message_kind,
               r.broadcast_id, r.idempotency_key, r.due_at, r.valid_until, r.queued_at, r.queued_at, outbound_route(r.to_phone)
          FROM {rows} r
        {(skipDuplicates ? "ON CONFLICT DO NOTHING" : "")}
        RETURNING id, subscriber_id, dedupe_key AS idempotency_key, not_before AS due_at
        """;

    /// <summary>Wakes the dispatchers when the caller's transaction commits: once after a set-based INSERT.</summary>
    public static Task NotifyAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, CancellationToken ct) =>
        conn.ExecuteAsync(new CommandDefinition("SELECT pg_notify('outbound_messages', '')", transaction: tx, cancellationToken: ct));

    private const string CancelBroadcastSql = """
        UPDATE outbound_messages
           SET status = 'canceled', status_at = @Now
         WHERE broadcast_id = @BroadcastId AND status = 'queued'
        """;

    /// <summary>
    /// Stops a broadcast: every row not yet claimed by a dispatcher becomes 'canceled' in one statement.
    /// Rows already claimed (at most about a second of sending per dispatcher) still go out and are counted
    /// as they end. Returns how many rows were canceled.
    /// </summary>
    public Task<int> CancelBroadcastAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, long broadcastId, CancellationToken ct) =>
        conn.ExecuteAsync(new CommandDefinition(CancelBroadcastSql, new { BroadcastId = broadcastId, Now = clock.GetUtcNow() }, tx, cancellationToken: ct));

    private const string CancelSql = """
        UPDATE outbound_messages
           SET status = 'canceled', status_at = @Now
         WHERE id = ANY(@Ids) AND status = 'queued'
        """;

    /// <summary>Cancels the given rows if no dispatcher has claimed them yet. Returns how many were canceled.</summary>
    public Task<int> CancelAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, IReadOnlyCollection<long> ids, CancellationToken ct) =>
        conn.ExecuteAsync(new CommandDefinition(CancelSql, new { Ids = ids.ToArray(), Now = clock.GetUtcNow() }, tx, cancellationToken: ct));

    // Queued bulk messages (priority Bulk) due before the quiet hours end wait for that end, keeping their validity;
    // one already past its validity is left to expire.
    private const string HoldBulkSql = """
        UPDATE outbound_messages
           SET not_before = @Opens, expires_at = @Opens + (expires_at - not_before)
         WHERE status = 'queued' AND priority = 2 AND not_before < @Opens AND expires_at > @Now
        """;

    /// <summary>The quiet-hours backstop's move (Broadcasts/HoldForQuietHours): returns how many messages wait.</summary>
    public Task<int> HoldBulkUntilAsync(NpgsqlConnection conn, DateTimeOffset opens, CancellationToken ct) =>
        conn.ExecuteAsync(new CommandDefinition(HoldBulkSql, new { Opens = opens, Now = clock.GetUtcNow() }, cancellationToken: ct));

    // A second hold on the same key (a conversation claimed again after a failure) keeps the earlier start.
    private const string HoldSql = """
        INSERT INTO bulk_holds (hold_key, phone, subscriber_id, held_until, created_at)
             VALUES (@HoldKey, @HoldPhone, @HoldSubscriberId, @HoldUntil, @HoldNow)
        ON CONFLICT (hold_key) DO UPDATE SET held_until = EXCLUDED.held_until
        """;

    /// <summary>
    /// Holds the bulk messages (priority Bulk: broadcasts but urgent ones, tips, scheduled lessons, confirmations of
    /// imports) of <paramref name="phone"/> until <paramref name="until"/> or <see cref="ReleaseBulkAsync"/>, in the
    /// caller's transaction: the dispatcher skips them meanwhile, whenever they were queued. Replies, counsellors'
    /// messages and urgent broadcasts are never held. <paramref name="key"/> names the hold ("support_request:17").
    /// </summary>
    public Task HoldBulkAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, string key, string phone, long? subscriberId, DateTimeOffset until,
        CancellationToken ct) =>
        conn.ExecuteAsync(new CommandDefinition(HoldSql, new
        {
            HoldKey = key, HoldPhone = phone, HoldSubscriberId = subscriberId, HoldUntil = until.ToUniversalTime(), HoldNow = clock.GetUtcNow(),
        }, tx, cancellationToken: ct));

    // The held messages keep the validity they had left when the hold began (a notice held for an hour may still go
    // for as long as it could then); another hold still on the number keeps them waiting. Then the dispatchers wake.
    private const string ReleaseSql = """
        WITH released AS (DELETE FROM bulk_holds WHERE hold_key = @HoldKey RETURNING phone, subscriber_id, created_at),
        moved AS (
            UPDATE outbound_messages m
               SET expires_at = m.expires_at + (@HoldNow - r.created_at)
              FROM released r
             WHERE m.subscriber_id = r.subscriber_id AND m.recipient = r.phone AND m.status = 'queued' AND m.priority = 2
               AND m.not_before <= @HoldNow AND m.expires_at > r.created_at
               AND NOT EXISTS (SELECT FROM bulk_holds h WHERE h.phone = r.phone AND h.hold_key <> @HoldKey AND h.held_until > @HoldNow)
            RETURNING m.id)
        SELECT (SELECT count(*) FROM released)::int AS released, (SELECT count(*) FROM moved)::int AS moved, pg_notify('outbound_messages', '')::text AS notified
        """;

    /// <summary>Ends the hold <paramref name="key"/> (if any) in the caller's transaction: its messages go now.</summary>
    public SqlStatement ReleaseBulkStatement(string key) => new(ReleaseSql, new { HoldKey = key, HoldNow = clock.GetUtcNow() });

    /// <summary>Ends the hold <paramref name="key"/> (if any): its messages go now. Returns whether there was one.</summary>
    public async Task<bool> ReleaseBulkAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, string key, CancellationToken ct) =>
        (await conn.QuerySingleAsync<(int Released, int Moved, string? Notified)>(new CommandDefinition(ReleaseSql,
            new { HoldKey = key, HoldNow = clock.GetUtcNow() }, tx, cancellationToken: ct))).Released > 0;

    private const string ExpiredHoldsSql = "SELECT hold_key FROM bulk_holds WHERE held_until <= @Now ORDER BY held_until LIMIT 1000";

    /// <summary>Holds past their end: their messages already go (the dispatcher checks the end); ending them also moves
    /// the messages' validity on. Returns how many were ended.</summary>
    public async Task<int> ReleaseExpiredHoldsAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        var keys = (await conn.QueryAsync<string>(new CommandDefinition(ExpiredHoldsSql, new { Now = clock.GetUtcNow() }, cancellationToken: ct))).AsList();
        foreach (var key in keys)
            await ReleaseBulkAsync(conn, null, key, ct);
        return keys.Count;
    }

    private const string DeleteForRecipientSql = """
        DELETE FROM outbound_messages WHERE recipient = @Phone;
        DELETE FROM bulk_holds WHERE phone = @Phone
        """;

    /// <summary>"Delete my data": every message queued for or sent to the number. Returns how many rows went.</summary>
    public static Task<int> DeleteForRecipientAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string phone, CancellationToken ct) =>
        conn.ExecuteAsync(new CommandDefinition(DeleteForRecipientSql, new { Phone = phone }, tx, cancellationToken: ct));

    [GeneratedRegex(@"^\+[1-9][0-9]{6,14}$")]
    private static partial Regex E164();

    [GeneratedRegex("^[a-z][a-z_]*$")]
    private static partial Regex Kind();
}
