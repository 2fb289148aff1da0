using System.Security.Cryptography;
using System.Text;
using Dapper;
using Gateway.Data;
using Npgsql;

namespace Gateway.Subscriptions;

/// <summary>
/// The subscriber store: finding and creating a number's record and reading its topics. Consent (status, topics,
/// ledger) changes only through <see cref="ChangeConsent"/>, by the rule in <see cref="ConsentRule"/>; other slices
/// call these methods rather than writing to subscribers, subscriptions or consent_events themselves.
/// </summary>
public sealed class Subscribers(NpgsqlDataSource db, ChangeConsent consent, TimeProvider clock)
{
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

    // ON CONFLICT … DO UPDATE SET phone = EXCLUDED.phone is a no-op update that makes RETURNING give the existing row,
    // and locks it until the caller's transaction ends. Parameters named for the subscriber, so that the statement can
    // share a round trip with others (SqlStatement.Command).
    private const string UpsertSql = """
        INSERT INTO subscribers (phone, language, created_at)
             VALUES (@SubscriberPhone, @SubscriberLanguage, @SubscriberNow)
        ON CONFLICT (phone) DO UPDATE SET phone = EXCLUDED.phone
        RETURNING id, phone, language, status, region, created_at, opted_out_at
        """;

    /// <summary>The subscriber with this number, created (active, in <paramref name="language"/>) if new, and locked
    /// until <paramref name="tx"/> ends, so a decision made from it cannot race another change.</summary>
    public async Task<Subscriber> FindOrCreateAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, string phone, string language, CancellationToken ct) =>
        await conn.QuerySingleAsync<Subscriber>(new CommandDefinition(UpsertSql, UpsertParameters(phone, language), tx, cancellationToken: ct));

    private object UpsertParameters(string phone, string language) =>
        new { SubscriberPhone = phone, SubscriberLanguage = language, SubscriberNow = clock.GetUtcNow() };

    // Sees the row the first statement created or locked: the same transaction, a later statement.
    private const string UpsertWithTopicsSql = UpsertSql + """
        ;
        SELECT t.topic FROM subscriptions t JOIN subscribers s ON s.id = t.subscriber_id WHERE s.phone = @SubscriberPhone ORDER BY t.topic
        """;

    /// <summary>
    /// <see cref="FindOrCreateAsync"/> and <see cref="TopicsAsync"/> as statements for a caller's round trip (the inbound
    /// pipeline reads the sender with them): two results, the subscriber (locked until the transaction ends) and
    /// their topics, read by <see cref="ReadWithTopicsAsync"/>.
    /// </summary>
    public SqlStatement FindOrCreateWithTopics(string phone, string language) =>
        new(UpsertWithTopicsSql, UpsertParameters(phone, language));

    /// <summary>The two results of <see cref="FindOrCreateWithTopics"/>, next in <paramref name="read"/>.</summary>
    public static async Task<(Subscriber Subscriber, IReadOnlyList<string> Topics)> ReadWithTopicsAsync(SqlMapper.GridReader read)
    {
        var subscriber = await read.ReadSingleAsync<Subscriber>();
        return (subscriber, (await read.ReadAsync<string>()).AsList());
    }

    private const string SelectTopicsSql = "SELECT topic FROM subscriptions WHERE subscriber_id = @SubscriberId ORDER BY topic";

    /// <summary>The topic keys the subscriber receives (whatever their status: an opt-out keeps them for a later START),
    /// in byte order (the column is COLLATE "C").</summary>
    public async Task<IReadOnlyList<string>> TopicsAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, long subscriberId, CancellationToken ct) =>
        (await conn.QueryAsync<string>(new CommandDefinition(SelectTopicsSql, new { SubscriberId = subscriberId }, tx, cancellationToken: ct))).AsList();

    /// <summary>A carrier-level opt-out (Twilio 21610) for a number: opts it out of everything if we know it.</summary>
    public async Task RecordCarrierOptOutAsync(string phone, string reason, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var subscriber = await conn.QuerySingleOrDefaultAsync<Subscriber>(new CommandDefinition(SelectByPhoneSql + " FOR UPDATE", new { Phone = phone }, tx, cancellationToken: ct));
        if (subscriber is not null && !subscriber.IsOptedOut)
            await consent.ApplyAsync(conn, tx, ConsentRule.StopEverything(subscriber, reason, ConsentChannel.Carrier), ct);
        await tx.CommitAsync(ct);
    }

    /// <summary>SHA-256 of the E.164 number, hex: what remains of a number after its data is deleted.</summary>
    public static string PhoneHash(string phone) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(phone))).ToLowerInvariant();
}
