using System.Diagnostics;
using System.Diagnostics.Metrics;
using Gateway.Broadcasts;
using Gateway.Delivery;
using Gateway.Inbound;
using Gateway.Support;
using Gateway.Ussd;
using Microsoft.Extensions.Options;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Gateway.Hosting;

/// <summary>Where metrics and traces go (docs/operating.md). Keys are the environment variable names in .env.example.</summary>
public sealed class TelemetryOptions
{
    /// <summary>
    /// Empty: the web process serves /metrics on its own port, to a bearer token of any role or a signed-in staff member.
    /// Set (e.g. http://10.0.0.5:9464): /metrics is served there without authentication, and only there (the web process
    /// adds it to the addresses it listens on; the worker starts a listener on it). Bind it to an internal interface.
    /// </summary>
    [ConfigurationKeyName("METRICS_URLS")]
    public string? MetricsUrls { get; set; }

    /// <summary>The standard OpenTelemetry variable: when set, traces (and metrics) are also pushed there over OTLP.
    /// The other OTEL_* variables (OTEL_EXPORTER_OTLP_PROTOCOL, OTEL_EXPORTER_OTLP_HEADERS, OTEL_SERVICE_NAME, …) apply as usual.</summary>
    [ConfigurationKeyName("OTEL_EXPORTER_OTLP_ENDPOINT")]
    public string? OtlpEndpoint { get; set; }

    public IReadOnlyList<Uri> MetricsUris => (MetricsUrls ?? "")
        .Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Select(u => new Uri(u)).ToList();
}

public sealed class TelemetryOptionsValidator : IValidateOptions<TelemetryOptions>
{
    public ValidateOptionsResult Validate(string? name, TelemetryOptions o)
    {
        var errors = new List<string>();
        foreach (var url in (o.MetricsUrls ?? "").Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != "http" || uri.IsDefaultPort || uri.AbsolutePath != "/")
                errors.Add($"METRICS_URLS: '{url}' must be http://<internal address>:<port> with an explicit port and no path, e.g. http://10.0.0.5:9464");
        }
        if (!string.IsNullOrWhiteSpace(o.OtlpEndpoint) && (!Uri.TryCreate(o.OtlpEndpoint, UriKind.Absolute, out var otlp) || otlp.Scheme is not ("http" or "https")))
            errors.Add($"OTEL_EXPORTER_OTLP_ENDPOINT: '{o.OtlpEndpoint}' must be an http(s) URL, e.g. http://otel-collector:4317");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

/// <summary>
/// Metrics and traces with System.Diagnostics: one Meter and one ActivitySource per slice (Inbound, Delivery, Broadcasts,
/// Ussd, Support, Jobs), collected by OpenTelemetry. Metrics are exported for Prometheus (the web process: /metrics;
/// the worker: a listener on METRICS_URLS); traces and metrics go over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set.
/// </summary>
public static class Telemetry
{
    public static readonly string[] Meters =
        [InboundTelemetry.Name, DeliveryTelemetry.Name, BroadcastTelemetry.Name, UssdTelemetry.Name, SupportTelemetry.Name, JobTracing.Name];

    public static readonly string[] Sources =
        [InboundTelemetry.Name, DeliveryTelemetry.Name, BroadcastTelemetry.Name, UssdTelemetry.Name, JobTracing.Name];

    public const string MetricsPath = "/metrics";

    /// <summary>ASP.NET Core's own requests: the root of a webhook's or an API call's trace, continuing a caller's traceparent header.</summary>
    public const string AspNetCoreSource = "Microsoft.AspNetCore";

    /// <summary>Both processes: the meters, the sources, the gauges that read the database, and OTLP when asked for.
    /// <paramref name="prometheus"/> adds the process's Prometheus exporter.</summary>
    public static IHostApplicationBuilder AddGatewayTelemetry(this IHostApplicationBuilder builder, Action<MeterProviderBuilder, TelemetryOptions> prometheus)
    {
        builder.Services.AddValidatedOptions<TelemetryOptions, TelemetryOptionsValidator>();
        builder.Services.AddSingleton<QueueGauges>();
        builder.Services.AddSingleton<SupportTelemetry>();
        builder.Services.AddHostedService<GaugesOn>();

        // Read before the options exist (the exporters are chosen now); the validator reports a bad value at start-up.
        var settings = builder.Configuration.Get<TelemetryOptions>() ?? new TelemetryOptions();
        var otlp = Uri.TryCreate(settings.OtlpEndpoint, UriKind.Absolute, out _);
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(builder.Configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } service ? service : builder.Environment.ApplicationName))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(Meters);
                if (new TelemetryOptionsValidator().Validate(null, settings).Succeeded)
                    prometheus(metrics, settings);
                if (otlp) metrics.AddOtlpExporter();
            });
        // Without an exporter nothing would read the spans: the activities are then made only for other listeners.
        if (otlp)
            builder.Services.AddOpenTelemetry().WithTracing(tracing => tracing.AddSource(Sources).AddSource(AspNetCoreSource).AddOtlpExporter());
        return builder;
    }

    /// <summary>The worker process: a Prometheus listener on the first METRICS_URLS address, when one is set.</summary>
    public static void ListenerOnMetricsUrl(MeterProviderBuilder metrics, TelemetryOptions settings)
    {
        if (settings.MetricsUris.FirstOrDefault() is not { } uri) return;
        metrics.AddPrometheusHttpListener(o =>
        {
            o.Host = uri.Host;
            o.Port = uri.Port;
            o.ScrapeEndpointPath = MetricsPath;
        });
    }

    /// <summary>Creates the gauges as the host starts: resolving them registers them (they read the database when scraped).</summary>
    private sealed class GaugesOn : IHostedService
    {
        public GaugesOn(QueueGauges queue, SupportTelemetry support)
        {
            ArgumentNullException.ThrowIfNull(queue);
            ArgumentNullException.ThrowIfNull(support);
        }

        public Task StartAsync(CancellationToken ct) => Task.CompletedTask;

        public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
    }
}

