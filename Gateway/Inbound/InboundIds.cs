using Dapper;
using Npgsql;

namespace Gateway.Inbound;

/// <summary>
/// Ids for inbound_messages taken from its identity sequence a block at a time, so a message's id is known before it
/// is stored and one batch can store it, handle it and refer to it. Ids stay unique across processes (one sequence);
/// with several web processes they follow arrival order only roughly.
/// </summary>
public sealed class InboundIds
{
    private const int Block = 100;

    private const string NextBlockSql = "SELECT nextval(pg_get_serial_sequence('inbound_messages', 'id')) FROM generate_series(1, @Block)";

    private readonly Queue<long> _free = new();
    private readonly SemaphoreSlim _refill = new(1, 1);

    public async Task<long> NextAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        await _refill.WaitAsync(ct);
        try
        {
            if (_free.Count == 0)
                foreach (var id in await conn.QueryAsync<long>(new CommandDefinition(NextBlockSql, new { Block }, cancellationToken: ct)))
                    _free.Enqueue(id);
            return _free.Dequeue();
        }
        finally
        {
            _refill.Release();
        }
    }
}
