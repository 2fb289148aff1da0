using Dapper;
using Gateway.Phones;
using Npgsql;

namespace Gateway.Subscriptions;

public enum ErasureOutcome
{
    /// <summary>Personal data was found and deleted.</summary>
    Erased,

    /// <summary>Nothing about this number was stored.</summary>
    NothingStored,
}

/// <summary>
/// "Delete my data": removes everything the gateway keeps about a phone number, in one transaction, and keeps
/// only what proves the resident opted out: consent_events opt-out rows reduced to the number's hash, the scope
/// and the time, plus a data_erasures row saying when the deletion happened and where it was asked for.
/// Deleting is also an opt-out of everything, so it is ledgered as one first.
/// </summary>
public sealed class DeleteSubscriberData(NpgsqlDataSource db, ChangeConsent consent, TimeProvider clock, ILogger<DeleteSubscriberData> log)
{
    // Every other table that holds a resident's data by phone number (and the outbound queue, through Delivery). A slice
    // that adds such a table adds its DELETE here, so that one operation keeps erasing everything. Tables keyed by subscribers.id (subscriptions,
    // enrolments, tip rotations) go with the subscriber row (ON DELETE CASCADE). phone_number_problems stays: it
    // says only that a number cannot receive SMS, and keeps us from paying to send to it again.
    private static readonly string[] DeleteByPhoneSql =
    [
        "DELETE FROM inbound_messages   WHERE from_phone = @Phone",
        "DELETE FROM simulator_messages WHERE to_phone   = @Phone",
        "DELETE FROM ussd_sessions      WHERE phone      = @Phone",
        "DELETE FROM support_requests   WHERE phone      = @Phone",
    ];

    private const string SelectSubscriberForUpdateSql = """
        SELECT id, phone, language, status, region, created_at, opted_out_at
          FROM subscribers
         WHERE phone = @Phone
           FOR UPDATE
        """;

    // Opt-ins say which topics a person liked: personal, and not needed to prove an opt-out.
    private const string DeleteOptInsSql = "DELETE FROM consent_events WHERE phone_hash = @PhoneHash AND action = 'opt_in'";

    private const string AnonymiseOptOutsSql = """
        UPDATE consent_events SET phone = NULL, subscriber_id = NULL
         WHERE phone_hash = @PhoneHash AND (phone IS NOT NULL OR subscriber_id IS NOT NULL)
        """;

    // Subscriptions, course enrolments and the daily-tip rotation go with it (ON DELETE CASCADE); the course opt-ins
    // ('course:<key>') go with the other opt-ins above.
    private const string DeleteSubscriberSql = "DELETE FROM subscribers WHERE id = @Id";

    private const string InsertErasureSql = """
        INSERT INTO data_erasures (phone_hash, channel, erased_at) VALUES (@PhoneHash, @Channel, @Now)
        """;

    /// <param name="phone">E.164.</param>
    /// <param name="channel">Where the resident asked: <see cref="ConsentChannel"/> sms, ussd or api.</param>
    public async Task<ErasureOutcome> HandleAsync(string phone, string channel, CancellationToken ct)
    {
        var phoneHash = Subscribers.PhoneHash(phone);
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);

        var erased = 0;
        var subscriber = await conn.QuerySingleOrDefaultAsync<Subscriber>(new CommandDefinition(SelectSubscriberForUpdateSql, new { Phone = phone }, tx, cancellationToken: ct));
        if (subscriber is not null)
        {
            await consent.ApplyAsync(conn, tx, ConsentRule.StopEverything(subscriber, "delete my data", channel), ct);
            await conn.ExecuteAsync(new CommandDefinition(DeleteOptInsSql, new { PhoneHash = phoneHash }, tx, cancellationToken: ct));
            await conn.ExecuteAsync(new CommandDefinition(AnonymiseOptOutsSql, new { PhoneHash = phoneHash }, tx, cancellationToken: ct));
            erased += await conn.ExecuteAsync(new CommandDefinition(DeleteSubscriberSql, new { subscriber.Id }, tx, cancellationToken: ct));
        }
        foreach (var sql in DeleteByPhoneSql)
            erased += await conn.ExecuteAsync(new CommandDefinition(sql, new { Phone = phone }, tx, cancellationToken: ct));
        erased += await Delivery.Outbox.DeleteForRecipientAsync(conn, tx, phone, ct);

        if (erased == 0)
        {
            await tx.RollbackAsync(ct);
            return ErasureOutcome.NothingStored;
        }
        await conn.ExecuteAsync(new CommandDefinition(InsertErasureSql, new { PhoneHash = phoneHash, Channel = channel, Now = clock.GetUtcNow() }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        log.LogInformation("Deleted the data of {Phone} on request ({Channel}); {Rows} rows", Phone.Mask(phone), channel, erased);
        return ErasureOutcome.Erased;
    }
}
