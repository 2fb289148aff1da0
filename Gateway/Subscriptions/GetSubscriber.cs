using Dapper;
using Npgsql;

namespace Gateway.Subscriptions;

/// <summary>A subscriber as the admin API and the residents page show them: state, language, topics.</summary>
public sealed record SubscriberProfile(long Id, string Phone, string Status, string Language, IReadOnlyList<string> Topics, string? Region,
    DateTime CreatedAt, DateTime? OptedOutAt);

/// <summary>Reads one subscriber with their topics, by E.164 number (or by id, for the console's links).</summary>
public sealed class GetSubscriber(NpgsqlDataSource db)
{
    private const string SelectSql = """
        SELECT s.id, s.phone, s.status, s.language, s.region, s.created_at, s.opted_out_at,
               ARRAY(SELECT t.topic FROM subscriptions t WHERE t.subscriber_id = s.id ORDER BY t.created_at, t.topic) AS topics
          FROM subscribers s
         WHERE s.phone = @Phone OR s.id = @Id
        """;

    // Properties, not a constructor: Dapper binds a PostgreSQL array column to a string[] property only.
    private sealed class Row
    {
        public long Id { get; init; }
        public string Phone { get; init; } = "";
        public string Status { get; init; } = "";
        public string Language { get; init; } = "";
        public string? Region { get; init; }
        public DateTime CreatedAt { get; init; }
        public DateTime? OptedOutAt { get; init; }
        public string[] Topics { get; init; } = [];
    }

    public Task<SubscriberProfile?> HandleAsync(string phone, CancellationToken ct) => FindAsync(phone, 0, ct);

    public Task<SubscriberProfile?> HandleAsync(long id, CancellationToken ct) => FindAsync(null, id, ct);

    private async Task<SubscriberProfile?> FindAsync(string? phone, long id, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var row = await conn.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(SelectSql, new { Phone = phone, Id = id }, cancellationToken: ct));
        return row is null ? null : new SubscriberProfile(row.Id, row.Phone, row.Status, row.Language, row.Topics, row.Region, row.CreatedAt, row.OptedOutAt);
    }

    private const string IdsSql = "SELECT phone, id FROM subscribers WHERE phone = ANY(@Phones)";

    /// <summary>The subscriber ids of those of <paramref name="phones"/> that are subscribers (the console links to them by id).</summary>
    public async Task<IReadOnlyDictionary<string, long>> IdsAsync(IEnumerable<string> phones, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return (await conn.QueryAsync<(string Phone, long Id)>(new CommandDefinition(IdsSql, new { Phones = phones.Distinct().ToArray() }, cancellationToken: ct)))
            .ToDictionary(r => r.Phone, r => r.Id);
    }
}
