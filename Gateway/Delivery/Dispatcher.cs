using Dapper;
using Gateway.Delivery.Encoding;
using Gateway.Phones;
using Gateway.Subscriptions;
using Microsoft.Extensions.Options;
using Npgsql;
using Gateway.Hosting;

namespace Gateway.Delivery;

/// <summary>What one claim-send-record pass did. <paramref name="Claimed"/> counts every row it took, including
/// those it skipped or expired; <paramref name="WaitFor"/> says the sender is booked that far ahead.</summary>
public sealed record DispatchPass(int Claimed, int HandedOver, TimeSpan? WaitFor = null)
{
    public static readonly DispatchPass Idle = new(0, 0);
}

/// <summary>
/// Sends what is queued in outbound_messages: claims due rows in a batch (priority first, FOR UPDATE SKIP LOCKED,
/// with a 30 s lease), skips rows whose number opted out or is known bad and expires rows past their validity,
/// reserves send slots for the batch from the sender's shared budget, hands the messages to the provider
/// concurrently (bounded by SMS_MAX_IN_FLIGHT), and writes every outcome back in one statement.
/// Any number of passes may run at once, in any number of processes; the row locks and the lease keep them apart.
/// </summary>
public sealed class Dispatcher(NpgsqlDataSource db, ISmsProvider provider, SenderBudget budget, Subscribers subscribers,
    TimeProvider clock, IOptions<DeliveryOptions> options, ILogger<Dispatcher> log)
{
    /// <summary>Most rows one pass claims when pacing does not limit it: big enough to amortise the round trips.</summary>
    public const int BatchSize = 500;

    /// <summary>
    /// A crashed worker's rows come back after this, plus at most one reconciliation interval: within 30 s
    /// (Hangfire's default would be 30 minutes). It covers a batch's slots (at most <see cref="MaxBookedAhead"/>)
    /// plus the provider's request timeout.
    /// </summary>
    public static readonly TimeSpan Lease = TimeSpan.FromSeconds(25);

    /// <summary>A pass that would have to wait longer than this for its first slot gives its rows back.</summary>
    public static readonly TimeSpan MaxBookedAhead = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Paced, the passes running in one process together claim about this much of the sender's time, so a reply
    /// queued behind a broadcast waits at most about this long for the slots already booked.
    /// </summary>
    public static readonly TimeSpan ClaimHorizon = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The earliest slot a reservation asks for is this far ahead: an idle sender's first slot would otherwise be
    /// "now" at the database, already past by the time the answer is back, and the message would miss it.
    /// </summary>
    private static readonly TimeSpan ReserveLead = TimeSpan.FromMilliseconds(20);

    /// <summary>Concurrent passes per process (DispatcherService): one records while another sends.</summary>
    public const int ConcurrentPasses = 4;

    /// <summary>Hand-offs refused with "try later" (429, unreachable) before the message fails.</summary>
    public const int MaxAttempts = 8;

    private static readonly TimeSpan MaxBackoff = TimeSpan.FromMinutes(5);

    private readonly SemaphoreSlim _inFlight = new(options.Value.MaxInFlight);
    private long _missedSlots;

    /// <summary>Messages that woke too late for their slot and took a new one: each costs the sender one slot of its rate.</summary>
    public long MissedSlots => Interlocked.Read(ref _missedSlots);

    public string Sender => provider.Sender;

    public Task WarmUpAsync(CancellationToken ct) => provider.WarmUpAsync(ct);

    private sealed record Claimed(long Id, string Status, string Recipient, string Body, string Encoding, int Segments,
        short Priority, string Kind, DateTime ExpiresAt, short Attempts)
    {
        public OutgoingSms ToSms() => new(Id, Recipient, Body, Encoding == "GSM-7" ? SmsEncoding.Gsm7 : SmsEncoding.Ucs2, Segments,
            new DateTimeOffset(DateTime.SpecifyKind(ExpiresAt, DateTimeKind.Utc)));
    }

    // Opt-out and bad numbers are checked here, at claim time, not when the row was queued: a STOP that arrives
    // while a broadcast waits still stops it. The one confirmation of an opt-out is the exception.
    private const string ClaimSql = """
        WITH due AS (
            SELECT id
              FROM outbound_messages
             WHERE status = 'queued' AND not_before <= @Now
             ORDER BY priority, not_before, id
             LIMIT @Limit
               FOR UPDATE SKIP LOCKED),
        judged AS (
            SELECT m.id,
                   CASE WHEN m.expires_at <= @Now THEN 'expired'
                        WHEN m.kind <> 'opt_out_confirmation' AND EXISTS (
                             SELECT 1 FROM subscribers s WHERE s.phone = m.recipient AND s.status = 'opted_out')
                             THEN 'skipped_opted_out'
                        WHEN EXISTS (SELECT 1 FROM phone_number_problems p WHERE p.phone = m.recipient)
                             THEN 'skipped_invalid_number'
                        ELSE 'sending'
                   END AS status
              FROM due JOIN outbound_messages m ON m.id = due.id)
        UPDATE outbound_messages m
           SET status        = j.status,
               attempts      = m.attempts + CASE WHEN j.status = 'sending' THEN 1 ELSE 0 END,
               claimed_until = CASE WHEN j.status = 'sending' THEN @LeaseUntil END,
               provider      = CASE WHEN j.status = 'sending' THEN @Provider ELSE m.provider END,
               sent_at       = CASE WHEN j.status = 'sending' THEN @Now ELSE m.sent_at END,
               note          = CASE WHEN j.status = 'expired' THEN 'validity passed before it could be sent'
                                    WHEN j.status = 'skipped_opted_out' THEN 'the number opted out before it was sent'
                                    WHEN j.status = 'skipped_invalid_number' THEN 'the number is known not to receive SMS'
                                    ELSE m.note END,
               status_at     = @Now
          FROM judged j
         WHERE m.id = j.id
        RETURNING m.id, m.status, m.recipient, m.body, m.encoding, m.segments, m.priority, m.kind, m.expires_at, m.attempts
        """;

    /// <summary>
    /// One claim-send-record pass: what the dispatcher service runs in a loop, and what tests call directly.
    /// <paramref name="limit"/> caps the rows claimed (default: by pacing, or <see cref="BatchSize"/>).
    /// </summary>
    public async Task<DispatchPass> DispatchOnceAsync(CancellationToken ct, int? limit = null)
    {
        var rate = options.Value.RatePerSecond;
        var paced = rate > 0;
        var interval = paced ? SenderBudget.SlotInterval(rate) : TimeSpan.Zero;
        var now = clock.GetUtcNow();

        if (paced && await budget.NextSlotAsync(provider.Sender, ct) is { } next && next - now > ClaimHorizon)
            return DispatchPass.Idle with { WaitFor = next - now - ClaimHorizon };

        var leaseUntil = now + Lease;
        var batchLimit = limit ?? (paced ? (int)Math.Clamp(Math.Ceiling(rate * ClaimHorizon.TotalSeconds / ConcurrentPasses), 1, BatchSize) : BatchSize);
        List<Claimed> claimed;
        await using (var conn = await db.OpenConnectionAsync(ct))
        {
            claimed = (await conn.QueryAsync<Claimed>(new CommandDefinition(ClaimSql,
                new { Now = now, Limit = batchLimit, LeaseUntil = leaseUntil, Provider = provider.Name }, cancellationToken: ct))).AsList();
        }
        var sending = claimed.Where(c => c.Status == OutboundStatus.Sending).OrderBy(c => c.Priority).ThenBy(c => c.Id).ToList();
        if (sending.Count == 0) return new DispatchPass(claimed.Count, 0);

        DateTimeOffset[]? slots = null;
        if (paced)
        {
            DateTimeOffset first;
            try
            {
                first = await budget.ReserveAsync(provider.Sender, sending.Sum(c => c.Segments), interval, clock.GetUtcNow() + ReserveLead, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                await ReleaseAsync(sending, leaseUntil);
                throw;
            }
            // The whole batch must go out well inside its lease, or the recovery would take rows still being sent.
            if (first - now > MaxBookedAhead)
            {
                await ReleaseAsync(sending, leaseUntil);
                return new DispatchPass(claimed.Count, 0, first - now);
            }
            slots = new DateTimeOffset[sending.Count];
            var offset = 0;
            for (var i = 0; i < sending.Count; i++)
            {
                slots[i] = first + interval * offset;
                offset += sending[i].Segments;
            }
        }

        // Paced, a message may wait seconds for its slot: keep watching for a STOP meanwhile.
        await using var optOuts = paced ? OptOutWatch.Start(db, clock, sending.Where(c => c.Kind != MessageKinds.OptOutConfirmation).Select(c => c.Recipient)) : null;
        var outcomes = await Task.WhenAll(sending.Select((c, i) => SendOneAsync(c, slots?[i], interval, optOuts, ct)));
        await RecordAsync(sending, outcomes, leaseUntil);
        return new DispatchPass(claimed.Count, outcomes.Count(o => o is not (null or SendOutcome.RecipientOptedOut { Code: null })));
    }

    /// <summary>Null when the pass was stopped before this message was handed over.</summary>
    private async Task<SendOutcome?> SendOneAsync(Claimed message, DateTimeOffset? slot, TimeSpan interval, OptOutWatch? optOuts, CancellationToken ct)
    {
        try
        {
            while (true)
            {
                if (slot is { } due)
                {
                    var wait = due - clock.GetUtcNow();
                    if (wait > TimeSpan.Zero)
                    {
                        await Task.Delay(TimeSpan.FromMilliseconds(Math.Ceiling(wait.TotalMilliseconds)), clock, ct);
                        continue;
                    }
                }
                await _inFlight.WaitAsync(ct);
                var late = slot is { } s ? clock.GetUtcNow() - s : TimeSpan.Zero;
                if (late <= SenderBudget.Tolerance) break;
                // Sent now, it could crowd a later slot past the rate: take a new slot instead.
                _inFlight.Release();
                Interlocked.Increment(ref _missedSlots);
                slot = await budget.ReserveAsync(provider.Sender, message.Segments, interval, clock.GetUtcNow() + ReserveLead, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return null;
        }
        catch (NpgsqlException e)
        {
            log.LogWarning(e, "No new send slot for message {Id}; it goes back to the queue", message.Id);
            return null;
        }

        try
        {
            if (optOuts?.IsOptedOut(message.Recipient) == true)
                return new SendOutcome.RecipientOptedOut("the number opted out while the message waited for its send slot");
            return await provider.SendAsync(message.ToSms(), ct);
        }
        catch (Exception e)
        {
            // The request may have left before the failure: treat it as unknown, never as "not sent".
            log.LogWarning(e, "Provider {Provider} threw sending message {Id} to {To}", provider.Name, message.Id, Phone.Mask(message.Recipient));
            return new SendOutcome.Ambiguous($"provider error: {e.Message}");
        }
        finally
        {
            _inFlight.Release();
        }
    }

    // The lease is this pass's token: a row recovered by reconciliation (claimed_until cleared) or claimed again
    // by another pass (another lease) is not overwritten. Only the token is checked, not status = 'sending':
    // that condition would let the planner walk the partial index of in-doubt rows, dead entries and all,
    // instead of looking each id up (measured: a third of the database's CPU per message).
    private const string RecordSql = """
        UPDATE outbound_messages m
           SET status              = o.status,
               provider_message_id = o.provider_message_id,
               error_code          = o.error_code,
               last_error          = o.last_error,
               not_before          = coalesce(o.not_before, m.not_before),
               sent_at             = CASE WHEN o.status IN ('sent', 'ambiguous') THEN m.sent_at END,
               claimed_until       = NULL,
               status_at           = @Now
          FROM unnest(@Ids, @Statuses, @ProviderMessageIds, @ErrorCodes, @Errors, @NotBefores)
               AS o(id, status, provider_message_id, error_code, last_error, not_before)
         WHERE m.id = o.id AND m.claimed_until = @LeaseUntil
        """;

    private const string RecordNumberProblemsSql = """
        INSERT INTO phone_number_problems (phone, problem, error_code, detected_at)
        SELECT phone, problem, error_code, @Now
          FROM unnest(@Phones, @Problems, @ErrorCodes) AS p(phone, problem, error_code)
        ON CONFLICT (phone) DO UPDATE SET problem = EXCLUDED.problem, error_code = EXCLUDED.error_code, detected_at = EXCLUDED.detected_at
        """;

    // Outcomes are written after the pass, even when it was asked to stop: a message handed over is recorded.
    private async Task RecordAsync(List<Claimed> sent, SendOutcome?[] outcomes, DateTimeOffset leaseUntil)
    {
        var now = clock.GetUtcNow();
        var released = new List<Claimed>();
        var rows = new List<(long Id, string Status, string? Sid, string? Code, string? Error, DateTime? NotBefore)>();
        var optedOut = new List<(string Phone, string? Code)>();
        var badNumbers = new List<(string Phone, string Problem, string? Code)>();
        TimeSpan? pause = null;

        for (var i = 0; i < sent.Count; i++)
        {
            var m = sent[i];
            switch (outcomes[i])
            {
                case null:
                    released.Add(m);
                    break;
                case SendOutcome.Accepted a:
                    rows.Add((m.Id, OutboundStatus.Sent, a.ProviderMessageId, null, null, null));
                    break;
                case SendOutcome.RetryLater r:
                    var retryAt = now + (r.RetryAfter ?? Backoff(m.Attempts)) + Jitter(r.RetryAfter is null ? TimeSpan.Zero : TimeSpan.FromSeconds(1));
                    if (r.RetryAfter is { } after) pause = pause is { } p && p > after ? p : after;
                    var status = m.Attempts >= MaxAttempts ? OutboundStatus.Failed
                        : retryAt >= new DateTimeOffset(DateTime.SpecifyKind(m.ExpiresAt, DateTimeKind.Utc)) ? OutboundStatus.Expired
                        : OutboundStatus.Queued;
                    var reason = status == OutboundStatus.Failed ? $"gave up after {m.Attempts} attempts: {r.Reason}" : r.Reason;
                    rows.Add((m.Id, status, null, r.Code, reason, status == OutboundStatus.Queued ? retryAt.UtcDateTime : null));
                    break;
                case SendOutcome.Ambiguous a:
                    log.LogWarning("Message {Id} to {To}: hand-off outcome unknown ({Reason}); it will be reconciled", m.Id, Phone.Mask(m.Recipient), LogSanitiser.Clean(a.Reason));
                    rows.Add((m.Id, OutboundStatus.Ambiguous, null, a.Code, a.Reason, null));
                    break;
                case SendOutcome.RecipientOptedOut o:
                    rows.Add((m.Id, OutboundStatus.SkippedOptedOut, null, o.Code, o.Reason, null));
                    // Without a provider code it is our own opt-out, found while waiting: nothing to tell the ledger.
                    if (o.Code is not null) optedOut.Add((m.Recipient, o.Code));
                    break;
                case SendOutcome.InvalidNumber n:
                    rows.Add((m.Id, OutboundStatus.SkippedInvalidNumber, null, n.Code, n.Reason, null));
                    badNumbers.Add((m.Recipient, ProblemName(n.Problem), n.Code));
                    break;
                case SendOutcome.Failed f:
                    rows.Add((m.Id, OutboundStatus.Failed, null, f.Code, f.Reason, null));
                    break;
            }
        }

        await using var conn = await db.OpenConnectionAsync(CancellationToken.None);
        if (rows.Count > 0)
        {
            var written = await conn.ExecuteAsync(new CommandDefinition(RecordSql, new
            {
                Ids = rows.Select(r => r.Id).ToArray(),
                Statuses = rows.Select(r => r.Status).ToArray(),
                ProviderMessageIds = rows.Select(r => r.Sid).ToArray(),
                ErrorCodes = rows.Select(r => r.Code).ToArray(),
                Errors = rows.Select(r => r.Error).ToArray(),
                NotBefores = rows.Select(r => r.NotBefore).ToArray(),
                LeaseUntil = leaseUntil,
                Now = now,
            }));
            if (written < rows.Count)
                log.LogWarning("{Lost} of {Count} outcomes came after their lease expired; reconciliation decides those rows", rows.Count - written, rows.Count);
        }
        if (released.Count > 0) await ReleaseAsync(released, leaseUntil);
        if (badNumbers.Count > 0)
        {
            await conn.ExecuteAsync(new CommandDefinition(RecordNumberProblemsSql, new
            {
                Phones = badNumbers.Select(b => b.Phone).ToArray(),
                Problems = badNumbers.Select(b => b.Problem).ToArray(),
                ErrorCodes = badNumbers.Select(b => b.Code).ToArray(),
                Now = now,
            }));
        }
        foreach (var (phone, code) in optedOut.DistinctBy(o => o.Phone))
            await subscribers.RecordCarrierOptOutAsync(phone, $"carrier {code}".Trim(), CancellationToken.None);
        if (pause is { } until && options.Value.RatePerSecond > 0)
            await budget.PauseAsync(provider.Sender, now + until, CancellationToken.None);
    }

    private const string ReleaseSql = """
        UPDATE outbound_messages
           SET status = 'queued', attempts = attempts - 1, claimed_until = NULL
         WHERE id = ANY(@Ids) AND claimed_until = @LeaseUntil
        """;

    /// <summary>Puts claimed rows back untouched: they were never handed to the provider.</summary>
    private async Task ReleaseAsync(List<Claimed> rows, DateTimeOffset leaseUntil)
    {
        await using var conn = await db.OpenConnectionAsync(CancellationToken.None);
        await conn.ExecuteAsync(new CommandDefinition(ReleaseSql, new { Ids = rows.Select(r => r.Id).ToArray(), LeaseUntil = leaseUntil }));
    }

    /// <summary>Exponential from 2 s, capped at 5 minutes, with "full jitter" over its upper half so retries spread out.</summary>
    private static TimeSpan Backoff(int attempts)
    {
        var ceiling = TimeSpan.FromSeconds(Math.Min(MaxBackoff.TotalSeconds, 2 * Math.Pow(2, Math.Max(0, attempts - 1))));
        return ceiling / 2 + Jitter(ceiling / 2);
    }

    private static TimeSpan Jitter(TimeSpan max) => max * Random.Shared.NextDouble();

    internal static string ProblemName(NumberProblem problem) => problem switch
    {
        NumberProblem.NotMobile => "not_mobile",
        NumberProblem.Unreachable => "unreachable",
        _ => "invalid",
    };
}
