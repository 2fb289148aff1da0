using System.Text.Json;
using Dapper;
using Npgsql;
using Gateway.Hosting;

namespace Gateway.Broadcasts;

/// <summary>Stores a checked broadcast as pending_approval: nothing is sent until a second person approves it.</summary>
public sealed class CreateBroadcast(NpgsqlDataSource db, TimeProvider clock, ILogger<CreateBroadcast> log)
{
    private const string InsertSql = """
        INSERT INTO broadcasts (title, content, template_key, topics, regions, languages, send_at, repeat_cron, urgent, created_by, created_at)
             VALUES (@Title, @Content::jsonb, @TemplateKey, @Topics, @Regions, @Languages, @SendAt, @Repeat, @Urgent, @CreatedBy, @Now)
        RETURNING id
        """;

    public async Task<long> HandleAsync(BroadcastDraft draft, string createdBy, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var id = await conn.ExecuteScalarAsync<long>(new CommandDefinition(InsertSql, new
        {
            draft.Title,
            Content = JsonSerializer.Serialize(draft.Content),
            draft.TemplateKey,
            draft.Topics,
            draft.Regions,
            draft.Languages,
            draft.SendAt,
            draft.Repeat,
            draft.Urgent,
            CreatedBy = createdBy,
            Now = clock.GetUtcNow(),
        }, cancellationToken: ct));
        log.LogInformation("Broadcast {Id} '{Title}' created by {Caller}, waiting for approval", id, LogSanitiser.Clean(draft.Title), createdBy);
        return id;
    }
}
