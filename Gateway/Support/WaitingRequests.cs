using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Gateway.Support;

/// <summary>Requests nobody claimed in time: crisis ones past CRISIS_CLAIM_WITHIN, others past SUPPORT_CLAIM_WITHIN.</summary>
public sealed record OverdueRequests(int Crisis, int Other)
{
    public bool Any => Crisis > 0 || Other > 0;
}

/// <summary>What the console's banner says to counsellors and admins on every page (Shell/_Layout.cshtml): one small
/// count along support_requests_open_since.</summary>
public sealed class WaitingRequests(NpgsqlDataSource db, IOptions<SupportOptions> options, TimeProvider clock)
{
    private const string CountSql = """
        SELECT count(*) FILTER (WHERE priority = 'high' AND created_at <= @CrisisBefore)::int AS crisis,
               count(*) FILTER (WHERE priority <> 'high' AND created_at <= @OtherBefore)::int AS other
          FROM support_requests
         WHERE status = 'open' AND claimed_by IS NULL AND created_at <= @Latest
        """;

    public async Task<OverdueRequests> OverdueAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var crisisBefore = now - options.Value.CrisisClaimWithin;
        var otherBefore = now - options.Value.SupportClaimWithin;
        await using var conn = await db.OpenConnectionAsync(ct);
        return await conn.QuerySingleAsync<OverdueRequests>(new CommandDefinition(CountSql, new
        {
            CrisisBefore = crisisBefore,
            OtherBefore = otherBefore,
            Latest = crisisBefore > otherBefore ? crisisBefore : otherBefore,
        }, cancellationToken: ct));
    }
}
