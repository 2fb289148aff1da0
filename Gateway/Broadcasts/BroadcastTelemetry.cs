using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Gateway.Broadcasts;

/// <summary>The Broadcasts slice's meter and activity source: rows the fan-out writes into the outbound queue, and one
/// activity per fan-out run (a child of the request that scheduled it, through the Hangfire job's traceparent).</summary>
public static class BroadcastTelemetry
{
    public const string Name = "Gateway.Broadcasts";

    public static readonly ActivitySource Source = new(Name);

    public static readonly Meter Meter = new(Name);

    /// <summary>gateway_fanout_rows_total: outbound rows a fan-out wrote, counted as each range commits.</summary>
    public static readonly Counter<long> FanOutRows = Meter.CreateCounter<long>("gateway.fanout.rows", "{message}",
        "Outbound rows written by broadcast fan-outs");
}
