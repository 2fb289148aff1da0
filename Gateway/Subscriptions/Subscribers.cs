using System.Security.Cryptography;
using System.Text;
using Dapper;
using Gateway.Data;
using Npgsql;

namespace Gateway.Subscriptions;

/// <summary>
/// The subscriber store and its consent ledger. Every opt-in and opt-out goes through here, so the ledger
/// row and the state change are written in the same transaction. Other slices call these methods rather
/// than writing to subscribers, subscriptions or consent_events themselves.
/// </summary>
public sealed class Subscribers(NpgsqlDataSource db, TimeProvider clock)
{
    /// <summary>Scope of an opt-in or opt-out that covers every topic.</summary>
    public const string AllTopics = "all";

    private const string SelectByPhoneSql = """
        SELECT id, phone, language, status, region, created_at, opted_out_at
          FROM subscribers
         WHERE phone = @Phone
        """;

    public async Task<Subscriber?> FindAsync(string phone, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return await conn.QuerySingleOrDefaultAsync<Subscriber>(new CommandDefinition(SelectByPhoneSql, new { Phone = phone }, cancellationToken: ct));
    }

    // ON CONFLICT … DO UPDATE SET phone = EXCLUDED.phone is a no-op update that makes RETURNING give the existing row.
    private const string UpsertSql = """
        INSERT INTO subscribers (phone, language, created_at)
             VALUES (@Phone, @Language, @Now)
        ON CONFLICT (phone) DO UPDATE SET phone = EXCLUDED.phone
        RETURNING id, phone, language, status, region, created_at, opted_out_at
        """;

