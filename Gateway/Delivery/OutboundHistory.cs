using Dapper;
using Npgsql;

namespace Gateway.Delivery;

/// <summary>
/// What other slices may read of the outbound queue, as SQL fragments to embed and small queries, so that only the
/// Delivery slice names outbound_messages' columns (<see cref="Outbox"/> is the way in).
/// </summary>
public static class OutboundHistory
{
    /// <summary>The status of the outbound message whose id is <paramref name="messageId"/> (an SQL expression), or NULL.</summary>
    public static string StatusOfSql(string messageId) => $"(SELECT m.status FROM outbound_messages m WHERE m.id = {messageId})";

    /// <summary>A LEFT JOIN LATERAL giving <c>{alias} (body, status)</c> of the outbound message whose id is
    /// <paramref name="messageId"/> (an SQL expression): a conversation's own messages and what became of them.</summary>
    public static string BodyAndStatusLateralSql(string messageId, string alias) =>
        $"LEFT JOIN LATERAL (SELECT om.body, om.status FROM outbound_messages om WHERE om.id = {messageId}) AS {alias} ON true";

    /// <summary>True while a message of the broadcast occurrence <paramref name="broadcastId"/> (an SQL expression) may still be sent.</summary>
    public static string AnyUnsettledSql(string broadcastId) =>
        $"EXISTS (SELECT 1 FROM outbound_messages m WHERE m.broadcast_id = {broadcastId} AND m.status IN ('queued', 'sending', 'ambiguous'))";

    /// <summary>
    /// Bulk messages of a number around a time, for the frequency guard (Broadcasts/FrequencyGuard): its messages of
    /// priority Bulk (broadcasts, tips, scheduled lessons) and broadcasts of any priority, that are or may still be sent,
    /// due within 24 hours either side of @GuardDue. A LEFT JOIN LATERAL giving <c>guard (messages, latest, same_text)</c>
    /// for the subscriber aliased <c>s</c>, same_text meaning one of them has a body in @GuardBodies. One index seek per
    /// subscriber on (subscriber_id, not_before), bounded on both columns, so its cost follows the audience, never the
    /// years of history behind it (about 0.7 s per million subscribers on the development machine).
    /// </summary>
    public const string RecentBulkLateralSql = """
        LEFT JOIN LATERAL (
            SELECT count(*) AS messages, max(m.not_before) AS latest, coalesce(bool_or(m.body = ANY(@GuardBodies)), false) AS same_text
              FROM outbound_messages m
             WHERE m.subscriber_id = s.id
               AND m.priority > 0 AND (m.priority = 2 OR m.kind = 'broadcast')
               AND m.status IN ('queued', 'sending', 'sent', 'delivered', 'undelivered', 'ambiguous')
               AND m.not_before > @GuardDue - interval '24 hours' AND m.not_before < @GuardDue + interval '24 hours') AS guard ON true
        """;

    /// <summary>For the dashboard's raw-table count: messages by city day of hand-over (or last status), status and whether
    /// they were handed over, between @From and @To, days in @Zone. Columns: day, status, handed_over, messages.</summary>
    public const string MessagesByDaySql = """
        SELECT (coalesce(sent_at, status_at) AT TIME ZONE @Zone)::date AS day, status, sent_at IS NOT NULL AS handed_over, count(*) AS messages
          FROM outbound_messages
         WHERE coalesce(sent_at, status_at) >= @From AND coalesce(sent_at, status_at) < @To
         GROUP BY 1, 2, 3
        """;

    /// <summary>For the dashboard's raw-table count: the messages still to send, by priority and status.</summary>
    public const string WaitingByPrioritySql = """
        SELECT priority, status, count(*) AS messages
          FROM outbound_messages
         WHERE status IN ('queued', 'sending', 'ambiguous')
         GROUP BY 1, 2
        """;

    private const string CountByStatusSql = """
        SELECT status, count(*) AS messages, count(*) FILTER (WHERE error_code = 'ambiguous_after_resend') AS unconfirmed
          FROM outbound_messages WHERE broadcast_id = ANY(@Occurrences) GROUP BY status
        """;

    /// <summary>The messages of these broadcast occurrences, counted by status (<see cref="OutboundStatus"/>), and how many
    /// of each were handed over twice without an answer and not found at the provider (unconfirmed).</summary>
    public static async Task<IReadOnlyList<(string Status, long Messages, long Unconfirmed)>> CountByStatusAsync(NpgsqlConnection conn,
        IReadOnlyCollection<long> occurrences, CancellationToken ct) =>
        (await conn.QueryAsync<(string Status, long Messages, long Unconfirmed)>(new CommandDefinition(CountByStatusSql,
            new { Occurrences = occurrences.ToArray() }, cancellationToken: ct))).AsList();
}
