using Gateway.Delivery;
using Gateway.Tests.Support;
using Npgsql;

namespace Gateway.Tests.Delivery;

/// <summary>The shared pacing budget: consecutive slots per sender, no credit for idle time, pauses for everyone.</summary>
public sealed class SenderBudgetTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 3, 2, 1, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);
    private NpgsqlDataSource _db = null!;

    // Without a gateway host in this class, Dapper's conventions (timestamps as UTC DateTimeOffset) are set here: run alone,
    // the class would otherwise depend on another class having started a host first.
    public async Task InitializeAsync()
    {
        Gateway.Data.Database.UseDapperConventions();
        _db = NpgsqlDataSource.Create(await TestDatabase.CreateAsync());
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Fact]
    public async Task Reservations_TakeConsecutiveSlots_OneSlotPerSegment()
    {
        var budget = new SenderBudget(_db);

        var first = await budget.ReserveAsync("MGa", 3, Interval, Now, CancellationToken.None);
        var second = await budget.ReserveAsync("MGa", 1, Interval, Now, CancellationToken.None);
        var otherSender = await budget.ReserveAsync("MGb", 1, Interval, Now, CancellationToken.None);

        Assert.Equal(Now, first);
        Assert.Equal(Now + 3 * Interval, second);
        Assert.Equal(Now, otherSender);
        Assert.Equal(Now + 4 * Interval, await budget.NextSlotAsync("MGa", CancellationToken.None));
    }

    [Fact]
    public async Task AnIdleSender_BuildsUpNoCredit()
    {
        var budget = new SenderBudget(_db);
        await budget.ReserveAsync("MGidle", 1, Interval, Now, CancellationToken.None);

        var later = await budget.ReserveAsync("MGidle", 1, Interval, Now.AddMinutes(1), CancellationToken.None);
        var next = await budget.ReserveAsync("MGidle", 1, Interval, Now.AddMinutes(1), CancellationToken.None);

        Assert.Equal(Now.AddMinutes(1), later);
        Assert.Equal(Now.AddMinutes(1) + Interval, next);
    }

    [Fact]
    public async Task Pause_PushesEveryLaterSlotPastIt_ButNeverPullsSlotsBack()
    {
        var budget = new SenderBudget(_db);
        await budget.PauseAsync("MGp", Now.AddSeconds(10), CancellationToken.None);
        await budget.PauseAsync("MGp", Now.AddSeconds(2), CancellationToken.None);

        Assert.Equal(Now.AddSeconds(10), await budget.ReserveAsync("MGp", 1, Interval, Now, CancellationToken.None));
    }

    [Fact]
    public async Task ConcurrentReservations_NeverShareASlot()
    {
        var budget = new SenderBudget(_db);

        var slots = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => budget.ReserveAsync("MGc", 1, Interval, Now, CancellationToken.None)));

        Assert.Equal(Enumerable.Range(0, 40).Select(i => Now + i * Interval), slots.Order());
    }

    [Theory]
    [InlineData(10, 101.52)]
    [InlineData(100, 10.152)]
    public void Slots_AreSpacedWithHeadroomBelowTheRate(double rate, double milliseconds) =>
        Assert.Equal(milliseconds, SenderBudget.SlotInterval(rate).TotalMilliseconds, 2);
}
