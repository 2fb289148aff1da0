using System.Text.Json;
using Dapper;
using Gateway.Admin;
using Gateway.Subscriptions;
using Npgsql;
using NpgsqlTypes;

namespace Gateway.Imports;

/// <summary>
/// Reads a list into PostgreSQL as it streams in, with one binary COPY (nothing of the file is held in memory), then
/// marks the duplicates and reports what importing it would do, with set-based statements.
/// <list type="bullet">
/// <item><see cref="CheckAsync"/>, the dry run: the rows go to a temporary table of the transaction, which is rolled
/// back: nothing is written.</item>
/// <item><see cref="StageAsync"/>: the rows go to import_rows under a new imports row with the report, in one
/// transaction; <see cref="ApplyImport"/> then writes them, once confirmed.</item>
/// </list>
/// </summary>
public sealed class StageImport(NpgsqlDataSource db, ReadImportFile reader, TimeProvider clock)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private const string CheckTable = "import_check";

    /// <summary>
    /// Settings for an import's own transactions only. Hash joins and aggregates over a million rows need more than the
    /// default 4 MB of work_mem, or they spill to disk. JIT off: the row estimates of a chunk (unnest, CTEs) are high
    /// enough for PostgreSQL to compile and optimise each chunk's statement with LLVM, which took about 40 % of every
    /// chunk (EXPLAIN ANALYZE: 4.6-5.8 s of JIT in a 14-16 s chunk), and each chunk is planned, so compiled, afresh.
    /// </summary>
    public const string TransactionSettingsSql = "SET LOCAL work_mem = '64MB'; SET LOCAL jit = off";

    // Dropped with the transaction, whatever happens: no session state outlives it on a pooled connection.
    private const string CreateCheckTableSql = $"CREATE TEMP TABLE {CheckTable} (LIKE import_rows INCLUDING DEFAULTS) ON COMMIT DROP";

    private const string InsertImportSql = """
        INSERT INTO imports (status, file_name, created_by, created_at, rows_read, rows_staged, report)
        VALUES (@Status, @FileName, @CreatedBy, @Now, 0, 0, '{}') RETURNING id
        """;

    private const string SaveReportSql = """
        UPDATE imports SET rows_read = @Rows, rows_staged = @Staged, report = @Report::jsonb WHERE id = @Id
        """;

    /// <summary>The dry run: the report of <paramref name="body"/>, and nothing written.</summary>
    public async Task<ImportReport> CheckAsync(Stream body, RegionScope scope, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(CreateCheckTableSql, transaction: tx, cancellationToken: ct));
        var (report, _) = await ReadAndReportAsync(conn, tx, CheckTable, 0, body, scope, ct);
        await tx.RollbackAsync(ct);
        return report;
    }

    /// <summary>
    /// Reads <paramref name="body"/> into a new import: 'queued' (<paramref name="confirmed"/>: the API's import, which
    /// the caller then hands to <see cref="ApplyImport"/>) or 'checked' (the console's: waits for a person to confirm).
    /// </summary>
    public async Task<(long Id, ImportReport Report)> StageAsync(Stream body, RegionScope scope, string createdBy, string? fileName, bool confirmed,
        CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var id = await conn.ExecuteScalarAsync<long>(new CommandDefinition(InsertImportSql, new
        {
            Status = confirmed ? ImportStatus.Queued : ImportStatus.Checked,
            FileName = fileName is null ? null : Inbound.InboundReader.Storable(fileName.Length <= 200 ? fileName : fileName[..200]),
            CreatedBy = createdBy,
            Now = clock.GetUtcNow(),
        }, tx, cancellationToken: ct));
        var (report, staged) = await ReadAndReportAsync(conn, tx, "import_rows", id, body, scope, ct);
        await conn.ExecuteAsync(new CommandDefinition(SaveReportSql, new
        {
            Id = id,
            report.Rows,
            Staged = staged,
            Report = JsonSerializer.Serialize(report, Json),
        }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return (id, report);
    }

    private async Task<(ImportReport Report, int Staged)> ReadAndReportAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string table, long importId,
        Stream body, RegionScope scope, CancellationToken ct)
    {
        var staged = 0;
        ImportFileSummary summary;
        await using (var copy = await conn.BeginBinaryImportAsync(
            $"COPY {table} (import_id, row_no, phone, phone_hash, language, region, topics, source, consent_at, consent_text) FROM STDIN (FORMAT BINARY)", ct))
        {
            summary = await reader.ReadAsync(body, scope, async row =>
            {
                await copy.StartRowAsync(ct);
                await copy.WriteAsync(importId, NpgsqlDbType.Bigint, ct);
                await copy.WriteAsync(row.Row, NpgsqlDbType.Integer, ct);
                await copy.WriteAsync(row.Phone, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(row.PhoneHash, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(row.Language, NpgsqlDbType.Text, ct);
                await WriteNullableAsync(copy, row.Region, ct);
                await copy.WriteAsync(row.Topics, NpgsqlDbType.Array | NpgsqlDbType.Text, ct);
                await WriteNullableAsync(copy, row.Source, ct);
                if (row.ConsentAt is { } at) await copy.WriteAsync(at.ToUniversalTime(), NpgsqlDbType.TimestampTz, ct);
                else await copy.WriteNullAsync(ct);
                await WriteNullableAsync(copy, row.ConsentText, ct);
                staged++;
            }, ct);
            await copy.CompleteAsync(ct);
        }

        // Statistics for what was just copied in: without them PostgreSQL takes the staged rows for a handful, and joins
        // them to other sets row by row (a 50,000-row chunk then ran for minutes instead of seconds).
        await conn.ExecuteAsync(new CommandDefinition($"ANALYZE {table}; {TransactionSettingsSql}", transaction: tx, cancellationToken: ct));
        var where = table == CheckTable ? "true" : "r.import_id = @ImportId";
        var duplicates = await conn.ExecuteAsync(new CommandDefinition($"""
            UPDATE {table} r SET duplicate = true
              FROM (SELECT phone, min(row_no) AS first_row FROM {table} r WHERE {where} GROUP BY phone HAVING count(*) > 1) d
             WHERE {where} AND r.phone = d.phone AND r.row_no > d.first_row
            """, new { ImportId = importId }, tx, cancellationToken: ct));
        var groups = await conn.QuerySingleAsync<Groups>(new CommandDefinition(ImportConsent.ReportSql(table, where),
            new { ImportId = importId }, tx, cancellationToken: ct));
        var report = new ImportReport(summary.Rows, groups.New, groups.Known, summary.Invalid, summary.InvalidCount, duplicates, groups.OptedOut,
            groups.ToSubscribe, groups.ToConfirm, groups.New + groups.Known - groups.ToSubscribe - groups.ToConfirm - groups.OptedOut);
        return (report, staged);
    }

    private sealed record Groups(int New, int Known, int OptedOut, int ToSubscribe, int ToConfirm);

    private static async Task WriteNullableAsync(NpgsqlBinaryImporter copy, string? value, CancellationToken ct)
    {
        if (value is null) await copy.WriteNullAsync(ct);
        else await copy.WriteAsync(value, NpgsqlDbType.Text, ct);
    }
}
