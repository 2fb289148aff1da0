using Dapper;
using Npgsql;

namespace Gateway.Delivery;

/// <summary>One message of a broadcast occurrence, as its delivery report lists it. Times are UTC.</summary>
/// <param name="Language">The resident's language now (null if their data was deleted since).</param>
/// <param name="DeliveredAt">When the delivery report said delivered (the status's time).</param>
public sealed record BroadcastMessage(long? SubscriberId, string Recipient, string? Language, string Status, string? ErrorCode,
    DateTime? SentAt, DateTime? DeliveredAt);

/// <summary>
/// What the broadcast pages read of the outbound queue for the messages of broadcast occurrences
/// (outbound_messages.broadcast_id holds the occurrence's id): their rows one by one, for a delivery report.
/// (Their count by status is <see cref="OutboundHistory.CountByStatusAsync"/>.)
/// </summary>
public static class BroadcastMessages
{
    /// <summary>Statuses of a message that did not reach its resident and will not: failed, undelivered, expired, or a number
    /// known not to receive SMS. (Opted out and canceled are left out: nobody should call about those.)</summary>
    public static readonly string[] NotReached =
        [OutboundStatus.Failed, OutboundStatus.Undelivered, OutboundStatus.Expired, OutboundStatus.SkippedInvalidNumber];

    // Along the unique (broadcast_id, subscriber_id) index, in its order: rows are read as they are written out.
    private const string RowsSql = """
        SELECT m.subscriber_id, m.recipient, s.language, m.status, m.error_code, m.sent_at,
               CASE WHEN m.status = 'delivered' THEN m.status_at END AS delivered_at
          FROM outbound_messages m
          LEFT JOIN subscribers s ON s.id = m.subscriber_id
         WHERE m.broadcast_id = @Occurrence AND (cardinality(@Statuses::text[]) = 0 OR m.status = ANY(@Statuses))
         ORDER BY m.subscriber_id
        """;

    /// <summary>
    /// The messages of <paramref name="occurrences"/> (those in <paramref name="statuses"/>, or all), one occurrence after
    /// another, streamed from the database row by row: a million-row report never sits in memory.
    /// </summary>
    public static async IAsyncEnumerable<BroadcastMessage> StreamAsync(NpgsqlConnection conn, IEnumerable<long> occurrences,
        IReadOnlyCollection<string> statuses, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default)
    {
        foreach (var occurrence in occurrences)
            await foreach (var row in conn.QueryUnbufferedAsync<BroadcastMessage>(RowsSql,
                               new { Occurrence = occurrence, Statuses = statuses.ToArray() }, commandTimeout: 600).WithCancellation(ct))
                yield return row;
    }
}
