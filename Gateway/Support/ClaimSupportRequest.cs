using Dapper;
using Gateway.Audit;
using Gateway.Delivery;
using Gateway.Templates;
using Npgsql;

namespace Gateway.Support;

public enum ClaimOutcome { Claimed, NotFound, ClaimedByOther, Closed }

/// <summary>What a claim came to, with the request as it is after it.</summary>
public sealed record ClaimResult(ClaimOutcome Outcome, SupportRequest? Request);

/// <summary>
/// A counsellor takes a request: it becomes their conversation. One statement decides who gets it
/// (UPDATE … WHERE claimed_by IS NULL), so of two counsellors claiming at once exactly one does, and the other learns
/// who. The resident is told in their language that a counsellor is here (and how to stop), and their bulk messages
/// wait (at most <see cref="Conversations.LongestBulkHold"/>) so that no notice lands in the middle of it.
/// </summary>
public sealed class ClaimSupportRequest(NpgsqlDataSource db, ListSupportRequests requests, CounsellingSms sms, Outbox outbox, AuditLog audit,
    TimeProvider clock, ILogger<ClaimSupportRequest> log)
{
    // The subscriber's row first, as every writer of what the inbound fast path's guard checks (StoreInboundMessage.StoreHandled).
    private const string LockSubscriberSql = """
        SELECT 1 FROM subscribers WHERE id = (SELECT subscriber_id FROM support_requests WHERE id = @Id) FOR UPDATE
        """;

    private const string ClaimSql = """
        UPDATE support_requests SET claimed_by = @By, claimed_at = @Now, last_message_at = @Now
         WHERE id = @Id AND status = 'open' AND claimed_by IS NULL
        """;

    public async Task<ClaimResult> HandleAsync(long id, HttpContext http, CancellationToken ct)
    {
        var caller = Admin.AdminPolicies.Caller(http.User);
        if (await requests.FindAsync(id, caller.Regions.Regions, ct) is null)
            return new ClaimResult(ClaimOutcome.NotFound, null);

        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(LockSubscriberSql, new { Id = id }, tx, cancellationToken: ct));
        var now = clock.GetUtcNow();
        var claimed = await conn.ExecuteAsync(new CommandDefinition(ClaimSql, new { Id = id, By = caller.Name, Now = now }, tx, cancellationToken: ct)) == 1;
        if (!claimed)
        {
            await tx.RollbackAsync(ct);
            var current = await requests.FindAsync(id, [], ct);
            return new ClaimResult(current is null ? ClaimOutcome.NotFound : current.IsClosed ? ClaimOutcome.Closed : ClaimOutcome.ClaimedByOther, current);
        }

        var request = (await requests.FindAsync(conn, tx, id, ct))!;
        await sms.SendAsync(conn, tx, request, sms.Text(MessageKeys.CounsellorHere, request.Language), CounsellingKinds.Notice, by: null, ct);
        await outbox.HoldBulkAsync(conn, tx, Conversations.HoldKey(id), request.Phone, request.SubscriberId, now + Conversations.LongestBulkHold, ct);
        await audit.RecordAsync(conn, tx, http, AuditActions.ConversationClaimed, $"conversation {id}", request.Crisis ? "crisis" : null, ct);
        await tx.CommitAsync(ct);
        log.Claimed(id, caller.Name);
        return new ClaimResult(ClaimOutcome.Claimed, request);
    }
}
