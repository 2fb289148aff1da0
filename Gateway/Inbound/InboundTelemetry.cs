using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Gateway.Inbound;

/// <summary>
/// The Inbound slice's meter and activity source (docs/operating.md): residents' messages by intent and channel, and
/// the time each webhook takes to answer. A message's activity is the root of its trace: whatever it queues carries it on
/// (Delivery's trace_parent), so the provider call that sends its lesson belongs to the same trace.
/// </summary>
public static class InboundTelemetry
{
    public const string Name = "Gateway.Inbound";

    public static readonly ActivitySource Source = new(Name);

    public static readonly Meter Meter = new(Name);

    /// <summary>gateway_inbound_messages_total{intent, channel}: every message handled (retries answered from memory not counted).</summary>
    public static readonly Counter<long> Messages = Meter.CreateCounter<long>("gateway.inbound.messages", "{message}",
        "Residents' messages handled, by intent and channel (the provider that brought them)");

    /// <summary>gateway_inbound_spool_failed_total: spooled messages that could not be replayed (unreadable, or refused by
    /// the pipeline for a reason other than the database) and were kept aside in the spool folder's <c>.failed</c> file
    /// for a person to look at (Inbound/InboundSpool.cs).</summary>
    public static readonly Counter<long> SpoolFailed = Meter.CreateCounter<long>("gateway.inbound.spool.failed", "{message}",
        "Spooled messages that could not be replayed and were kept aside in a .failed file");

    /// <summary>gateway_inbound_spool_refused_total: messages answered 503 because neither the database nor the spool could
    /// take them (the provider tries its fallback URL).</summary>
    public static readonly Counter<long> SpoolRefused = Meter.CreateCounter<long>("gateway.inbound.spool.refused", "{message}",
        "Inbound messages refused with 503: the database unreachable and the spool not writable");

    /// <summary>gateway_webhook_duration_seconds{webhook}: from the request's arrival at the endpoint to its answer.</summary>
    public static readonly Histogram<double> WebhookDuration = Meter.CreateHistogram("gateway.webhook.duration", "s",
        "Time a webhook takes to answer, by webhook", advice: new InstrumentAdvice<double>
        {
            HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
        });

    /// <summary>Times the endpoint for <see cref="WebhookDuration"/>, tagged <paramref name="webhook"/>.</summary>
    public static TBuilder TimedAsWebhook<TBuilder>(this TBuilder endpoint, string webhook) where TBuilder : IEndpointConventionBuilder
    {
        endpoint.AddEndpointFilter(async (context, next) =>
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                return await next(context);
            }
            finally
            {
                WebhookDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>("webhook", webhook));
            }
        });
        return endpoint;
    }
}
