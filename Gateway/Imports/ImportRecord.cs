using System.Text.Json;
using Dapper;
using Npgsql;

namespace Gateway.Imports;

/// <summary>One import as stored: who, when, its report, and the job's progress and outcome.</summary>
public sealed record ImportRecord(long Id, string Status, string? FileName, string CreatedBy, DateTime CreatedAt, int RowsRead, int RowsStaged,
    int RowsDone, int Subscribed, int Asked, string? ConfirmedBy, DateTime? StartedAt, DateTime? FinishedAt, string? Failure, ImportReport Report)
{
    public bool IsLive => ImportStatus.Live.Contains(Status);
}

/// <summary>Reads imports for the API and the console.</summary>
public sealed class ImportRecords(NpgsqlDataSource db)
{
    private const string Columns = """
        id, status, file_name, created_by, created_at, rows_read, rows_staged, rows_done, subscribed, asked, confirmed_by,
        started_at, finished_at, failure, report::text AS report
        """;

    private sealed class Row
    {
        public long Id { get; init; }
        public string Status { get; init; } = "";
        public string? FileName { get; init; }
        public string CreatedBy { get; init; } = "";
        public DateTime CreatedAt { get; init; }
        public int RowsRead { get; init; }
        public int RowsStaged { get; init; }
        public int RowsDone { get; init; }
        public int Subscribed { get; init; }
        public int Asked { get; init; }
        public string? ConfirmedBy { get; init; }
        public DateTime? StartedAt { get; init; }
        public DateTime? FinishedAt { get; init; }
        public string? Failure { get; init; }
        public string Report { get; init; } = "{}";

        public ImportRecord ToRecord() => new(Id, Status, FileName, CreatedBy, CreatedAt, RowsRead, RowsStaged, RowsDone, Subscribed, Asked,
            ConfirmedBy, StartedAt, FinishedAt, Failure, JsonSerializer.Deserialize<ImportReport>(Report, StageImport.Json)!);
    }

    public async Task<ImportRecord?> FindAsync(long id, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var row = await conn.QuerySingleOrDefaultAsync<Row>(new CommandDefinition($"SELECT {Columns} FROM imports WHERE id = @Id", new { Id = id }, cancellationToken: ct));
        return row?.ToRecord();
    }

    /// <summary>The newest imports first; only <paramref name="createdBy"/>'s when given.</summary>
    public async Task<IReadOnlyList<ImportRecord>> ListAsync(string? createdBy, int limit, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = await conn.QueryAsync<Row>(new CommandDefinition($"""
            SELECT {Columns} FROM imports
             WHERE @CreatedBy::text IS NULL OR lower(created_by) = lower(@CreatedBy)
             ORDER BY created_at DESC, id DESC LIMIT @Limit
            """, new { CreatedBy = createdBy, Limit = limit }, cancellationToken: ct));
        return rows.Select(r => r.ToRecord()).ToList();
    }
}
