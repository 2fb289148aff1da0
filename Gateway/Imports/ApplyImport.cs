using Dapper;
using Gateway.Broadcasts;
using Gateway.Delivery;
using Gateway.Subscriptions;
using Gateway.Templates;
using Hangfire;
using Npgsql;

namespace Gateway.Imports;

/// <summary>
/// The import job (Hangfire, bulk queue): writes a confirmed import's staged rows, <see cref="ChunkSize"/> lines per
/// transaction, with set-based statements: the consent rule of <see cref="ImportConsent"/> and, for every new number
/// without recorded consent, one confirmation SMS queued through <see cref="Outbox.EnqueueRowsSql"/> as a bulk message
/// (priority Bulk, held for quiet hours, counted by the frequency guard). Each chunk commits with the import's cursor
/// and progress (rows_done of rows_staged, shown in the console), so a run that stops (a killed worker, a deadlock)
/// is carried on by the next one from where it stopped, and two runs at once take turns on the import's row.
/// <para>
/// The confirmation goes only to numbers the chunk created: a number is asked once in its life, by the import that
/// first brought it in, and never again by any import (its idempotency key is 'import:&lt;subscriber&gt;'). The frequency
/// guard therefore has nothing to count for it (a new number has no messages); the message counts for the guard of
/// everything sent to the number after it. It is worth sending for <see cref="ConfirmationValidity"/>: after that an
/// unsent confirmation expires, and the number, never asked, hears nothing.
/// </para>
/// </summary>
public sealed class ApplyImport(NpgsqlDataSource db, Outbox outbox, MessageTexts texts, TopicCatalog topics, QuietHours quietHours,
    TimeProvider clock, ILogger<ApplyImport> log)
{
    public const int ChunkSize = 50_000;

    /// <summary>How long a resident has to answer, and how long the confirmation is worth sending.</summary>
    public static readonly TimeSpan ConfirmationValidity = TimeSpan.FromDays(14);

    private const string BatchSql = """
        SELECT * FROM import_rows WHERE import_id = @ImportId AND row_no > @After AND row_no <= @Until AND NOT duplicate
        """;

    private const string ClaimSql = """
        UPDATE imports SET status = 'applying', started_at = coalesce(started_at, @Now)
         WHERE id = @Id AND status IN ('queued', 'applying')
        RETURNING created_by, rows_staged, rows_done, cursor_row
        """;

    private const string RemainingSql = "SELECT count(*)::int FROM import_rows WHERE import_id = @Id AND row_no > @After";

    private const string TextsSql = """
        SELECT DISTINCT language, array_to_string(topics, ';') AS topics
          FROM import_rows WHERE import_id = @Id AND row_no > @After AND consent_at IS NULL AND NOT duplicate
        """;

    private const string LockSql = "SELECT status, cursor_row FROM imports WHERE id = @Id FOR UPDATE";

    // The chunk's last line, then its rows' writes and the cursor in one statement.
    private const string NextUntilSql = """
        SELECT max(row_no) FROM (SELECT row_no FROM import_rows WHERE import_id = @ImportId AND row_no > @After ORDER BY row_no LIMIT @ChunkSize) c
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
        queued AS ({Outbox.EnqueueRowsSql("confirmations", skipDuplicates: false)}),
        progress AS (
            UPDATE imports
               SET cursor_row = @Until,
                   rows_done  = rows_done + (SELECT count(*) FROM import_rows WHERE import_id = @ImportId AND row_no > @After AND row_no <= @Until),
                   subscribed = subscribed + (SELECT count(DISTINCT subscriber_id) FROM ledgered),
                   asked      = asked + (SELECT count(*) FROM queued)
             WHERE id = @ImportId)
        SELECT (SELECT count(*)::int FROM asked) AS asked, (SELECT count(*)::int FROM queued) AS queued,
               (SELECT count(*)::int FROM known WHERE status = 'pending' AND consent_at IS NOT NULL) AS promotable
        """;

    private static readonly string PromoteTopicsSql = ImportConsent.PromoteTopicsSql(BatchSql);
    private static readonly string PromoteSql = ImportConsent.PromoteSql(BatchSql);

    private const string PromotedSql = "UPDATE imports SET subscribed = subscribed + @Promoted WHERE id = @ImportId";

    /// <summary>The unique constraint a number created meanwhile by another transaction runs into (migration 0001).</summary>
    internal const string NumberTakenConstraint = "subscribers_phone_key";

    private const string FinishSql = """
        UPDATE imports SET status = @Status, finished_at = @Now, failure = @Failure WHERE id = @Id AND status IN ('queued', 'applying');
        DELETE FROM import_rows WHERE import_id = @Id;
        """;

    private sealed record Claim(string CreatedBy, int RowsStaged, int RowsDone, int CursorRow);

    private sealed record ChunkResult(int Asked, int Queued, int Promotable);

    /// <summary>Hangfire: writes import <paramref name="importId"/> to the end (or carries on a run that stopped).</summary>
    [Queue("bulk")]
    [AutomaticRetry(Attempts = 5, DelaysInSeconds = [10, 30, 60, 120, 300])]
    public Task RunAsync(long importId, CancellationToken ct) => RunAsync(importId, ct, maxChunks: null, ChunkSize);

    /// <summary>The run, stopping after <paramref name="maxChunks"/> chunks of <paramref name="chunkSize"/> lines (tests stop it mid-way).</summary>
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
            // import_rows is unlogged: a database crash empties it. The file must then be imported again (which changes
            // nothing already done), rather than the import finishing as if its rows had been written.
            var remaining = await conn.ExecuteScalarAsync<int>(new CommandDefinition(RemainingSql, new { Id = importId, After = claim.CursorRow }, cancellationToken: ct));
            if (remaining < claim.RowsStaged - claim.RowsDone)
            {
                await FinishAsync(conn, importId, ImportStatus.Failed,
                    "the file's rows were lost (the database restarted while it waited); import the same file again: rows already imported are not changed twice", ct);
                log.LogWarning("Import {Id}: {Missing} staged rows were lost in a database restart; the import failed", importId, claim.RowsStaged - claim.RowsDone - remaining);
                return;
            }
        }

        var bodies = await ConfirmationTextsAsync(importId, claim.CursorRow, ct);
        var due = quietHours.NextAllowed(now);
        var chunks = 0;
        while (maxChunks is null || chunks < maxChunks)
        {
            bool more;
            try
            {
                more = await ChunkAsync(importId, claim.CreatedBy, bodies, due, chunkSize, raceSafe: false, ct);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation && e.ConstraintName == NumberTakenConstraint)
            {
                // A number of the chunk was created meanwhile (a resident texted, another import): the chunk was rolled
                // back whole; written again with ON CONFLICT, it takes that number as known.
                log.LogInformation("Import {Id}: a number of the chunk was created meanwhile; writing the chunk again", importId);
                more = await ChunkAsync(importId, claim.CreatedBy, bodies, due, chunkSize, raceSafe: true, ct);
            }
            if (!more) break;
            chunks++;
        }
        if (maxChunks is null || chunks < maxChunks)
        {
            await using var conn = await db.OpenConnectionAsync(ct);
            await FinishAsync(conn, importId, ImportStatus.Done, null, ct);
            log.LogInformation("Import {Id} written ({Chunks} chunks in this run)", importId, chunks);
        }
    }

    /// <summary>One chunk in one transaction, behind the import's row lock. False when nothing was left.</summary>
    private async Task<bool> ChunkAsync(long importId, string createdBy, Dictionary<(string Language, string Topics), PreparedBody> bodies,
        DateTimeOffset due, int chunkSize, bool raceSafe, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var state = await conn.QuerySingleAsync<(string Status, int CursorRow)>(new CommandDefinition(LockSql, new { Id = importId }, tx, cancellationToken: ct));
        await conn.ExecuteAsync(new CommandDefinition(StageImport.TransactionSettingsSql, transaction: tx, cancellationToken: ct));
        if (state.Status != ImportStatus.Applying) return false;   // another run finished it, or it was failed meanwhile
        var until = await conn.ExecuteScalarAsync<int?>(new CommandDefinition(NextUntilSql,
            new { ImportId = importId, After = state.CursorRow, ChunkSize = chunkSize }, tx, cancellationToken: ct));
        if (until is null) return false;

        var now = clock.GetUtcNow();
        var parameters = new DynamicParameters(new
        {
            ImportId = importId,
            After = state.CursorRow,
            Until = until.Value,
            ImportBy = createdBy,
            ImportNow = now,
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
        var result = await conn.QuerySingleAsync<ChunkResult>(new CommandDefinition(raceSafe ? RaceSafeChunkSql : ChunkSql, parameters, tx, commandTimeout: 600, cancellationToken: ct));
        // A new number without a confirmation would wait for a YES it was never asked for: never commit that.
        if (result.Queued != result.Asked)
            throw new InvalidOperationException($"import {importId}: {result.Asked} numbers to ask but {result.Queued} confirmations queued");
        if (result.Promotable > 0)
        {
            await conn.ExecuteAsync(new CommandDefinition(PromoteTopicsSql, parameters, tx, cancellationToken: ct));
            var promoted = await conn.ExecuteScalarAsync<int>(new CommandDefinition(PromoteSql, parameters, tx, cancellationToken: ct));
            await conn.ExecuteAsync(new CommandDefinition(PromotedSql, new { ImportId = importId, Promoted = promoted }, tx, cancellationToken: ct));
        }
        if (result.Queued > 0) await Outbox.NotifyAsync(conn, tx, ct);
        await tx.CommitAsync(ct);
        return true;
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

    private Task FinishAsync(NpgsqlConnection conn, long importId, string status, string? failure, CancellationToken ct) =>
        conn.ExecuteAsync(new CommandDefinition(FinishSql, new { Id = importId, Status = status, Failure = failure, Now = clock.GetUtcNow() },
            commandTimeout: 600, cancellationToken: ct));
}
