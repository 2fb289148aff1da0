using Dapper;
using Npgsql;

namespace Gateway.Subscriptions;

/// <summary>One line of the consent ledger: an opt-in or opt-out as it was received.</summary>
/// <param name="Scope">"all" or a topic key.</param>
/// <param name="Keyword">The text as received ("STOP please", "退订"), or the provider's reason for a carrier opt-out.</param>
public sealed record ConsentEvent(long Id, string Action, string Scope, string? Keyword, string Channel, DateTime OccurredAt);

/// <summary>The consent ledger of one number, oldest first: the proof of what the resident asked for and when.</summary>
public sealed class ListConsentEvents(NpgsqlDataSource db)
{
    // By phone_hash: the ledger outlives a deleted subscriber (phone is cleared then, the hash is not).
    private const string SelectSql = """
        SELECT id, action, scope, keyword, channel, occurred_at
          FROM consent_events
         WHERE phone_hash = @PhoneHash
         ORDER BY occurred_at, id
        """;

    public async Task<IReadOnlyList<ConsentEvent>> HandleAsync(string phone, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = await conn.QueryAsync<ConsentEvent>(new CommandDefinition(SelectSql, new { PhoneHash = Subscribers.PhoneHash(phone) }, cancellationToken: ct));
        return rows.AsList();
    }
}
