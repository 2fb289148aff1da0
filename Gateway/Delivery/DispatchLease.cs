using Dapper;
using Npgsql;

namespace Gateway.Delivery;

/// <summary>
/// One dispatch pass's hold on the rows it claimed: its row in dispatch_passes (migration 0080), renewed every
/// <see cref="Dispatcher.RenewEvery"/> while the pass runs, and how far its hand-offs may have got.
/// <para>
/// Two rules make a double send by reconciliation impossible. A message is handed over only while the confirmed lease
/// outlasts the whole hand-off (the provider's request timeout, <see cref="AllowsHandOff"/>), so once a lease has ended
/// no request of that pass can still be on its way; reconciliation takes rows back only after that, and asks the
/// provider later still. And before a message goes, the pass commits that its hand-off may begin
/// (<see cref="MarkHandedAsync"/>), so rows of a stopped pass past that mark are known never to have left and are simply
/// queued again. (A worker whose clock runs more than ReconcileDeliveries.Grace behind the others', or a process frozen
/// between the check and its request for that long, is outside what any lease can cover.)
/// </para>
/// </summary>
public sealed class DispatchLease : IAsyncDisposable
{
    private readonly NpgsqlDataSource _db;
    private readonly TimeProvider _clock;
    private readonly ILogger _log;
    private readonly IReadOnlyList<(short Priority, long Id)> _order;
    private readonly SemaphoreSlim _marking = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _renewing;
    private readonly Lock _gate = new();
    private DateTimeOffset _until;
    private int _handed;
    private volatile bool _lost;
    private volatile bool _ending;

    /// <param name="order">The pass's rows in hand-off order: (priority, id) ascending.</param>
    /// <param name="handed">How many of them the claim already marked as handed over (all, unpaced; none, paced).</param>
    public DispatchLease(NpgsqlDataSource db, TimeProvider clock, ILogger log, long passId, DateTimeOffset until,
        IReadOnlyList<(short Priority, long Id)> order, int handed)
    {
        _db = db;
        _clock = clock;
        _log = log;
        PassId = passId;
        _until = until;
        _order = order;
        _handed = handed;
        _renewing = RenewAsync(_stop.Token);
    }

    public long PassId { get; }

    /// <summary>Reconciliation took the pass's rows back: none of them may be handed over by it any more.</summary>
    public bool Lost => _lost;

    /// <summary>The end of the lease as the database last confirmed it.</summary>
    public DateTimeOffset Until
    {
        get { lock (_gate) return _until; }
    }

    /// <summary>A hand-off that starts now and lasts at most <paramref name="handOff"/> ends while the lease still holds.</summary>
    public bool AllowsHandOff(TimeSpan handOff) => !_lost && _clock.GetUtcNow() + handOff <= Until;

    private const string MarkSql = """
        UPDATE dispatch_passes
           SET handed_priority = @Priority, handed_id = @Id, lease_until = greatest(lease_until, @Until)
         WHERE id = @PassId
        RETURNING lease_until
        """;

    /// <summary>
    /// Commits that the hand-offs of rows up to <paramref name="through"/> (at least <paramref name="index"/>) may begin,
    /// unless that is recorded already. False when the lease is lost or the database did not answer: then the message
    /// must not go.
    /// </summary>
    public async Task<bool> MarkHandedAsync(int index, int through, CancellationToken ct)
    {
        if (index < Volatile.Read(ref _handed)) return !_lost;
        await _marking.WaitAsync(ct);
        try
        {
            if (index < _handed) return !_lost;
            var lastIndex = Math.Min(Math.Max(through, index), _order.Count - 1);
            var last = _order[lastIndex];
            await using var conn = await _db.OpenConnectionAsync(ct);
            var confirmed = await conn.QuerySingleOrDefaultAsync<DateTime?>(new CommandDefinition(MarkSql, new
            {
                last.Priority, last.Id, Until = _clock.GetUtcNow() + Dispatcher.Lease, PassId,
            }, cancellationToken: ct));
            if (confirmed is null)
            {
                Lose();
                return false;
            }
            Extend(confirmed.Value);
            Volatile.Write(ref _handed, lastIndex + 1);
            return true;
        }
        catch (NpgsqlException e)
        {
            _log.LogWarning("Dispatch pass {Pass} could not record its next hand-offs ({Error}); those messages go back to the queue", PassId, e.Message);
            return false;
        }
        finally
        {
            _marking.Release();
        }
    }

    private const string RenewSql = """
        UPDATE dispatch_passes SET lease_until = greatest(lease_until, @Until) WHERE id = @PassId RETURNING lease_until
        """;

    private async Task RenewAsync(CancellationToken ct)
    {
        try
        {
            while (!_lost)
            {
                await Task.Delay(Dispatcher.RenewEvery, _clock, ct);
                try
                {
                    await using var conn = await _db.OpenConnectionAsync(ct);
                    var confirmed = await conn.QuerySingleOrDefaultAsync<DateTime?>(new CommandDefinition(RenewSql,
                        new { Until = _clock.GetUtcNow() + Dispatcher.Lease, PassId }, cancellationToken: ct));
                    if (confirmed is null) Lose();
                    else Extend(confirmed.Value);
                }
                catch (NpgsqlException e)
                {
                    // Hand-offs stop by themselves once the confirmed lease runs short (AllowsHandOff).
                    _log.LogWarning("Dispatch pass {Pass} could not renew its lease ({Error}); it ends at {Until:O} unless renewed", PassId, e.Message, Until);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private void Extend(DateTime confirmed)
    {
        var until = new DateTimeOffset(confirmed);
        lock (_gate)
            if (until > _until) _until = until;
    }

    /// <summary>The pass is writing its outcomes, which ends its row: a renewal that finds the row gone then is no loss.</summary>
    public void Ending() => _ending = true;

    private void Lose()
    {
        if (_lost) return;
        _lost = true;
        if (_ending) return;
        _log.LogWarning("Dispatch pass {Pass} lost its lease (reconciliation took its {Count} messages back); it hands none of them over any more",
            PassId, _order.Count);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _renewing;
        _stop.Dispose();
        _marking.Dispose();
    }
}
