using Dapper;
using Gateway.Admin;
using Gateway.Audit;
using Hangfire;
using Npgsql;

namespace Gateway.Imports;

/// <summary>What can happen to an import staged and checked: confirmed (the job is queued) or discarded.</summary>
public enum ImportChange { Done, NotFound, NotWaiting }

/// <summary>
/// An import's steps after reading, for the API and the console alike, each audited: queue the job, confirm a checked
/// import, discard it (its staged rows go at once). Only admins and the person who uploaded an import see and act on it.
/// </summary>
public sealed class ManageImports(NpgsqlDataSource db, ImportRecords records, IBackgroundJobClient jobs, AuditLog audit, TimeProvider clock)
{
    /// <summary>A checked import not confirmed within this long is discarded (<see cref="DiscardStaleImports"/>).</summary>
    public static readonly TimeSpan CheckedKeptFor = TimeSpan.FromHours(24);

    public static bool MaySee(Caller caller, ImportRecord import) =>
        caller.IsInRole(Roles.Admin) || string.Equals(import.CreatedBy, caller.Name, StringComparison.OrdinalIgnoreCase);

    /// <summary>The import, if it exists and the caller may see it.</summary>
    public async Task<ImportRecord?> FindAsync(Caller caller, long id, CancellationToken ct) =>
        await records.FindAsync(id, ct) is { } import && MaySee(caller, import) ? import : null;

    /// <summary>After <see cref="StageImport.StageAsync"/> with confirmed: true (the API): the job, and the audit entry.</summary>
    public async Task QueueAsync(HttpContext http, long id, ImportReport report, CancellationToken ct)
    {
        await audit.RecordAsync(http, AuditActions.SubscribersImported, $"import {id}", Detail(report), ct);
        jobs.Enqueue<ApplyImport>(job => job.RunAsync(id, CancellationToken.None));
    }

    private const string ConfirmSql = """
        UPDATE imports SET status = 'queued', confirmed_by = @Caller
         WHERE id = @Id AND status = 'checked'
        """;

    public async Task<ImportChange> ConfirmAsync(HttpContext http, long id, CancellationToken ct)
    {
        if (await FindAsync(http.User.Caller(), id, ct) is not { } import) return ImportChange.NotFound;
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        if (await conn.ExecuteAsync(new CommandDefinition(ConfirmSql, new { Id = id, Caller = http.User.Caller().Name }, tx, cancellationToken: ct)) == 0)
            return ImportChange.NotWaiting;
        await audit.RecordAsync(conn, tx, http, AuditActions.SubscribersImported, $"import {id}", Detail(import.Report), ct);
        await tx.CommitAsync(ct);
        jobs.Enqueue<ApplyImport>(job => job.RunAsync(id, CancellationToken.None));
        return ImportChange.Done;
    }

    private const string DiscardSql = """
        WITH discarded AS (
            UPDATE imports SET status = 'discarded', finished_at = @Now WHERE id = @Id AND status = 'checked' RETURNING id)
        DELETE FROM import_rows WHERE import_id = (SELECT id FROM discarded)
        """;

    private const string DiscardedSql = "SELECT status FROM imports WHERE id = @Id";

    public async Task<ImportChange> DiscardAsync(HttpContext http, long id, CancellationToken ct)
    {
        if (await FindAsync(http.User.Caller(), id, ct) is null) return ImportChange.NotFound;
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(DiscardSql, new { Id = id, Now = clock.GetUtcNow() }, tx, cancellationToken: ct));
        if (await conn.ExecuteScalarAsync<string>(new CommandDefinition(DiscardedSql, new { Id = id }, tx, cancellationToken: ct)) != ImportStatus.Discarded)
            return ImportChange.NotWaiting;
        await audit.RecordAsync(conn, tx, http, AuditActions.ImportDiscarded, $"import {id}", null, ct);
        await tx.CommitAsync(ct);
        return ImportChange.Done;
    }

    private static string Detail(ImportReport r) =>
        $"rows {r.Rows}: to subscribe {r.ToSubscribe}, to confirm {r.ToConfirm}, opted out {r.OptedOut}, invalid {r.InvalidCount}, duplicates {r.Duplicates}";
}
