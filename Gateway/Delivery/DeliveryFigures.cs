using Dapper;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Gateway.Delivery;

/// <summary>
/// The outbound queue's figures on /health/ready (they never make it "not ready"): messages being handed over, messages
/// in doubt being reconciled, and messages given up in the last day after an ambiguous hand-off and an ambiguous resend
/// (error_code 'ambiguous_after_resend'). Each comes from a small partial index, so a probe every few seconds costs little.
/// </summary>
public sealed class DeliveryFigures(NpgsqlDataSource db, TimeProvider clock) : IHealthCheck
{
    public static readonly TimeSpan UnconfirmedWindow = TimeSpan.FromDays(1);

    private const string FiguresSql = """
        SELECT (SELECT count(*) FROM outbound_messages WHERE status = 'sending') AS sending,
               (SELECT count(*) FROM outbound_messages WHERE status = 'ambiguous') AS ambiguous,
               (SELECT count(*) FROM outbound_messages
                 WHERE error_code = 'ambiguous_after_resend' AND status_at > @Since) AS failed_unconfirmed
        """;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(3));
            await using var conn = await db.OpenConnectionAsync(timeout.Token);
            var (sending, ambiguous, unconfirmed) = await conn.QuerySingleAsync<(long, long, long)>(new CommandDefinition(FiguresSql,
                new { Since = clock.GetUtcNow() - UnconfirmedWindow }, cancellationToken: timeout.Token));
            return HealthCheckResult.Healthy(
                $"{sending} being handed over, {ambiguous} in doubt, {unconfirmed} failed unconfirmed in the last 24 h",
                new Dictionary<string, object>
                {
                    ["sending"] = sending,
                    ["ambiguous"] = ambiguous,
                    ["failed_unconfirmed_24h"] = unconfirmed,
                });
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException)
        {
            // The database check says whether the gateway is ready; these are figures only.
            return HealthCheckResult.Healthy($"figures unavailable: {e.Message}");
        }
    }
}
