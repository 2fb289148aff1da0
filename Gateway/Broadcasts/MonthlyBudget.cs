using Dapper;
using Gateway.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Gateway.Broadcasts;

/// <summary>
/// SMS_MONTHLY_BUDGET: public money is fixed, and a typo in an audience must not spend a month of it. Reads a city
/// month's spending (<see cref="MonthSpend"/>) from the tallies (migration 0110: cost per 15-minute slot, so no month
/// of messages is summed row by row) and the approved broadcasts, and checks a broadcast against it. Approvals take
/// <see cref="LockKey"/> first, so two approvals at once cannot both spend the same remainder.
/// </summary>
public sealed class MonthlyBudget(NpgsqlDataSource db, IOptions<BroadcastOptions> options, IOptions<GatewayOptions> gateway, TimeProvider clock)
{
    public const long LockKey = 7_204_611_530_110;

    public decimal? Budget => options.Value.MonthlyBudget;

    private const string CommittedSql = """
        SELECT coalesce((SELECT sum(cost) FROM outbound_tallies WHERE handed_over AND slot >= @From AND slot < @To), 0) AS handed_over,
               coalesce((SELECT sum(cost) FROM outbound_tallies WHERE status = 'queued' AND NOT handed_over), 0) AS waiting
        """;

    // Approved and not started: one-off broadcasts before their fan-out, recurring ones between occurrences.
    private const string ApprovedSql = """
        SELECT id, send_at, approved_at, repeat_cron, estimated_cost
          FROM broadcasts
         WHERE status IN ('approved', 'scheduled') AND estimated_cost IS NOT NULL AND id <> @Excluding
        """;

    private sealed record Approved(long Id, DateTime SendAt, DateTime? ApprovedAt, string? RepeatCron, decimal EstimatedCost);

    /// <summary>The spending of the city month that contains <paramref name="at"/>; null when no budget is set.</summary>
    public async Task<MonthSpend?> ReadAsync(DateTimeOffset at, CancellationToken ct)
    {
        if (Budget is null) return null;
        await using var conn = await db.OpenConnectionAsync(ct);
        return await ReadAsync(conn, null, at, excluding: null, ct);
    }

    /// <param name="excluding">A broadcast left out of the estimate (the one being checked).</param>
    public async Task<MonthSpend?> ReadAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, DateTimeOffset at, long? excluding, CancellationToken ct)
    {
        if (Budget is not { } budget) return null;
        var zone = gateway.Value.CityTimeZone;
        var now = clock.GetUtcNow();
        var (month, from, to) = MonthOf(at, zone);
        var current = now >= from && now < to;

        var committed = await conn.QuerySingleAsync<(decimal HandedOver, decimal Waiting)>(new CommandDefinition(CommittedSql,
            new { From = from, To = to }, tx, cancellationToken: ct));
        var estimated = 0m;
        foreach (var b in await conn.QueryAsync<Approved>(new CommandDefinition(ApprovedSql, new { Excluding = excluding ?? 0 }, tx, cancellationToken: ct)))
        {
            var sendAt = new DateTimeOffset(DateTime.SpecifyKind(b.SendAt, DateTimeKind.Utc));
            if (b.RepeatCron is null)
            {
                // Started at its time, or at once if that has passed (no worker yet, or approved late).
                var starts = b.ApprovedAt is { } approved && approved > b.SendAt ? new DateTimeOffset(DateTime.SpecifyKind(approved, DateTimeKind.Utc)) : sendAt;
                if (starts < now) starts = now;
                if (starts >= from && starts < to) estimated += b.EstimatedCost;
            }
            else
            {
                estimated += b.EstimatedCost * Sendings(b.RepeatCron, Latest(sendAt, now, from), to, zone);
            }
        }
        return new MonthSpend(month, budget, committed.HandedOver + (current ? committed.Waiting : 0), estimated);
    }

    /// <summary>
    /// <paramref name="draft"/> against the budget of the month of its first sending (<paramref name="preview"/>'s
    /// plannedAt). A recurring broadcast counts each of its sendings left in that month; its later months are counted,
    /// once it is approved, in theirs. Null when no budget is set.
    /// </summary>
    public async Task<BudgetCheck?> CheckAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, BroadcastDraft draft, BroadcastPreview preview,
        long? excluding, CancellationToken ct)
    {
        var month = await ReadAsync(conn, tx, preview.PlannedAt, excluding, ct);
        if (month is null) return null;
        var zone = gateway.Value.CityTimeZone;
        var sendings = draft.Repeat is null ? 1 : Sendings(draft.Repeat, preview.PlannedAt, MonthOf(preview.PlannedAt, zone).To, zone);
        return new BudgetCheck(month, preview.EstimatedCost * sendings, sendings);
    }

    /// <inheritdoc cref="CheckAsync(NpgsqlConnection, NpgsqlTransaction?, BroadcastDraft, BroadcastPreview, long?, CancellationToken)"/>
    public async Task<BudgetCheck?> CheckAsync(BroadcastDraft draft, BroadcastPreview preview, long? excluding, CancellationToken ct)
    {
        if (Budget is null) return null;
        await using var conn = await db.OpenConnectionAsync(ct);
        return await CheckAsync(conn, null, draft, preview, excluding, ct);
    }

    /// <summary>Serialises budget decisions: held by an approval's transaction until it commits.</summary>
    public static Task LockAsync(NpgsqlConnection conn, NpgsqlTransaction tx, CancellationToken ct) =>
        conn.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(@LockKey)", new { LockKey }, tx, cancellationToken: ct));

    /// <summary>The city month around <paramref name="at"/>: its first day, and its start and end as instants.</summary>
    public static (DateOnly Month, DateTimeOffset From, DateTimeOffset To) MonthOf(DateTimeOffset at, TimeZoneInfo zone)
    {
        var local = TimeZoneInfo.ConvertTime(at, zone);
        var first = new DateOnly(local.Year, local.Month, 1);
        return (first, Instant(first, zone), Instant(first.AddMonths(1), zone));
    }

    private static DateTimeOffset Instant(DateOnly day, TimeZoneInfo zone)
    {
        var midnight = day.ToDateTime(TimeOnly.MinValue);
        // A midnight the clocks jump over (rare) starts the day at the jump.
        while (zone.IsInvalidTime(midnight)) midnight = midnight.AddMinutes(15);
        return new DateTimeOffset(midnight, zone.GetUtcOffset(midnight)).ToUniversalTime();
    }

    private static int Sendings(string cron, DateTimeOffset from, DateTimeOffset to, TimeZoneInfo zone) =>
        from >= to ? 0 : ValidateBroadcast.ParseCron(cron).GetOccurrences(from, to, zone, fromInclusive: true, toInclusive: false).Count();

    private static DateTimeOffset Latest(params DateTimeOffset[] times) => times.Max();
}
