using System.Text.Json;
using Dapper;
using Gateway.Data;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Gateway.Hosting;

/// <summary>
/// /health/live: the process answers. /health/ready: the database is reachable and fully migrated, with the outbound
/// queue's figures beside it (<see cref="Delivery.DeliveryFigures"/>).
/// </summary>
public static class Health
{
    public static IServiceCollection AddGatewayHealth(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database", tags: ["ready"])
            .AddCheck<Delivery.DeliveryFigures>("delivery", tags: ["ready"]);
        return services;
    }

    public static void MapGatewayHealth(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteJson });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready"), ResponseWriter = WriteJson });
    }

    private static Task WriteJson(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new
        {
            status = report.Status == HealthStatus.Healthy ? "ready" : "not_ready",
            checks = report.Entries.ToDictionary(e => e.Key, e => new
            {
                status = e.Value.Status.ToString().ToLowerInvariant(),
                detail = e.Value.Description,
                figures = e.Value.Data.Count > 0 ? e.Value.Data : null,
            }),
        }));
    }
}

public sealed class DatabaseHealthCheck(NpgsqlDataSource db, DatabaseReadiness readiness) : IHealthCheck
{
    private const string CountAppliedSql = "SELECT count(*) FROM schemaversions";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct)
    {
        if (!readiness.IsReady)
            return HealthCheckResult.Unhealthy($"database not ready: {readiness.LastError}");
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(3));
            await using var conn = await db.OpenConnectionAsync(timeout.Token);
            var applied = await conn.ExecuteScalarAsync<long>(new CommandDefinition(CountAppliedSql, cancellationToken: timeout.Token));
            var known = DatabaseMigrator.KnownScripts().Count;
            return applied >= known
                ? HealthCheckResult.Healthy($"{applied} migrations applied")
                : HealthCheckResult.Unhealthy($"{applied} of {known} migrations applied");
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy($"database unreachable: {e.Message}");
        }
    }
}
