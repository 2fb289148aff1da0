using System.Text;
using System.Text.Json;
using Dapper;
using Gateway.Imports;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Imports;

/// <summary>
/// The import job in lanes (IMPORT_CONNECTIONS), with the real database: two lanes write exactly what one writes; a
/// run stopped or killed mid-way is carried on without a chunk written twice; two runs at once share the chunks; a
/// chunk held by someone else is waited for; a chunk that deadlocks is written again; a lane's failure fails the run
/// with its own error; lost staged rows fail the import.
/// </summary>
public sealed class ImportLaneTests(ImportApp app) : IClassFixture<ImportApp>
{
    private const string Header = "phone,language,region,topics,source,consent,consent_at,consent_text";
    private const string Consent = "Clinic list 3,explicit,2026-02-20 10:30,I agree to receive health notices by SMS";

    private static string Number(int block, int n) => $"+86139{block:D4}{n:D4}";

    /// <summary>The job as the worker runs it, on <paramref name="lanes"/> connections.</summary>
    private ApplyImport Job(int lanes) =>
        ActivatorUtilities.CreateInstance<ApplyImport>(app.Services, Options.Create(new ImportOptions { Connections = lanes }));

    /// <summary>
    /// A list of 69 rows for numbers 139 xxxx yyyy (xxxx = <paramref name="block"/>), every kind ten times over: new
    /// with and without consent, known active lacking a topic, known pending with consent (promoted), opted out;
    /// and duplicates and invalid rows among them.
    /// </summary>
    private async Task<string> ListAsync(int block)
    {
        var csv = new StringBuilder(Header).Append('\n');
        for (var i = 1; i <= 60; i++)
        {
            var n = Number(block, i);
            switch (i % 6)
            {
                case 0: csv.Append($"{n},en,,notices;tips,{Consent}\n"); break;
                case 1: csv.Append($"{n},zh,,tips,village committee,,,\n"); break;
                case 2:
                    await app.SeedAsync(n, "active", "notices");
                    csv.Append($"{n},en,,notices;tips,{Consent}\n");
                    break;
                case 3:
                    await app.SeedAsync(n, "pending", "tips");
                    csv.Append($"{n},en,,notices,{Consent}\n");
                    break;
                case 4:
                    await app.SeedAsync(n, "opted_out", "notices");
                    csv.Append($"{n},en,,notices,{Consent}\n");
                    break;
                default: csv.Append($"{n},en,,notices,school,,,\n"); break;
            }
            if (i % 10 == 0) csv.Append($"{Number(block, i - 9)},en,,notices,{Consent}\n");   // a duplicate of a line above
            if (i % 20 == 0) csv.Append($"{Number(block, 900 + i)},fr,,notices,school,,,\n");  // bad language: invalid
        }
        return csv.ToString();
    }

    private async Task<long> StageAsync(string csv)
    {
        var (_, queued) = await app.ImportAsync(csv, dryRun: false);
        return queued.GetProperty("id").GetInt64();
    }

    /// <summary>Everything an import of <paramref name="block"/> wrote, the numbers reduced to their last four digits.</summary>
    private async Task<string> WrittenAsync(int block, long importId)
    {
        var like = $"+86139{block:D4}%";
        var residents = await app.QueryAsync<string>("""
            SELECT concat_ws(' ', right(phone, 4), status, language, region) FROM subscribers WHERE phone LIKE @like ORDER BY phone
            """, new { like });
        var topics = await app.QueryAsync<string>("""
            SELECT right(s.phone, 4) || ' ' || t.topic FROM subscriptions t JOIN subscribers s ON s.id = t.subscriber_id
             WHERE s.phone LIKE @like ORDER BY 1
            """, new { like });
        var ledger = await app.QueryAsync<string>("""
            SELECT concat_ws(' | ', right(phone, 4), action, scope, channel, source, consent_text, occurred_at, recorded_by, import_id = @importId)
              FROM consent_events WHERE phone LIKE @like ORDER BY 1
            """, new { like, importId });
        var confirmations = await app.QueryAsync<string>("""
            SELECT concat_ws(' | ', right(recipient, 4), kind, priority, status, body) FROM outbound_messages WHERE recipient LIKE @like ORDER BY 1
            """, new { like });
        var progress = await app.QuerySingleAsync<string>("""
            SELECT concat_ws(' ', status, rows_read, rows_staged, rows_done, subscribed, asked) FROM imports WHERE id = @importId
            """, new { importId });
        var report = JsonDocument.Parse(await app.QuerySingleAsync<string>("SELECT report::text FROM imports WHERE id = @importId", new { importId })).RootElement;
        var counts = string.Join(" ", new[] { "rows", "new", "known", "invalidCount", "duplicates", "optedOut", "toSubscribe", "toConfirm", "unchanged" }
            .Select(k => $"{k}={report.GetProperty(k).GetInt32()}"));
        return string.Join("\n", [.. residents, "--", .. topics, "--", .. ledger, "--", .. confirmations, "--", progress, counts]);
    }

