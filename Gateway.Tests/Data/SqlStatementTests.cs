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
    public async Task Timestamps_AreReadAsInstantsAtOffsetZero_AndCityTimeIsWrittenAsTheSameInstant()
    {
        Database.UseDapperConventions();
        await using var conn = new NpgsqlConnection(await TestDatabase.CreateAsync());
        var cityTime = new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.FromHours(8));

        var read = await conn.QuerySingleAsync<DateTimeOffset>("SELECT @At::timestamptz", new { At = cityTime });

        Assert.Equal(TimeSpan.Zero, read.Offset);
        Assert.Equal(cityTime, read);
    }
}
