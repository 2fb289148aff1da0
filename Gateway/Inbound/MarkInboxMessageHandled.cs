using Dapper;
using Gateway.Admin;
using Gateway.Audit;
using Npgsql;

namespace Gateway.Inbound;

/// <summary>A message marked handled: by whom and when (UTC).</summary>
public sealed record InboxMessageHandled(long Id, string By, DateTimeOffset At);

/// <summary>200 to POST /api/inbox/{id}/handled: who marked the message handled and when (TIME_ZONE).</summary>
public sealed record InboxHandledResponse(long Id, string MarkedHandledBy, DateTimeOffset MarkedHandledAt);

/// <summary>
/// A person took care of a message the gateway did not understand (called back, answered, or found nothing to do):
/// it leaves the inbox, and the audit log says who did it. Marking it again changes nothing and answers who did it first.
/// A caller limited to regions can mark only their residents' messages.
/// </summary>
public sealed class MarkInboxMessageHandled(NpgsqlDataSource db, AuditLog audit, TimeProvider clock)
{
    // Marked now (true), or already marked by someone (false): who and when either way; no row when not in the caller's inbox.
    private const string MarkSql = """
        WITH message AS (
            SELECT id FROM inbound_messages
             WHERE id = @Id
               AND (cardinality(@Regions::text[]) = 0 OR EXISTS (SELECT 1 FROM subscribers s WHERE s.phone = from_phone AND s.region = ANY(@Regions)))),
        marked AS (
            UPDATE inbound_messages m SET marked_handled_at = @Now, marked_handled_by = @Caller
              FROM message WHERE m.id = message.id AND m.marked_handled_at IS NULL
            RETURNING m.id, m.marked_handled_by AS marked_by, m.marked_handled_at AS marked_at, true AS marked_now)
        SELECT id, marked_by, marked_at, marked_now FROM marked
        UNION ALL
        SELECT m.id, m.marked_handled_by, m.marked_handled_at, false FROM inbound_messages m JOIN message ON message.id = m.id
         WHERE NOT EXISTS (SELECT 1 FROM marked)
        """;

    /// <summary>Null when there is no such message in the caller's inbox.</summary>
    public async Task<InboxMessageHandled?> HandleAsync(long id, AuditActor actor, RegionScope scope, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var row = await conn.QuerySingleOrDefaultAsync<(long Id, string By, DateTime At, bool MarkedNow)?>(new CommandDefinition(MarkSql,
            new { Id = id, Caller = actor.Name, Now = clock.GetUtcNow(), Regions = scope.Regions.ToArray() }, tx, cancellationToken: ct));
        if (row is not { } marked) return null;
        if (marked.MarkedNow) await audit.RecordAsync(conn, tx, actor.Did(AuditActions.InboxMarkedHandled, $"message {id}"), ct);
        await tx.CommitAsync(ct);
        return new InboxMessageHandled(marked.Id, marked.By, new DateTimeOffset(DateTime.SpecifyKind(marked.At, DateTimeKind.Utc)));
    }
}
