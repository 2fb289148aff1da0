using Dapper;
using Gateway.Delivery.Encoding;
using Gateway.Phones;
using Npgsql;
using Gateway.Hosting;

namespace Gateway.Delivery;

/// <summary>What one reconciliation pass did.</summary>
public sealed record ReconcilePass(int LeasesRecovered, int FoundAtProvider, int Resent, int GaveUp, int ReportsApplied);

/// <summary>
/// Settles what the dispatcher could not: rows left 'sending' by a worker that stopped (their lease expired),
/// hand-offs whose outcome was unknown ('ambiguous'), and delivery reports that arrived before their row knew its
/// provider id. The request behind an ambiguous row may have reached the provider, and a Twilio create is not
/// idempotent, so the row is never resent blindly: the provider is asked first, and a message it does not have
/// is sent again at most once, with a note.
/// </summary>
public sealed class ReconcileDeliveries(NpgsqlDataSource db, ISmsProvider provider, RecordDeliveryReport reports,
    TimeProvider clock, ILogger<ReconcileDeliveries> log)
{
    /// <summary>
    /// How long after its hand-off an ambiguous row waits before the provider is asked: time for its first delivery
    /// report to settle it. Shorter than the lease, so a stopped worker's rows are asked about as soon as they come back.
    /// </summary>
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(20);

    /// <summary>Twilio stamps date_created in whole seconds, and its clock is not ours.</summary>
    private static readonly TimeSpan ClockSlack = TimeSpan.FromSeconds(30);

    private const int BatchSize = 100;

    // status_at becomes the hand-off time, so the grace below counts from then: the lease has already waited.
    private const string RecoverLeasesSql = """
        UPDATE outbound_messages
           SET status = 'ambiguous', claimed_until = NULL, status_at = coalesce(sent_at, @Now),
               note = 'the worker stopped while sending it (lease expired)'
         WHERE status = 'sending' AND claimed_until < @Now
        """;

    private sealed record Doubt(long Id, string Recipient, string Body, string Encoding, int Segments, DateTime ExpiresAt,
        short Resends, DateTime? SentAt, DateTime CreatedAt);

    private const string ClaimDoubtsSql = """
        WITH doubt AS (
            SELECT id
              FROM outbound_messages
             WHERE status = 'ambiguous' AND provider = @Provider AND status_at <= @AskBefore
               AND (claimed_until IS NULL OR claimed_until < @Now)
             ORDER BY status_at
             LIMIT @Limit
               FOR UPDATE SKIP LOCKED)
        UPDATE outbound_messages m
           SET claimed_until = @LeaseUntil
          FROM doubt
         WHERE m.id = doubt.id
        RETURNING m.id, m.recipient, m.body, m.encoding, m.segments, m.expires_at, m.resends, m.sent_at, m.created_at
        """;

    private const string FoundSql = """
        UPDATE outbound_messages
           SET status = 'sent', provider_message_id = @ProviderMessageId, claimed_until = NULL, status_at = @Now,
               note = 'found at the provider after an ambiguous hand-off'
         WHERE id = @Id AND status = 'ambiguous'
        """;

    private const string ResendSql = """
        UPDATE outbound_messages
           SET status = 'queued', resends = resends + 1, not_before = @Now, claimed_until = NULL, status_at = @Now,
               note = 'not found at the provider after an ambiguous hand-off; sent again once'
         WHERE id = @Id AND status = 'ambiguous'
        """;

    private const string GiveUpSql = """
        UPDATE outbound_messages
           SET status = @Status, claimed_until = NULL, status_at = @Now, note = @Note
         WHERE id = @Id AND status = 'ambiguous'
        """;

    private const string AskLaterSql = "UPDATE outbound_messages SET claimed_until = @Until WHERE id = @Id AND status = 'ambiguous'";

    /// <summary>One pass; the dispatcher service runs it every few seconds, tests call it directly.</summary>
    public async Task<ReconcilePass> ReconcileOnceAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(ct);
        var recovered = await conn.ExecuteAsync(new CommandDefinition(RecoverLeasesSql, new { Now = now }, cancellationToken: ct));
        if (recovered > 0) log.LogWarning("{Count} messages were left 'sending' by a stopped worker; reconciling them", recovered);

        var doubts = (await conn.QueryAsync<Doubt>(new CommandDefinition(ClaimDoubtsSql, new
        {
            Provider = provider.Name, AskBefore = now - Grace, Now = now, LeaseUntil = now + Dispatcher.Lease, Limit = BatchSize,
        }, cancellationToken: ct))).AsList();

        int found = 0, resent = 0, gaveUp = 0;
        foreach (var d in doubts)
        {
            var expiresAt = new DateTimeOffset(DateTime.SpecifyKind(d.ExpiresAt, DateTimeKind.Utc));
            var since = new DateTimeOffset(DateTime.SpecifyKind(d.SentAt ?? d.CreatedAt, DateTimeKind.Utc)) - ClockSlack;
            var sms = new OutgoingSms(d.Id, d.Recipient, d.Body, d.Encoding == "GSM-7" ? SmsEncoding.Gsm7 : SmsEncoding.Ucs2, d.Segments, expiresAt);
            var answer = await AskAsync(sms, since, ct);
            switch (answer)
            {
                case LookupOutcome.Found f:
                    await conn.ExecuteAsync(new CommandDefinition(FoundSql, new { d.Id, f.ProviderMessageId, Now = now }, cancellationToken: ct));
                    found++;
                    break;
                case LookupOutcome.NotFound when expiresAt <= now:
                    await conn.ExecuteAsync(new CommandDefinition(GiveUpSql, new
                    {
                        d.Id, Status = OutboundStatus.Expired, Now = now, Note = "not found at the provider after an ambiguous hand-off; validity passed",
                    }, cancellationToken: ct));
                    gaveUp++;
                    break;
                case LookupOutcome.NotFound when d.Resends == 0:
                    await conn.ExecuteAsync(new CommandDefinition(ResendSql, new { d.Id, Now = now }, cancellationToken: ct));
                    resent++;
                    break;
                case LookupOutcome.NotFound:
                    await conn.ExecuteAsync(new CommandDefinition(GiveUpSql, new
                    {
                        d.Id, Status = OutboundStatus.Failed, Now = now, Note = "ambiguous again after a resend; not sent a third time",
                    }, cancellationToken: ct));
                    gaveUp++;
                    break;
                case LookupOutcome.Unknown u:
                    log.LogWarning("Could not ask {Provider} about message {Id} to {To}: {Reason}", provider.Name, d.Id, Phone.Mask(d.Recipient), LogSanitiser.Clean(u.Reason));
                    await conn.ExecuteAsync(new CommandDefinition(AskLaterSql, new { d.Id, Until = now + TimeSpan.FromMinutes(1) }, cancellationToken: ct));
                    break;
            }
        }
        if (resent > 0) await Outbox.NotifyAsync(conn, null, ct);

        var applied = await ApplyKeptReportsAsync(conn, now, ct);
        return new ReconcilePass(recovered, found, resent, gaveUp, applied);
    }

    private async Task<LookupOutcome> AskAsync(OutgoingSms sms, DateTimeOffset since, CancellationToken ct)
    {
        try
        {
            return await provider.FindAsync(sms, since, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            return new LookupOutcome.Unknown(e.Message);
        }
    }

    private sealed record Kept(long Id, string Provider, string ProviderMessageId, long? MessageId, string ProviderStatus, string? ErrorCode,
        short Rank, string? Outcome, string Problem, string NumberProblem);

    // Reports a day old that still match nothing are not ours to apply; they stay for a human to look at.
    private const string SelectKeptSql = """
        SELECT r.id, r.provider, r.provider_message_id, r.message_id, r.provider_status, r.error_code,
               r.rank, r.outcome, r.problem, r.number_problem
          FROM delivery_reports r
         WHERE r.applied_at IS NULL AND r.received_at > @Since
           AND EXISTS (SELECT 1 FROM outbound_messages m
                        WHERE m.provider_message_id = r.provider_message_id AND m.provider = r.provider)
         ORDER BY r.id
         LIMIT 500
        """;

    private async Task<int> ApplyKeptReportsAsync(NpgsqlConnection conn, DateTimeOffset now, CancellationToken ct)
    {
        var kept = await conn.QueryAsync<Kept>(new CommandDefinition(SelectKeptSql, new { Since = now - TimeSpan.FromDays(1) }, cancellationToken: ct));
        var applied = 0;
        foreach (var k in kept)
        {
            var report = new DeliveryReport(k.Provider, k.ProviderMessageId, k.MessageId, k.ProviderStatus, k.Rank, k.Outcome, k.ErrorCode,
                Enum.Parse<ReportProblem>(k.Problem), Enum.Parse<NumberProblem>(k.NumberProblem));
            if (await reports.ApplyKeptAsync(k.Id, report, ct) != ReportResult.Unmatched) applied++;
        }
        return applied;
    }
}
