using System.Text.Json;
using Dapper;
using Gateway.Audit;
using Gateway.Hosting;
using Npgsql;

namespace Gateway.Broadcasts;

/// <summary>Stores a checked broadcast as pending_approval: nothing is sent until a second person approves it. Audited.</summary>
public sealed class CreateBroadcast(NpgsqlDataSource db, AuditLog audit, TimeProvider clock, ILogger<CreateBroadcast> log)
{
    private const string InsertSql = """
        INSERT INTO broadcasts (title, content, template_key, topics, regions, languages, send_at, repeat_cron, urgent, created_by, created_at)
             VALUES (@Title, @Content::jsonb, @TemplateKey, @Topics, @Regions, @Languages, @SendAt, @Repeat, @Urgent, @CreatedBy, @Now)
        RETURNING id
        """;

    public async Task<long> HandleAsync(BroadcastDraft draft, AuditActor actor, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
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
            CreatedBy = actor.Name,
            Now = clock.GetUtcNow(),
        }, tx, cancellationToken: ct));
        await audit.RecordAsync(conn, tx, actor.Did(AuditActions.BroadcastCreated, BroadcastEndpoints.Target(id), draft.Title), ct);
        await tx.CommitAsync(ct);
        log.LogInformation("Broadcast {Id} '{Title}' created by {Caller}, waiting for approval", id, LogSanitiser.Clean(draft.Title), actor.Name);
        return id;
    }
}
