using System.Diagnostics;
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
/// Sends what is queued in outbound_messages: claims due rows in a batch (priority first, FOR UPDATE SKIP LOCKED) under
/// a lease of its own (<see cref="DispatchLease"/>: renewed while the pass runs), skips rows whose number opted out or
/// is known bad and expires rows past their validity, reserves send slots for the batch from the sender's shared
/// budget, hands the messages to the provider concurrently (bounded by SMS_MAX_IN_FLIGHT), and writes every outcome
/// back in one statement, trying again while the database is away.
/// Any number of passes may run at once, in any number of processes; the row locks and the leases keep them apart.
/// There is one dispatcher per provider SMS_ROUTES names (keyed by the provider's name), each claiming only the rows
/// queued for its provider and pacing its own sender.
/// </summary>
/// <param name="localSpool">This process's inbound spool when it is a web process too (local mode, tests): its own
/// spool is asked directly, not through its heartbeat (Inbound/InboundSpoolHold.cs).</param>
public sealed class Dispatcher(NpgsqlDataSource db, ISmsProvider provider, SenderBudget budget, Subscribers subscribers,
    TimeProvider clock, IOptions<DeliveryOptions> options, ILogger<Dispatcher> log, Inbound.InboundSpool? localSpool = null)
{
    /// <summary>Most rows one pass claims when pacing does not limit it: big enough to amortise the round trips.</summary>
    public const int BatchSize = 500;

    /// <summary>
    /// A pass's lease runs this long past its last renewal: a killed worker's rows come back at most this long after it
    /// died, plus one reconciliation interval (within 25 s; Hangfire's default would be 30 minutes). It must exceed
    /// <see cref="RenewEvery"/> plus the longest hand-off (TWILIO_REQUEST_TIMEOUT, at most 15 s, plus
    /// <see cref="HandOffMargin"/>), or a live pass would stop handing over between renewals.
    /// </summary>
    public static readonly TimeSpan Lease = TimeSpan.FromSeconds(20);

    /// <summary>A live pass renews its lease this often: a worker that is alive never loses its rows.</summary>
    public static readonly TimeSpan RenewEvery = TimeSpan.FromSeconds(3);

    /// <summary>Added to the provider's request timeout: the time a hand-off is given to end inside the lease.</summary>
    public static readonly TimeSpan HandOffMargin = TimeSpan.FromSeconds(1);

    /// <summary>Paced, a message records its hand-off (and those due in the next <see cref="MarkAhead"/>) this long before its slot.</summary>
    private static readonly TimeSpan MarkLead = TimeSpan.FromMilliseconds(100);

    private static readonly TimeSpan MarkAhead = TimeSpan.FromMilliseconds(300);

    /// <summary>How often outcomes are written again while the database is away.</summary>
    private static readonly TimeSpan RecordRetryPause = TimeSpan.FromSeconds(1);

    /// <summary>Tries at recording left once the worker is stopping: it must stop well within the host's shutdown timeout.</summary>
    private const int RecordTriesWhenStopping = 5;

    /// <summary>This process, as dispatch_passes.worker and in logs.</summary>
    public static readonly string Worker = $"{Environment.MachineName}:{Environment.ProcessId}";

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
    private long _missedSaid;
    private long _missedSaidAt = Stopwatch.GetTimestamp();

    /// <summary>Messages that missed their slot are said at warning at most this often, with their count since.</summary>
    private static readonly TimeSpan MissedSlotsSaidEvery = TimeSpan.FromSeconds(10);
    private long _reserveTicks;

    /// <summary>Messages that woke too late for their slot and went back to the queue: each costs the sender one slot of its rate.</summary>
    public long MissedSlots => Interlocked.Read(ref _missedSlots);

    public string Sender => provider.Sender;

    /// <summary>The provider this dispatcher sends through: it claims only the rows SMS_ROUTES gave that provider.</summary>
    public string Provider => provider.Name;

    public Task WarmUpAsync(CancellationToken ct) => provider.WarmUpAsync(ct);

    private sealed record Claimed(long Id, string Status, string Recipient, string Body, string Encoding, int Segments,
        short Priority, string Kind, DateTimeOffset ExpiresAt, short Attempts, string? TraceParent, long PassId)
    {
        public OutgoingSms ToSms() => new(Id, Recipient, Body, Encoding == "GSM-7" ? SmsEncoding.Gsm7 : SmsEncoding.Ucs2, Segments,
            ExpiresAt);
    }

    // Bulk messages to a number on hold (a counselling conversation: Outbox.HoldBulkAsync) are skipped, not claimed.
    // Opt-out and bad numbers are checked here, at claim time, not when the row was queued: a STOP that arrives
    // while a broadcast waits still stops it. The one confirmation of an opt-out is the exception.
    // The pass's lease row is written in the same statement, and only if it claimed a row to send, with the hand-off
    // mark after the first @Handed rows: unpaced every message goes at once (all of them); paced, the first slots'
    // worth, so the first messages need no round trip of their own before their slots.
    // Nothing is claimed while a web process may keep residents' messages the database has not seen (its spool,
    // Inbound/InboundSpoolHold.cs): a STOP waiting there must stop the broadcast this pass would send.
    private const string ClaimSql = $"""
        WITH pass AS (SELECT nextval('dispatch_pass_ids') AS id),
        due AS (
            SELECT id
              FROM outbound_messages
             WHERE status = 'queued' AND provider = @Provider AND not_before <= @Now
               AND {Inbound.InboundSpoolHold.NoneWaitingSql}
               AND (priority < 2 OR NOT EXISTS (SELECT 1 FROM bulk_holds h WHERE h.phone = recipient AND h.held_until > @Now))
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
              FROM due JOIN outbound_messages m ON m.id = due.id),
        claimed AS (
            UPDATE outbound_messages m
               SET status        = j.status,
                   attempts      = m.attempts + CASE WHEN j.status = 'sending' THEN 1 ELSE 0 END,
                   pass_id       = CASE WHEN j.status = 'sending' THEN (SELECT id FROM pass) END,
                   claimed_until = NULL,
                   provider      = CASE WHEN j.status = 'sending' THEN @Provider ELSE m.provider END,
                   sent_at       = CASE WHEN j.status = 'sending' THEN @Now ELSE m.sent_at END,
                   note          = CASE WHEN j.status = 'expired' THEN 'validity passed before it could be sent'
                                        WHEN j.status = 'skipped_opted_out' THEN 'the number opted out before it was sent'
                                        WHEN j.status = 'skipped_invalid_number' THEN 'the number is known not to receive SMS'
                                        ELSE m.note END,
                   status_at     = @Now
              FROM judged j
             WHERE m.id = j.id
            RETURNING m.id, m.status, m.recipient, m.body, m.encoding, m.segments, m.priority, m.kind, m.expires_at, m.attempts, m.trace_parent),
        lease AS (
            INSERT INTO dispatch_passes (id, worker, lease_until, handed_priority, handed_id, claimed_at)
            SELECT (SELECT id FROM pass), @Worker, @LeaseUntil, h.priority, h.id, @Now
              FROM (SELECT 1) AS one
              LEFT JOIN (SELECT priority, id
                           FROM (SELECT priority, id FROM claimed WHERE status = 'sending' ORDER BY priority, id LIMIT @Handed) AS first
                          ORDER BY priority DESC, id DESC LIMIT 1) AS h ON true
             WHERE EXISTS (SELECT 1 FROM claimed WHERE status = 'sending'))
        SELECT c.*, (SELECT id FROM pass) AS pass_id FROM claimed c
        """;

    /// <summary>
    /// One claim-send-record pass: what the dispatcher service runs in a loop, and what tests call directly.
    /// <paramref name="limit"/> caps the rows claimed (default: by pacing, or <see cref="BatchSize"/>).
    /// </summary>
    public async Task<DispatchPass> DispatchOnceAsync(CancellationToken ct, int? limit = null)
    {
        // Residents' messages wait in this process's own spool (a STOP among them, maybe): nothing goes before their replay.
        if (Inbound.InboundSpoolHold.LocalSpoolWaits(localSpool))
            return DispatchPass.Idle;
        var rate = options.Value.RateFor(provider.Name);
        var paced = rate > 0;
        var interval = paced ? SenderBudget.SlotInterval(rate) : TimeSpan.Zero;
        var now = clock.GetUtcNow();

        if (paced && await budget.NextSlotAsync(provider.Sender, ct) is { } next && next - now > ClaimHorizon)
            return DispatchPass.Idle with { WaitFor = next - now - ClaimHorizon };

        var leaseUntil = now + Lease;
        var handedAtClaim = paced ? (int)Math.Ceiling(rate * MarkAhead.TotalSeconds) : int.MaxValue;
        var batchLimit = limit ?? (paced ? (int)Math.Clamp(Math.Ceiling(rate * ClaimHorizon.TotalSeconds / ConcurrentPasses), 1, BatchSize) : BatchSize);
        List<Claimed> claimed;
        await using (var conn = await db.OpenConnectionAsync(ct))
        {
            claimed = (await conn.QueryAsync<Claimed>(new CommandDefinition(ClaimSql, new
            {
                Now = now, Limit = batchLimit, LeaseUntil = leaseUntil, Provider = provider.Name, Worker, Handed = handedAtClaim,
                OwnIntake = Inbound.InboundSpoolHold.OwnIntake(localSpool),
            }, cancellationToken: ct))).AsList();
        }
        foreach (var judged in claimed.Where(c => c.Status != OutboundStatus.Sending))
            CountOutbound(judged.Status, judged.Priority);
        // The hand-off order: the order the lease's hand-off mark counts in, and the order slots are given out in.
        var sending = claimed.Where(c => c.Status == OutboundStatus.Sending).OrderBy(c => c.Priority).ThenBy(c => c.Id).ToList();
        if (sending.Count == 0) return new DispatchPass(claimed.Count, 0);
        var passId = sending[0].PassId;

        DateTimeOffset[]? slots = null;
        if (paced)
        {
            DateTimeOffset first;
            try
            {
                first = await ReserveSlotsAsync(sending.Sum(c => c.Segments), interval, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                await ReleaseAsync(sending, passId);
                throw;
            }
            // A batch whose first slot is this far off would hold its rows from other passes for long: give them back.
            if (first - now > MaxBookedAhead)
            {
                await ReleaseAsync(sending, passId);
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

        // The lease is renewed until the outcomes are written, however long the database takes to come back.
        await using var lease = new DispatchLease(db, clock, log, passId, leaseUntil, sending.Select(c => (c.Priority, c.Id)).ToList(),
            handed: Math.Min(handedAtClaim, sending.Count));
        SendOutcome?[] outcomes;
        // Paced, a message may wait seconds for its slot: keep watching for a STOP meanwhile.
        await using (var optOuts = paced ? OptOutWatch.Start(db, clock, sending.Where(c => c.Kind != MessageKinds.OptOutConfirmation).Select(c => c.Recipient)) : null)
            outcomes = await Task.WhenAll(sending.Select((c, i) => SendOneAsync(c, i, slots, lease, optOuts, ct)));
        await RecordAsync(lease, sending, outcomes, ct);
        if (paced) SayMissedSlots();
        return new DispatchPass(claimed.Count, outcomes.Count(o => o is not (null or SendOutcome.RecipientOptedOut { Code: null })));
    }

    /// <summary>
    /// Reserves slots from the sender's budget, the first at least twice the last reservation's round trip ahead: with
    /// slow commits a slot asked for 20 ms ahead would already be past when the answer came, and every message would
    /// miss its slot.
    /// </summary>
    private async Task<DateTimeOffset> ReserveSlotsAsync(int segments, TimeSpan interval, CancellationToken ct)
    {
        var lead = TimeSpan.FromTicks(Math.Clamp(2 * Interlocked.Read(ref _reserveTicks), ReserveLead.Ticks, ClaimHorizon.Ticks));
        var started = Stopwatch.GetTimestamp();
        var first = await budget.ReserveAsync(provider.Sender, segments, interval, clock.GetUtcNow() + lead, ct);
        Interlocked.Exchange(ref _reserveTicks, Stopwatch.GetElapsedTime(started).Ticks);
        return first;
    }

    /// <summary>
    /// Says at warning (at most every <see cref="MissedSlotsSaidEvery"/>) how many messages woke too late for their send
    /// slot and went back to the queue: a process short of CPU (a loaded machine) can miss most of its slots, and its
    /// queue then moves slowly or not at all, which nothing else would tell.
    /// </summary>
    private void SayMissedSlots()
    {
        var since = Stopwatch.GetElapsedTime(Interlocked.Read(ref _missedSaidAt));
        if (since < MissedSlotsSaidEvery) return;
        var missed = Interlocked.Read(ref _missedSlots);
        var said = Interlocked.Exchange(ref _missedSaid, missed);
        Interlocked.Exchange(ref _missedSaidAt, Stopwatch.GetTimestamp());
        if (missed > said)
            log.MissedSlots(provider.Name, missed - said, (int)Math.Round(since.TotalSeconds), (int)SenderBudget.Tolerance.TotalMilliseconds);
    }

    /// <summary>The longest a hand-off can take: a message starts one only if the lease outlasts it by this.</summary>
    private TimeSpan HandOffTime => provider.HandOffTimeout + HandOffMargin;

    /// <summary>The last message (by index) whose slot comes by <paramref name="by"/>: slots rise with the index.</summary>
    private static int LastDueBy(DateTimeOffset[] slots, DateTimeOffset by)
    {
        var found = Array.BinarySearch(slots, by);
        return found >= 0 ? found : Math.Max(0, ~found - 1);
    }

    /// <summary>Null when this message was not handed over (the pass stopped, lost its lease or ran short of it): it goes back to the queue.</summary>
    private async Task<SendOutcome?> SendOneAsync(Claimed message, int index, DateTimeOffset[]? slots, DispatchLease lease,
        OptOutWatch? optOuts, CancellationToken ct)
    {
        var slot = slots?[index];
        try
        {
            if (slot is { } first)
            {
                var early = first - MarkLead - clock.GetUtcNow();
                if (early > TimeSpan.Zero) await Task.Delay(early, clock, ct);
                var through = LastDueBy(slots!, clock.GetUtcNow() + MarkAhead);
                if (!await lease.MarkHandedAsync(index, through, ct)) return null;
            }
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
                // Sent now, it could crowd a later slot past the rate. It goes back to the queue, and a later pass gives
                // it a new slot: a busy machine would otherwise have every late message ask for a slot of its own, each
                // holding a database connection, until the pool ran dry and nothing else (renewals included) got one.
                _inFlight.Release();
                Interlocked.Increment(ref _missedSlots);
                return null;
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return null;
        }
        catch (NpgsqlException e)
        {
            log.HandOffNotRecorded(message.Id, e.Message);
            return null;
        }

        try
        {
            // The last check before the request leaves: it must be over before the lease could end.
            if (!lease.AllowsHandOff(HandOffTime))
                return null;
            if (optOuts?.IsOptedOut(message.Recipient) == true)
                return new SendOutcome.RecipientOptedOut("the number opted out while the message waited for its send slot");
            return await SendTracedAsync(message, ct);
        }
        finally
        {
            _inFlight.Release();
        }
    }

    /// <summary>
    /// The provider call, as an activity continuing the trace of whatever queued the message (its trace_parent: an
    /// inbound SMS, a request, a job), timed and counted for the Delivery meter.
    /// </summary>
    private async Task<SendOutcome> SendTracedAsync(Claimed message, CancellationToken ct)
    {
        using var activity = DeliveryTelemetry.Source.StartActivity("provider send", ActivityKind.Client, DeliveryTelemetry.ParentOf(message.TraceParent));
        activity?.SetTag("messaging.system", provider.Name);
        activity?.SetTag("outbound.id", message.Id);
        var started = Stopwatch.GetTimestamp();
        SendOutcome outcome;
        try
        {
            outcome = await provider.SendAsync(message.ToSms(), ct);
        }
        catch (Exception e)
        {
            // The request may have left before the failure: treat it as unknown, never as "not sent".
            log.ProviderThrew(e, provider.Name, message.Id, message.Recipient);
            outcome = new SendOutcome.Ambiguous($"provider error: {e.Message}");
        }
        var providerTag = new KeyValuePair<string, object?>("provider", provider.Name);
        DeliveryTelemetry.ProviderDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, providerTag);
        if (outcome is not SendOutcome.Accepted)
        {
            var code = outcome switch
            {
                SendOutcome.RetryLater r => r.Code,
                SendOutcome.Ambiguous a => a.Code,
                SendOutcome.RecipientOptedOut o => o.Code,
                SendOutcome.InvalidNumber n => n.Code,
                SendOutcome.Failed f => f.Code,
                _ => null,
            } ?? "none";
            DeliveryTelemetry.ProviderErrors.Add(1, providerTag, new KeyValuePair<string, object?>("code", code));
            activity?.SetStatus(ActivityStatusCode.Error, code);
        }
        return outcome;
    }

    // The pass id is the lease's token: a row taken back by reconciliation (pass_id cleared) is not overwritten. Only
    // the token is checked, not status = 'sending': that condition would let the planner walk the partial index of
    // in-doubt rows, dead entries and all, instead of looking each id up (measured: a third of the database's CPU per message).
    private const string RecordSql = """
        UPDATE outbound_messages m
           SET status              = o.status,
               provider_message_id = o.provider_message_id,
               error_code          = o.error_code,
               last_error          = o.last_error,
               not_before          = coalesce(o.not_before, m.not_before),
               sent_at             = CASE WHEN o.status IN ('sent', 'ambiguous') THEN m.sent_at END,
               pass_id             = NULL,
               status_at           = @Now
          FROM unnest(@Ids, @Statuses, @ProviderMessageIds, @ErrorCodes, @Errors, @NotBefores)
               AS o(id, status, provider_message_id, error_code, last_error, not_before)
         WHERE m.id = o.id AND m.pass_id = @PassId
        """;

    // A row reconciliation took back is in doubt until the provider is asked; an accepted hand-off settles it now.
    private const string SettleTakenBackSql = """
        UPDATE outbound_messages m
           SET status = 'sent', provider_message_id = o.sid, claimed_until = NULL, status_at = @Now,
               note = 'accepted by the provider; recorded after its pass had lost its lease'
          FROM unnest(@Ids, @Sids) AS o(id, sid)
         WHERE m.id = o.id AND m.status = 'ambiguous' AND m.provider_message_id IS NULL
        """;

    private const string EndPassSql = "DELETE FROM dispatch_passes WHERE id = @PassId";

    private const string RecordNumberProblemsSql = """
        INSERT INTO phone_number_problems (phone, problem, error_code, detected_at)
        SELECT phone, problem, error_code, @Now
          FROM unnest(@Phones, @Problems, @ErrorCodes) AS p(phone, problem, error_code)
        ON CONFLICT (phone) DO UPDATE SET problem = EXCLUDED.problem, error_code = EXCLUDED.error_code, detected_at = EXCLUDED.detected_at
        """;

    // Outcomes are written after the pass, even when it was asked to stop: a message handed over is recorded. With the
    // database away they are kept and written again every second (the lease is renewed meanwhile), until it is back.
    private async Task RecordAsync(DispatchLease lease, List<Claimed> sent, SendOutcome?[] outcomes, CancellationToken stopping)
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
                        : retryAt >= m.ExpiresAt ? OutboundStatus.Expired
                        : OutboundStatus.Queued;
                    var reason = status == OutboundStatus.Failed ? $"gave up after {m.Attempts} attempts: {r.Reason}" : r.Reason;
                    rows.Add((m.Id, status, null, r.Code, reason, status == OutboundStatus.Queued ? retryAt.UtcDateTime : null));
                    break;
                case SendOutcome.Ambiguous a:
                    log.OutcomeUnknown(m.Id, m.Recipient, a.Reason);
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

        lease.Ending();
        var triesLeft = RecordTriesWhenStopping;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await WriteOutcomesAsync(lease.PassId, rows, released, now);
                if (attempt > 1) log.OutcomesRecordedLate(lease.PassId, attempt);
                var priorities = sent.ToDictionary(m => m.Id, m => m.Priority);
                foreach (var row in rows)
                    CountOutbound(row.Status, priorities[row.Id]);
                break;
            }
            catch (NpgsqlException e)
            {
                if (attempt == 1)
                    log.OutcomesNotRecorded(lease.PassId, sent.Count, e.Message, RecordRetryPause.TotalSeconds);
                if (stopping.IsCancellationRequested && --triesLeft <= 0)
                {
                    log.OutcomesAbandoned(lease.PassId, rows.Count, e.Message);
                    return;
                }
                await Task.Delay(RecordRetryPause, CancellationToken.None);
            }
        }

        try
        {
            await using var conn = await db.OpenConnectionAsync(CancellationToken.None);
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
            if (pause is { } until && options.Value.RateFor(provider.Name) > 0)
                await budget.PauseAsync(provider.Sender, now + until, CancellationToken.None);
        }
        catch (NpgsqlException e)
        {
            log.AftermathNotRecorded(lease.PassId, e.Message);
        }
    }

    /// <summary>Outcomes, rows given back and the end of the pass, in one transaction.</summary>
    private async Task WriteOutcomesAsync(long passId, List<(long Id, string Status, string? Sid, string? Code, string? Error, DateTime? NotBefore)> rows,
        List<Claimed> released, DateTimeOffset now)
    {
        await using var conn = await db.OpenConnectionAsync(CancellationToken.None);
        await using var tx = await conn.BeginTransactionAsync();
        var written = rows.Count == 0 ? 0 : await conn.ExecuteAsync(new CommandDefinition(RecordSql, new
        {
            Ids = rows.Select(r => r.Id).ToArray(),
            Statuses = rows.Select(r => r.Status).ToArray(),
            ProviderMessageIds = rows.Select(r => r.Sid).ToArray(),
            ErrorCodes = rows.Select(r => r.Code).ToArray(),
            Errors = rows.Select(r => r.Error).ToArray(),
            NotBefores = rows.Select(r => r.NotBefore).ToArray(),
            PassId = passId,
            Now = now,
        }, tx));
        if (released.Count > 0)
            await conn.ExecuteAsync(new CommandDefinition(ReleaseSql, new { Ids = released.Select(r => r.Id).ToArray(), PassId = passId }, tx));
        await conn.ExecuteAsync(new CommandDefinition(EndPassSql, new { PassId = passId }, tx));
        if (written < rows.Count)
        {
            var accepted = rows.Where(r => r.Status == OutboundStatus.Sent).ToList();
            var settled = accepted.Count == 0 ? 0 : await conn.ExecuteAsync(new CommandDefinition(SettleTakenBackSql, new
            {
                Ids = accepted.Select(r => r.Id).ToArray(), Sids = accepted.Select(r => r.Sid).ToArray(), Now = now,
            }, tx));
            log.OutcomesLate(passId, rows.Count - written, rows.Count, settled);
        }
        await tx.CommitAsync();
    }

    private const string ReleaseSql = """
        UPDATE outbound_messages
           SET status = 'queued', attempts = attempts - 1, pass_id = NULL
         WHERE id = ANY(@Ids) AND pass_id = @PassId
        """;

    /// <summary>Puts claimed rows back untouched (they were never handed to the provider) and ends the pass.</summary>
    private async Task ReleaseAsync(List<Claimed> rows, long passId)
    {
        await using var conn = await db.OpenConnectionAsync(CancellationToken.None);
        await using var tx = await conn.BeginTransactionAsync();
        await conn.ExecuteAsync(new CommandDefinition(ReleaseSql, new { Ids = rows.Select(r => r.Id).ToArray(), PassId = passId }, tx));
        await conn.ExecuteAsync(new CommandDefinition(EndPassSql, new { PassId = passId }, tx));
        await tx.CommitAsync();
    }

    private static void CountOutbound(string status, short priority) =>
        DeliveryTelemetry.Messages.Add(1, new KeyValuePair<string, object?>("status", status),
            new KeyValuePair<string, object?>("priority", DeliveryTelemetry.PriorityName(priority)));

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
