using System.Text.Json.Serialization;
using Gateway.Admin;
using Gateway.Inbound;
using Gateway.Shell;
using Gateway.Ussd;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;

namespace Gateway.Hosting;

/// <summary>What only the web process needs: admin auth, the staff console, health, error answers, and optionally the worker.</summary>
public static class GatewayWeb
{
    /// <summary>Admin API bodies are small; webhooks declare tighter limits of their own.</summary>
    private const long MaxRequestBodyBytes = 1024 * 1024;

    public const string DefaultUrl = "http://localhost:5080";

    public static WebApplicationBuilder AddGatewayWeb(this WebApplicationBuilder builder, bool workerInProcessByDefault)
    {
        var services = builder.Services;
        services.AddValidatedOptions<ApiTokenOptions, ApiTokenOptionsValidator>();
        services.AddAdminAuth();
        services.AddUssdCallback();
        services.AddInboundSpool();
        services.AddConsole();
        services.AddGatewayHealth();
        services.AddHostedService<WorkerWatch>();
        services.AddProblemDetails();
        services.AddOpenApi(o => o.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Outreach gateway: admin API and webhooks";
            document.Info.Description = "Admin API: Authorization: Bearer <token> (ADMIN_API_TOKEN, API_TOKENS) or a staff sign-in. "
                + "Webhooks: signed by their provider (Twilio) or carrying a shared token (Kannel, USSD). See docs/.";
            return Task.CompletedTask;
        }).AddGatewaySecurity());
        services.AddExceptionHandler<BadRequestExceptionHandler>();
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.Configure<JsonOptions>(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = MaxRequestBodyBytes);
        // The scrape's response is never cached: a gauge's figures are cached already (a few seconds, per gauge).
        builder.AddGatewayTelemetry((metrics, _) => metrics.AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0));
        // The run command's address, unless the operator chose one (ASPNETCORE_URLS, --urls, ASPNETCORE_HTTP_PORTS);
        // and METRICS_URLS beside it, where /metrics is served without a token.
        var urls = builder.Configuration[WebHostDefaults.ServerUrlsKey] is { Length: > 0 } configured ? configured
            : builder.Configuration["HTTP_PORTS"] is { Length: > 0 } ports
                ? string.Join(';', ports.Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(p => $"http://*:{p}"))
                : DefaultUrl;
        var metricsUrls = builder.Configuration.Get<TelemetryOptions>()?.MetricsUrls;
        builder.WebHost.UseUrls(string.IsNullOrWhiteSpace(metricsUrls) ? urls : $"{urls};{metricsUrls.Replace(',', ';')}");

        var workerInProcess = builder.Configuration["WORKER_IN_PROCESS"]?.ToLowerInvariant() switch
        {
            "true" => true,
            "false" => false,
            _ => workerInProcessByDefault,
        };
        if (workerInProcess) services.AddGatewayWorker();
        return builder;
    }

    /// <summary>
    /// /metrics for Prometheus: to a bearer token of any role or a signed-in staff member on the gateway's own port; or,
    /// with METRICS_URLS set, without authentication on those ports only (docs/operating.md).
    /// </summary>
    /// <summary>The OpenAPI description of the admin API and the webhooks, at /openapi/v1.json (it names no secret).</summary>
    public const string OpenApiPath = "/openapi/v1.json";

    public static void MapGatewayOpenApi(this WebApplication app) => app.MapOpenApi("/openapi/{documentName}.json");

    public static IEndpointConventionBuilder MapGatewayMetrics(this WebApplication app)
    {
        var settings = app.Services.GetRequiredService<IOptions<TelemetryOptions>>().Value;
        var endpoint = app.MapPrometheusScrapingEndpoint(Telemetry.MetricsPath);
        return settings.MetricsUris is { Count: > 0 } uris
            ? endpoint.RequireHost(uris.Select(u => $"*:{u.Port}").ToArray()).AllowAnonymous()
            : endpoint.RequireAuthorization(AdminPolicies.View);
    }

    public static WebApplication UseGatewayWeb(this WebApplication app)
    {
        app.Services.CheckSettings();
        app.UseExceptionHandler();
        app.UseStatusCodeProblems();
        app.UseRequestBodyGuard();
        app.UseConsole();
        app.UseAuthentication();
        app.UseAuthorization();
        return app;
    }
}
