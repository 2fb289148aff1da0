using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Gateway.Broadcasts;
using Gateway.Delivery;
using Gateway.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gateway.Tests.Broadcasts;

/// <summary>
/// The fan-out job, run as the worker would run it (called directly, so it is deterministic), at 09:00 city time:
/// audience filters, opt-outs, language fallback, re-runs, the frequency guard, preview against the real thing, cancel.
/// Each test keeps to its own region, so tests sharing the class's database never reach each other's residents.
/// </summary>
public sealed class FanOutTests(BroadcastApp app) : IClassFixture<BroadcastApp>
{
    private FanOutBroadcast FanOut => app.Services.GetRequiredService<FanOutBroadcast>();
    private Dispatcher Dispatcher => app.Services.GetRequiredService<Dispatcher>();

    /// <summary>A new region with <paramref name="count"/> residents, and an approved notice to it.</summary>
    private async Task<(long Id, string Region, Resident[] Residents)> ApprovedNoticeAsync(int count, object? content = null)
    {
        var region = Broadcasting.NewRegion();
        var residents = Enumerable.Range(0, count).Select(_ => new Resident(Broadcasting.NewPhone())).ToArray();
        await Broadcasting.SeedAsync(app, region, residents);
        var id = await Broadcasting.CreateAsync(app, Notice(region, content));
        await Broadcasting.ApproveAsync(app, id);
        return (id, region, residents);
    }

    private static object Notice(string region, object? content = null, string[]? topics = null, string[]? languages = null, bool urgent = false) => new
    {
        title = "Clinic hours",
        content = content ?? new { zh = "发热门诊24小时开放。", en = "The fever clinic is open 24 hours." },
        audience = new { topics = topics ?? [], regions = new[] { region }, languages = languages ?? [] },
        urgent,
    };

    [Fact]
    public async Task Audience_IsTopicsAndRegionsAndLanguages_EachInItsOwnLanguage()
    {
        var region = Broadcasting.NewRegion();
        Resident zhTips = new(Broadcasting.NewPhone(), "zh", ["tips"]), enTips = new(Broadcasting.NewPhone(), "en", ["tips", "notices"]),
            enNotices = new(Broadcasting.NewPhone(), "en", ["notices"]), noTopics = new(Broadcasting.NewPhone(), "en", []);
        await Broadcasting.SeedAsync(app, region, zhTips, enTips, enNotices, noTopics);
        await Broadcasting.SeedAsync(app, Broadcasting.NewRegion(), new Resident(Broadcasting.NewPhone(), "en", ["tips"]));

        var tipsOnly = await Broadcasting.SendAsync(app, Notice(region, topics: ["tips"]));
        // Another text: the same text twice within 24 hours would be held back by the frequency guard.
        var englishOnly = await Broadcasting.SendAsync(app, Notice(region, content: new { en = "Clinic hours change on Monday." }, languages: ["en"]));

        var tips = await Broadcasting.MessagesAsync(app, tipsOnly);
        Assert.Equal(new[] { zhTips.Phone, enTips.Phone }.Order(), tips.Select(m => m.Recipient));
        Assert.Equal("发热门诊24小时开放。", tips.Single(m => m.Recipient == zhTips.Phone).Body);
        Assert.Equal("The fever clinic is open 24 hours.", tips.Single(m => m.Recipient == enTips.Phone).Body);
        Assert.All(tips, m => Assert.Equal((OutboundStatus.Queued, (short)MessagePriority.Bulk), (m.Status, m.Priority)));
        // No topic filter: every subscriber of any topic, never someone who joined nothing.
        Assert.Equal(new[] { enTips.Phone, enNotices.Phone }.Order(), (await Broadcasting.MessagesAsync(app, englishOnly)).Select(m => m.Recipient));
        Assert.Equal(2, (await Broadcasting.CountsAsync(app, tipsOnly))["planned"]);
    }

