using System.Diagnostics.Metrics;
using Dapper;
using Gateway.Hosting;
using Npgsql;

namespace Gateway.Delivery;

/// <summary>
/// The outbound queue as two observable gauges of the Delivery meter, per priority: gateway_outbound_queue_depth
/// (messages queued, those held for later included: from the tallies, never counting the table) and
/// gateway_outbound_queue_oldest_age_seconds (how long the oldest due message has waited: the first row of the queue's
/// own index). Read at most every <see cref="MaxAge"/> whatever the scrape rate.
/// </summary>
public sealed class QueueGauges : IDisposable
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(5);

    private static readonly short[] Priorities = Enum.GetValues<MessagePriority>().Select(p => (short)p).ToArray();

    private const string QueueSql = """
        SELECT p.priority,
               coalesce((SELECT sum(t.messages) FROM outbound_tallies t
                          WHERE t.status = 'queued' AND t.priority = p.priority), 0)::bigint AS queued,
               (SELECT min(m.not_before) FROM outbound_messages m
                 WHERE m.status = 'queued' AND m.priority = p.priority) AS oldest
          FROM unnest(@Priorities) AS p(priority)
        """;

    private sealed record Row(short Priority, long Queued, DateTime? Oldest);

    private readonly Meter _meter;
    private readonly CachedReading<IReadOnlyList<Row>> _queue;
    private readonly TimeProvider _clock;

    public QueueGauges(IMeterFactory meters, NpgsqlDataSource db, TimeProvider clock, ILogger<QueueGauges> log)
    {
        _clock = clock;
        _queue = new CachedReading<IReadOnlyList<Row>>(async ct =>
        {
            await using var conn = await db.OpenConnectionAsync(ct);
            return (await conn.QueryAsync<Row>(new CommandDefinition(QueueSql, new { Priorities }, cancellationToken: ct))).AsList();
        }, MaxAge, clock, log);
        // Its own meter instance (same name as the slice's): gone with this host, so a test's host never reads a disposed database.
        _meter = meters.Create(DeliveryTelemetry.Name);
        _meter.CreateObservableGauge("gateway.outbound.queue.depth", Depth, "{message}",
            "Messages queued, by priority (those held for later included)");
        _meter.CreateObservableGauge("gateway.outbound.queue.oldest_age", OldestAge, "s",
            "How long the oldest due message of each priority has waited (0 when none is due)");
    }

    private IEnumerable<Measurement<long>> Depth() =>
        (_queue.Current() ?? []).Select(r => new Measurement<long>(r.Queued, Tag(r.Priority)));

    private IEnumerable<Measurement<double>> OldestAge()
    {
        var now = _clock.GetUtcNow();
        return (_queue.Current() ?? []).Select(r => new Measurement<double>(
            r.Oldest is { } oldest ? Math.Max(0, (now - new DateTimeOffset(DateTime.SpecifyKind(oldest, DateTimeKind.Utc))).TotalSeconds) : 0,
            Tag(r.Priority)));
    }

    private static KeyValuePair<string, object?> Tag(short priority) => new("priority", DeliveryTelemetry.PriorityName(priority));

    public void Dispose() => _meter.Dispose();
}
