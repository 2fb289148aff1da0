using Dapper;
using Gateway.Broadcasts;
using Gateway.Delivery;
using Gateway.Hosting;
using Gateway.Subscriptions;
using Gateway.Templates;
using Hangfire;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Gateway.Imports;

/// <summary>
/// The import job (Hangfire, bulk queue): writes a confirmed import's staged rows in chunks of <see cref="ChunkSize"/>
/// lines, one transaction each, with set-based statements: the consent rule of <see cref="ImportConsent"/> and, for
/// every new number without recorded consent, one confirmation SMS queued through <see cref="Outbox.EnqueueRowsSql"/>
/// as a bulk message (priority Bulk, held for quiet hours, counted by the frequency guard).
/// <para>
/// The chunks are written on IMPORT_CONNECTIONS connections at once ("lanes", as the broadcast fan-out's, so both of a
/// small server's cores work: one chunk is bound by the one PostgreSQL backend that writes it). The job's first run
/// plans the import's chunks (import_chunks, migration 0190); each lane then takes the next chunk nobody holds
/// (FOR UPDATE SKIP LOCKED on its row), writes it, and commits it with the chunk marked done and the import's
/// progress (rows_done of rows_staged, shown in the console). A chunk is written whole and marked done, or not at
/// all, so a run that stops (a killed worker, a deadlock) is carried on by the next one, and two runs at once share
/// the chunks left, never writing one twice. A lane that finds every chunk left held waits for the first of them: it
/// is done when that commits, or the lane writes it when its writer gave up.
/// </para>
/// <para>
/// Lanes never wait for each other's rows: a number is in one chunk only (later rows of it are duplicates, marked at
/// staging), and the dashboard's tally triggers only append rows (migration 0073). They share the import's row: each
/// reads its status FOR KEY SHARE and adds to its progress in its chunk's last statement, so they take turns only at
/// their commits. A chunk that nonetheless deadlocks or fails to serialize (with other traffic) is written again.
/// </para>
/// <para>
/// The confirmation goes only to numbers the chunk created: a number is asked once in its life, by the import that
/// first brought it in, and never again by any import (its idempotency key is 'import:&lt;subscriber&gt;'). The frequency
/// guard therefore has nothing to count for it (a new number has no messages); the message counts for the guard of
/// everything sent to the number after it. It is worth sending for <see cref="ConfirmationValidity"/>: after that an
/// unsent confirmation expires, and the number, never asked, hears nothing.
/// </para>
/// </summary>
public sealed class ApplyImport(NpgsqlDataSource db, Outbox outbox, MessageTexts texts, TopicCatalog topics, QuietHours quietHours,
    IOptions<ImportOptions> options, TimeProvider clock, ILogger<ApplyImport> log)
{
    public const int ChunkSize = 50_000;

    /// <summary>How many times a chunk that deadlocked or failed to serialize is written again before the run fails (Hangfire then retries the run).</summary>
    public const int ChunkAttempts = 5;

    /// <summary>How long a resident has to answer, and how long the confirmation is worth sending.</summary>
    public static readonly TimeSpan ConfirmationValidity = TimeSpan.FromDays(14);

    private const string BatchSql = """
        SELECT * FROM import_rows WHERE import_id = @ImportId AND row_no BETWEEN @FirstRow AND @LastRow AND NOT duplicate
        """;

    private const string ClaimSql = """
        UPDATE imports SET status = 'applying', started_at = coalesce(started_at, @Now)
         WHERE id = @Id AND status IN ('queued', 'applying')
        RETURNING created_by, cursor_row
        """;

    // import_rows is unlogged: a database crash empties it. Staged rows stay until the import ends, so fewer than were
    // staged means they were lost. One statement, so that the count and the status agree (a run that finishes deletes them).
    private const string StagedSql = """
        SELECT i.status, i.rows_staged, (SELECT count(*)::int FROM import_rows r WHERE r.import_id = i.id) AS rows_kept
          FROM imports i WHERE i.id = @Id
        """;

    private const string TextsSql = """
        SELECT DISTINCT language, array_to_string(topics, ';') AS topics
          FROM import_rows WHERE import_id = @Id AND row_no > @After AND consent_at IS NULL AND NOT duplicate
        """;

    private const string CountChunksSql = "SELECT count(*)::int FROM import_chunks WHERE import_id = @Id";

    // The import's chunks, planned once: chunkSize staged lines each, after the lines a run before lanes wrote. Under the
    // import's row FOR NO KEY UPDATE, so that two first runs take turns here (the second plans nothing) while the lanes
    // of a run that planned already (FOR KEY SHARE) are not in the way.
    private const string PlanSql = """
        SELECT 1 FROM imports WHERE id = @Id FOR NO KEY UPDATE;
        INSERT INTO import_chunks (import_id, first_row, last_row, rows)
        SELECT @Id, min(row_no), max(row_no), count(*)
          FROM (SELECT row_no, (row_number() OVER (ORDER BY row_no) - 1) / @ChunkSize AS chunk
                  FROM import_rows
                 WHERE import_id = @Id AND row_no > (SELECT cursor_row FROM imports WHERE id = @Id)) r
         WHERE NOT EXISTS (SELECT FROM import_chunks c WHERE c.import_id = @Id)
         GROUP BY chunk
        """;

    // Held for the chunk's transaction: lanes share FOR KEY SHARE (and each adds to the progress under it, for its last
    // statement only).
    private const string StatusSql = "SELECT status FROM imports WHERE id = @Id FOR KEY SHARE";

    // The next chunk nobody holds; first the one this lane has to write again (@Again), if nobody took it meanwhile.
    private const string TakeChunkSql = """
        SELECT first_row, last_row, rows FROM import_chunks
         WHERE import_id = @Id AND NOT done
         ORDER BY first_row = @Again DESC, first_row
         LIMIT 1
           FOR UPDATE SKIP LOCKED
        """;

    // Every chunk left is held (by another lane, another run, or a lane writing it again): wait for the first. When its
    // writer commits it is done and the next one is waited for; when its writer gave up, this lane writes it.
    private const string WaitChunkSql = """
        SELECT first_row, last_row, rows FROM import_chunks
         WHERE import_id = @Id AND NOT done
         ORDER BY first_row
         LIMIT 1
           FOR UPDATE
        """;

    // The chunk as it runs first, and again after a number of it was created meanwhile by another transaction (see
    // ImportConsent.CreateAndJoinSql). Confirmations are written without ON CONFLICT: they go only to numbers this
    // statement created, whose idempotency key ('import:<id>') cannot exist yet.
    private static readonly string ChunkSql = ChunkSqlFor(raceSafe: false);
    private static readonly string RaceSafeChunkSql = ChunkSqlFor(raceSafe: true);

    private static string ChunkSqlFor(bool raceSafe) => $"""
        WITH batch AS ({BatchSql}),
        {ImportConsent.CreateAndJoinSql(raceSafe)},
        texts AS (
            SELECT * FROM unnest(@TextLanguage::text[], @TextTopics::text[], @TextBody::text[], @TextEncoding::text[],
                                 @TextSegments::int[], @TextCost::numeric[]) AS t(language, topics, body, encoding, segments, price)),
        confirmations AS (
            SELECT a.phone AS to_phone, a.id AS subscriber_id, t.body, t.encoding, t.segments, t.price, @Priority AS priority,
                   @Kind AS message_kind, NULL::bigint AS broadcast_id, 'import:' || a.id AS idempotency_key,
                   @Due AS due_at, @ValidUntil AS valid_until, @ImportNow AS queued_at
              FROM asked a JOIN texts t ON t.language = a.language AND t.topics = array_to_string(a.topics, ';')),
        queued AS ({Outbox.EnqueueRowsSql("confirmations", skipDuplicates: false)})
        SELECT (SELECT count(*)::int FROM asked) AS asked, (SELECT count(*)::int FROM queued) AS queued,
               (SELECT count(DISTINCT subscriber_id)::int FROM ledgered) AS subscribed,
               (SELECT count(*)::int FROM known WHERE status = 'pending' AND consent_at IS NOT NULL) AS promotable
        """;

    private static readonly string PromoteTopicsSql = ImportConsent.PromoteTopicsSql(BatchSql);
    private static readonly string PromoteSql = ImportConsent.PromoteSql(BatchSql);

    // The chunk's last statement: done, with the import's progress. The import's row is held from here to the commit only.
    private const string DoneSql = """
        UPDATE import_chunks SET done = true WHERE import_id = @ImportId AND first_row = @FirstRow;
        UPDATE imports SET rows_done = rows_done + @Rows, subscribed = subscribed + @Subscribed, asked = asked + @Asked
         WHERE id = @ImportId
        """;

    /// <summary>The unique constraint a number created meanwhile by another transaction runs into (migration 0001).</summary>
    internal const string NumberTakenConstraint = "subscribers_phone_key";

    // Done only when no chunk is left (a guard: the lanes return only then); the staged rows and the chunks go with it.
    private const string FinishSql = """
        WITH finished AS (
            UPDATE imports SET status = @Status, finished_at = @Now, failure = @Failure
             WHERE id = @Id AND status IN ('queued', 'applying')
               AND (@Status <> 'done' OR NOT EXISTS (SELECT FROM import_chunks c WHERE c.import_id = @Id AND NOT c.done))
            RETURNING id),
        staged AS (
            DELETE FROM import_rows WHERE import_id IN (SELECT id FROM finished)),
        chunks AS (
            DELETE FROM import_chunks WHERE import_id IN (SELECT id FROM finished))
        SELECT count(*)::int FROM finished
        """;

    private sealed record Claim(string CreatedBy, int CursorRow);

    private sealed record Staged(string Status, int RowsStaged, int RowsKept);

    private sealed record Chunk(int FirstRow, int LastRow, int Rows);

    private sealed record ChunkResult(int Asked, int Queued, int Subscribed, int Promotable);

    /// <summary>A chunk this lane has to write again (<see cref="RaceSafe"/>: with ON CONFLICT on the numbers), and how often it was tried.</summary>
    private sealed record Again(int FirstRow, bool RaceSafe, int Attempts);

    /// <summary>Hangfire: writes import <paramref name="importId"/> to the end (or carries on a run that stopped).</summary>
    [Queue("bulk")]
    [AutomaticRetry(Attempts = 5, DelaysInSeconds = [10, 30, 60, 120, 300])]
    public Task RunAsync(long importId, CancellationToken ct) => RunAsync(importId, ct, maxChunks: null, ChunkSize);

    /// <summary>
    /// The run, stopping after <paramref name="maxChunks"/> chunks in all its lanes (tests stop it mid-way with it);
    /// <paramref name="chunkSize"/> lines per chunk when this run is the import's first.
    /// </summary>
    internal async Task RunAsync(long importId, CancellationToken ct, int? maxChunks, int chunkSize)
    {
        var now = clock.GetUtcNow();
        Claim? claim;
        await using (var conn = await db.OpenConnectionAsync(ct))
        {
            claim = await conn.QuerySingleOrDefaultAsync<Claim>(new CommandDefinition(ClaimSql, new { Id = importId, Now = now }, cancellationToken: ct));
            if (claim is null)
            {
                log.LogInformation("Import {Id} is not waiting to be written", importId);
                return;
            }
            // The file must then be imported again (which changes nothing already done), rather than the import
            // finishing as if its rows had been written.
            var staged = await conn.QuerySingleAsync<Staged>(new CommandDefinition(StagedSql, new { Id = importId }, commandTimeout: 600, cancellationToken: ct));
            if (staged.Status != ImportStatus.Applying)
                return;
            if (staged.RowsKept < staged.RowsStaged)
            {
                await FinishAsync(conn, importId, ImportStatus.Failed,
                    "the file's rows were lost (the database restarted while it waited); import the same file again: rows already imported are not changed twice", ct);
                log.LogWarning("Import {Id}: {Missing} staged rows were lost in a database restart; the import failed", importId, staged.RowsStaged - staged.RowsKept);
                return;
            }
            await PlanAsync(conn, importId, chunkSize, ct);
        }

        var bodies = await ConfirmationTextsAsync(importId, claim.CursorRow, ct);
        var due = quietHours.NextAllowed(now);
        var shared = new DynamicParameters(new
        {
            ImportId = importId,
            ImportBy = claim.CreatedBy,
            Priority = (short)MessagePriority.Bulk,
            Kind = MessageKinds.ImportConfirmation,
            Due = due,
            ValidUntil = due + ConfirmationValidity,
            TextLanguage = bodies.Keys.Select(k => k.Language).ToArray(),
            TextTopics = bodies.Keys.Select(k => k.Topics).ToArray(),
            TextBody = bodies.Values.Select(b => b.Body).ToArray(),
            TextEncoding = bodies.Values.Select(b => b.Encoding).ToArray(),
            TextSegments = bodies.Values.Select(b => b.Segments).ToArray(),
            TextCost = bodies.Values.Select(b => b.Cost).ToArray(),
        });

        var lanes = options.Value.Connections;
        var budget = new ChunkBudget(maxChunks);
        await RunLanesAsync(lanes, (lane, stop) => RunLaneAsync(importId, lane, shared, budget, stop), ct);
        if (budget.Exhausted)
            return;
        await using (var conn = await db.OpenConnectionAsync(ct))
        {
            if (await FinishAsync(conn, importId, ImportStatus.Done, null, ct))
                log.LogInformation("Import {Id} written ({Chunks} chunks in this run, on {Lanes} lanes)", importId, budget.Taken, lanes);
        }
    }

    /// <summary>The import's chunks, planned now if this is its first run.</summary>
    private static async Task PlanAsync(NpgsqlConnection conn, long importId, int chunkSize, CancellationToken ct)
    {
        if (await conn.ExecuteScalarAsync<int>(new CommandDefinition(CountChunksSql, new { Id = importId }, cancellationToken: ct)) > 0)
            return;
        await using var tx = await conn.BeginTransactionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(PlanSql, new { Id = importId, ChunkSize = chunkSize }, tx, commandTimeout: 600, cancellationToken: ct));
        await tx.CommitAsync(ct);
    }

    /// <summary>
    /// Runs <paramref name="lanes"/> lanes to their end. When one fails, the others are stopped (their chunks in flight
    /// roll back, to be written by the next run) and the first failure is thrown, not the stops it caused.
    /// </summary>
    private static async Task RunLanesAsync(int lanes, Func<int, CancellationToken, Task> lane, CancellationToken ct)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var running = Enumerable.Range(0, lanes).Select(async number =>
        {
            try
            {
                await lane(number, stop.Token);
            }
            catch (Exception)
            {
                await stop.CancelAsync();
                throw;
            }
        }).ToArray();
        // A lane stopped so ends canceled, which WhenAll does not count among the failures: it throws the lane's own.
        await Task.WhenAll(running);
    }

    /// <summary>One lane: the next chunk nobody holds, one transaction each, until none is left, the import stops, or the budget ends.</summary>
    private async Task RunLaneAsync(long importId, int laneNumber, DynamicParameters shared, ChunkBudget budget, CancellationToken ct)
    {
        var parameters = new DynamicParameters(shared);
        Again? again = null;
        await using var conn = await db.OpenConnectionAsync(ct);
        while (true)
        {
            await using var tx = await conn.BeginTransactionAsync(ct);
            var status = await conn.ExecuteScalarAsync<string>(new CommandDefinition(StatusSql, new { Id = importId }, tx, cancellationToken: ct));
            if (status != ImportStatus.Applying)
                return;   // another run finished it, or it was failed meanwhile
            var chunk = await conn.QuerySingleOrDefaultAsync<Chunk>(new CommandDefinition(TakeChunkSql,
                            new { Id = importId, Again = again?.FirstRow ?? -1 }, tx, cancellationToken: ct))
                        ?? await conn.QuerySingleOrDefaultAsync<Chunk>(new CommandDefinition(WaitChunkSql,
                            new { Id = importId }, tx, commandTimeout: 600, cancellationToken: ct));
            if (chunk is null || !budget.TryTake())
                return;

            var retry = again?.FirstRow == chunk.FirstRow ? again : null;
            try
            {
                await WriteAsync(conn, tx, importId, chunk, parameters, raceSafe: retry?.RaceSafe ?? false, ct);
                await tx.CommitAsync(ct);
                again = null;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation && e.ConstraintName == NumberTakenConstraint
                                              && retry is not { RaceSafe: true })
            {
                // A number of the chunk was created meanwhile (a resident texted, another import): the chunk was rolled
                // back whole; written again with ON CONFLICT, it takes that number as known.
                budget.GiveBack();
                log.LogInformation("Import {Id}, lane {Lane}: a number of lines {First}-{Last} was created meanwhile; writing them again",
                    importId, laneNumber, chunk.FirstRow, chunk.LastRow);
                again = new Again(chunk.FirstRow, RaceSafe: true, retry?.Attempts ?? 1);
            }
            catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure
                                              && (retry?.Attempts ?? 1) < ChunkAttempts)
            {
                budget.GiveBack();
                log.LogWarning("Import {Id}, lane {Lane}: lines {First}-{Last} rolled back ({Error}); writing them again",
                    importId, laneNumber, chunk.FirstRow, chunk.LastRow, e.MessageText);
                again = new Again(chunk.FirstRow, retry?.RaceSafe ?? false, (retry?.Attempts ?? 1) + 1);
            }
        }
    }

    /// <summary>One chunk's writes, marked done with the import's progress, in the caller's transaction (which holds the chunk's row).</summary>
    private async Task WriteAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long importId, Chunk chunk, DynamicParameters parameters, bool raceSafe,
        CancellationToken ct)
    {
        await conn.ExecuteAsync(new CommandDefinition(StageImport.TransactionSettingsSql, transaction: tx, cancellationToken: ct));
        parameters.Add("FirstRow", chunk.FirstRow);
        parameters.Add("LastRow", chunk.LastRow);
        parameters.Add("ImportNow", clock.GetUtcNow());
        var result = await conn.QuerySingleAsync<ChunkResult>(new CommandDefinition(raceSafe ? RaceSafeChunkSql : ChunkSql, parameters, tx,
            commandTimeout: 600, cancellationToken: ct));
        // A new number without a confirmation would wait for a YES it was never asked for: never commit that.
        if (result.Queued != result.Asked)
            throw new InvalidOperationException($"import {importId}: {result.Asked} numbers to ask but {result.Queued} confirmations queued");
        var promoted = 0;
        if (result.Promotable > 0)
        {
            await conn.ExecuteAsync(new CommandDefinition(PromoteTopicsSql, parameters, tx, cancellationToken: ct));
            promoted = await conn.ExecuteScalarAsync<int>(new CommandDefinition(PromoteSql, parameters, tx, cancellationToken: ct));
        }
        if (result.Queued > 0) await Outbox.NotifyAsync(conn, tx, ct);
        await conn.ExecuteAsync(new CommandDefinition(DoneSql, new
        {
            ImportId = importId,
            chunk.FirstRow,
            chunk.Rows,
            Subscribed = result.Subscribed + promoted,
            Asked = result.Queued,
        }, tx, cancellationToken: ct));
    }

    /// <summary>The confirmation in each language for each set of topics the rows ask about, measured once.</summary>
    private async Task<Dictionary<(string Language, string Topics), PreparedBody>> ConfirmationTextsAsync(long importId, int after, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var combinations = await conn.QueryAsync<(string Language, string Topics)>(new CommandDefinition(TextsSql,
            new { Id = importId, After = after }, commandTimeout: 600, cancellationToken: ct));
        return combinations.ToDictionary(c => c, c => outbox.Prepare(ConfirmationText(c.Language, c.Topics.Split(';'))));
    }

    /// <summary>"City Health Line: … Reply YES to receive Prevention notices, Daily health tip; ignore this to hear nothing more."</summary>
    public string ConfirmationText(string language, IReadOnlyList<string> topicKeys) =>
        texts.Get(MessageKeys.ImportConfirmation, language, new Dictionary<string, string>
        {
            ["sender"] = texts.Get(MessageKeys.SenderName, language),
            ["topics"] = topics.Names(topicKeys, language, ""),
        });

    /// <summary>Ends the import (false when it had ended already, or chunks are left), dropping its staged rows and chunks.</summary>
    private async Task<bool> FinishAsync(NpgsqlConnection conn, long importId, string status, string? failure, CancellationToken ct) =>
        await conn.ExecuteScalarAsync<int>(new CommandDefinition(FinishSql, new { Id = importId, Status = status, Failure = failure, Now = clock.GetUtcNow() },
            commandTimeout: 600, cancellationToken: ct)) > 0;
}
