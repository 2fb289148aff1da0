using Dapper;
using Npgsql;

namespace Gateway.Delivery;

/// <summary>
/// Keeps a paced pass's view of who opted out fresh while its messages wait for their send slots (up to a few
/// seconds after the claim checked it): refreshed in the background every <see cref="Every"/>, so a send never
/// waits for the database. A STOP that lands meanwhile still stops the message, save for the last fraction of a second.
/// </summary>
public sealed class OptOutWatch : IAsyncDisposable
{
    public static readonly TimeSpan Every = TimeSpan.FromMilliseconds(200);

    private readonly NpgsqlDataSource _db;
    private readonly TimeProvider _clock;
    private readonly string[] _phones;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _refreshing;
    private volatile HashSet<string> _optedOut = [];

    private OptOutWatch(NpgsqlDataSource db, TimeProvider clock, string[] phones)
    {
        _db = db;
        _clock = clock;
        _phones = phones;
        _refreshing = RefreshAsync(_stop.Token);
    }

    /// <summary>Starts watching <paramref name="phones"/>, as of the claim that just checked them.</summary>
    public static OptOutWatch Start(NpgsqlDataSource db, TimeProvider clock, IEnumerable<string> phones) =>
        new(db, clock, phones.Distinct().ToArray());

    public bool IsOptedOut(string phone) => _optedOut.Contains(phone);

    private const string SelectOptedOutSql = "SELECT phone FROM subscribers WHERE phone = ANY(@Phones) AND status = 'opted_out'";

    private async Task RefreshAsync(CancellationToken ct)
    {
        try
        {
            while (true)
            {
                await Task.Delay(Every, _clock, ct);
                await using var conn = await _db.OpenConnectionAsync(ct);
                var phones = await conn.QueryAsync<string>(new CommandDefinition(SelectOptedOutSql, new { Phones = _phones }, cancellationToken: ct));
                _optedOut = phones.ToHashSet();
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (NpgsqlException)
        {
            // The claim's check stands; the next pass checks again.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _refreshing;
        _stop.Dispose();
    }
}
