using Dapper;
using Npgsql;

namespace Gateway.Support;

/// <summary>A counsellor marks a request done. Closing a closed request changes nothing (safe to repeat).</summary>
public sealed class CloseSupportRequest(NpgsqlDataSource db, TimeProvider clock)
{
    private const string CloseSql = """
        UPDATE support_requests SET status = 'closed', closed_at = @Now, closed_by = @By
         WHERE id = @Id AND status = 'open'
        """;

    private const string ExistsSql = "SELECT EXISTS (SELECT 1 FROM support_requests WHERE id = @Id)";

    /// <returns>False when there is no such request.</returns>
    public async Task<bool> HandleAsync(long id, string closedBy, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var closed = await conn.ExecuteAsync(new CommandDefinition(CloseSql, new { Id = id, By = closedBy, Now = clock.GetUtcNow() }, cancellationToken: ct));
        return closed > 0 || await conn.ExecuteScalarAsync<bool>(new CommandDefinition(ExistsSql, new { Id = id }, cancellationToken: ct));
    }
}
