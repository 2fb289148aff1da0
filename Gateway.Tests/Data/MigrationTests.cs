using Dapper;
using Gateway.Data;
using Gateway.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Gateway.Tests.Data;

public sealed class MigrationTests
{
    [Fact]
    public async Task FromEmpty_AppliesEveryScript_AndHangfireSchema()
    {
        var connectionString = await TestDatabase.CreateEmptyAsync();
        await using var db = NpgsqlDataSource.Create(connectionString);

        await new DatabaseMigrator(db, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None);

        await using var conn = await db.OpenConnectionAsync();
        var applied = (await conn.QueryAsync<string>("SELECT scriptname FROM schemaversions ORDER BY scriptname")).ToList();
        Assert.Equal(DatabaseMigrator.KnownScripts(), applied);
        Assert.True(await conn.ExecuteScalarAsync<bool>("SELECT to_regclass('hangfire.job') IS NOT NULL"));
    }

    [Fact]
    public async Task TwoProcessesAtOnce_MigrateOnce_UnderTheAdvisoryLock()
    {
        var connectionString = await TestDatabase.CreateEmptyAsync();
        await using var first = NpgsqlDataSource.Create(connectionString);
        await using var second = NpgsqlDataSource.Create(connectionString);

        await Task.WhenAll(
            new DatabaseMigrator(first, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None),
            new DatabaseMigrator(second, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None));

        await using var conn = await first.OpenConnectionAsync();
        Assert.Equal(DatabaseMigrator.KnownScripts().Count, await conn.ExecuteScalarAsync<int>("SELECT count(*) FROM schemaversions"));
    }

    [Fact]
    public async Task RunningAgain_ChangesNothing()
    {
        var connectionString = await TestDatabase.CreateAsync();
        await using var db = NpgsqlDataSource.Create(connectionString);

        await new DatabaseMigrator(db, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None);

        await using var conn = await db.OpenConnectionAsync();
        Assert.Equal(DatabaseMigrator.KnownScripts().Count, await conn.ExecuteScalarAsync<int>("SELECT count(*) FROM schemaversions"));
    }

    [Fact]
    public void Scripts_AreNumberedWithoutGapsOrRepeats()
    {
        var numbers = DatabaseMigrator.KnownScripts()
            .Select(name => name.Split(".Data.Migrations.")[1])
            .Select(file => int.Parse(file[..4]))
            .ToList();
        Assert.Equal(numbers.Distinct().Count(), numbers.Count);
        Assert.Equal(numbers.Order(), numbers);
    }
}