    [Fact]
    public async Task OptedOutAndKnownBadNumbers_AreSkippedAndCounted_AndAStopAfterTheFanOutStillStopsTheMessage()
    {
        var region = Broadcasting.NewRegion();
        Resident active = new(Broadcasting.NewPhone()), later = new(Broadcasting.NewPhone()), optedOut = new(Broadcasting.NewPhone(), OptedOut: true),
            bad = new(Broadcasting.NewPhone(), BadNumber: true);
        await Broadcasting.SeedAsync(app, region, active, later, optedOut, bad);

        var id = await Broadcasting.SendAsync(app, Notice(region));
        Assert.Equal(new[] { active.Phone, later.Phone }.Order(), (await Broadcasting.MessagesAsync(app, id)).Select(m => m.Recipient));

        // STOP arrives while the message waits in the queue.
        await app.QuerySingleAsync<int>("UPDATE subscribers SET status = 'opted_out', opted_out_at = now() WHERE phone = @Phone RETURNING 1", new { later.Phone });
        await Dispatcher.DispatchOnceAsync(CancellationToken.None);

        var counts = await Broadcasting.CountsAsync(app, id);
        Assert.Equal((2, 1, 2, 1), (counts["planned"], counts["sent"], counts["skipped_opted_out"], counts["skipped_invalid_number"]));
        Assert.Equal([active.Phone], await app.QueryAsync<string>("SELECT to_phone FROM simulator_messages WHERE to_phone = ANY(@phones)",
            new { phones = new[] { active.Phone, later.Phone, optedOut.Phone, bad.Phone } }));
    }

    [Fact]
    public async Task ALanguageWithoutItsOwnText_GetsTheDefaultLanguagesText()
    {
        var region = Broadcasting.NewRegion();
        Resident english = new(Broadcasting.NewPhone(), "en");
        await Broadcasting.SeedAsync(app, region, english);

        var id = await Broadcasting.SendAsync(app, Notice(region, content: new { zh = "请戴口罩。" }));

        Assert.Equal("请戴口罩。", Assert.Single(await Broadcasting.MessagesAsync(app, id)).Body);
        var text = Assert.Single((await Broadcasting.GetAsync(app, id)).GetProperty("texts").EnumerateArray(), t => t.GetProperty("language").GetString() == "en");
        Assert.Equal("zh", text.GetProperty("fallbackFrom").GetString());
    }

    [Fact]
    public async Task FanOut_RunTwice_OrResumedAfterACrash_QueuesOneMessagePerSubscriber()
    {
        var (id, _, residents) = await ApprovedNoticeAsync(7);

        // A worker dies after two chunks of 3 subscriber ids (the chunks span every test's subscribers).
        await FanOut.StartAsync(id, CancellationToken.None, maxChunks: 2, chunkSize: 3);
        var partial = (await Broadcasting.MessagesAsync(app, id)).Count;
        Assert.InRange(partial, 0, 6);
        Assert.Equal("sending", (await Broadcasting.GetAsync(app, id)).GetProperty("status").GetString());

        // Hangfire runs the job again, twice at once (a second worker), and once more later.
        await Task.WhenAll(FanOut.StartAsync(id, CancellationToken.None, null, 2), FanOut.StartAsync(id, CancellationToken.None, null, 2));
        await FanOut.StartAsync(id, CancellationToken.None);

        var messages = await Broadcasting.MessagesAsync(app, id);
        Assert.Equal(residents.Select(r => r.Phone).Order(), messages.Select(m => m.Recipient));
        Assert.Equal(7, (await Broadcasting.CountsAsync(app, id))["planned"]);
        Assert.Equal("fanned_out", await app.QuerySingleAsync<string>("SELECT status FROM broadcast_occurrences WHERE broadcast_id = @id", new { id }));
    }

    [Fact]
    public async Task FrequencyGuard_DefersTheFourthBulkMessageIn24Hours_SkipsTheSameTextTwice_AndCountsBoth()
    {
        var region = Broadcasting.NewRegion();
        Resident busy = new(Broadcasting.NewPhone()), quiet = new(Broadcasting.NewPhone());
        await Broadcasting.SeedAsync(app, region, busy);
        for (var i = 1; i <= 3; i++)
            await Broadcasting.SendAsync(app, Notice(region, content: new { zh = $"第{i}条通知。" }));
        await Broadcasting.SeedAsync(app, region, quiet);

        // The fourth different text today: deferred for the busy number, sent at once to the other.
        var fourth = await Broadcasting.SendAsync(app, Notice(region, content: new { zh = "第4条通知。" }));
        var messages = await Broadcasting.MessagesAsync(app, fourth);
        var now = app.Clock.GetUtcNow().UtcDateTime;
        Assert.Equal(now, messages.Single(m => m.Recipient == quiet.Phone).NotBefore, TimeSpan.FromMilliseconds(1));
        // 24 hours after the latest of the three (all queued at 09:00 today), still outside quiet hours.
        Assert.Equal(now.AddHours(24), messages.Single(m => m.Recipient == busy.Phone).NotBefore, TimeSpan.FromMilliseconds(1));
        Assert.Equal(now.AddHours(28), messages.Single(m => m.Recipient == busy.Phone).ExpiresAt, TimeSpan.FromMilliseconds(1));
        var counts = await Broadcasting.CountsAsync(app, fourth);
        Assert.Equal((2, 1), (counts["planned"], counts["deferred"]));
        await Dispatcher.DispatchOnceAsync(CancellationToken.None);
        Assert.Equal((1, 0), await SimulatorCountsAsync(quiet.Phone, busy.Phone, "第4条通知。"));

        // The first text again: the busy number already has it today (skipped), the other gets it.
        var again = await Broadcasting.SendAsync(app, Notice(region, content: new { zh = "第1条通知。" }));
        Assert.Equal([quiet.Phone], (await Broadcasting.MessagesAsync(app, again)).Select(m => m.Recipient));
        Assert.Equal(1, (await Broadcasting.CountsAsync(app, again))["skipped_same_text"]);
    }