    private Task<int> ChunksLeftAsync(long importId) =>
        app.QuerySingleAsync<int>("SELECT count(*)::int FROM import_chunks WHERE import_id = @importId AND NOT done", new { importId });

    /// <summary>No chunk of the import is kept once it ended, done or not.</summary>
    private async Task AssertNoChunksAsync(long importId) =>
        Assert.Equal(0, await app.QuerySingleAsync<int>("SELECT count(*)::int FROM import_chunks WHERE import_id = @importId", new { importId }));

    private Task<(int RowsDone, int RowsStaged, string Status)> ProgressAsync(long importId) =>
        app.QuerySingleAsync<(int, int, string)>("SELECT rows_done, rows_staged, status FROM imports WHERE id = @importId", new { importId });

    /// <summary>Each number of the block was asked at most once, and exactly the report's toConfirm were asked.</summary>
    private async Task AssertAskedOnceEachAsync(int block, long importId, int expected)
    {
        var asked = await app.QueryAsync<(string Recipient, int Times)>("""
            SELECT recipient, count(*)::int FROM outbound_messages WHERE recipient LIKE @like AND kind = 'import_confirmation' GROUP BY 1
            """, new { like = $"+86139{block:D4}%" });
        Assert.All(asked, a => Assert.Equal(1, a.Times));
        Assert.Equal(expected, asked.Count);
        Assert.Equal(expected, await app.QuerySingleAsync<int>("SELECT asked FROM imports WHERE id = @importId", new { importId }));
    }

    [Fact]
    public async Task TwoLanes_WriteExactlyWhatOneLaneWrites()
    {
        var one = await StageAsync(await ListAsync(1));
        var two = await StageAsync(await ListAsync(2));

        await Job(lanes: 1).RunAsync(one, CancellationToken.None, maxChunks: null, chunkSize: 7);
        await Job(lanes: 2).RunAsync(two, CancellationToken.None, maxChunks: null, chunkSize: 7);

        var written = await WrittenAsync(2, two);
        Assert.Equal(await WrittenAsync(1, one), written);
        // And what they wrote is the rule: 10 new with consent and 10 promoted subscribed, 20 new without asked once.
        Assert.EndsWith("done 69 66 66 30 20\nrows=69 new=30 known=30 invalidCount=3 duplicates=6 optedOut=10 toSubscribe=30 toConfirm=20 unchanged=0",
            written);
        await AssertAskedOnceEachAsync(2, two, expected: 20);
        await AssertNoChunksAsync(two);
    }

    [Fact]
    public async Task ARunStoppedOrKilledMidway_InLanes_IsCarriedOn_AndNoChunkIsWrittenTwice()
    {
        const int block = 3;
        var csv = "phone,topics\n" + string.Concat(Enumerable.Range(1, 40).Select(i => $"{Number(block, i)},notices\n"));
        var id = await StageAsync(csv);

        // Stopped after three chunks in all, whichever lanes wrote them.
        await Job(lanes: 2).RunAsync(id, CancellationToken.None, maxChunks: 3, chunkSize: 5);
        Assert.Equal((15, 40, "applying"), await ProgressAsync(id));
        Assert.Equal(5, await ChunksLeftAsync(id));

        // Killed: a resident texting holds a number of the chunk of lines 27-31 while the job writes it; every other chunk
        // is written, and the run is stopped while a lane waits.
        var resident = Number(block, 28);
        await using var texting = await app.OpenDatabaseAsync();
        await using (var tx = await texting.BeginTransactionAsync())
        {
            await texting.ExecuteAsync("INSERT INTO subscribers (phone, language, status, created_at) VALUES (@resident, 'en', 'active', now())", new { resident }, tx);
            using var kill = new CancellationTokenSource();
            var run = Job(lanes: 2).RunAsync(id, kill.Token, maxChunks: null, chunkSize: 5);
            await WaitUntilAsync(async () => (await ProgressAsync(id)).RowsDone == 35 && await AnyWaitsForALockAsync(), "the other chunks written");
            await kill.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
            await tx.RollbackAsync();   // the resident's message never came
        }
        Assert.Equal((35, 40, "applying"), await ProgressAsync(id));
        Assert.Equal(1, await ChunksLeftAsync(id));

        await Job(lanes: 2).RunAsync(id, CancellationToken.None, maxChunks: null, chunkSize: 5);

        Assert.Equal((40, 40, "done"), await ProgressAsync(id));
        await AssertAskedOnceEachAsync(block, id, expected: 40);
        Assert.Equal(40, await app.QuerySingleAsync<int>("SELECT count(*)::int FROM subscribers WHERE phone LIKE @like AND status = 'pending'",
            new { like = $"+86139{block:D4}%" }));
        Assert.Equal(0, await app.QuerySingleAsync<int>("SELECT count(*)::int FROM import_rows WHERE import_id = @id", new { id }));
    }

