using Dapper;
using Gateway.Data;
using Gateway.Tests.Support;
using Npgsql;

namespace Gateway.Tests.Data;

/// <summary>Statements of several slices in one round trip, bound by Dapper; and timestamps read as instants.</summary>
public sealed class SqlStatementTests
{
    [Fact]
    public async Task Statements_RunInOneCommand_InOrder_AllOrNothing()
    {
        Database.UseDapperConventions();
        await using var conn = new NpgsqlConnection(await TestDatabase.CreateAsync());
        await conn.OpenAsync();
        await conn.ExecuteAsync("CREATE TABLE t (n int PRIMARY KEY)");

        await conn.ExecuteAsync(SqlStatement.Command([new("INSERT INTO t VALUES (@FirstN)", new { FirstN = 1 }),
            new("INSERT INTO t SELECT max(n) + @SecondStep FROM t", new { SecondStep = 1 })], null, CancellationToken.None));
        await Assert.ThrowsAsync<PostgresException>(() => conn.ExecuteAsync(SqlStatement.Command([
            new("INSERT INTO t VALUES (@FirstN)", new { FirstN = 3 }), new("INSERT INTO t VALUES (@SecondN)", new { SecondN = 1 })], null, CancellationToken.None)));

        Assert.Equal([1, 2], (await conn.QueryAsync<int>("SELECT n FROM t ORDER BY n")).AsList());
    }

    [Fact]
    public void AParameterNameWithTwoValues_IsRefused_NotBoundSilently() =>
        Assert.Throws<ArgumentException>(() => SqlStatement.Command([new("SELECT @N", new { N = 1 }), new("SELECT @N", new { N = 2 })], null, CancellationToken.None));

    [Fact]
    public async Task Timestamps_AreReadAsInstantsAtOffsetZero_ScalarsAndMembersAlike()
    {
        Database.UseDapperConventions();
        await using var conn = new NpgsqlConnection(await TestDatabase.CreateAsync());
        var instant = new DateTimeOffset(2026, 3, 2, 1, 0, 0, TimeSpan.Zero);

        var scalar = await conn.QuerySingleAsync<DateTimeOffset>("SELECT '2026-03-02 09:00+08'::timestamptz");
        var member = await conn.QuerySingleAsync<Row>("SELECT '2026-03-02 09:00+08'::timestamptz AS at, NULL::timestamptz AS never");

        Assert.Equal((instant, TimeSpan.Zero), (scalar, scalar.Offset));
        Assert.Equal((instant, TimeSpan.Zero, (DateTimeOffset?)null), (member.At, member.At.Offset, member.Never));
    }

    private sealed record Row(DateTimeOffset At, DateTimeOffset? Never);
}
