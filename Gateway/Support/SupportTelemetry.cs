using System.Diagnostics.Metrics;
using Dapper;
using Gateway.Hosting;
using Npgsql;

namespace Gateway.Support;

/// <summary>
/// The Support slice's meter: gateway_support_requests_waiting{priority}, the open requests counsellors have not closed,
/// read from the open requests' own partial index at most every few seconds.
/// </summary>
public sealed class SupportTelemetry : IDisposable
{
    public const string Name = "Gateway.Support";

    private const string WaitingSql = """
        SELECT priority, count(*) AS waiting FROM support_requests WHERE status = 'open' GROUP BY priority
        """;

    private sealed record Row(string Priority, long Waiting);

    private static readonly string[] Priorities = [SupportPriority.High, SupportPriority.Normal];

    private readonly Meter _meter;
    private readonly CachedReading<IReadOnlyList<Row>> _waiting;

    public SupportTelemetry(IMeterFactory meters, NpgsqlDataSource db, TimeProvider clock, ILogger<SupportTelemetry> log)
    {
        _waiting = new CachedReading<IReadOnlyList<Row>>(async ct =>
        {
            await using var conn = await db.OpenConnectionAsync(ct);
            return (await conn.QueryAsync<Row>(new CommandDefinition(WaitingSql, cancellationToken: ct))).AsList();
        }, TimeSpan.FromSeconds(5), clock, log);
        _meter = meters.Create(Name);
        _meter.CreateObservableGauge("gateway.support.requests.waiting", Waiting, "{request}",
            "Support requests open and waiting for a counsellor, by priority");
    }

    private IEnumerable<Measurement<long>> Waiting()
    {
        if (_waiting.Current() is not { } rows) yield break;
        foreach (var priority in Priorities)
            yield return new Measurement<long>(rows.FirstOrDefault(r => r.Priority == priority)?.Waiting ?? 0,
                new KeyValuePair<string, object?>("priority", priority));
    }

    public void Dispose() => _meter.Dispose();
}
