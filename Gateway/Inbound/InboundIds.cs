using System.Collections.Concurrent;
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

    private readonly ConcurrentQueue<long> _free = new();
    private readonly SemaphoreSlim _refill = new(1, 1);

    public async Task<long> NextAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        // Nearly always an id is at hand: take it without the semaphore (an async wait on every message).
        if (_free.TryDequeue(out var id))
            return id;
        await _refill.WaitAsync(ct);
        try
        {
            if (_free.TryDequeue(out id))   // another message refilled while this one waited
                return id;
            var block = (await conn.QueryAsync<long>(new CommandDefinition(NextBlockSql, new { Block }, cancellationToken: ct))).AsList();
            foreach (var next in block.Skip(1))
                _free.Enqueue(next);
            return block[0];
        }
        finally
        {
            _refill.Release();
        }
    }
}
