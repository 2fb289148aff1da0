using Dapper;
using Gateway.Audit;
using Gateway.Delivery;
using Npgsql;

namespace Gateway.Support;

/// <summary>One message of a conversation, oldest first. Direction "in" (the resident) or "out" (a counsellor, or the
/// gateway: <paramref name="SentBy"/> null). Status: the outbound message's (queued, sent, delivered, failed…), null for
/// what the resident sent. At is UTC.</summary>
public sealed record ConversationMessage(string Direction, string Text, DateTime At, string? Status, string? SentBy);

public enum ReplyOutcome { Queued, NotFound, NotYours, Empty, TooLong }

/// <summary>What sending a counsellor's reply came to: the queued message's id and size, or why not.</summary>
public sealed record ReplyResult(ReplyOutcome Outcome, long? MessageId = null, int Segments = 0, string? ClaimedBy = null, bool Closed = false);

/// <summary>
/// A conversation's messages (only counsellors and admins read them: the policy on every route and page that calls
/// this), and a counsellor's reply: an SMS at the highest priority through the outbound queue, allowed only to the
/// counsellor who claimed the conversation while it is open.
/// </summary>
public sealed class ConversationMessages(NpgsqlDataSource db, ListSupportRequests requests, CounsellingSms sms, Outbox outbox, AuditLog audit)
{
    /// <summary>Longest reply: 8 segments (about 500 Latin or 536 Chinese characters).</summary>
    public const int MaxSegments = 8;

    // The message that opened the request, then every message of the conversation, in order. The resident's text is
    // in inbound_messages; ours in the outbound queue (read through Delivery).
    private static readonly string ListSql = $"""
        SELECT direction, text, at, status, sent_by FROM (
        SELECT 'in' AS direction, m.body AS text, m.received_at AS at, NULL::text AS status, NULL::text AS sent_by, 0 AS part, m.id AS seq
          FROM support_requests r JOIN inbound_messages m ON m.id = r.inbound_message_id
         WHERE r.id = @Id
        UNION ALL
        SELECT c.direction, coalesce(m.body, o.body, ''), c.at, o.status, c.sent_by, 1, c.id
          FROM conversation_messages c
          LEFT JOIN inbound_messages m ON m.id = c.inbound_message_id
          {OutboundHistory.BodyAndStatusLateralSql("c.outbound_message_id", "o")}
         WHERE c.support_request_id = @Id) AS messages
         ORDER BY at, part, seq
        """;

    public async Task<IReadOnlyList<ConversationMessage>> ListAsync(long id, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return (await conn.QueryAsync<ConversationMessage>(new CommandDefinition(ListSql, new { Id = id }, cancellationToken: ct))).AsList();
    }

    private const string LockSql = "SELECT status, claimed_by FROM support_requests WHERE id = @Id FOR UPDATE";

    /// <summary>Sends <paramref name="text"/> as the caller of <paramref name="http"/>, audited (never the text).</summary>
    public async Task<ReplyResult> ReplyAsync(long id, string? text, HttpContext http, CancellationToken ct)
    {
        var caller = Admin.AdminPolicies.Caller(http.User);
        if (await requests.FindAsync(id, caller.Regions.Regions, ct) is null)
            return new ReplyResult(ReplyOutcome.NotFound);
        text = text?.Trim();
        if (string.IsNullOrEmpty(text))
            return new ReplyResult(ReplyOutcome.Empty);
        var segments = outbox.Prepare(text).Segments;
        if (segments > MaxSegments || text.Length > Outbox.MaxBodyLength)
            return new ReplyResult(ReplyOutcome.TooLong, Segments: segments);

        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var (status, claimedBy) = await conn.QuerySingleAsync<(string Status, string? ClaimedBy)>(new CommandDefinition(LockSql, new { Id = id }, tx, cancellationToken: ct));
        if (status == "closed" || !string.Equals(claimedBy, caller.Name, StringComparison.OrdinalIgnoreCase))
            return new ReplyResult(ReplyOutcome.NotYours, ClaimedBy: claimedBy, Closed: status == "closed");

        var request = (await requests.FindAsync(conn, tx, id, ct))!;
        var messageId = await sms.SendAsync(conn, tx, request, text, CounsellingKinds.Reply, caller.Name, ct);
        await audit.RecordAsync(conn, tx, http, AuditActions.ConversationReplied, $"conversation {id}", $"{segments} segment(s)", ct);
        await tx.CommitAsync(ct);
        return new ReplyResult(ReplyOutcome.Queued, messageId, segments);
    }
}
