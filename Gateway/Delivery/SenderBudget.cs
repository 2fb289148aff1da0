using Dapper;
using Npgsql;

namespace Gateway.Delivery;

/// <summary>
/// The pacing budget of each sender, kept in PostgreSQL so that every dispatcher in every worker process draws
/// from the same one: a GCRA ("next free slot") per sender. Reserving n segments takes the next n slots, spaced
/// 1 / rate apart, in one atomic UPDATE; the dispatcher sends each message at its slot. There is no burst
/// allowance: slots never go back in time, so an idle sender builds up no credit.
/// <para>
/// Slots are spaced for <see cref="Headroom"/> below the configured rate. A message sent a little late then never
/// bunches up with later ones past the rate: any one-second window holds at most the rate's worth of slots even
/// when sends drift by up to <see cref="Tolerance"/>, and the dispatcher gives a message a new slot rather than
/// send it later than that. The bound is exact for one-segment messages; a message of c segments counts c at
/// the moment it is sent, so with multi-segment messages a window can hold up to c − 1 segments more.
/// </para>
/// </summary>
public sealed class SenderBudget(NpgsqlDataSource db)
{
    /// <summary>Slots are spaced for 98.5% of the configured rate: 15 ms of every second absorb timer and network jitter.</summary>
    public const double Headroom = 0.015;

    /// <summary>
    /// The latest a message may go after its slot; later, it takes a new slot. Half of the headroom's 15 ms: the
    /// other half is left for what happens between our send and the provider's clock (HTTP stack, network).
    /// </summary>
    public static readonly TimeSpan Tolerance = TimeSpan.FromMilliseconds(7);

    /// <summary>Time between two segment slots of a sender paced at <paramref name="ratePerSecond"/>.</summary>
    public static TimeSpan SlotInterval(double ratePerSecond) => TimeSpan.FromSeconds(1 / (ratePerSecond * (1 - Headroom)));

    private const string ReserveSql = """
        INSERT INTO sender_budgets AS b (sender, next_slot_at)
             VALUES (@Sender, @Now::timestamptz + @Span)
        ON CONFLICT (sender) DO UPDATE
                SET next_slot_at = greatest(b.next_slot_at, @Now::timestamptz) + @Span
        RETURNING next_slot_at - @Span
        """;

    /// <summary>Reserves <paramref name="segments"/> consecutive slots; returns the first. Slot i is first + i × interval.</summary>
    public async Task<DateTimeOffset> ReserveAsync(string sender, int segments, TimeSpan interval, DateTimeOffset now, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var first = await conn.QuerySingleAsync<DateTimeOffset>(new CommandDefinition(ReserveSql,
            new { Sender = sender, Now = now, Span = interval * segments }, cancellationToken: ct));
        return first;
    }

    private const string NextSlotSql = "SELECT next_slot_at FROM sender_budgets WHERE sender = @Sender";

    /// <summary>When the sender's next free slot is (null if it never sent): how far ahead others have booked it.</summary>
    public async Task<DateTimeOffset?> NextSlotAsync(string sender, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return await conn.QuerySingleOrDefaultAsync<DateTimeOffset?>(new CommandDefinition(NextSlotSql, new { Sender = sender }, cancellationToken: ct));
    }

    private const string PauseSql = """
        INSERT INTO sender_budgets AS b (sender, next_slot_at)
             VALUES (@Sender, @Until)
        ON CONFLICT (sender) DO UPDATE
                SET next_slot_at = greatest(b.next_slot_at, @Until)
        """;

    /// <summary>No new slots before <paramref name="until"/>, in every process: how a 429's Retry-After slows the sender down.</summary>
    public async Task PauseAsync(string sender, DateTimeOffset until, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(PauseSql, new { Sender = sender, Until = until }, cancellationToken: ct));
    }
}
