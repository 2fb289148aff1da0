using System.Text.Json.Serialization;
using Gateway.Admin;
using Gateway.Shell;
using Gateway.Ussd;
using Microsoft.AspNetCore.Http.Json;

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
        services.AddConsole();
        services.AddGatewayHealth();
        services.AddHostedService<WorkerWatch>();
        services.AddProblemDetails();
        services.AddExceptionHandler<BadRequestExceptionHandler>();
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.Configure<JsonOptions>(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = MaxRequestBodyBytes);
        // The run command's address, unless the operator chose one (ASPNETCORE_URLS, --urls, ASPNETCORE_HTTP_PORTS).
        if (string.IsNullOrEmpty(builder.Configuration[WebHostDefaults.ServerUrlsKey]) && string.IsNullOrEmpty(builder.Configuration["HTTP_PORTS"]))
            builder.WebHost.UseUrls(DefaultUrl);

        var workerInProcess = builder.Configuration["WORKER_IN_PROCESS"]?.ToLowerInvariant() switch
        {
            "true" => true,
            "false" => false,
            _ => workerInProcessByDefault,
        };
        if (workerInProcess) services.AddGatewayWorker();
        return builder;
    }

    public static WebApplication UseGatewayWeb(this WebApplication app)
    {
        app.Services.CheckSettings();
        app.UseExceptionHandler();
        app.UseStatusCodeProblems();
        app.UseRequestSizeGuard();
        app.UseConsole();
        app.UseAuthentication();
        app.UseAuthorization();
        return app;
    }
}
