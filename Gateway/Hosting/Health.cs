using System.Text.Json;
using Dapper;
using Gateway.Data;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Gateway.Hosting;

/// <summary>
/// /health/live: the process answers. /health/ready: the database is reachable and fully migrated (503 otherwise), with
/// the outbound queue's figures beside it (<see cref="Delivery.DeliveryFigures"/>), and which workers are alive: none is
/// "degraded", not "not ready", since this web process still serves (its webhooks are stored; nothing is sent until a
/// worker runs).
/// </summary>
public static class Health
{
    public static IServiceCollection AddGatewayHealth(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database", tags: ["ready"])
            .AddCheck<Delivery.DeliveryFigures>("delivery", tags: ["ready"])
            .AddCheck<WorkersHealthCheck>("workers", tags: ["ready"]);
        return services;
    }

    public static void MapGatewayHealth(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteJson });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready"), ResponseWriter = WriteJson });
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private static Task WriteJson(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        var workers = report.Entries.TryGetValue("workers", out var entry) && entry.Data.TryGetValue(WorkersHealthCheck.LiveKey, out var live)
            ? (IReadOnlyList<LiveWorker>)live
            : null;
        return context.Response.WriteAsync(JsonSerializer.Serialize(new HealthAnswer(
            report.Status == HealthStatus.Unhealthy ? "not_ready" : "ready",
            report.Entries.ToDictionary(e => e.Key, e => new HealthCheckAnswer(e.Value.Status.ToString().ToLowerInvariant(), e.Value.Description,
                // The workers' list has a field of its own below.
                e.Key == "workers" || e.Value.Data.Count == 0 ? null : e.Value.Data)),
            workers?.Select(w => new LiveWorkerAnswer(w.Name, DateTime.SpecifyKind(w.LastHeartbeat, DateTimeKind.Utc))).ToList()), Json));
    }
}

public sealed record HealthAnswer(string Status, IReadOnlyDictionary<string, HealthCheckAnswer> Checks, IReadOnlyList<LiveWorkerAnswer>? Workers);

public sealed record HealthCheckAnswer(string Status, string? Detail, IReadOnlyDictionary<string, object>? Figures);

public sealed record LiveWorkerAnswer(string Name, DateTime LastHeartbeat);

/// <summary>Degraded (still 200) when no worker is alive; the live workers are listed in the answer.</summary>
public sealed class WorkersHealthCheck(WorkerLiveness liveness, DatabaseReadiness readiness) : IHealthCheck
{
    public const string LiveKey = "live";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct)
    {
        if (!readiness.IsReady)
            return HealthCheckResult.Degraded("unknown until the database is ready");
        try
        {
            var live = await liveness.ReadAsync(ct);
            var data = new Dictionary<string, object> { [LiveKey] = live };
            return live.Count > 0
                ? HealthCheckResult.Healthy($"{live.Count} worker(s) alive", data)
                : HealthCheckResult.Degraded($"no worker alive: no Hangfire heartbeat in the last {WorkerLiveness.Window.TotalSeconds:0} s; nothing is sent until one runs", data: data);
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException)
        {
            return HealthCheckResult.Degraded($"unknown: {e.Message}");
        }
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