    [Fact]
    public async Task Urgent_IsNotHeldByTheDailyLimit_AndOvertakesBulkMessages()
    {
        var region = Broadcasting.NewRegion();
        Resident busy = new(Broadcasting.NewPhone());
        await Broadcasting.SeedAsync(app, region, busy);
        for (var i = 1; i <= 3; i++)
            await Broadcasting.SendAsync(app, Notice(region, content: new { zh = $"普通通知{i}。" }));

        var urgent = await Broadcasting.SendAsync(app, Notice(region, content: new { zh = "紧急：今晚起居家。" }, urgent: true));

        var message = Assert.Single(await Broadcasting.MessagesAsync(app, urgent));
        Assert.Equal(((short)MessagePriority.Normal, app.Clock.GetUtcNow().UtcDateTime), (message.Priority, message.NotBefore));
        Assert.Equal(0, (await Broadcasting.CountsAsync(app, urgent))["deferred"]);
    }

    [Fact]
    public async Task Preview_CountsWhatTheFanOutThenDoes_WithTextsSegmentsAndCost()
    {
        var region = Broadcasting.NewRegion();
        Resident zh1 = new(Broadcasting.NewPhone()), zh2 = new(Broadcasting.NewPhone()), en = new(Broadcasting.NewPhone(), "en"),
            optedOut = new(Broadcasting.NewPhone(), OptedOut: true), bad = new(Broadcasting.NewPhone(), "en", BadNumber: true), hadIt = new(Broadcasting.NewPhone());
        await Broadcasting.SeedAsync(app, region, hadIt);
        var zhText = "疫苗接种日：本周六上午8点至下午5点，社区卫生服务中心。请带身份证，戴好口罩，排队时保持一米距离。接种后请在现场留观30分钟，如有不适请马上告诉医生。";
        var enText = "Vaccination day: Saturday 8am to 5pm at the community health centre. Bring your ID card and wear a mask.";
        await Broadcasting.SendAsync(app, Notice(region, content: new { zh = zhText, en = enText }));
        await Broadcasting.SeedAsync(app, region, zh1, zh2, en, optedOut, bad);
        var request = Notice(region, content: new { zh = zhText, en = enText });

        var response = await app.AdminClient(BroadcastApp.ViewerToken).PostAsJsonAsync("/api/broadcasts/preview", request);
        var preview = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal((6, 3), (preview.GetProperty("audience").GetInt64(), preview.GetProperty("recipients").GetInt64()));
        var skipped = preview.GetProperty("skipped");
        Assert.Equal((1, 1, 1), (skipped.GetProperty("optedOut").GetInt64(), skipped.GetProperty("invalidNumber").GetInt64(), skipped.GetProperty("sameText").GetInt64()));
        var languages = preview.GetProperty("languages").EnumerateArray().ToDictionary(l => l.GetProperty("language").GetString()!);
        var zh = languages["zh"];
        Assert.Equal((2, "UCS-2", 2), (zh.GetProperty("recipients").GetInt64(), zh.GetProperty("encoding").GetString(), zh.GetProperty("segments").GetInt32()));
        Assert.Contains("疫", zh.GetProperty("ucs2Characters").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal(2 * 2 * 0.05m, zh.GetProperty("cost").GetDecimal());
        var english = languages["en"];
        Assert.Equal((1, "GSM-7", 1, 0), (english.GetProperty("recipients").GetInt64(), english.GetProperty("encoding").GetString(),
            english.GetProperty("segments").GetInt32(), english.GetProperty("ucs2CharacterCount").GetInt32()));
        Assert.Equal(5, preview.GetProperty("segments").GetInt64());
        Assert.Equal(5 * 0.05m, preview.GetProperty("estimatedCost").GetDecimal());
        Assert.False(preview.GetProperty("heldForQuietHours").GetBoolean());

        // The broadcast itself does what the preview said.
        var id = await Broadcasting.SendAsync(app, request);
        var counts = await Broadcasting.CountsAsync(app, id);
        Assert.Equal((3, 1, 1, 1), (counts["planned"], counts["skipped_opted_out"], counts["skipped_invalid_number"], counts["skipped_same_text"]));
        Assert.Equal(5 * 0.05m, await app.QuerySingleAsync<decimal>("SELECT sum(cost) FROM outbound_messages WHERE broadcast_id = @id", new { id }));
    }

    [Fact]
    public async Task Preview_WarnsAboutCharactersThatMakeEnglishUcs2_AndAboutLinks()
    {
        var response = await app.AdminClient(BroadcastApp.EditorToken).PostAsJsonAsync("/api/broadcasts/preview",
            Notice(Broadcasting.NewRegion(), content: new { zh = "详见 www.example.cn", en = "Stay home ☺ see www.example.org" }));
        var preview = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        var warnings = preview.GetProperty("warnings").EnumerateArray().Select(w => w.GetString()!).ToList();
        Assert.Contains(warnings, w => w.StartsWith("en: characters outside GSM-7 ('☺')"));
        Assert.Contains(warnings, w => w.StartsWith("zh: contains a link"));
        var en = preview.GetProperty("languages").EnumerateArray().Single(l => l.GetProperty("language").GetString() == "en");
        Assert.Equal(["☺"], en.GetProperty("ucs2Characters").EnumerateArray().Select(c => c.GetString()));
    }

    [Fact]
    public async Task CancelMidSend_StopsEverythingNotYetHandedToTheProvider_AtOnce()
    {
        var region = Broadcasting.NewRegion();
        var residents = Enumerable.Range(0, 5).Select(_ => new Resident(Broadcasting.NewPhone())).ToArray();
        await Broadcasting.SeedAsync(app, region, residents);
        // Other tests' messages first, so the two claimed below are this broadcast's.
        while ((await Dispatcher.DispatchOnceAsync(CancellationToken.None)).Claimed > 0) { }
        var id = await Broadcasting.SendAsync(app, Notice(region, content: new { zh = "取消测试。" }));
        await Dispatcher.DispatchOnceAsync(CancellationToken.None, limit: 2);

        var response = await app.AdminClient(BroadcastApp.ApproverToken).PostAsync($"/api/broadcasts/{id}/cancel", null);
        var canceled = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        await Dispatcher.DispatchOnceAsync(CancellationToken.None);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("canceled", canceled.GetProperty("status").GetString());
        Assert.Equal("wang", canceled.GetProperty("canceledBy").GetString());
        var counts = await Broadcasting.CountsAsync(app, id);
        Assert.Equal((5, 2, 3), (counts["planned"], counts["sent"], counts["canceled"]));
        Assert.Equal(2, await app.QuerySingleAsync<int>("SELECT count(*) FROM simulator_messages WHERE body = '取消测试。'"));
    }

    [Fact]
    public async Task CancelMidFanOut_StopsTheFanOut_AndAScheduledBroadcastNeverStarts()
    {
        var (id, region, _) = await ApprovedNoticeAsync(6);
        await FanOut.StartAsync(id, CancellationToken.None, maxChunks: 1, chunkSize: 2);

        await app.AdminClient(BroadcastApp.EditorToken).PostAsync($"/api/broadcasts/{id}/cancel", null);
        await FanOut.StartAsync(id, CancellationToken.None);

        var messages = await Broadcasting.MessagesAsync(app, id);
        Assert.All(messages, m => Assert.Equal(OutboundStatus.Canceled, m.Status));
        Assert.Equal("canceled", await app.QuerySingleAsync<string>("SELECT status FROM broadcast_occurrences WHERE broadcast_id = @id", new { id }));

        var later = await Broadcasting.CreateAsync(app, new { title = "t", content = new { zh = "明天" }, audience = new { regions = new[] { region } }, sendAt = "2026-03-03T10:00" });
        var approved = await Broadcasting.ApproveAsync(app, later);
        Assert.Equal("scheduled", approved.GetProperty("status").GetString());
        Assert.NotNull(await app.QuerySingleAsync<string?>("SELECT start_job_id FROM broadcasts WHERE id = @later", new { later }));
        await app.AdminClient(BroadcastApp.EditorToken).PostAsync($"/api/broadcasts/{later}/cancel", null);
        await FanOut.StartAsync(later, CancellationToken.None);
        Assert.Empty(await Broadcasting.MessagesAsync(app, later));
    }

    [Fact]
    public async Task Settle_MarksABroadcastSent_OnceEveryMessageReachedAFinalStatus()
    {
        var region = Broadcasting.NewRegion();
        await Broadcasting.SeedAsync(app, region, new Resident(Broadcasting.NewPhone()), new Resident(Broadcasting.NewPhone(), "en"));
        var id = await Broadcasting.SendAsync(app, Notice(region, content: new { zh = "结算测试。", en = "Settle test." }));
        var settle = app.Services.GetRequiredService<SettleBroadcasts>();

        await settle.RunAsync(CancellationToken.None);
        Assert.Equal("sending", (await Broadcasting.GetAsync(app, id)).GetProperty("status").GetString());

        await Dispatcher.DispatchOnceAsync(CancellationToken.None);
        await settle.RunAsync(CancellationToken.None);
        var sent = await Broadcasting.GetAsync(app, id);
        Assert.Equal("sent", sent.GetProperty("status").GetString());
        Assert.Equal(2, sent.GetProperty("counts").GetProperty("sent").GetInt64());
        Assert.Equal(HttpStatusCode.Conflict, (await app.AdminClient().PostAsync($"/api/broadcasts/{id}/cancel", null)).StatusCode);
    }

    [Fact]
    public async Task Settle_StartsAnApprovedBroadcastWhoseStartWasLost()
    {
        // Approved ten minutes ago, but the process died before Hangfire had its start job.
        var lost = await app.QuerySingleAsync<long>("""
            INSERT INTO broadcasts (title, content, send_at, status, created_by, created_at, approved_by, approved_at)
            VALUES ('Lost', '{"zh": "丢失的广播。"}', @At, 'approved', 'lin', @At, 'wang', @At) RETURNING id
            """, new { At = app.Clock.GetUtcNow().AddMinutes(-10) });
        var monitoring = app.Services.GetRequiredService<Hangfire.JobStorage>().GetMonitoringApi();
        var before = monitoring.EnqueuedCount("bulk");

        await app.Services.GetRequiredService<SettleBroadcasts>().RunAsync(CancellationToken.None);

        Assert.Equal(before + 1, monitoring.EnqueuedCount("bulk"));
        var job = monitoring.EnqueuedJobs("bulk", 0, 1000).Select(j => j.Value.Job).Last(j => j.Method.Name == nameof(FanOutBroadcast.StartAsync));
        Assert.Equal(lost, (long)job.Args[0]);
    }

    [Fact]
    public async Task AKilledWorkersFanOut_IsCarriedOnByTheWatch_OnceItsLeaseEnds_SayingWhoseWorkItTookOver()
    {
        var (id, _, residents) = await ApprovedNoticeAsync(4, content: new { zh = "中断后继续。" });
        await FanOut.StartAsync(id, CancellationToken.None, maxChunks: 1, chunkSize: 1);
        // The worker was killed mid-way: its lease still runs, and nobody renews it any more.
        await app.QuerySingleAsync<int>("UPDATE broadcast_occurrences SET runner = 'killed-worker:4242:0badf00d', runner_until = @Until WHERE id = @id RETURNING 1",
            new { id, Until = app.Clock.GetUtcNow() + FanOutBroadcast.Lease });
        var watch = ActivatorUtilities.CreateInstance<FanOutWatch>(app.Services);
        var partial = (await Broadcasting.MessagesAsync(app, id)).Count;

        // Inside the lease: the worker may only be slow.
        Assert.Empty(await watch.TakeOverStalledAsync(CancellationToken.None));
        Assert.Equal(partial, (await Broadcasting.MessagesAsync(app, id)).Count);

        app.Clock.Advance(FanOutBroadcast.Lease + TimeSpan.FromSeconds(1));
        var run = Assert.Single(await watch.TakeOverStalledAsync(CancellationToken.None), r => r.OccurrenceId == id);

        Assert.True(run.Finished);
        Assert.Equal(residents.Select(r => r.Phone).Order(), (await Broadcasting.MessagesAsync(app, id)).Select(m => m.Recipient));
        Assert.Equal("fanned_out", await app.QuerySingleAsync<string>("SELECT status FROM broadcast_occurrences WHERE id = @id", new { id }));
        Assert.Contains(app.Logged(), r => r.Level == LogLevel.Warning && r.Message.Contains($"occurrence {id}") && r.Message.Contains("killed-worker:4242:0badf00d"));
    }

    [Fact]
    public async Task ALiveRun_RenewsItsLease_SoTheWatchLeavesItsFanOutAlone()
    {
        var (id, _, residents) = await ApprovedNoticeAsync(3, content: new { zh = "进行中的群发。" });
        await FanOut.StartAsync(id, CancellationToken.None, maxChunks: 1, chunkSize: 1);
        var watch = ActivatorUtilities.CreateInstance<FanOutWatch>(app.Services);

        // A run held up (here: a lane's cursor locked by someone else) for a minute of the clock: it keeps its lease.
        Task<FanOutRun> running;
        await using (var conn = await app.OpenDatabaseAsync())
        await using (var tx = await conn.BeginTransactionAsync())
        {
            await conn.ExecuteAsync("SELECT 1 FROM broadcast_fanout_lanes WHERE occurrence_id = @id FOR UPDATE", new { id }, tx);
            running = FanOut.RunAsync(id, CancellationToken.None);
            await WaitUntilAsync(async () => await RunnerUntilAsync(id) is not null);
            var start = app.Clock.GetUtcNow();
            while (app.Clock.GetUtcNow() - start < TimeSpan.FromMinutes(1))
            {
                var before = await RunnerUntilAsync(id);
                await WaitUntilAsync(async () =>
                {
                    app.Clock.Advance(TimeSpan.FromSeconds(1));
                    return await RunnerUntilAsync(id) > before;
                });
                var looked = await watch.TakeOverStalledAsync(CancellationToken.None);
                Assert.DoesNotContain(looked, r => r.OccurrenceId == id && r.Chunks > 0);
            }
            await tx.RollbackAsync();
        }

        Assert.True((await running).Finished);
        Assert.Equal(residents.Select(r => r.Phone).Order(), (await Broadcasting.MessagesAsync(app, id)).Select(m => m.Recipient));
    }

    private Task<DateTime?> RunnerUntilAsync(long id) =>
        app.QuerySingleAsync<DateTime?>("SELECT runner_until FROM broadcast_occurrences WHERE id = @id", new { id });

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(10)) throw new TimeoutException("the run did not renew its lease");
            await Task.Delay(10);
        }
    }

    [Fact]
    public async Task AnOccurrenceBegunBeforeLanes_GoesOnFromItsCursor()
    {
        // An occurrence a worker was fanning out when the gateway was upgraded: its subscribers up to the cursor are done.
        var (id, _, residents) = await ApprovedNoticeAsync(4, content: new { zh = "升级后继续。" });
        var second = await app.QuerySingleAsync<long>("SELECT id FROM subscribers WHERE phone = @phone", new { phone = residents[1].Phone });
        await app.QuerySingleAsync<int>("""
            INSERT INTO broadcast_occurrences (id, broadcast_id, occurrence_at, due_at, audience_max_id, last_subscriber_id, started_at)
            SELECT b.id, b.id, b.send_at, b.send_at, (SELECT max(id) FROM subscribers), @second, now() FROM broadcasts b WHERE b.id = @id
            RETURNING 1
            """, new { id, second });

        var run = await FanOut.RunAsync(id, CancellationToken.None);

        Assert.True(run.Finished);
        Assert.Equal(residents[2..].Select(r => r.Phone).Order(), (await Broadcasting.MessagesAsync(app, id)).Select(m => m.Recipient));
        Assert.Equal(2, (await Broadcasting.CountsAsync(app, id))["planned"]);
        Assert.Equal("fanned_out", await app.QuerySingleAsync<string>("SELECT status FROM broadcast_occurrences WHERE id = @id", new { id }));
    }

    private async Task<(int, int)> SimulatorCountsAsync(string first, string second, string body) => (
        await app.QuerySingleAsync<int>("SELECT count(*) FROM simulator_messages WHERE to_phone = @first AND body = @body", new { first, body }),
        await app.QuerySingleAsync<int>("SELECT count(*) FROM simulator_messages WHERE to_phone = @second AND body = @body", new { second, body }));
}
