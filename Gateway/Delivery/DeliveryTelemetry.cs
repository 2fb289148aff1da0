using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Gateway.Delivery;

/// <summary>
/// The Delivery slice's meter and activity source (docs/operating.md): outbound messages by status and priority as the
/// dispatcher settles them, the provider's latency and its errors by code. The queue's depth and oldest age are
/// observable gauges of <see cref="QueueGauges"/>. A provider call's activity continues the trace of whatever queued the
/// message (outbound_messages.trace_parent, W3C traceparent).
/// </summary>
public static class DeliveryTelemetry
{
    public const string Name = "Gateway.Delivery";

    public static readonly ActivitySource Source = new(Name);

    public static readonly Meter Meter = new(Name);

    /// <summary>gateway_outbound_messages_total{status, priority}: each message as a pass records it (sent, failed, queued again, …).</summary>
    public static readonly Counter<long> Messages = Meter.CreateCounter<long>("gateway.outbound.messages", "{message}",
        "Outbound messages as the dispatcher records them, by status and priority");

    /// <summary>gateway_delivery_reports_total{status}: delivery reports applied to their message, by the status they left it in
    /// (delivered, undelivered, failed; queued when the message is sent again).</summary>
    public static readonly Counter<long> Reports = Meter.CreateCounter<long>("gateway.delivery_reports", "{report}",
        "Delivery reports applied, by the message's new status");

    /// <summary>gateway_provider_duration_seconds{provider}: one hand-off, request to answer.</summary>
    public static readonly Histogram<double> ProviderDuration = Meter.CreateHistogram("gateway.provider.duration", "s",
        "Time the provider takes to take one message, by provider", advice: new InstrumentAdvice<double>
        {
            HistogramBucketBoundaries = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15],
        });

    /// <summary>gateway_provider_errors_total{provider, code}: hand-offs not accepted, by the provider's error code.</summary>
    public static readonly Counter<long> ProviderErrors = Meter.CreateCounter<long>("gateway.provider.errors", "{error}",
        "Hand-offs the provider did not accept, by provider and error code (none: no code, e.g. a timeout)");

    /// <summary>The priority's tag value: critical, normal or bulk.</summary>
    public static string PriorityName(short priority) => Enum.IsDefined((MessagePriority)priority)
        ? ((MessagePriority)priority).ToString().ToLowerInvariant()
        : priority.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The parent a message's trace_parent names, or default (a new trace) when it has none or it is not W3C.</summary>
    public static ActivityContext ParentOf(string? traceParent) =>
        traceParent is not null && ActivityContext.TryParse(traceParent, null, isRemote: true, out var parent) ? parent : default;
}
