using Npgsql;

namespace Gateway.Broadcasts;

/// <summary>The messages of some broadcast occurrences with one outbound status; <paramref name="Unconfirmed"/> of them failed unconfirmed.</summary>
public sealed record MessageStatusCount(string Status, long Messages, long Unconfirmed);

/// <summary>
/// Where a broadcast's message counts come from: the tallies (<see cref="TalliedMessageCounts"/>, what pages and the
/// API read, milliseconds for a million-row broadcast) or the rows themselves (<see cref="RawMessageCounts"/>, what
/// the tallies must always equal: tests compare the two, the console bench measures one against the other).
/// </summary>
public interface IBroadcastMessageCounts
{
    Task<IReadOnlyList<MessageStatusCount>> ReadAsync(NpgsqlConnection conn, IReadOnlyCollection<long> occurrences, CancellationToken ct);
}