    /// <summary>The subscriber with this number, created (active, in <paramref name="language"/>) if new.</summary>
    public async Task<Subscriber> FindOrCreateAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, string phone, string language, CancellationToken ct) =>
        await conn.QuerySingleAsync<Subscriber>(new CommandDefinition(UpsertSql,
            new { Phone = phone, Language = language, Now = clock.GetUtcNow() }, tx, cancellationToken: ct));

    private const string OptOutAllSql = """
        UPDATE subscribers SET status = 'opted_out', opted_out_at = @Now
         WHERE id = @SubscriberId AND status <> 'opted_out'
        """;

    private const string OptInAllSql = """
        UPDATE subscribers SET status = 'active', opted_out_at = NULL
         WHERE id = @SubscriberId AND status = 'opted_out'
        """;

    private const string JoinTopicSql = """
        INSERT INTO subscriptions (subscriber_id, topic, created_at) VALUES (@SubscriberId, @Scope, @Now)
        ON CONFLICT DO NOTHING
        """;

    private const string LeaveTopicSql = "DELETE FROM subscriptions WHERE subscriber_id = @SubscriberId AND topic = @Scope";

    private const string InsertConsentSql = """
        INSERT INTO consent_events (subscriber_id, phone, phone_hash, action, scope, keyword, channel, occurred_at)
             VALUES (@SubscriberId, @Phone, @PhoneHash, @Action, @Scope, @Keyword, @Channel, @Now)
        """;

    // A state change and its ledger row as one statement (one round trip on the webhook's hot path): the ledger row is
    // written whether or not anything changed; the result is the number of rows the change touched.
    private static string WithLedger(string changeSql) =>
        $"WITH changed AS ({changeSql} RETURNING 1), ledger AS ({InsertConsentSql}) SELECT count(*)::int FROM changed";

    private static readonly string OptOutAllWithLedgerSql = WithLedger(OptOutAllSql);
    private static readonly string LeaveTopicWithLedgerSql = WithLedger(LeaveTopicSql);
    private static readonly string OptInAllWithLedgerSql = WithLedger(OptInAllSql);
    private static readonly string JoinTopicWithLedgerSql = WithLedger(JoinTopicSql);

    private static string OptOutSql(string scope) => scope == AllTopics ? OptOutAllWithLedgerSql : LeaveTopicWithLedgerSql;
    private static string OptInSql(string scope) => scope == AllTopics ? OptInAllWithLedgerSql : JoinTopicWithLedgerSql;

    /// <summary>
    /// Opts out of everything (<paramref name="scope"/> = <see cref="AllTopics"/>) or leaves one topic, and writes the ledger.
    /// Returns false when nothing changed (already opted out, or not subscribed to that topic); the ledger still records the request.
    /// </summary>
    public Task<bool> OptOutAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Subscriber subscriber, string scope,
        string? keyword, string channel, CancellationToken ct) =>
        ChangeConsentAsync(conn, tx, OptOutSql(scope), Args(subscriber, "opt_out", scope, keyword, channel), ct);

    /// <summary>Opts back in to everything (<see cref="AllTopics"/>) or joins one topic, and writes the ledger.</summary>
    public Task<bool> OptInAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Subscriber subscriber, string scope,
        string? keyword, string channel, CancellationToken ct) =>
        ChangeConsentAsync(conn, tx, OptInSql(scope), Args(subscriber, "opt_in", scope, keyword, channel), ct);

    private static async Task<bool> ChangeConsentAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string changeWithLedgerSql, object args, CancellationToken ct) =>
        await conn.ExecuteScalarAsync<int>(new CommandDefinition(changeWithLedgerSql, args, tx, cancellationToken: ct)) > 0;

    private const string SelectTopicsSql = "SELECT topic FROM subscriptions WHERE subscriber_id = @SubscriberId ORDER BY created_at, topic";

    /// <summary>The topic keys the subscriber receives (whatever their status: an opt-out keeps them for a later START).</summary>
    public async Task<IReadOnlyList<string>> TopicsAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, long subscriberId, CancellationToken ct) =>
        (await conn.QueryAsync<string>(new CommandDefinition(SelectTopicsSql, new { SubscriberId = subscriberId }, tx, cancellationToken: ct))).AsList();

    private const string SetLanguageSql = "UPDATE subscribers SET language = @Language WHERE id = @SubscriberId";

    /// <summary>The language replies and content are sent in: zh or en.</summary>
    public async Task SetLanguageAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long subscriberId, string language, CancellationToken ct) =>
        await conn.ExecuteAsync(new CommandDefinition(SetLanguageSql, new { SubscriberId = subscriberId, Language = language }, tx, cancellationToken: ct));

    // ---- The same changes as statements for one batch (the inbound webhook sends all of a message's changes at once) ----

    /// <summary>The statement of <see cref="OptOutAsync"/>: the state change (a no-op when nothing changes) with the ledger row.</summary>
    public IEnumerable<NpgsqlBatchCommand> OptOutCommands(Subscriber subscriber, string scope, string? keyword, string channel) =>
        [Batch.Command(OptOutSql(scope), Args(subscriber, "opt_out", scope, keyword, channel))];

    /// <summary>The statement of <see cref="OptInAsync"/>.</summary>
    public IEnumerable<NpgsqlBatchCommand> OptInCommands(Subscriber subscriber, string scope, string? keyword, string channel) =>
        [Batch.Command(OptInSql(scope), Args(subscriber, "opt_in", scope, keyword, channel))];

    /// <summary>
    /// The ledger row alone, for a consent kept outside subscriptions: enrolling in a course (scope 'course:&lt;key&gt;')
    /// is an opt-in to that course's lessons, and leaving it an opt-out. The caller makes the change in the same batch.
    /// </summary>
    public NpgsqlBatchCommand ConsentCommand(Subscriber subscriber, bool optIn, string scope, string? keyword, string channel) =>
        Batch.Command(InsertConsentSql, Args(subscriber, optIn ? "opt_in" : "opt_out", scope, keyword, channel));

    /// <summary>The statement of <see cref="SetLanguageAsync"/>.</summary>
    public static NpgsqlBatchCommand SetLanguageCommand(long subscriberId, string language) =>
        Batch.Command(SetLanguageSql, new { SubscriberId = subscriberId, Language = language });

    /// <summary>A carrier-level opt-out (Twilio 21610) for a number: opts it out of everything if we know it.</summary>
    public async Task RecordCarrierOptOutAsync(string phone, string reason, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var subscriber = await conn.QuerySingleOrDefaultAsync<Subscriber>(new CommandDefinition(SelectByPhoneSql, new { Phone = phone }, tx, cancellationToken: ct));
        if (subscriber is not null && !subscriber.IsOptedOut)
            await OptOutAsync(conn, tx, subscriber, AllTopics, reason, ConsentChannel.Carrier, ct);
        await tx.CommitAsync(ct);
    }

    /// <summary>SHA-256 of the E.164 number, hex: what remains of a number after its data is deleted.</summary>
    public static string PhoneHash(string phone) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(phone))).ToLowerInvariant();

    private object Args(Subscriber s, string action, string scope, string? keyword, string channel) => new
    {
        SubscriberId = s.Id,
        s.Phone,
        PhoneHash = PhoneHash(s.Phone),
        Action = action,
        Scope = scope,
        Keyword = keyword,
        Channel = channel,
        Now = clock.GetUtcNow(),
    };
}
