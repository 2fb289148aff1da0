using Gateway.Delivery;
using Npgsql;

namespace Gateway.Broadcasts;

/// <summary>A broadcast's message counts from its rows in the outbound queue: the reference the tallies are checked against.</summary>
public sealed class RawMessageCounts : IBroadcastMessageCounts
{
    public async Task<IReadOnlyList<MessageStatusCount>> ReadAsync(NpgsqlConnection conn, IReadOnlyCollection<long> occurrences, CancellationToken ct) =>
        (await OutboundHistory.CountByStatusAsync(conn, occurrences, ct)).Select(r => new MessageStatusCount(r.Status, r.Messages, r.Unconfirmed)).ToList();
}
