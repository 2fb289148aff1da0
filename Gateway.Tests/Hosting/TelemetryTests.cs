using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Gateway.Delivery;
using Gateway.Tests.Broadcasts;
using Gateway.Tests.Support;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.Hosting;

/// <summary>The slices' meters and activity sources are process-wide: these tests read them alone.</summary>
[CollectionDefinition(nameof(GlobalTelemetryCollection), DisableParallelization = true)]
public sealed class GlobalTelemetryCollection;

/// <summary>
/// /metrics over HTTP: who may read it, and its counters and gauges moving after a signed inbound SMS and a broadcast
/// sent; and one inbound SMS followed by its trace id from the webhook to the dispatcher's provider call.
/// </summary>
[Collection(nameof(GlobalTelemetryCollection))]
public sealed partial class TelemetryTests(TelemetryTests.App app) : IClassFixture<TelemetryTests.App>
{
    public sealed class App : BroadcastApp
    {
        protected override void Configure(Dictionary<string, string?> settings)
        {
            base.Configure(settings);
            settings["TWILIO_AUTH_TOKEN"] = TwilioSms.AuthToken;
        }
    }

    /// <summary>The same gateway with METRICS_URLS: /metrics on that port only, without a token.</summary>
    public sealed class MetricsPortApp(string databaseUrl) : BroadcastApp
    {
        protected override void Configure(Dictionary<string, string?> settings)
        {
            base.Configure(settings);
            settings["DATABASE_URL"] = databaseUrl;
            settings["METRICS_URLS"] = "http://127.0.0.1:19464";
        }
    }

    private Dispatcher Dispatcher => app.Services.GetRequiredService<Dispatcher>();

    private async Task<string> ScrapeAsync()
    {
        var response = await app.AdminClient(BroadcastApp.ViewerToken).GetAsync("/metrics");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
        return text;
    }