/// <summary>
/// Hangfire jobs in traces and metrics: a job created while an activity runs carries its W3C traceparent as the job
/// parameter "traceparent", and runs (in whichever worker takes it) inside an activity of the Jobs source continuing that
/// trace; every run is counted (gateway_jobs_runs_total{job, outcome}) and timed (gateway_job_duration_seconds{job}) by
/// the Jobs meter of the process that ran it.
/// </summary>
public sealed class JobTracing : Hangfire.Client.IClientFilter, Hangfire.Server.IServerFilter
{
    public const string Name = "Gateway.Jobs";
    public const string Parameter = "traceparent";
    private const string ActivityItem = "gateway.activity";

    private const string StartedItem = "gateway.started";

    public static readonly ActivitySource Source = new(Name);

    public static readonly Meter Meter = new(Name);

    /// <summary>gateway_jobs_runs_total{job, outcome}: job runs finished (outcome: succeeded or failed), job as Type.Method.</summary>
    public static readonly Counter<long> Runs = Meter.CreateCounter<long>("gateway.jobs.runs", "{run}",
        "Hangfire job runs finished in this process, by job and outcome");

    /// <summary>gateway_job_duration_seconds{job}: how long a run took.</summary>
    public static readonly Histogram<double> Duration = Meter.CreateHistogram("gateway.job.duration", "s",
        "Time a Hangfire job run takes, by job", advice: new InstrumentAdvice<double>
        {
            HistogramBucketBoundaries = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 1800],
        });

    public static readonly JobTracing Instance = new();

    private static readonly Lock Gate = new();

    /// <summary>Hangfire's filters are process-wide: added once, however many hosts configure Hangfire (the tests).</summary>
    public static void AddOnce()
    {
        lock (Gate)
        {
            if (!Hangfire.GlobalJobFilters.Filters.Any(f => f.Instance is JobTracing))
                Hangfire.GlobalJobFilters.Filters.Add(Instance);
        }
    }

    public void OnCreating(Hangfire.Client.CreatingContext context)
    {
        if (Activity.Current is { IdFormat: ActivityIdFormat.W3C, Id: { } id })
            context.SetJobParameter(Parameter, id);
    }

    public void OnCreated(Hangfire.Client.CreatedContext context) { }

    public void OnPerforming(Hangfire.Server.PerformingContext context)
    {
        var parent = context.GetJobParameter<string>(Parameter);
        var job = context.BackgroundJob.Job;
        var activity = Source.StartActivity($"job {job.Type.Name}.{job.Method.Name}", ActivityKind.Consumer, DeliveryTelemetry.ParentOf(parent));
        activity?.SetTag("hangfire.job_id", context.BackgroundJob.Id);
        if (activity is not null) context.Items[ActivityItem] = activity;
        context.Items[StartedItem] = Stopwatch.GetTimestamp();
    }

    public void OnPerformed(Hangfire.Server.PerformedContext context)
    {
        var job = new KeyValuePair<string, object?>("job", $"{context.BackgroundJob.Job.Type.Name}.{context.BackgroundJob.Job.Method.Name}");
        var failed = context.Exception is not null && !context.ExceptionHandled;
        Runs.Add(1, job, new KeyValuePair<string, object?>("outcome", failed ? "failed" : "succeeded"));
        if (context.Items.TryGetValue(StartedItem, out var started) && started is long timestamp)
            Duration.Record(Stopwatch.GetElapsedTime(timestamp).TotalSeconds, job);
        if (context.Items.TryGetValue(ActivityItem, out var item) && item is Activity activity)
        {
            if (context.Exception is { } e) activity.SetStatus(ActivityStatusCode.Error, e.Message);
            activity.Dispose();
        }
    }
}
