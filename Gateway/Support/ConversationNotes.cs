using Dapper;
using Npgsql;

namespace Gateway.Support;

/// <summary>A counsellor's private note on a conversation (never sent). At is UTC.</summary>
public sealed record ConversationNote(long Id, string Author, string Body, DateTime CreatedAt);

/// <summary>Counsellors' private notes: written by any counsellor or admin, read only by them, never sent.</summary>
public sealed class ConversationNotes(NpgsqlDataSource db, TimeProvider clock)
{
    public const int MaxLength = 4000;

    private const string InsertSql = """
        INSERT INTO conversation_notes (support_request_id, author, body, created_at)
             VALUES (@Id, @Author, @Body, @Now)
        RETURNING id, author, body, created_at
        """;

    /// <summary>Adds a note in the caller's transaction (or its own).</summary>
    public async Task<ConversationNote> AddAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, long id, string author, string body, CancellationToken ct) =>
        await conn.QuerySingleAsync<ConversationNote>(new CommandDefinition(InsertSql,
            new { Id = id, Author = author, Body = body, Now = clock.GetUtcNow() }, tx, cancellationToken: ct));

    public async Task<ConversationNote> AddAsync(long id, string author, string body, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return await AddAsync(conn, null, id, author, body, ct);
    }

    private const string ListSql = """
        SELECT id, author, body, created_at FROM conversation_notes WHERE support_request_id = @Id ORDER BY created_at, id
        """;

    public async Task<IReadOnlyList<ConversationNote>> ListAsync(long id, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return (await conn.QueryAsync<ConversationNote>(new CommandDefinition(ListSql, new { Id = id }, cancellationToken: ct))).AsList();
    }
}
