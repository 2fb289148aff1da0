using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Dapper;
using Gateway.Dashboard;
using Gateway.Hosting;
using Gateway.Imports;
using Gateway.Subscriptions;
using Gateway.Tests.Broadcasts;
using Gateway.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Imports;

/// <summary>
/// Lists imported over the API with the real database: the report's groups, the spellings of numbers, malformed rows,
/// consent ledgered, confirmations queued, opted-out numbers left alone, the same file twice, and regions.
/// </summary>
public sealed class ImportApiTests(ImportApp app) : IClassFixture<ImportApp>
{
    private const string Header = "phone,language,region,topics,source,consent,consent_at,consent_text";
    private const string Consent = "Clinic list 3,explicit,2026-02-20 10:30,I agree to receive health notices by SMS";

    /// <summary>
    /// A file with one row of every kind, for numbers 137 xxxx yyyy where xxxx is <paramref name="block"/>: new with and
    /// without consent in four spellings, a duplicate, known numbers in each state, and four malformed rows.
    /// </summary>
    private async Task<string> ListWithEveryGroupAsync(int block)
    {
        string N(int n) => $"+86137{block:D4}{n:D4}";
        await app.SeedAsync(N(7), "active", "notices");         // known, no consent in the file: unchanged
        await app.SeedAsync(N(8), "opted_out", "notices");      // opted out: never re-subscribed
        await app.SeedAsync(N(9), "active", "notices");         // known, consent for notices and tips: gets tips
        await app.SeedAsync(N(10), "pending", "tips");          // asked before: never asked again
        await using (var conn = await app.OpenDatabaseAsync())  // erased at the resident's request
            await conn.ExecuteAsync("INSERT INTO data_erasures (phone_hash, channel, erased_at) VALUES (@Hash, 'sms', now())",
                new { Hash = Subscribers.PhoneHash(N(11)) });
        var fullWidth = string.Concat($"+86137{block:D4}0002".Select(c => c == '+' ? '＋' : (char)(c - '0' + '０')));
        return string.Join("\n",
            Header,
            $"{fullWidth},en,,notices,{Consent}",                                   // line 2: new, consent
            $"0086-137-{block:D4}-0003,zh,,tips,village committee,,,",               // line 3: new, no consent
            $"+86 137 {block:D4} 0004,中文,,防疫通知;2,{Consent}",                      // line 4: new, consent, names
            $"137-{block:D4}-0005,,,,school,,,",                                     // line 5: national number, default topic
            $"{N(3)},en,,notices,village committee,,,",                              // line 6: duplicate of line 3
            $"{N(7)},en,,notices,village committee,,,",                              // line 7: known, unchanged
            $"{N(8)},en,,notices,{Consent}",                                         // line 8: opted out
            $"{N(9)},en,,notices;tips,{Consent}",                                    // line 9: known, lacks tips
            $"{N(10)},en,,tips,village committee,,,",                                // line 10: pending, unchanged
            $"{N(11)},en,,notices,village committee,,,",                             // line 11: erased: opted out
            $"{N(12)},en",                                                           // line 12: two fields
            $"{N(13)},en,,weather,village committee,,,",                             // line 13: unknown topic
            $"{N(14)},fr,,notices,village committee,,,",                             // line 14: bad language
            "12345,en,,notices,village committee,,,");                               // line 15: not a number
    }

    private static void AssertGroups(JsonElement report, int rows, int @new, int known, int invalid, int duplicates, int optedOut, int toSubscribe,
        int toConfirm, int unchanged)
    {
        Assert.Equal(rows, report.GetProperty("rows").GetInt32());
        Assert.Equal(@new, report.GetProperty("new").GetInt32());
        Assert.Equal(known, report.GetProperty("known").GetInt32());
        Assert.Equal(invalid, report.GetProperty("invalid").GetArrayLength());
        Assert.Equal(invalid, report.GetProperty("invalidCount").GetInt32());
        Assert.Equal(duplicates, report.GetProperty("duplicates").GetInt32());
        Assert.Equal(optedOut, report.GetProperty("optedOut").GetInt32());
        Assert.Equal(toSubscribe, report.GetProperty("toSubscribe").GetInt32());
        Assert.Equal(toConfirm, report.GetProperty("toConfirm").GetInt32());
        Assert.Equal(unchanged, report.GetProperty("unchanged").GetInt32());
    }

