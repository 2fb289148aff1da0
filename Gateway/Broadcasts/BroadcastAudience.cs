using Dapper;

namespace Gateway.Broadcasts;

/// <summary>
/// Who receives a broadcast, and what happens to each of them: the one definition the fan-out and the preview share.
/// <para>
/// Audience: subscribers with id in (@From, @To], not pending (imported and not yet confirmed: they receive nothing
/// until they reply YES), subscribed to any of @Topics (any topic when empty), in @Regions and
/// @Languages (no condition when empty). Verdict per subscriber, first match wins: 'skipped_opted_out' (opted out of
/// everything), 'skipped_invalid_number' (the provider told us the number cannot receive SMS), then the frequency
/// guard: 'same_text', 'deferred' (sent at deferred_until), or 'allowed' (sent at @Due).
/// </para>
/// </summary>
public static class BroadcastAudience
{
    /// <summary>Two CTEs, <c>audience</c> and <c>judged (id, phone, language, verdict, deferred_until)</c>: follow with WITH … ,.</summary>
    public const string JudgedSql = $"""
        audience AS (
            SELECT s.id, s.phone, s.language, s.status, p.phone IS NOT NULL AS bad_number
              FROM subscribers s
              LEFT JOIN phone_number_problems p ON p.phone = s.phone
             WHERE s.id > @From AND s.id <= @To
               AND s.status <> 'pending'
               AND (cardinality(@Regions::text[]) = 0 OR s.region = ANY(@Regions))
               AND (cardinality(@Languages::text[]) = 0 OR s.language = ANY(@Languages))
               AND EXISTS (SELECT 1 FROM subscriptions t
                            WHERE t.subscriber_id = s.id AND (cardinality(@Topics::text[]) = 0 OR t.topic = ANY(@Topics)))),
        judged AS (
            SELECT s.id, s.phone, s.language,
                   CASE WHEN s.status = 'opted_out' THEN 'skipped_opted_out'
                        WHEN s.bad_number THEN 'skipped_invalid_number'
                        ELSE {FrequencyGuard.VerdictSql} END AS verdict,
                   {FrequencyGuard.SendAtSql} AS deferred_until
              FROM audience s
            {FrequencyGuard.RecentLateralSql})
        """;

    /// <summary>The parameters of <see cref="JudgedSql"/> except @From and @To.</summary>
    public static DynamicParameters Parameters(string[] topics, string[] regions, string[] languages, FrequencyGuard guard,
        DateTimeOffset due, IEnumerable<string> bodies, bool urgent)
    {
        var parameters = new DynamicParameters(new { Topics = topics, Regions = regions, Languages = languages, Due = due });
        guard.AddParameters(parameters, due, bodies, hold: !urgent);
        return parameters;
    }
}
