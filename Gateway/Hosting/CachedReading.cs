namespace Gateway.Hosting;

/// <summary>
/// A figure an observable gauge reports, read from the database at most once per <paramref name="maxAge"/>: a scrape
/// every few seconds (or several scrapers) costs one small query, and a database that does not answer in
/// <see cref="ReadTimeout"/> leaves the last figures (or none) instead of holding the scrape.
/// </summary>
public sealed class CachedReading<T>(Func<CancellationToken, Task<T>> read, TimeSpan maxAge, TimeProvider clock, ILogger log) where T : class
{
    public static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(2);

    private readonly Lock _gate = new();
    private T? _value;
    private DateTimeOffset _readAt = DateTimeOffset.MinValue;

    /// <summary>The cached figures, read again first when older than the limit; null when none could ever be read.</summary>
    public T? Current()
    {
        lock (_gate)
        {
            var now = clock.GetUtcNow();
            if (now - _readAt < maxAge) return _value;
            _readAt = now;
            try
            {
                using var timeout = new CancellationTokenSource(ReadTimeout);
                // Gauges are observed synchronously by the exporter, on its own thread: nothing else waits here.
                _value = read(timeout.Token).GetAwaiter().GetResult();
            }
            catch (Exception e) when (e is Npgsql.NpgsqlException or OperationCanceledException or TimeoutException or InvalidOperationException)
            {
                log.LogWarning("Metrics: figures for a gauge could not be read ({Error}); reporting the last ones", e.Message);
            }
            return _value;
        }
    }
}
