using Dapper;
using Gateway.Audit;
using Gateway.Delivery;
using Gateway.Templates;
using Npgsql;

namespace Gateway.Support;

public enum CloseOutcome { Closed, NotFound, AlreadyClosed, ClaimedByOther }

public sealed record CloseResult(CloseOutcome Outcome, SupportRequest? Request);

/// <summary>
/// Ends a request or conversation with an outcome (and, from a counsellor, a private note): by the counsellor who
/// claimed it (or anyone, while unclaimed; an admin always), or by the gateway after
/// <see cref="Conversations.QuietConversation"/> without a message (no_response). The resident is told how to reach a
/// counsellor again, and their held bulk messages go.
/// </summary>
public sealed class CloseSupportRequest(NpgsqlDataSource db, ListSupportRequests requests, ConversationNotes notes, CounsellingSms sms, Outbox outbox,
    AuditLog audit, TimeProvider clock, ILogger<CloseSupportRequest> log)
{
    // The subscriber's row first, as every writer of what the inbound fast path's guard checks (StoreInboundMessage.StoreHandled).
    private const string LockSql = """
        SELECT 1 FROM subscribers WHERE id = (SELECT subscriber_id FROM support_requests WHERE id = @Id) FOR UPDATE;
        SELECT status, claimed_by FROM support_requests WHERE id = @Id FOR UPDATE
        """;

    private const string CloseSql = """
        UPDATE support_requests SET status = 'closed', closed_at = @Now, closed_by = @By, outcome = @Outcome
         WHERE id = @Id AND status = 'open'
        """;

    /// <summary>A person closes it, with an outcome of <see cref="SupportOutcome.Chosen"/> and an optional note.</summary>
    public async Task<CloseResult> HandleAsync(long id, string outcome, string? note, HttpContext http, CancellationToken ct)
    {
        var caller = Admin.AdminPolicies.Caller(http.User);
        if (await requests.FindAsync(id, caller.Regions.Regions, ct) is null)
            return new CloseResult(CloseOutcome.NotFound, null);
        return await CloseAsync(id, outcome, note, caller.Name, caller.IsInRole(Admin.Roles.Admin), http, ct);
    }

    /// <summary>The gateway closes a quiet conversation (Support/CounsellingTimers).</summary>
    public Task<CloseResult> CloseQuietAsync(long id, CancellationToken ct) =>
        CloseAsync(id, SupportOutcome.NoResponse, null, AuditActor.Gateway.Name, mayCloseAnyones: true, http: null, ct);

    private async Task<CloseResult> CloseAsync(long id, string outcome, string? note, string by, bool mayCloseAnyones, HttpContext? http, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await using (var read = await conn.QueryMultipleAsync(new CommandDefinition(LockSql, new { Id = id }, tx, cancellationToken: ct)))
        {
            await read.ReadAsync<int>();
            var s = await read.ReadSingleOrDefaultAsync<RequestState>();
            if (s is null)
                return new CloseResult(CloseOutcome.NotFound, null);
            if (s.Status == "closed")
                return new CloseResult(CloseOutcome.AlreadyClosed, await requests.FindAsync(conn, tx, id, ct));
            if (s.ClaimedBy is not null && !mayCloseAnyones && !string.Equals(s.ClaimedBy, by, StringComparison.OrdinalIgnoreCase))
                return new CloseResult(CloseOutcome.ClaimedByOther, await requests.FindAsync(conn, tx, id, ct));
        }

        await conn.ExecuteAsync(new CommandDefinition(CloseSql, new { Id = id, Now = clock.GetUtcNow(), By = by, Outcome = outcome }, tx, cancellationToken: ct));
        if (!string.IsNullOrWhiteSpace(note))
            await notes.AddAsync(conn, tx, id, by, note.Trim(), ct);
        var request = (await requests.FindAsync(conn, tx, id, ct))!;
        await sms.SendAsync(conn, tx, request, sms.Text(MessageKeys.ConversationClosed, request.Language), CounsellingKinds.Notice, by: null, ct);
        await outbox.ReleaseBulkAsync(conn, tx, Conversations.HoldKey(id), ct);
        var entry = (http is null ? AuditActor.Gateway : AuditActor.Of(http)).Did(AuditActions.ConversationClosed, $"conversation {id}", outcome);
        await audit.RecordAsync(conn, tx, entry, ct);
        await tx.CommitAsync(ct);
        log.Closed(id, outcome);
        return new CloseResult(CloseOutcome.Closed, request);
    }
}

/// <summary>Where a request stands, read under its lock.</summary>
internal sealed record RequestState(string Status, string? ClaimedBy);
