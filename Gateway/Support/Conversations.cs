using Dapper;
using Gateway.Data;
using Gateway.Delivery;
using Npgsql;

namespace Gateway.Support;

/// <summary>
/// A resident's message in their open, claimed conversation, as the inbound pipeline decided it
/// (<see cref="Inbound.InboundDecision.Conversation"/>): it goes to the conversation, and may flag it crisis or close it.
/// </summary>
/// <param name="Crisis">Crisis words: the conversation becomes a crisis (the hotline reply goes out as always).</param>
/// <param name="OptedOut">Opt-out words: the resident opted out, which closes the conversation (outcome opted_out).</param>
public sealed record ConversationTurn(long SupportRequestId, long InboundMessageId, bool Crisis, bool OptedOut);

/// <summary>
/// What the inbound pipeline needs of counselling: the sender's open, claimed conversation (read with the sender, and
/// checked by the fast path's guard, StoreInboundMessage.StoreHandled), and a message written into it with the message's own changes.
/// </summary>
public sealed class Conversations(Outbox outbox, TimeProvider clock, ILogger<Conversations> log)
{
    /// <summary>A conversation with no message either way for this long closes itself as no_response.</summary>
    public static readonly TimeSpan QuietConversation = TimeSpan.FromHours(72);

    /// <summary>Bulk messages to a resident in a conversation wait at most this long after the claim.</summary>
    public static readonly TimeSpan LongestBulkHold = TimeSpan.FromHours(24);

    /// <summary>The name of a conversation's hold on its resident's bulk messages (<see cref="Outbox.HoldBulkAsync"/>).</summary>
    public static string HoldKey(long supportRequestId) => $"support_request:{supportRequestId}";

    // The newest when a resident has several (two TALKs claimed by two counsellors): the guard checks the same.
    // By phone, so that it can follow the statement that finds or creates the sender in the same round trip.
    private const string ClaimedSql = """
        SELECT max(r.id) FROM support_requests r JOIN subscribers s ON s.id = r.subscriber_id
         WHERE s.phone = @ConversationPhone AND r.status = 'open' AND r.claimed_by IS NOT NULL
        """;

    /// <summary>The sender's open, claimed conversation (one row: its id, or null), as a statement for the inbound
    /// pipeline's read of the sender, after the statement that locks the sender's row.</summary>
    public static SqlStatement Claimed(string phone) => new(ClaimedSql, new { ConversationPhone = phone });

    // A retried message is in the conversation once (inbound_message_id is unique); the request is touched only then.
    private const string TurnSql = """
        WITH turn AS (
            INSERT INTO conversation_messages (support_request_id, direction, inbound_message_id, at)
                 VALUES (@ConversationId, 'in', @ConversationInboundId, @ConversationAt)
            ON CONFLICT (inbound_message_id) DO NOTHING
            RETURNING support_request_id)
        UPDATE support_requests
           SET last_message_at = @ConversationAt,
               priority  = CASE WHEN @ConversationCrisis THEN 'high' ELSE priority END,
               status    = CASE WHEN @ConversationOptedOut THEN 'closed' ELSE status END,
               closed_at = CASE WHEN @ConversationOptedOut THEN @ConversationAt ELSE closed_at END,
               closed_by = CASE WHEN @ConversationOptedOut THEN 'resident' ELSE closed_by END,
               outcome   = CASE WHEN @ConversationOptedOut THEN 'opted_out' ELSE outcome END
         WHERE id IN (SELECT support_request_id FROM turn) AND status = 'open'
        """;

    /// <summary>The message's place in its conversation, as statements beside the message's own (one round trip).</summary>
    public IEnumerable<SqlStatement> Statements(ConversationTurn turn)
    {
        yield return new SqlStatement(TurnSql, new
        {
            ConversationId = turn.SupportRequestId,
            ConversationInboundId = turn.InboundMessageId,
            ConversationAt = clock.GetUtcNow(),
            ConversationCrisis = turn.Crisis,
            ConversationOptedOut = turn.OptedOut,
        });
        if (turn.OptedOut)
            yield return outbox.ReleaseBulkStatement(HoldKey(turn.SupportRequestId));
    }

    /// <summary>After the commit: what counsellors should know reaches the log, never the text.</summary>
    public void Committed(ConversationTurn turn)
    {
        if (turn.OptedOut)
            log.ClosedByOptOut(turn.SupportRequestId);
        else if (turn.Crisis)
            log.CrisisWords(turn.SupportRequestId);
    }
}