    [Fact]
    public async Task ADryRun_ReportsEveryGroup_WithTheMalformedRowsLines_AndWritesNothing()
    {
        var csv = await ListWithEveryGroupAsync(1001);
        var before = await app.CountAsync();

        var (status, report) = await app.ImportAsync(csv, dryRun: true, bom: true);

        Assert.True(status == HttpStatusCode.OK, report.ToString());
        Assert.Equal("dry_run", report.GetProperty("status").GetString());
        AssertGroups(report, rows: 14, @new: 4, known: 5, invalid: 4, duplicates: 1, optedOut: 2, toSubscribe: 3, toConfirm: 2, unchanged: 2);
        var invalid = report.GetProperty("invalid").EnumerateArray().ToList();
        Assert.Equal([12, 13, 14, 15], invalid.Select(i => i.GetProperty("row").GetInt32()));
        Assert.Contains("2 fields where the header has 8", invalid[0].GetProperty("reason").GetString());
        Assert.Equal("weather", invalid[1].GetProperty("value").GetString());
        Assert.StartsWith("unknown topic", invalid[1].GetProperty("reason").GetString());
        Assert.Equal("fr", invalid[2].GetProperty("value").GetString());
        Assert.Equal("12345", invalid[3].GetProperty("value").GetString());
        Assert.Equal(before, await app.CountAsync());
    }

    [Fact]
    public async Task AnImport_SubscribesWithConsent_AsksTheOthersOnce_LeavesOptedOutAlone_AndTheSameFileTwiceChangesNothing()
    {
        string N(int n) => $"+861371002{n:D4}";
        var csv = await ListWithEveryGroupAsync(1002);

        var done = await app.ImportAndRunAsync(csv);

        Assert.Equal("done", done.GetProperty("status").GetString());
        AssertGroups(done, rows: 14, @new: 4, known: 5, invalid: 4, duplicates: 1, optedOut: 2, toSubscribe: 3, toConfirm: 2, unchanged: 2);
        var progress = done.GetProperty("progress");
        Assert.Equal(progress.GetProperty("rowsStaged").GetInt32(), progress.GetProperty("rowsDone").GetInt32());
        Assert.Equal(10, progress.GetProperty("rowsStaged").GetInt32());
        Assert.Equal(3, progress.GetProperty("subscribed").GetInt32());
        Assert.Equal(2, progress.GetProperty("asked").GetInt32());

        // Every spelling became the same E.164 number; consent is ledgered per topic with what the list says.
        Assert.Equal("active", await app.StatusOfAsync(N(2)));
        Assert.Equal("active", await app.StatusOfAsync(N(4)));
        var ledger = await app.QueryAsync<(string Scope, string Channel, string Source, string ConsentText, string RecordedBy, DateTime OccurredAt)>("""
            SELECT scope, channel, source, consent_text, recorded_by, occurred_at FROM consent_events WHERE phone = @phone ORDER BY scope
            """, new { phone = N(4) });
        Assert.Equal(["notices", "tips"], ledger.Select(l => l.Scope));
        Assert.All(ledger, l =>
        {
            Assert.Equal(("import", "Clinic list 3", "I agree to receive health notices by SMS", "lin"), (l.Channel, l.Source, l.ConsentText, l.RecordedBy));
            Assert.Equal(new DateTime(2026, 2, 20, 2, 30, 0), l.OccurredAt);   // 10:30 city time
        });
        Assert.Equal(["tips"], (await app.QueryAsync<string>("SELECT scope FROM consent_events WHERE phone = @phone", new { phone = N(9) })));

        // No consent: pending, asked once in their language, naming the sender and the topics, as a bulk message.
        foreach (var (phone, words) in new[] { (N(3), new[] { "市健康服务热线", "每日健康小贴士", "回复“是”" }), (N(5), ["City Health Line", "Prevention notices", "Reply YES"]) })
        {
            Assert.Equal("pending", await app.StatusOfAsync(phone));
            var queued = Assert.Single(await app.QueuedForAsync(phone));
            Assert.Equal(("import_confirmation", (short)2), (queued.Kind, queued.Priority));
            Assert.All(words, w => Assert.Contains(w, queued.Body));
            Assert.Equal(ApplyImport.ConfirmationValidity, queued.ExpiresAt - queued.CreatedAt);
        }
        Assert.Empty(await app.QueryAsync<string>("SELECT scope FROM consent_events WHERE phone = @phone", new { phone = N(3) }));

        // Opted out stays opted out; erased is never brought back; known and pending are left as they were.
        Assert.Equal("opted_out", await app.StatusOfAsync(N(8)));
        Assert.Empty(await app.QueuedForAsync(N(8)));
        Assert.Null(await app.StatusOfAsync(N(11)));
        Assert.Equal("pending", await app.StatusOfAsync(N(10)));
        Assert.Empty(await app.QueuedForAsync(N(10)));
        Assert.Empty(await app.QueuedForAsync(N(7)));

        // The same file again, two weeks later: nothing to do, and nothing done.
        app.Clock.Advance(TimeSpan.FromDays(15));
        var before = await app.CountAsync();
        var again = await app.ImportAndRunAsync(csv);
        AssertGroups(again, rows: 14, @new: 0, known: 9, invalid: 4, duplicates: 1, optedOut: 2, toSubscribe: 0, toConfirm: 0, unchanged: 7);
        Assert.Equal(before with { Imports = before.Imports + 1 }, await app.CountAsync());
        Assert.Equal(0, again.GetProperty("progress").GetProperty("asked").GetInt32());
    }