    [Fact]
    public async Task TwoRunsAtOnce_ShareTheChunks_WaitForOneHeldElsewhere_AndWriteEachOnce()
    {
        const int block = 4;
        var id = await StageAsync(await ListAsync(block));
        await Job(lanes: 2).RunAsync(id, CancellationToken.None, maxChunks: 1, chunkSize: 5);   // plans the chunks

        // A chunk held by a third party (as by a lane of a run that hangs): both runs write every other chunk, then wait for it.
        await using var holder = await app.OpenDatabaseAsync();
        await using (var tx = await holder.BeginTransactionAsync())
        {
            var held = await holder.ExecuteScalarAsync<int>(
                "SELECT first_row FROM import_chunks WHERE import_id = @id AND NOT done ORDER BY first_row LIMIT 1 OFFSET 3", new { id }, tx);
            await holder.ExecuteAsync("SELECT 1 FROM import_chunks WHERE import_id = @id AND first_row = @held FOR UPDATE", new { id, held }, tx);
            var first = Job(lanes: 2).RunAsync(id, CancellationToken.None, maxChunks: null, chunkSize: 5);
            var second = Job(lanes: 2).RunAsync(id, CancellationToken.None, maxChunks: null, chunkSize: 5);
            await WaitUntilAsync(async () => await app.QuerySingleAsync<int>(
                "SELECT count(*)::int FROM import_chunks WHERE import_id = @id AND NOT done", new { id }) == 1, "every chunk but the held one written");
            await WaitUntilAsync(async () => await app.QuerySingleAsync<int>(
                "SELECT count(*)::int FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'") == 4, "all four lanes waiting");
            Assert.False(first.IsCompleted || second.IsCompleted);
            Assert.Equal("applying", (await ProgressAsync(id)).Status);
            Assert.Equal(1, await app.QuerySingleAsync<int>("SELECT count(*)::int FROM import_chunks WHERE import_id = @id AND first_row = @held AND NOT done",
                new { id, held }));
            await tx.RollbackAsync();
            await Task.WhenAll(first, second);
        }

        Assert.Equal((66, 66, "done"), await ProgressAsync(id));
        Assert.Equal(30, await app.QuerySingleAsync<int>("SELECT subscribed FROM imports WHERE id = @id", new { id }));
        await AssertAskedOnceEachAsync(block, id, expected: 20);
        await AssertNoChunksAsync(id);
    }

    [Fact]
    public async Task AChunkThatDeadlocks_IsWrittenAgain()
    {
        const int block = 5;
        var id = await StageAsync(await ListAsync(block));
        var known = Number(block, 2);   // known and active: the chunk adds a topic, so its FOREIGN KEY check locks the resident FOR KEY SHARE
        var deadlocksBefore = await DeadlocksAsync();

        await using var other = await app.OpenDatabaseAsync();
        await using (var tx = await other.BeginTransactionAsync())
        {
            // This session waits longer before it looks for a deadlock, so that the job's lane is the one PostgreSQL stops.
            await other.ExecuteAsync("SET LOCAL deadlock_timeout = '30s'", transaction: tx);
            await other.ExecuteAsync("SELECT 1 FROM subscribers WHERE phone = @known FOR UPDATE", new { known }, tx);
            var run = Job(lanes: 1).RunAsync(id, CancellationToken.None, maxChunks: null, chunkSize: 50);
            await WaitUntilAsync(AnyWaitsForALockAsync, "the lane waiting for the resident");
            await other.ExecuteAsync("SELECT 1 FROM import_chunks WHERE import_id = @id FOR UPDATE", new { id }, tx, commandTimeout: 60);
            await tx.RollbackAsync();
            await run;
        }

        Assert.Contains(app.Logged(), r => r.Message.Contains($"Import {id}, lane 0: lines 2-") && r.Message.Contains("writing them again"));
        Assert.True(await DeadlocksAsync() > deadlocksBefore);
        Assert.Equal((66, 66, "done"), await ProgressAsync(id));
        Assert.Equal(30, await app.QuerySingleAsync<int>("SELECT subscribed FROM imports WHERE id = @id", new { id }));
        await AssertAskedOnceEachAsync(block, id, expected: 20);
        Assert.Equal(["notices", "tips"], await app.QueryAsync<string>(
            "SELECT t.topic FROM subscriptions t JOIN subscribers s ON s.id = t.subscriber_id WHERE s.phone = @known ORDER BY 1", new { known }));
    }

