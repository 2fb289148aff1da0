using Dapper;
using Npgsql;

namespace Gateway.Subscriptions;

/// <summary>A subscriber as the admin API shows it: state, language, topics.</summary>
public sealed record SubscriberProfile(string Phone, string Status, string Language, IReadOnlyList<string> Topics, string? Region,
    DateTime CreatedAt, DateTime? OptedOutAt);

/// <summary>Reads one subscriber with their topics, by E.164 number.</summary>
public sealed class GetSubscriber(NpgsqlDataSource db)
{
    private const string SelectSql = """
        SELECT s.phone, s.status, s.language, s.region, s.created_at, s.opted_out_at,
               ARRAY(SELECT t.topic FROM subscriptions t WHERE t.subscriber_id = s.id ORDER BY t.created_at, t.topic) AS topics
          FROM subscribers s
         WHERE s.phone = @Phone
        """;

    // Properties, not a constructor: Dapper binds a PostgreSQL array column to a string[] property only.
    private sealed class Row
    {
        public string Phone { get; init; } = "";
        public string Status { get; init; } = "";
        public string Language { get; init; } = "";
        public string? Region { get; init; }
        public DateTime CreatedAt { get; init; }
        public DateTime? OptedOutAt { get; init; }
        public string[] Topics { get; init; } = [];
    }

    public async Task<SubscriberProfile?> HandleAsync(string phone, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var row = await conn.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(SelectSql, new { Phone = phone }, cancellationToken: ct));
        return row is null ? null : new SubscriberProfile(row.Phone, row.Status, row.Language, row.Topics, row.Region, row.CreatedAt, row.OptedOutAt);
    }
}