    [Fact]
    public async Task TabsAndABom_InAMultipartFileField_AreReadTheSame()
    {
        var tsv = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(
            "phone\tlanguage\ttopics\n+8613710030001\ten\tnotices;tips\n+8613710030002\tzh\t每日健康小贴士\n")).ToArray();
        using var form = new MultipartFormDataContent { { new ByteArrayContent(tsv), "file", "list.tsv" } };

        var response = await app.AdminClient(BroadcastApp.EditorToken).PostAsync("/api/subscribers/imports?dryRun=true", form);

        var report = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.True(response.StatusCode == HttpStatusCode.OK, report.ToString());
        AssertGroups(report, rows: 2, @new: 2, known: 0, invalid: 0, duplicates: 0, optedOut: 0, toSubscribe: 0, toConfirm: 2, unchanged: 0);
    }

    [Theory]
    [InlineData("name,phone\nwang,+8613710040001\n", 422, "unknown column 'name'")]
    [InlineData("language\nen\n", 422, "no 'phone' column")]
    [InlineData("", 422, "the file is empty")]
    public async Task AFileThatIsNoList_IsRefused_NamingWhy(string csv, int status, string reason)
    {
        var (code, json) = await app.ImportAsync(csv, dryRun: true);

        Assert.Equal(status, (int)code);
        Assert.Contains(reason, json.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task WithoutDryRun_OrAsAViewer_OrAsJson_NothingIsRead()
    {
        var client = app.AdminClient(BroadcastApp.EditorToken);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsync("/api/subscribers/imports", new StringContent("phone\n", Encoding.UTF8, "text/csv"))).StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType,
            (await client.PostAsync("/api/subscribers/imports?dryRun=true", new StringContent("{}", Encoding.UTF8, "application/json"))).StatusCode);
        var (viewer, _) = await app.ImportAsync("phone\n+8613710050001\n", dryRun: true, token: BroadcastApp.ViewerToken);
        Assert.Equal(HttpStatusCode.Forbidden, viewer);
    }

    [Fact]
    public async Task APersonLimitedToADistrict_ImportsOnlyItsRows_AndTheRestAreReportedInvalid()
    {
        await StaffFixtures.AddAsync(app, "district-editor", ["editor"], ["jiangan"]);
        var session = await ConsoleSession.SignInAsync(app, "district-editor", StaffFixtures.Password);
        var csv = "phone,region,topics\n+8613710060001,jiangan,notices\n+8613710060002,wuchang,notices\n+8613710060003,,notices\n";

        var (status, report) = await app.ImportAsync(csv, dryRun: true, client: session.Client);

        Assert.True(status == HttpStatusCode.OK, report.ToString());
        Assert.Equal(1, report.GetProperty("toConfirm").GetInt32());
        Assert.Equal(["region is outside your regions (jiangan)", "region required: you may import only for jiangan"],
            report.GetProperty("invalid").EnumerateArray().Select(i => i.GetProperty("reason").GetString()));
    }

    [Fact]
    public async Task TheJob_ShowsItsProgress_AndARunThatStopped_IsCarriedOnWhereItStopped()
    {
        var csv = "phone,topics\n" + string.Concat(Enumerable.Range(1, 30).Select(i => $"+86137100700{i:D2},notices\n"));
        var (_, queued) = await app.ImportAsync(csv, dryRun: false);
        var id = queued.GetProperty("id").GetInt64();
        var job = app.Services.GetRequiredService<ApplyImport>();

        await job.RunAsync(id, CancellationToken.None, maxChunks: 2, chunkSize: 10);
        var midway = JsonDocument.Parse(await app.AdminClient(BroadcastApp.EditorToken).GetStringAsync($"/api/subscribers/imports/{id}")).RootElement;
        await job.RunAsync(id, CancellationToken.None, maxChunks: null, chunkSize: 10);

        Assert.Equal("applying", midway.GetProperty("status").GetString());
        Assert.Equal((20, 30), (midway.GetProperty("progress").GetProperty("rowsDone").GetInt32(), midway.GetProperty("progress").GetProperty("rowsStaged").GetInt32()));
        Assert.Equal(30, await app.QuerySingleAsync<int>("SELECT count(*)::int FROM outbound_messages WHERE recipient LIKE '+86137100700%' AND kind = 'import_confirmation'"));
        Assert.Equal(0, await app.QuerySingleAsync<int>("SELECT count(*)::int FROM import_rows WHERE import_id = @id", new { id }));
    }

    [Fact]
    public async Task AnImport_KeepsTheDashboardsTalliesEqualToTheTables()
    {
        // One chunk adds topics to new numbers (a plain INSERT) and to a known one (ON CONFLICT) in the same statement:
        // the statement-level tally trigger must count each once. A later list's consent then promotes a pending number.
        var csv = await ListWithEveryGroupAsync(1003);
        await app.ImportAndRunAsync(csv);
        await app.ImportAndRunAsync($"{Header}\n+8613710030003,en,,notices;tips,{Consent}\n");

        var period = DashboardPeriod.Ending(app.Clock.GetUtcNow(), app.Services.GetRequiredService<IOptions<GatewayOptions>>().Value.CityTimeZone);
        async Task<string> FiguresAsync(IDashboardSource source) =>
            JsonSerializer.Serialize(DashboardFigures.From(await source.ReadAsync(period, CancellationToken.None), period));
        Assert.Equal("active", await app.StatusOfAsync("+8613710030003"));
        Assert.Equal(await FiguresAsync(app.Services.GetRequiredService<RawTableDashboardSource>()),
            await FiguresAsync(app.Services.GetRequiredService<IDashboardSource>()));
    }

    [Fact]
    public async Task ANumberCreatedWhileTheJobWritesIt_IsTakenAsKnown_AndTheRestIsWritten()
    {
        const string resident = "+8613710080001", other = "+8613710080002";
        var (_, queued) = await app.ImportAsync($"phone,topics\n{resident},notices\n{other},notices\n", dryRun: false);
        var id = queued.GetProperty("id").GetInt64();

        // The resident texts while the list waits: their number is created, not yet committed, when the job writes the list.
        await using var texting = await app.OpenDatabaseAsync();
        await using var tx = await texting.BeginTransactionAsync();
        await texting.ExecuteAsync("INSERT INTO subscribers (phone, language, status, created_at) VALUES (@resident, 'en', 'active', now())", new { resident }, tx);
        var job = app.Services.GetRequiredService<ApplyImport>().RunAsync(id, CancellationToken.None);
        await WaitUntilBlockedAsync();
        await tx.CommitAsync();
        await job;

        Assert.Equal("done", await app.QuerySingleAsync<string>("SELECT status FROM imports WHERE id = @id", new { id }));
        Assert.Equal(("active", "pending"), (await app.StatusOfAsync(resident), await app.StatusOfAsync(other)));
        Assert.Equal([other], await app.QueryAsync<string>(
            "SELECT recipient FROM outbound_messages WHERE recipient IN (@resident, @other) AND kind = 'import_confirmation'", new { resident, other }));
        Assert.Empty(await app.QueryAsync<string>(
            "SELECT t.topic FROM subscriptions t JOIN subscribers s ON s.id = t.subscriber_id WHERE s.phone = @resident", new { resident }));
    }

    /// <summary>Until a session of the database waits for another's lock (the job's INSERT on the resident's uncommitted number).</summary>
    private async Task WaitUntilBlockedAsync()
    {
        for (var i = 0; i < 200; i++)
        {
            if (await app.QuerySingleAsync<bool>("SELECT EXISTS (SELECT FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock')"))
                return;
            await Task.Delay(50);
        }
        Assert.Fail("the job never waited for the resident's number");
    }
}