    [Fact]
    public async Task ALaneThatFails_FailsTheRun_WithItsOwnError_AndTheNextRunWritesTheRest()
    {
        const int block = 7;
        var csv = "phone,topics\n" + string.Concat(Enumerable.Range(1, 40).Select(i => $"{Number(block, i)},notices\n"));
        var id = await StageAsync(csv);
        var refused = Number(block, 8);   // in the second chunk
        await using var conn = await app.OpenDatabaseAsync();
        await conn.ExecuteAsync($"""
            CREATE FUNCTION lane_test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.phone = '{refused}' THEN RAISE EXCEPTION 'refused for the test'; END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER lane_test_refuse BEFORE INSERT ON subscribers FOR EACH ROW EXECUTE FUNCTION lane_test_refuse();
            """);
        try
        {
            var failure = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => Job(lanes: 2).RunAsync(id, CancellationToken.None, maxChunks: null, chunkSize: 5));
            Assert.Equal("refused for the test", failure.MessageText);
        }
        finally
        {
            await conn.ExecuteAsync("DROP TRIGGER lane_test_refuse ON subscribers; DROP FUNCTION lane_test_refuse()");
        }
        var stopped = await ProgressAsync(id);
        Assert.Equal("applying", stopped.Status);
        Assert.True(stopped.RowsDone is >= 0 and <= 35 && stopped.RowsDone % 5 == 0, $"{stopped.RowsDone} rows done");
        Assert.Equal(1, await app.QuerySingleAsync<int>("SELECT count(*)::int FROM import_chunks WHERE import_id = @id AND first_row = 7 AND NOT done", new { id }));
        Assert.Null(await app.StatusOfAsync(refused));

        await Job(lanes: 2).RunAsync(id, CancellationToken.None, maxChunks: null, chunkSize: 5);

        Assert.Equal((40, 40, "done"), await ProgressAsync(id));
        await AssertAskedOnceEachAsync(block, id, expected: 40);
        await AssertNoChunksAsync(id);
    }

    [Fact]
    public async Task StagedRowsLostInARestart_FailTheImport_AndItsChunksGo()
    {
        const int block = 6;
        var csv = "phone,topics\n" + string.Concat(Enumerable.Range(1, 20).Select(i => $"{Number(block, i)},notices\n"));
        var id = await StageAsync(csv);
        await Job(lanes: 2).RunAsync(id, CancellationToken.None, maxChunks: 1, chunkSize: 5);
        // A database crash empties the unlogged import_rows (here: as if).
        await using (var conn = await app.OpenDatabaseAsync())
            await conn.ExecuteAsync("DELETE FROM import_rows WHERE import_id = @id", new { id });

        await Job(lanes: 2).RunAsync(id, CancellationToken.None, maxChunks: null, chunkSize: 5);

        Assert.Equal((5, 20, "failed"), await ProgressAsync(id));
        Assert.StartsWith("the file's rows were lost", await app.QuerySingleAsync<string>("SELECT failure FROM imports WHERE id = @id", new { id }));
        await AssertNoChunksAsync(id);
    }

    [Theory]
    [InlineData(1, null)]
    [InlineData(16, null)]
    [InlineData(0, "IMPORT_CONNECTIONS: 0 must be between 1 and 16")]
    [InlineData(17, "IMPORT_CONNECTIONS: 17 must be between 1 and 16")]
    public void ImportConnections_AreBetween1And16(int connections, string? expected)
    {
        var result = new ImportOptionsValidator().Validate(null, new ImportOptions { Connections = connections });

        Assert.Equal(expected is null, result.Succeeded);
        if (expected is not null) Assert.Equal(expected, result.FailureMessage);
    }

    private Task<bool> AnyWaitsForALockAsync() =>
        app.QuerySingleAsync<bool>("SELECT EXISTS (SELECT FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock')");

    private async Task<long> DeadlocksAsync()
    {
        await using var conn = await app.OpenDatabaseAsync();
        await conn.ExecuteAsync("SELECT pg_stat_clear_snapshot()");
        return await conn.ExecuteScalarAsync<long>("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()");
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        for (var i = 0; i < 400; i++)
        {
            if (await condition()) return;
            await Task.Delay(50);
        }
        Assert.Fail($"never: {what}");
    }
}
