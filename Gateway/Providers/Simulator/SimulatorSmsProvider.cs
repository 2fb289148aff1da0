using Dapper;
using Gateway.Delivery;
using Gateway.Delivery.Encoding;
using Npgsql;

namespace Gateway.Providers.Simulator;

/// <summary>
/// The default provider for local runs: a real <see cref="ISmsProvider"/> that "sends" by storing the message,
/// so nothing leaves the machine and the phone simulator page can show it. It is paced like any sender and
/// reports "delivered" for what it stores, as Twilio's status callback would, so the status path runs locally too.
/// </summary>
public sealed class SimulatorSmsProvider(NpgsqlDataSource db, TimeProvider clock, RecordDeliveryReport reports) : ISmsProvider
{
    public const string ProviderName = "simulator";

    public string Name => ProviderName;

    public string Sender => ProviderName;

    // outbound_id is unique, so handing the same outbound message over twice stores it once.
    private const string InsertSentSql = """
        WITH inserted AS (
            INSERT INTO simulator_messages (to_phone, body, segments, encoding, sent_at, outbound_id)
                 VALUES (@To,      @Body, @Segments, @Encoding, @SentAt, @OutboundId)
            ON CONFLICT (outbound_id) DO NOTHING
            RETURNING id)
        SELECT id FROM inserted
        UNION ALL
        SELECT id FROM simulator_messages WHERE outbound_id = @OutboundId
        LIMIT 1
        """;

    public async Task<SendOutcome> SendAsync(OutgoingSms sms, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var id = await conn.ExecuteScalarAsync<long>(new CommandDefinition(InsertSentSql, new
        {
            sms.To,
            sms.Body,
            sms.Segments,
            Encoding = sms.Encoding.Label(),
            SentAt = clock.GetUtcNow(),
            OutboundId = sms.MessageId,
        }, cancellationToken: ct));
        var sid = $"SIM{id:D10}";
        // Arrives before the dispatcher has recorded the id, like a fast callback: kept, then applied by reconciliation.
        await reports.HandleAsync(new DeliveryReport(ProviderName, sid, sms.MessageId, "delivered", 5, OutboundStatus.Delivered, null), ct);
        return new SendOutcome.Accepted(sid);
    }

    private const string SelectByOutboundIdSql = "SELECT id FROM simulator_messages WHERE outbound_id = @MessageId";

    public async Task<LookupOutcome> FindAsync(OutgoingSms sms, DateTimeOffset since, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var id = await conn.QuerySingleOrDefaultAsync<long?>(new CommandDefinition(SelectByOutboundIdSql, new { sms.MessageId }, cancellationToken: ct));
        return id is { } found ? new LookupOutcome.Found($"SIM{found:D10}") : new LookupOutcome.NotFound();
    }

    private const string InsertReplySql = """
        INSERT INTO simulator_messages (to_phone, body, segments, encoding, sent_at)
             VALUES (@To,      @Body, @Segments, @Encoding, @SentAt)
        """;

    /// <summary>Stores a reply given inline to an inbound message, as Twilio sends a TwiML reply to the phone.</summary>
    public async Task RecordReplyAsync(string to, string body, CancellationToken ct)
    {
        var measured = SegmentCalculator.Measure(body);
        await using var conn = await db.OpenConnectionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(InsertReplySql, new
        {
            To = to,
            Body = body,
            measured.Segments,
            Encoding = measured.Encoding.Label(),
            SentAt = clock.GetUtcNow(),
        }, cancellationToken: ct));
    }

    public sealed record SimulatedMessage(long Id, string To, string Body, int Segments, string Encoding, DateTime SentAt);

    private const string SelectSentSql = """
        SELECT id, to_phone AS "To", body, segments, encoding, sent_at
          FROM simulator_messages
         WHERE (@To::text IS NULL OR to_phone = @To)
         ORDER BY id DESC
         LIMIT @Limit
        """;

    public async Task<IReadOnlyList<SimulatedMessage>> ListAsync(string? to, int limit, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = await conn.QueryAsync<SimulatedMessage>(new CommandDefinition(SelectSentSql, new { To = to, Limit = limit }, cancellationToken: ct));
        return rows.AsList();
    }
}
