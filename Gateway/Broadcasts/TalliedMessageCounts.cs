using Dapper;
using Npgsql;

namespace Gateway.Broadcasts;

/// <summary>
/// A broadcast's message counts from broadcast_tallies (migration 0110): the rows the tally trigger appended since the
/// last compaction, a few per dispatch statement, summed per status. Exact at any moment, like the dashboard's.
/// </summary>
public sealed class TalliedMessageCounts : IBroadcastMessageCounts
{
    private const string CountSql = """
        SELECT status, sum(messages)::bigint AS messages, coalesce(sum(messages) FILTER (WHERE unconfirmed), 0)::bigint AS unconfirmed
          FROM broadcast_tallies
         WHERE broadcast_id = ANY(@Occurrences)
         GROUP BY status
        HAVING sum(messages) <> 0
        """;

    public async Task<IReadOnlyList<MessageStatusCount>> ReadAsync(NpgsqlConnection conn, IReadOnlyCollection<long> occurrences, CancellationToken ct) =>
        (await conn.QueryAsync<MessageStatusCount>(new CommandDefinition(CountSql, new { Occurrences = occurrences.ToArray() }, cancellationToken: ct))).AsList();
}
