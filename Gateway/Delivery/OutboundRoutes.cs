using System.Globalization;
using Dapper;
using Gateway.Data;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Gateway.Delivery;

/// <summary>
/// SMS_ROUTES in the database, written at every start-up (migration 0150 made the functions): outbound_route(recipient)
/// gives the provider and outbound_route_price(recipient) its price per segment, each one CASE expression the planner
/// inlines into <see cref="Outbox.EnqueueRowsSql"/>, so a million-row broadcast chooses its routes in the same INSERT.
/// Rows queued without a provider (before 0150), or for a provider no route names any more, are routed again here.
/// Every process of a gateway must have the same SMS_ROUTES: the last to start writes the functions.
/// </summary>
public sealed class OutboundRoutes(IOptions<DeliveryOptions> options, ILogger<OutboundRoutes> log) : IStartupSchemaStep
{
    // Any constant works; only processes of this gateway take it, around these few statements.
    private const long LockKey = 7_204_611_530_150;

    private const string RerouteSql = """
        UPDATE outbound_messages
           SET provider = outbound_route(recipient)
         WHERE status = 'queued' AND (provider IS NULL OR provider <> ALL(@Providers))
        """;

    public async Task ApplyAsync(NpgsqlDataSource db, CancellationToken ct)
    {
        var o = options.Value;
        var routes = o.SmsRoutes;
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(@Key)", new { Key = LockKey }, tx, cancellationToken: ct));
        await conn.ExecuteAsync(new CommandDefinition($"""
            CREATE OR REPLACE FUNCTION outbound_route(recipient text) RETURNS text
                LANGUAGE sql STABLE PARALLEL SAFE AS $$ SELECT {routes.ProviderSql("recipient")}::text $$;
            CREATE OR REPLACE FUNCTION outbound_route_price(recipient text) RETURNS numeric
                LANGUAGE sql STABLE PARALLEL SAFE AS $$ SELECT {PriceSql(routes, o)}::numeric $$;
            """, transaction: tx, cancellationToken: ct));
        var rerouted = await conn.ExecuteAsync(new CommandDefinition(RerouteSql, new { Providers = routes.Providers.ToArray() }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        log.LogInformation("SMS routes {Routes}", routes.ToString());
        if (rerouted > 0)
            log.LogWarning("{Count} queued messages had no provider or one no route names any more: routed again by SMS_ROUTES ({Routes})", rerouted, routes.ToString());
    }

    private static string PriceSql(SmsRoutes routes, DeliveryOptions o)
    {
        string Price(string provider) => o.PriceFor(provider).ToString(CultureInfo.InvariantCulture);
        return routes.Routes.Count == 1 ? Price(routes.DefaultProvider)
            : "CASE " + string.Concat(routes.Routes.Where(r => r.Prefix != SmsRoute.Default)
                  .Select(r => $"WHEN starts_with(recipient, '{r.Prefix}') THEN {Price(r.Provider)} "))
              + $"ELSE {Price(routes.DefaultProvider)} END";
    }
}
