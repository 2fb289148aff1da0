using Dapper;
using Gateway.Data;
using Npgsql;

namespace Gateway.Subscriptions;

/// <summary>
/// Writes a <see cref="ConsentChange"/>: the subscriber's status, their topics and the ledger rows, in one statement,
/// so the ledger row and the state change are never apart. The only code that writes subscriptions, consent_events
/// or a subscriber's status, for every channel.
/// </summary>
public sealed class ChangeConsent(TimeProvider clock)
{
    // The status moves only when it differs: a second STOP keeps the first opt-out's time.
    private const string StatusSql = """
        status AS (
            UPDATE subscribers
               SET status = @ConsentStatus,
                   opted_out_at = CASE WHEN @ConsentStatus = 'opted_out' THEN @ConsentAt END
             WHERE id = @ConsentSubscriberId AND status <> @ConsentStatus)
        """;

    private const string LeaveSql = """
        left_topics AS (
            DELETE FROM subscriptions
             WHERE subscriber_id = @ConsentSubscriberId AND topic = ANY(@ConsentLeave))
        """;

    private const string JoinSql = """
        joined AS (
            INSERT INTO subscriptions (subscriber_id, topic, created_at)
            SELECT @ConsentSubscriberId, topic, @ConsentAt FROM unnest(@ConsentJoin::text[]) AS topic
            ON CONFLICT DO NOTHING)
        """;

    private const string LedgerSql = """
        INSERT INTO consent_events (subscriber_id, phone, phone_hash, action, scope, keyword, channel, occurred_at)
        SELECT @ConsentSubscriberId, @ConsentPhone, @ConsentPhoneHash, e.action, e.scope, @ConsentKeyword, @ConsentChannel, @ConsentAt
          FROM unnest(@ConsentActions::text[], @ConsentScopes::text[]) WITH ORDINALITY AS e (action, scope, n)
         ORDER BY e.n
        """;

    // One statement: the ledger rows, after only the parts of the change this one has. Eight texts at most, so
    // PostgreSQL plans each once.
    private static readonly string[] ChangeSql = Enumerable.Range(0, 8).Select(parts =>
    {
        var ctes = new[] { (1, StatusSql), (2, LeaveSql), (4, JoinSql) }.Where(p => (parts & p.Item1) != 0).Select(p => p.Item2).ToList();
        return ctes.Count == 0 ? LedgerSql : "WITH " + string.Join(",\n", ctes) + "\n" + LedgerSql;
    }).ToArray();

    /// <summary>The change as a statement for a caller's command (the inbound pipeline's one round trip).</summary>
    public SqlStatement Statement(ConsentChange change) => new(
        ChangeSql[(change.Status is null ? 0 : 1) | (change.Leave.Count == 0 ? 0 : 2) | (change.Join.Count == 0 ? 0 : 4)], new
    {
        ConsentSubscriberId = change.SubscriberId,
        ConsentStatus = change.Status,
        ConsentLeave = change.Leave.ToArray(),
        ConsentJoin = change.Join.ToArray(),
        ConsentPhone = change.Phone,
        ConsentPhoneHash = Subscribers.PhoneHash(change.Phone),
        ConsentActions = change.Ledger.Select(e => e.Action).ToArray(),
        ConsentScopes = change.Ledger.Select(e => e.Scope).ToArray(),
        ConsentKeyword = change.Keyword,
        ConsentChannel = change.Channel,
        ConsentAt = clock.GetUtcNow(),
    });

    /// <summary>Writes the change in <paramref name="tx"/>.</summary>
    public Task ApplyAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, ConsentChange change, CancellationToken ct) =>
        conn.ExecuteAsync(SqlStatement.Command([Statement(change)], tx, ct));
}