    /// <summary>The sum of a series' samples whose labels include all of <paramref name="labels"/> (0 when there is none).</summary>
    internal static double Value(string scrape, string name, params (string Label, string Value)[] labels) => scrape.Split('\n')
        .Select(line => Sample().Match(line))
        .Where(m => m.Success && m.Groups["name"].Value == name
            && labels.All(l => m.Groups["labels"].Value.Contains($"{l.Label}=\"{l.Value}\"", StringComparison.Ordinal)))
        .Sum(m => double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture));

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})? (?<value>[-+0-9.eE]+|NaN)( \d+)?$")]
    private static partial Regex Sample();

    [Fact]
    public async Task Metrics_NeedATokenOfAnyRole()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.CreateClient().GetAsync("/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.AdminClient("not-a-token-0123456789").GetAsync("/metrics")).StatusCode);
        foreach (var token in new[] { GatewayApp.AdminToken, BroadcastApp.ViewerToken, BroadcastApp.CounsellorToken })
        {
            var response = await app.AdminClient(token).GetAsync("/metrics");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        }
    }

    [Fact]
    public async Task Metrics_OnMetricsUrls_AreOpenThere_AndOnlyThere()
    {
        await using var other = new MetricsPortApp(app.ConnectionString);
        var metricsPort = other.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("http://127.0.0.1:19464") });
        var response = await metricsPort.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("# TYPE", await response.Content.ReadAsStringAsync());

        var mainPort = other.CreateClient();
        mainPort.DefaultRequestHeaders.Authorization = new("Bearer", GatewayApp.AdminToken);
        Assert.Equal(HttpStatusCode.NotFound, (await mainPort.GetAsync("/metrics")).StatusCode);
    }

    [Fact]
    public async Task Metrics_MoveAfterASignedInboundSms_AndABroadcast()
    {
        var before = await ScrapeAsync();

        // A resident texts HELP through Twilio's signed webhook.
        await new TwilioSms(app).SendAsync(Broadcasting.NewPhone(), "HELP");

        // A broadcast to three residents: fanned out, then sent by one dispatch pass.
        var region = Broadcasting.NewRegion();
        await Broadcasting.SeedAsync(app, region, new Resident(Broadcasting.NewPhone()), new Resident(Broadcasting.NewPhone()), new Resident(Broadcasting.NewPhone()));
        await Broadcasting.SendAsync(app, new
        {
            title = "Clinic hours",
            content = new { zh = "诊所今天开放到晚上八点。", en = "The clinic is open until 8pm today." },
            audience = new { topics = new[] { "notices" }, regions = new[] { region } },
        });
        app.Clock.Advance(QueueGauges.MaxAge + TimeSpan.FromSeconds(1));   // the gauges read the queue again
        var queued = await ScrapeAsync();
        await Dispatcher.DispatchOnceAsync(CancellationToken.None);
        app.Clock.Advance(QueueGauges.MaxAge + TimeSpan.FromSeconds(1));
        var after = await ScrapeAsync();

        double Moved(string name, params (string, string)[] labels) => Value(after, name, labels) - Value(before, name, labels);
        Assert.Equal(1, Moved("gateway_inbound_messages_total", ("intent", "help"), ("channel", "twilio")));
        Assert.Equal(1, Moved("gateway_webhook_duration_seconds_count", ("webhook", "twilio_sms")));
        Assert.Equal(3, Moved("gateway_fanout_rows_total"));
        Assert.True(Value(queued, "gateway_outbound_queue_depth", ("priority", "bulk")) >= 3, queued);
        Assert.Equal(3, Moved("gateway_outbound_messages_total", ("status", "sent"), ("priority", "bulk")));
        Assert.True(Moved("gateway_provider_duration_seconds_count", ("provider", "simulator")) >= 3, after);
        Assert.Equal(0, Value(after, "gateway_outbound_queue_depth", ("priority", "bulk")));
        Assert.Contains("gateway_outbound_queue_oldest_age_seconds{", after);
        Assert.Contains("gateway_support_requests_waiting{", after);
    }

    [Fact]
    public async Task AJobCreatedByARequest_CarriesItsTraceparent()
    {
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is "Microsoft.AspNetCore" || source.Name.StartsWith("Gateway.", StringComparison.Ordinal),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        var region = Broadcasting.NewRegion();
        await Broadcasting.SeedAsync(app, region, new Resident(Broadcasting.NewPhone()));
        var id = await Broadcasting.CreateAsync(app, new
        {
            title = "Water notice",
            content = new { zh = "明天上午停水。", en = "No water tomorrow morning." },
            audience = new { topics = new[] { "notices" }, regions = new[] { region } },
        });
        var traceId = ActivityTraceId.CreateRandom();

        // The approver's client sends its own trace: the approval, and the fan-out job it creates, continue it.
        var approve = new HttpRequestMessage(HttpMethod.Post, $"/api/broadcasts/{id}/approve");
        approve.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");
        Assert.Equal(HttpStatusCode.OK, (await app.AdminClient(BroadcastApp.ApproverToken).SendAsync(approve)).StatusCode);

        var storage = app.Services.GetRequiredService<Hangfire.JobStorage>();
        var job = storage.GetMonitoringApi().EnqueuedJobs("bulk", 0, 1000)
            .Last(j => j.Value.Job.Method.Name == nameof(Gateway.Broadcasts.FanOutBroadcast.StartAsync) && Equals(j.Value.Job.Args[0], id));
        using var connection = storage.GetConnection();
        var traceParent = connection.GetJobParameter(job.Key, Gateway.Hosting.JobTracing.Parameter);
        Assert.NotNull(traceParent);
        Assert.Equal(traceId.ToString(), traceParent.Trim('"').Split('-')[1]);
    }

    [Fact]
    public async Task OneInboundSms_IsOneTrace_FromTheWebhook_ToTheProviderCall()
    {
        var stopped = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name.StartsWith("Gateway.", StringComparison.Ordinal),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Add,
        };
        ActivitySource.AddActivityListener(listener);
        var phone = Broadcasting.NewPhone();
        var sms = new TwilioSms(app);

        // JOIN a course, then NEXT: the lesson is queued by the inbound message's handling, in the web process.
        await sms.SendAsync(phone, "JOIN 12");
        await sms.SendAsync(phone, "NEXT");
        var (inboundId, outboundId, traceParent) = await app.QuerySingleAsync<(long, long, string?)>("""
            SELECT (SELECT max(id) FROM inbound_messages WHERE from_phone = @phone),
                   m.id, m.trace_parent
              FROM outbound_messages m WHERE m.recipient = @phone ORDER BY m.id DESC LIMIT 1
            """, new { phone });
        Assert.NotNull(traceParent);

        // The dispatcher (a worker's) claims it and calls the provider.
        await Dispatcher.DispatchOnceAsync(CancellationToken.None);

        var inbound = Assert.Single(stopped, a => a.Source.Name == "Gateway.Inbound" && Equals(a.GetTagItem("inbound.id"), inboundId));
        var send = Assert.Single(stopped, a => a.Source.Name == "Gateway.Delivery" && a.DisplayName == "provider send" && Equals(a.GetTagItem("outbound.id"), outboundId));
        Assert.Equal(inbound.TraceId, send.TraceId);
        Assert.Equal(inbound.TraceId.ToString(), traceParent!.Split('-')[1]);
        Assert.NotEqual(default, send.ParentSpanId);
    }
    [Fact]
    public async Task ARequestSpan_NamesNoFullPhoneNumber_EvenWhenThePathHoldsOne()
    {
        var stopped = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is "Microsoft.AspNetCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Add,
        };
        ActivitySource.AddActivityListener(listener);
        var phone = Broadcasting.NewPhone();

        var traceId = ActivityTraceId.CreateRandom();
        var get = new HttpRequestMessage(HttpMethod.Get, $"/api/subscribers/{Uri.EscapeDataString(phone)}?phone={Uri.EscapeDataString(phone)}");
        get.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");
        await app.AdminClient().SendAsync(get);

        // Today the request span carries no URL at all; whoever adds ASP.NET Core's instrumentation must mask url.path/url.query.
        var request = Assert.Single(stopped, a => a.TraceId == traceId);
        var digits = phone.TrimStart('+');
        Assert.All(request.TagObjects, t => Assert.DoesNotContain(digits, t.Value?.ToString() ?? ""));
        Assert.DoesNotContain(digits, request.DisplayName);
    }
}
