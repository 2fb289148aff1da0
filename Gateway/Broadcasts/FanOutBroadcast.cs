using Dapper;
using Gateway.Delivery;
using Gateway.Hosting;
using Hangfire;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Gateway.Broadcasts;

/// <summary>What one run of the fan-out did to an occurrence.</summary>
public sealed record FanOutRun(long OccurrenceId, int Chunks, bool Finished);

/// <summary>
/// The fan-out: turns an occurrence of an approved broadcast into messages in the outbound queue, set-based, in ranges of
/// subscriber ids written on FANOUT_CONNECTIONS connections at once ("lanes", each taking every n-th range, so both
/// of a small server's cores work). Each range is one transaction that locks its lane's cursor row, inserts the
/// range's messages with one INSERT … SELECT (the audience and verdicts of <see cref="BroadcastAudience"/>), advances
/// the cursor, adds to the occurrence's counts and wakes the dispatchers on commit: the first messages are sendable
/// after the first, small range, long before the whole audience is materialised, and nothing of the audience is held
/// in memory.
/// <para>
/// Safe to run twice, at once or after a crash: a cursor commits with its range's rows, and a second run waits for
/// the lane's lock and carries on where the first stopped, so no range is written twice. That is why the insert has
/// no ON CONFLICT DO NOTHING (speculative insertion made a 1M fan-out 30% slower, fanout bench suite): (occurrence,
/// subscriber) stays unique in the queue, so a bug that wrote a row twice would fail the range loudly instead.
/// A cancel locks every lane first (<see cref="CancelBroadcast"/>), so it waits for the ranges being written and
/// then cancels their messages too.
/// </para>
/// <para>
/// A run holds a lease on its occurrence (broadcast_occurrences.runner_until, migration 0081), renewed every
/// <see cref="RenewEvery"/> while it writes; a second run finds it held and leaves the occurrence to the first. When a
/// worker dies mid-way its lease ends, and <see cref="FanOutWatch"/> on a live worker carries the occurrence on within
/// seconds, saying whose work it took over.
/// </para>
/// </summary>
public sealed class FanOutBroadcast(NpgsqlDataSource db, Outbox outbox, FrequencyGuard guard, QuietHours quietHours,
    IOptions<GatewayOptions> gateway, IOptions<DeliveryOptions> delivery, IOptions<BroadcastOptions> options, TimeProvider clock,
    ILogger<FanOutBroadcast> log)
{
    /// <summary>The first chunk is small so the first messages are sendable at once; the others amortise the commits.</summary>
    public const int FirstChunkSize = 5_000;
    public const int ChunkSize = 50_000;

    /// <summary>A run's lease on its occurrence lasts this long past its last renewal: a killed worker's fan-out is carried on about this long after.</summary>
    public static readonly TimeSpan Lease = TimeSpan.FromSeconds(15);

    public static readonly TimeSpan RenewEvery = TimeSpan.FromSeconds(5);

    /// <summary>How far back a recurring firing looks for the occurrence it stands for (a late or misfired run).</summary>
    public static readonly TimeSpan OccurrenceLookback = TimeSpan.FromHours(24);

    /// <summary>Hangfire: a one-off broadcast's start (delayed job, or immediate at approval).</summary>
    [Queue("bulk")]
    [AutomaticRetry(Attempts = 5, DelaysInSeconds = [10, 30, 60, 120, 300])]
    public Task StartAsync(long broadcastId, CancellationToken ct) => StartAsync(broadcastId, ct, null, null);

    /// <summary>The start with the chunking of <see cref="RunAsync"/> (tests stop it mid-way).</summary>
    internal async Task StartAsync(long broadcastId, CancellationToken ct, int? maxChunks, int? chunkSize)
    {
        var broadcast = await FindLiveAsync(broadcastId, ct);
        if (broadcast is null || broadcast.IsRecurring) return;
        var occurrence = await ClaimOccurrenceAsync(broadcast, broadcast.Id, broadcast.StartAt, ct);
        if (occurrence is not null) await RunAsync(occurrence.Value, ct, maxChunks, chunkSize);
    }

    /// <summary>
    /// Hangfire: a recurring broadcast's firing. It stands for the latest occurrence of the cron at or before now (within
    /// a day, in TIME_ZONE): a firing delayed by a restart or a second worker firing the same occurrence finds the
    /// occurrence already claimed and sends nothing again.
    /// </summary>
    [Queue("bulk")]
    [AutomaticRetry(Attempts = 5, DelaysInSeconds = [10, 30, 60, 120, 300])]
    public async Task FireAsync(long broadcastId, CancellationToken ct)
    {
        var broadcast = await FindLiveAsync(broadcastId, ct);
        if (broadcast is null || !broadcast.IsRecurring) return;
        var now = clock.GetUtcNow();
        var occurrenceAt = ValidateBroadcast.ParseCron(broadcast.RepeatCron!)
            .GetOccurrences(now - OccurrenceLookback, now, gateway.Value.CityTimeZone, fromInclusive: false, toInclusive: true)
            .LastOrDefault().ToUniversalTime();
        if (occurrenceAt == default || occurrenceAt < broadcast.SendAtUtc)
        {
            log.LogInformation("Broadcast {Id}: no occurrence of '{Cron}' due at {Now}", broadcastId, LogSanitiser.Clean(broadcast.RepeatCron), now);
            return;
        }
        var occurrence = await ClaimOccurrenceAsync(broadcast, null, occurrenceAt, ct);
        if (occurrence is not null) await RunAsync(occurrence.Value, ct);
    }

    /// <summary>Hangfire: carries on an occurrence whose fan-out stopped. Nothing enqueues it any more (FanOutWatch carries
    /// stopped fan-outs on); kept so that jobs already in Hangfire's queue still run.</summary>
    [Queue("bulk")]
    [AutomaticRetry(Attempts = 5, DelaysInSeconds = [10, 30, 60, 120, 300])]
    public async Task ResumeAsync(long occurrenceId, CancellationToken ct) => await RunAsync(occurrenceId, ct);

    private async Task<Broadcast?> FindLiveAsync(long broadcastId, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var broadcast = await Broadcast.FindAsync(conn, null, broadcastId, ct);
        if (broadcast is { Status: BroadcastStatus.Approved or BroadcastStatus.Scheduled or BroadcastStatus.Sending }) return broadcast;
        log.LogInformation("Broadcast {Id} is {Status}: nothing to send", broadcastId, broadcast?.Status ?? "unknown");
        return null;
    }

    // The occurrence row is the "fire exactly once" record. A one-off broadcast's only occurrence takes its id.
    private const string ClaimOccurrenceSql = """
        WITH claimed AS (
            INSERT INTO broadcast_occurrences (id, broadcast_id, occurrence_at, due_at, audience_max_id, started_at)
            SELECT coalesce(@Id, nextval('broadcast_ids')), b.id, @OccurrenceAt, @DueAt,
                   (SELECT coalesce(max(id), 0) FROM subscribers), @Now
              FROM broadcasts b
             WHERE b.id = @BroadcastId AND b.status IN ('approved', 'scheduled', 'sending')
            ON CONFLICT DO NOTHING
            RETURNING id, status)
        SELECT id, status FROM claimed
        UNION ALL
        SELECT id, status FROM broadcast_occurrences WHERE broadcast_id = @BroadcastId AND occurrence_at = @OccurrenceAt
        LIMIT 1
        """;

    private const string MarkSendingSql = """
        UPDATE broadcasts SET status = 'sending' WHERE id = @BroadcastId AND status IN ('approved', 'scheduled') AND repeat_cron IS NULL
        """;

    private const string FailSql = """
        UPDATE broadcasts SET status = 'failed', failure = @Failure, finished_at = @Now
         WHERE id = @BroadcastId AND status IN ('approved', 'scheduled')
        """;

    /// <summary>The occurrence to fan out, or null when there is nothing (more) to do for it.</summary>
    private async Task<long?> ClaimOccurrenceAsync(Broadcast broadcast, long? id, DateTimeOffset occurrenceAt, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var due = broadcast.Urgent ? occurrenceAt : quietHours.NextAllowed(occurrenceAt);
        await using var conn = await db.OpenConnectionAsync(ct);
        // A message due longer ago than SMS_VALIDITY would only expire in the queue: say so instead of queueing it.
        if (now > due + delivery.Value.Validity)
        {
            var failure = $"the start came at {now:u}, more than SMS_VALIDITY ({delivery.Value.Validity}) after its messages were due ({due:u})";
            log.LogWarning("Broadcast {Id}: {Failure}", broadcast.Id, failure);
            if (!broadcast.IsRecurring)
                await conn.ExecuteAsync(new CommandDefinition(FailSql, new { BroadcastId = broadcast.Id, Failure = failure, Now = now }, cancellationToken: ct));
            return null;
        }

        await using var tx = await conn.BeginTransactionAsync(ct);
        var occurrence = await conn.QuerySingleOrDefaultAsync<(long Id, string Status)?>(new CommandDefinition(ClaimOccurrenceSql, new
        {
            Id = id,
            BroadcastId = broadcast.Id,
            OccurrenceAt = occurrenceAt,
            DueAt = due,
            Now = now,
        }, tx, cancellationToken: ct));
        await conn.ExecuteAsync(new CommandDefinition(MarkSendingSql, new { BroadcastId = broadcast.Id }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return occurrence is { Status: "fanning_out" } claimed ? claimed.Id : null;
    }

    private sealed record Occurrence
    {
        public long Id { get; init; }
        public DateTimeOffset OccurrenceAt { get; init; }
        public DateTimeOffset DueAt { get; init; }
        public string Content { get; init; } = "{}";
        public string[] Topics { get; init; } = [];
        public string[] Regions { get; init; } = [];
        public string[] Languages { get; init; } = [];
        public bool Urgent { get; init; }
    }

    private const string SelectOccurrenceSql = """
        SELECT o.id, o.occurrence_at, o.due_at, b.content::text AS content, b.topics, b.regions, b.languages, b.urgent
          FROM broadcast_occurrences o
          JOIN broadcasts b ON b.id = o.broadcast_id
         WHERE o.id = @Id
        """;

    // A lane's cursor, locked: one transaction at a time writes this lane's next range (a second run waits here).
    private const string LockLaneSql = """
        SELECT next_range, lanes, base_id, first_width, width
          FROM broadcast_fanout_lanes
         WHERE occurrence_id = @Id AND lane = @Lane
           FOR UPDATE
        """;

    private sealed record Lane(long NextRange, int Lanes, long BaseId, long FirstWidth, long Width)
    {
        /// <summary>The subscriber ids of range <paramref name="r"/>: (From, To].</summary>
        public (long From, long To) Range(long r) => r == 0
            ? (BaseId, BaseId + FirstWidth)
            : (BaseId + FirstWidth + (r - 1) * Width, BaseId + FirstWidth + r * Width);
    }

    // Read after the lane's lock, in a statement of its own so that it sees a cancel that committed while it waited.
    // A lane reads it FOR KEY SHARE: lanes share that (and may update the counts under it), a cancel's FOR UPDATE waits
    // for it, so a cancel never misses the rows of a range being written, even one begun before it locked the lanes.
    private const string StatusSql = """
        SELECT o.status AS occurrence_status, o.audience_max_id, b.status AS broadcast_status
          FROM broadcast_occurrences o
          JOIN broadcasts b ON b.id = o.broadcast_id
         WHERE o.id = @Id
        """;

    private const string LaneStatusSql = StatusSql + " FOR KEY SHARE OF o";

    private sealed record Status(string OccurrenceStatus, long AudienceMaxId, string BroadcastStatus)
    {
        public bool Live => OccurrenceStatus == "fanning_out" && BroadcastStatus != Broadcasts.BroadcastStatus.Canceled;
    }

    // The occurrence's lanes, made once (under its lock) and kept: every later run uses the same ranges.
    private const string MakeLanesSql = """
        INSERT INTO broadcast_fanout_lanes (occurrence_id, lane, lanes, base_id, first_width, width, next_range)
        SELECT o.id, lane, @Lanes, o.last_subscriber_id, @FirstWidth, @Width, lane
          FROM broadcast_occurrences o, generate_series(0, @Lanes - 1) AS lane
         WHERE o.id = @Id AND o.status = 'fanning_out'
           AND NOT EXISTS (SELECT 1 FROM broadcast_fanout_lanes l WHERE l.occurrence_id = o.id)
        """;

    private const string LockOccurrenceSql = "SELECT 1 FROM broadcast_occurrences WHERE id = @Id FOR UPDATE";

    private const string CountLanesSql = "SELECT count(*)::int FROM broadcast_fanout_lanes WHERE occurrence_id = @Id";

    // The audience's messages through the queue's set-based way in (Outbox.EnqueueRowsSql): prepared bodies per
    // language, one NOTIFY per range. No ON CONFLICT: see the class summary.
    private static readonly string InsertChunkSql = $"""
        WITH {BroadcastAudience.JudgedSql},
        chunk AS (
            SELECT j.phone AS to_phone, j.id AS subscriber_id, b.body, b.encoding, b.segments, b.price,
                   @Priority AS priority, 'broadcast' AS message_kind, @OccurrenceId AS broadcast_id, NULL::text AS idempotency_key,
                   CASE WHEN j.verdict = 'deferred' THEN j.deferred_until ELSE @Due END AS due_at,
                   CASE WHEN j.verdict = 'deferred' THEN j.deferred_until ELSE @Due END + @Validity AS valid_until,
                   @Now AS queued_at
              FROM judged j
              JOIN unnest(@BodyLanguages, @Bodies, @Encodings, @Segments, @Costs) AS b (language, body, encoding, segments, price)
                ON b.language = j.language
             WHERE j.verdict IN ('allowed', 'deferred')),
        inserted AS ({Outbox.EnqueueRowsSql("chunk", skipDuplicates: false)})
        SELECT (SELECT count(*) FROM inserted) AS planned,
               (SELECT count(*) FROM inserted WHERE due_at > @Due) AS deferred,
               count(*) FILTER (WHERE verdict = 'skipped_opted_out') AS skipped_opted_out,
               count(*) FILTER (WHERE verdict = 'skipped_invalid_number') AS skipped_invalid_number,
               count(*) FILTER (WHERE verdict = 'same_text') AS skipped_same_text
          FROM judged
        """;

    private sealed record ChunkCounts(long Planned, long Deferred, long SkippedOptedOut, long SkippedInvalidNumber, long SkippedSameText);

    private const string AdvanceLaneSql = "UPDATE broadcast_fanout_lanes SET next_range = next_range + lanes WHERE occurrence_id = @Id AND lane = @Lane";

    // Lanes add to the same counts: each holds the occurrence row only for this last statement of its transaction.
    private const string CountSql = """
        UPDATE broadcast_occurrences
           SET planned                = planned + @Planned,
               held_for_quiet_hours   = held_for_quiet_hours + @Held,
               deferred               = deferred + @Deferred,
               skipped_opted_out      = skipped_opted_out + @SkippedOptedOut,
               skipped_invalid_number = skipped_invalid_number + @SkippedInvalidNumber,
               skipped_same_text      = skipped_same_text + @SkippedSameText
         WHERE id = @Id
        """;

    // Every lane locked (so none is mid-range), then: done when each lane's next range starts past the audience.
    private const string LockLanesSql = """
        SELECT next_range, lanes, base_id, first_width, width
          FROM broadcast_fanout_lanes
         WHERE occurrence_id = @Id
         ORDER BY lane
           FOR UPDATE
        """;

    private const string FinishSql = "UPDATE broadcast_occurrences SET status = 'fanned_out', fanned_out_at = @Now WHERE id = @Id AND status = 'fanning_out'";

    // The chunk's estimated cost (a guard seek per subscriber) is far above PostgreSQL's JIT thresholds, and compiling
    // it again for every chunk cost more than the chunk (measured: about 3 of 11 CPU-seconds of a 1M fan-out).
    // SET LOCAL ends with the transaction, so the pooled connection keeps no session state.
    private const string NoJitSql = "SET LOCAL jit = off";

    private const string TakeLeaseSql = """
        UPDATE broadcast_occurrences o
           SET runner = @Runner, runner_until = @Until
          FROM (SELECT id, runner, runner_until FROM broadcast_occurrences WHERE id = @Id FOR NO KEY UPDATE) AS before
         WHERE o.id = before.id AND o.status = 'fanning_out' AND (o.runner_until IS NULL OR o.runner_until < @Now)
        RETURNING before.runner AS previous, before.runner_until AS previous_until
        """;

    private const string HolderSql = "SELECT status, runner, runner_until FROM broadcast_occurrences WHERE id = @Id";

    private const string RenewLeaseSql = "UPDATE broadcast_occurrences SET runner_until = @Until WHERE id = @Id AND runner = @Runner RETURNING 1";

    private const string ReleaseLeaseSql = "UPDATE broadcast_occurrences SET runner_until = NULL WHERE id = @Id AND runner = @Runner";

    /// <summary>
    /// Fans the occurrence out from where it stands, on FANOUT_CONNECTIONS lanes at once, under the occurrence's lease:
    /// when another live run holds it, this one leaves the occurrence to it. <paramref name="maxChunks"/> stops early
    /// after that many ranges in all (tests simulate a crash mid-way with it); <paramref name="chunkSize"/> sets the
    /// ranges' width (subscriber ids) when this run is the occurrence's first.
    /// </summary>
    public async Task<FanOutRun> RunAsync(long occurrenceId, CancellationToken ct, int? maxChunks = null, int? chunkSize = null)
    {
        using var activity = BroadcastTelemetry.Source.StartActivity("broadcast fan-out");
        activity?.SetTag("broadcast.occurrence_id", occurrenceId);
        var runner = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}"[..^24];
        var now = clock.GetUtcNow();
        await using (var conn = await db.OpenConnectionAsync(ct))
        {
            var taken = await conn.QuerySingleOrDefaultAsync<(string? Previous, DateTime? PreviousUntil)?>(new CommandDefinition(TakeLeaseSql,
                new { Id = occurrenceId, Runner = runner, Until = now + Lease, Now = now }, cancellationToken: ct));
            if (taken is null)
            {
                var holder = await conn.QuerySingleAsync<(string Status, string? Runner, DateTime? Until)>(new CommandDefinition(HolderSql,
                    new { Id = occurrenceId }, cancellationToken: ct));
                if (holder.Status == "fanning_out")
                    log.LogInformation("Broadcast occurrence {Id} is being fanned out by {Runner}; leaving it to that run", occurrenceId, holder.Runner);
                return new FanOutRun(occurrenceId, 0, holder.Status != "fanning_out");
            }
            if (taken.Value.Previous is { } previous)
                log.LogWarning("Broadcast occurrence {Id}: carrying on the fan-out that {Previous} left unfinished ({How}); taken over by {Runner}",
                    occurrenceId, previous, taken.Value.PreviousUntil is { } until ? $"its lease ended at {until:O}" : "it stopped", runner);
        }

        using var run = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var renewal = new CancellationTokenSource();
        var renewing = RenewLeaseAsync(occurrenceId, runner, run, renewal.Token);
        try
        {
            return await WriteAsync(occurrenceId, run.Token, maxChunks, chunkSize);
        }
        catch (OperationCanceledException) when (run.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            // The lease was lost: another run has the occurrence now.
            return new FanOutRun(occurrenceId, 0, false);
        }
        finally
        {
            await renewal.CancelAsync();
            await renewing;
            try
            {
                await using var conn = await db.OpenConnectionAsync(CancellationToken.None);
                await conn.ExecuteAsync(new CommandDefinition(ReleaseLeaseSql, new { Id = occurrenceId, Runner = runner }));
            }
            catch (NpgsqlException)
            {
                // The lease ends by itself.
            }
        }
    }

    /// <summary>Keeps the occurrence's lease while the run writes; cancels the run if another run took the occurrence.</summary>
    private async Task RenewLeaseAsync(long occurrenceId, string runner, CancellationTokenSource run, CancellationToken stop)
    {
        try
        {
            while (true)
            {
                await Task.Delay(RenewEvery, clock, stop);
                try
                {
                    await using var conn = await db.OpenConnectionAsync(stop);
                    var kept = await conn.ExecuteScalarAsync<int?>(new CommandDefinition(RenewLeaseSql,
                        new { Id = occurrenceId, Runner = runner, Until = clock.GetUtcNow() + Lease }, cancellationToken: stop));
                    if (kept is null)
                    {
                        log.LogWarning("Broadcast occurrence {Id}: {Runner} lost its fan-out lease to another run; stopping here", occurrenceId, runner);
                        await run.CancelAsync();
                        return;
                    }
                }
                catch (NpgsqlException e)
                {
                    log.LogWarning("Broadcast occurrence {Id}: could not renew the fan-out lease ({Error})", occurrenceId, e.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    private async Task<FanOutRun> WriteAsync(long occurrenceId, CancellationToken ct, int? maxChunks, int? chunkSize)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var occurrence = await conn.QuerySingleAsync<Occurrence>(new CommandDefinition(SelectOccurrenceSql, new { Id = occurrenceId }, cancellationToken: ct));
        var due = occurrence.DueAt;
        var heldForQuietHours = occurrence.DueAt > occurrence.OccurrenceAt;
        var texts = BroadcastTexts.Render(System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string>>(occurrence.Content)!,
            gateway.Value.DefaultLanguage, outbox);

        var parameters = BroadcastAudience.Parameters(occurrence.Topics, occurrence.Regions, occurrence.Languages, guard, due,
            texts.Select(t => t.Prepared.Body).Distinct(), occurrence.Urgent);
        parameters.AddDynamicParams(new
        {
            OccurrenceId = occurrenceId,
            // Urgent broadcasts overtake bulk traffic (tips, lessons, big broadcasts) in the queue.
            Priority = (short)(occurrence.Urgent ? MessagePriority.Normal : MessagePriority.Bulk),
            delivery.Value.Validity,
            BodyLanguages = texts.Select(t => t.Language).ToArray(),
            Bodies = texts.Select(t => t.Prepared.Body).ToArray(),
            Encodings = texts.Select(t => t.Prepared.Encoding).ToArray(),
            Segments = texts.Select(t => t.Prepared.Segments).ToArray(),
            Costs = texts.Select(t => t.Prepared.Cost).ToArray(),
        });

        var lanes = await MakeLanesAsync(conn, occurrenceId, chunkSize, ct);
        var run = new ChunkBudget(maxChunks);
        await Task.WhenAll(Enumerable.Range(0, lanes).Select(lane => RunLaneAsync(occurrenceId, lane, parameters, heldForQuietHours, run, ct)));
        if (run.Exhausted)
            return new FanOutRun(occurrenceId, run.Taken, false);

        await using var tx = await conn.BeginTransactionAsync(ct);
        var all = (await conn.QueryAsync<Lane>(new CommandDefinition(LockLanesSql, new { Id = occurrenceId }, tx, cancellationToken: ct))).AsList();
        var status = await conn.QuerySingleAsync<Status>(new CommandDefinition(StatusSql, new { Id = occurrenceId }, tx, cancellationToken: ct));
        if (status.Live && all.All(l => l.Range(l.NextRange).From >= status.AudienceMaxId))
        {
            await conn.ExecuteAsync(new CommandDefinition(FinishSql, new { Id = occurrenceId, Now = clock.GetUtcNow() }, tx, cancellationToken: ct));
            log.LogInformation("Broadcast occurrence {Id} fanned out", occurrenceId);
        }
        await tx.CommitAsync(ct);
        return new FanOutRun(occurrenceId, run.Taken, true);
    }

    /// <summary>The occurrence's number of lanes, made now if this is its first run (0 when it is no longer fanning out).</summary>
    private async Task<int> MakeLanesAsync(NpgsqlConnection conn, long occurrenceId, int? chunkSize, CancellationToken ct)
    {
        var lanes = await conn.ExecuteScalarAsync<int>(new CommandDefinition(CountLanesSql, new { Id = occurrenceId }, cancellationToken: ct));
        if (lanes > 0)
            return lanes;
        await using var tx = await conn.BeginTransactionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(LockOccurrenceSql, new { Id = occurrenceId }, tx, cancellationToken: ct));
        await conn.ExecuteAsync(new CommandDefinition(MakeLanesSql, new
        {
            Id = occurrenceId,
            Lanes = options.Value.FanOutConnections,
            FirstWidth = (long)(chunkSize ?? FirstChunkSize),
            Width = (long)(chunkSize ?? ChunkSize),
        }, tx, cancellationToken: ct));
        lanes = await conn.ExecuteScalarAsync<int>(new CommandDefinition(CountLanesSql, new { Id = occurrenceId }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return lanes;
    }

    /// <summary>One lane: its ranges one transaction each, until none is left, the occurrence stops, or the budget ends.</summary>
    private async Task RunLaneAsync(long occurrenceId, int laneNumber, DynamicParameters shared, bool heldForQuietHours, ChunkBudget run, CancellationToken ct)
    {
        var parameters = new DynamicParameters(shared);
        await using var conn = await db.OpenConnectionAsync(ct);
        while (true)
        {
            await using var tx = await conn.BeginTransactionAsync(ct);
            var lane = await conn.QuerySingleAsync<Lane>(new CommandDefinition(LockLaneSql, new { Id = occurrenceId, Lane = laneNumber }, tx, cancellationToken: ct));
            var status = await conn.QuerySingleAsync<Status>(new CommandDefinition(LaneStatusSql, new { Id = occurrenceId }, tx, cancellationToken: ct));
            var (from, to) = lane.Range(lane.NextRange);
            if (!status.Live || from >= status.AudienceMaxId || !run.TryTake())
            {
                await tx.CommitAsync(ct);
                return;
            }

            await conn.ExecuteAsync(new CommandDefinition(NoJitSql, transaction: tx, cancellationToken: ct));
            parameters.Add("From", from);
            parameters.Add("To", Math.Min(to, status.AudienceMaxId));
            parameters.Add("Now", clock.GetUtcNow());
            var counts = await conn.QuerySingleAsync<ChunkCounts>(new CommandDefinition(InsertChunkSql, parameters, tx, cancellationToken: ct));
            await conn.ExecuteAsync(new CommandDefinition(AdvanceLaneSql, new { Id = occurrenceId, Lane = laneNumber }, tx, cancellationToken: ct));
            await conn.ExecuteAsync(new CommandDefinition(CountSql, new
            {
                Id = occurrenceId,
                counts.Planned,
                Held = heldForQuietHours ? counts.Planned - counts.Deferred : 0,
                counts.Deferred,
                counts.SkippedOptedOut,
                counts.SkippedInvalidNumber,
                counts.SkippedSameText,
            }, tx, cancellationToken: ct));
            if (counts.Planned > 0) await Outbox.NotifyAsync(conn, tx, ct);
            await tx.CommitAsync(ct);
            BroadcastTelemetry.FanOutRows.Add(counts.Planned);
        }
    }
}
