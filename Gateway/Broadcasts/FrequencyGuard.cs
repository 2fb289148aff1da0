using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Gateway.Broadcasts;

/// <summary>What the frequency guard decides for one message.</summary>
/// <param name="SameText">The number got (or will get) this exact text within 24 hours: do not queue it.</param>
/// <param name="SendAt">When it may go: the planned time, or later when the number had its fill of bulk messages.</param>
public sealed record GuardVerdict(bool SameText, DateTimeOffset SendAt)
{
    public bool Deferred(DateTimeOffset due) => !SameText && SendAt > due;
}

/// <summary>
/// The frequency guard: a number gets at most BULK_MESSAGES_PER_DAY bulk messages in any rolling 24 hours, and never
/// the same text twice within 24 hours, because carriers block senders that exceed their rules (China: 3 identical
/// messages per number per day are rejected, 5 different ones trigger a manual review; protocols.md §9).
/// <para>
/// Counted: a number's messages of priority Bulk (broadcasts, tips, scheduled lessons) and broadcasts of any priority
/// (urgent ones), that are or may still be sent (queued, sending, sent, delivered, undelivered, ambiguous), due within
/// 24 hours either side of the new message's due time. Replies, crisis messages and lessons asked for with NEXT never
/// count and are never held. A message over the limit is deferred to the later of 24 hours after the latest counted
/// one and the first time outside quiet hours 24 hours after its own due time (one that still lands in quiet hours is
/// held by <see cref="HoldForQuietHours"/>); one with the same text is skipped.
/// </para>
/// <para>
/// All the guard's SQL is here. Set-based producers embed <see cref="RecentLateralSql"/> (per subscriber aliased
/// <c>s</c>) with <see cref="VerdictSql"/> and <see cref="SendAtSql"/>, and add the parameters with
/// <see cref="AddParameters"/>; a producer of single messages calls <see cref="CheckAsync"/>.
/// </para>
/// </summary>
public sealed class FrequencyGuard(IOptions<BroadcastOptions> options, QuietHours quietHours)
{
    public static readonly TimeSpan Window = TimeSpan.FromHours(24);

    public int MaxPerDay => options.Value.BulkMessagesPerDay;

    /// <summary>The messages that count, for the subscriber aliased <c>s</c>: <see cref="Delivery.OutboundHistory.RecentBulkLateralSql"/>.</summary>
    public const string RecentLateralSql = Delivery.OutboundHistory.RecentBulkLateralSql;

    /// <summary>'same_text', 'deferred' or 'allowed' for the joined <c>guard</c> row (NULL when nothing counted). @GuardHold: false exempts (urgent).</summary>
    public const string VerdictSql = """
        CASE WHEN coalesce(guard.same_text, false) THEN 'same_text'
             WHEN @GuardHold AND coalesce(guard.messages, 0) >= @GuardMax THEN 'deferred'
             ELSE 'allowed' END
        """;

    /// <summary>When a deferred message may go: 24 hours after the latest counted one, and never before @GuardDeferFloor.</summary>
    public const string SendAtSql = "greatest(@GuardDeferFloor, guard.latest + interval '24 hours')";

    /// <summary>
    /// Adds @GuardDue, @GuardBodies, @GuardMax, @GuardHold and @GuardDeferFloor.
    /// <paramref name="bodies"/> are the texts as stored (after Smart Encoding: <c>Outbox.Prepare(body).Body</c>).
    /// </summary>
    public void AddParameters(DynamicParameters parameters, DateTimeOffset due, IEnumerable<string> bodies, bool hold = true)
    {
        parameters.Add("GuardDue", due);
        parameters.Add("GuardBodies", bodies.ToArray());
        parameters.Add("GuardMax", MaxPerDay);
        parameters.Add("GuardHold", hold);
        parameters.Add("GuardDeferFloor", DeferFloor(due));
    }

    /// <summary>The earliest a deferred message may go: 24 hours after it was due, outside quiet hours.</summary>
    public DateTimeOffset DeferFloor(DateTimeOffset due) => quietHours.NextAllowed(due + Window);

    private const string CheckSql = $"""
        SELECT guard.same_text, {VerdictSql} AS verdict, {SendAtSql} AS send_at
          FROM (SELECT @SubscriberId::bigint AS id) s
        {RecentLateralSql}
        """;

    private sealed record CheckRow(bool SameText, string Verdict, DateTimeOffset? SendAt);

    /// <summary>
    /// The guard for one message to <paramref name="subscriberId"/>, due at <paramref name="due"/> with <paramref name="body"/>
    /// (as stored). Run it in the transaction that queues the message.
    /// </summary>
    public async Task<GuardVerdict> CheckAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, long subscriberId, DateTimeOffset due, string body, CancellationToken ct)
    {
        var parameters = new DynamicParameters(new { SubscriberId = subscriberId });
        AddParameters(parameters, due, [body]);
        var row = await conn.QuerySingleAsync<CheckRow>(new CommandDefinition(CheckSql, parameters, tx, cancellationToken: ct));
        return row.Verdict switch
        {
            "same_text" => new GuardVerdict(true, due),
            "deferred" => new GuardVerdict(false, row.SendAt!.Value),
            _ => new GuardVerdict(false, due),
        };
    }
}
