using Dapper;
using Gateway.Delivery.Encoding;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Gateway.Delivery;

/// <summary>What one reconciliation pass did.</summary>
/// <param name="TakenBack">Rows of dispatch passes whose lease had ended (their worker stopped).</param>
/// <param name="Requeued">Of those, rows never handed over: back in the queue, nobody asked.</param>
/// <param name="FailedUnconfirmed">Rows given up: ambiguous after their one resend too, and not at the provider.</param>
public sealed record ReconcilePass(int TakenBack, int Requeued, int FoundAtProvider, int Resent, int GaveUp, int FailedUnconfirmed,
    int ReportsApplied, int AskLater);

/// <summary>
/// Settles what the dispatcher could not: the rows of a dispatch pass whose lease ended (its worker stopped), hand-offs
/// whose outcome was unknown ('ambiguous'), and delivery reports that arrived before their row knew its provider id.
/// <para>
/// A stopped pass's rows past its hand-off mark never left: they go back to the queue at once. The others, and every
/// ambiguous hand-off, may have reached the provider, and a Twilio create is not idempotent, so such a row is never
/// resent blindly: a delivery report settles it if one came, else the provider is asked (one REST call per row: at most
/// SMS_LOOKUPS_PER_SECOND, shared by every worker through the budget table, and <see cref="LookupsInFlight"/> at once
/// per process, in batches whose outcomes are written in one statement), and a message it does not have is sent again
/// once. Ambiguous again after that resend, it is given up: 'failed' with error_code <see cref="UnconfirmedCode"/>,
/// logged with its id and counted (the broadcast's counts, /health/ready).
/// </para>
/// </summary>
public sealed class ReconcileDeliveries(NpgsqlDataSource db, ISmsProvider provider, RecordDeliveryReport reports, SenderBudget budget,
    TimeProvider clock, IOptions<DeliveryOptions> options, ILogger<ReconcileDeliveries> log)
{
    /// <summary>
    /// How long after the doubt arose (an ambiguous outcome recorded, or a stopped pass's lease ended) the provider is
    /// asked: time for its first delivery report to settle the row, and for a request that reached the provider just
    /// before the lease ended to show in its list. It also covers clocks of workers up to a few seconds apart.
    /// </summary>
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(10);

    /// <summary>error_code of a message given up after an ambiguous hand-off and an ambiguous resend.</summary>
    public const string UnconfirmedCode = "ambiguous_after_resend";

    /// <summary>Lookups in flight at once per worker process.</summary>
    public const int LookupsInFlight = 16;

    /// <summary>A pass asks in batches, and stops after this long so the next pass starts with fresh leases to take back.</summary>
    private static readonly TimeSpan AskFor = TimeSpan.FromSeconds(20);

    /// <summary>A provider that could not answer is asked again after this.</summary>
    private static readonly TimeSpan AskAgainAfter = TimeSpan.FromSeconds(15);

    /// <summary>Twilio stamps date_created in whole seconds, and its clock is not ours.</summary>
    private static readonly TimeSpan ClockSlack = TimeSpan.FromSeconds(30);

    private const int MaxBatch = 500;

    // A pass whose lease ended is deleted (a live pass renewing it at that moment wins the row lock and keeps it), and
    // its rows come back: past its hand-off mark to the queue, up to it in doubt from the moment the lease ended.
    private const string TakeBackSql = """
        WITH ended AS (
            DELETE FROM dispatch_passes WHERE lease_until < @Now
            RETURNING id, worker, lease_until, handed_priority, handed_id),
        taken AS (
            UPDATE outbound_messages m
               SET status    = CASE WHEN (m.priority, m.id) <= (e.handed_priority, e.handed_id) THEN 'ambiguous' ELSE 'queued' END,
                   attempts  = m.attempts - CASE WHEN (m.priority, m.id) <= (e.handed_priority, e.handed_id) THEN 0 ELSE 1 END,
                   pass_id   = NULL,
                   status_at = CASE WHEN (m.priority, m.id) <= (e.handed_priority, e.handed_id) THEN e.lease_until ELSE @Now END,
                   note      = CASE WHEN (m.priority, m.id) <= (e.handed_priority, e.handed_id)
                                    THEN 'its worker stopped while handing it over (lease ended)'
                                    ELSE 'its worker stopped before handing it over (lease ended); queued again' END
              FROM ended e
             WHERE m.pass_id = e.id AND m.status = 'sending'
            RETURNING e.worker, m.status)
        SELECT worker, count(*)::int AS rows, count(*) FILTER (WHERE status = 'queued')::int AS requeued
          FROM taken GROUP BY worker
        """;

    private sealed record Doubt(long Id, string Recipient, string Body, string Encoding, int Segments, DateTimeOffset ExpiresAt,
        short Resends, DateTimeOffset? SentAt, DateTimeOffset CreatedAt);

    // claimed_until is this pass's hold on the rows while it asks, so two workers never ask about one row.
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
           SET claimed_until = @HoldUntil
          FROM doubt
         WHERE m.id = doubt.id
        RETURNING m.id, m.recipient, m.body, m.encoding, m.segments, m.expires_at, m.resends, m.sent_at, m.created_at
        """;

    // Every answer of a batch in one statement. A row a delivery report settled meanwhile is no longer ambiguous: left alone.
    private const string SettleSql = """
        UPDATE outbound_messages m
           SET status              = o.status,
               provider_message_id = coalesce(o.sid, m.provider_message_id),
               resends             = m.resends + o.resend,
               not_before          = CASE WHEN o.status = 'queued' THEN @Now ELSE m.not_before END,
               error_code          = coalesce(o.error_code, m.error_code),
               claimed_until       = o.ask_again_at,
               status_at           = CASE WHEN o.status = 'ambiguous' THEN m.status_at ELSE @Now END,
               note                = coalesce(o.note, m.note)
          FROM unnest(@Ids, @Statuses, @Sids, @Resends, @ErrorCodes, @Notes, @AskAgainAt)
               AS o(id, status, sid, resend, error_code, note, ask_again_at)
         WHERE m.id = o.id AND m.status = 'ambiguous'
        RETURNING m.id, m.status, m.error_code, m.recipient
        """;

    private sealed record Settled(long Id, string Status, string? ErrorCode, string Recipient);

    private sealed record Answer(long Id, string Status, string? Sid = null, short Resend = 0, string? ErrorCode = null, string? Note = null,
        DateTimeOffset? AskAgainAt = null);

    /// <summary>One pass; the dispatcher service runs it every few seconds, tests call it directly.</summary>
    public async Task<ReconcilePass> ReconcileOnceAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        int takenBack = 0, requeued = 0;
        await using (var conn = await db.OpenConnectionAsync(ct))
        {
            foreach (var (worker, rows, back) in await conn.QueryAsync<(string Worker, int Rows, int Requeued)>(
                         new CommandDefinition(TakeBackSql, new { Now = now }, cancellationToken: ct)))
            {
                takenBack += rows;
                requeued += back;
                log.LeaseLapsed(worker, rows, back, rows - back, provider.Name);
            }
            if (requeued > 0) await Outbox.NotifyAsync(conn, null, ct);
        }

        var applied = await ApplyKeptReportsAsync(now, ct);

        int found = 0, resent = 0, gaveUp = 0, unconfirmed = 0, askLater = 0;
        var started = clock.GetUtcNow();
        while (clock.GetUtcNow() - started < AskFor)
        {
            var batch = await AskBatchAsync(ct);
            if (batch is null) break;
            found += batch.Count(s => s.Status == OutboundStatus.Sent);
            resent += batch.Count(s => s.Status == OutboundStatus.Queued);
            askLater += batch.Count(s => s.Status == OutboundStatus.Ambiguous);
            gaveUp += batch.Count(s => s.Status is OutboundStatus.Failed or OutboundStatus.Expired);
            unconfirmed += batch.Count(s => s.ErrorCode == UnconfirmedCode);
        }
        return new ReconcilePass(takenBack, requeued, found, resent, gaveUp, unconfirmed, applied, askLater);
    }

    /// <summary>Asks the provider about one batch of due doubts and writes the answers; null when none was due.</summary>
    private async Task<IReadOnlyList<Settled>?> AskBatchAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var rate = options.Value.LookupsPerSecond;
        // A batch is asked well inside its hold on the rows.
        var limit = rate > 0 ? (int)Math.Clamp(rate * 10, 1, MaxBatch) : MaxBatch;
        List<Doubt> doubts;
        await using (var conn = await db.OpenConnectionAsync(ct))
        {
            doubts = (await conn.QueryAsync<Doubt>(new CommandDefinition(ClaimDoubtsSql, new
            {
                Provider = provider.Name, AskBefore = now - Grace, Now = now, HoldUntil = now + Dispatcher.Lease + AskFor, Limit = limit,
            }, cancellationToken: ct))).AsList();
        }
        if (doubts.Count == 0) return null;

        // The provider's own rate limit counts these calls too: the slots come from a budget every worker shares.
        var interval = rate > 0 ? SenderBudget.SlotInterval(rate) : TimeSpan.Zero;
        var first = rate > 0 ? await budget.ReserveAsync($"lookups:{provider.Sender}", doubts.Count, interval, now, ct) : now;
        var answers = new Answer[doubts.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, doubts.Count), new ParallelOptions { MaxDegreeOfParallelism = LookupsInFlight, CancellationToken = ct },
            async (i, token) =>
            {
                var wait = first + interval * i - clock.GetUtcNow();
                if (wait > TimeSpan.Zero) await Task.Delay(wait, clock, token);
                answers[i] = await AnswerAsync(doubts[i], token);
            });

        var unknown = answers.Count(a => a.Status == OutboundStatus.Ambiguous);
        if (unknown > 0)
            log.ProviderNotAsked(provider.Name, unknown, AskAgainAfter.TotalSeconds);

        await using var write = await db.OpenConnectionAsync(ct);
        var settled = (await write.QueryAsync<Settled>(new CommandDefinition(SettleSql, new
        {
            Ids = answers.Select(a => a.Id).ToArray(),
            Statuses = answers.Select(a => a.Status).ToArray(),
            Sids = answers.Select(a => a.Sid).ToArray(),
            Resends = answers.Select(a => a.Resend).ToArray(),
            ErrorCodes = answers.Select(a => a.ErrorCode).ToArray(),
            Notes = answers.Select(a => a.Note).ToArray(),
            AskAgainAt = answers.Select(a => a.AskAgainAt?.UtcDateTime).ToArray(),
            Now = clock.GetUtcNow(),
        }, cancellationToken: ct))).AsList();
        if (settled.Any(s => s.Status == OutboundStatus.Queued)) await Outbox.NotifyAsync(write, null, ct);
        foreach (var s in settled.Where(s => s.ErrorCode == UnconfirmedCode && s.Status == OutboundStatus.Failed))
            log.GaveUpUnconfirmed(s.Id, s.Recipient, provider.Name, UnconfirmedCode);
        return settled;
    }

    private async Task<Answer> AnswerAsync(Doubt d, CancellationToken ct)
    {
        var expiresAt = d.ExpiresAt;
        var since = (d.SentAt ?? d.CreatedAt) - ClockSlack;
        var sms = new OutgoingSms(d.Id, d.Recipient, d.Body, d.Encoding == "GSM-7" ? SmsEncoding.Gsm7 : SmsEncoding.Ucs2, d.Segments, expiresAt);
        var now = clock.GetUtcNow();
        return await AskAsync(sms, since, ct) switch
        {
            LookupOutcome.Found f => new Answer(d.Id, OutboundStatus.Sent, f.ProviderMessageId, Note: "found at the provider after an ambiguous hand-off"),
            LookupOutcome.NotFound when expiresAt <= now => new Answer(d.Id, OutboundStatus.Expired,
                Note: "not found at the provider after an ambiguous hand-off; validity passed"),
            LookupOutcome.NotFound when d.Resends == 0 => new Answer(d.Id, OutboundStatus.Queued, Resend: 1,
                Note: "not found at the provider after an ambiguous hand-off; sent again once"),
            LookupOutcome.NotFound => new Answer(d.Id, OutboundStatus.Failed, ErrorCode: UnconfirmedCode,
                Note: "ambiguous again after a resend; not sent a third time"),
            _ => new Answer(d.Id, OutboundStatus.Ambiguous, AskAgainAt: now + AskAgainAfter),
        };
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

    // Reports a day old that still match nothing are not ours to apply; they stay for a human to look at. A report that
    // names our id settles a row in doubt (taken back from a stopped worker) without asking the provider.
    private const string SelectKeptSql = """
        SELECT r.id, r.provider, r.provider_message_id, r.message_id, r.provider_status, r.error_code,
               r.rank, r.outcome, r.problem, r.number_problem
          FROM delivery_reports r
         WHERE r.applied_at IS NULL AND r.received_at > @Since
           AND (EXISTS (SELECT 1 FROM outbound_messages m
                         WHERE m.provider_message_id = r.provider_message_id AND m.provider = r.provider)
                OR EXISTS (SELECT 1 FROM outbound_messages m
                            WHERE m.id = r.message_id AND m.provider = r.provider AND m.status = 'ambiguous' AND m.provider_message_id IS NULL))
         ORDER BY r.id
         LIMIT 500
        """;

    private async Task<int> ApplyKeptReportsAsync(DateTimeOffset now, CancellationToken ct)
    {
        List<Kept> kept;
        await using (var conn = await db.OpenConnectionAsync(ct))
            kept = (await conn.QueryAsync<Kept>(new CommandDefinition(SelectKeptSql, new { Since = now - TimeSpan.FromDays(1) }, cancellationToken: ct))).AsList();
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
