using System.Net;
using System.Text.Json;
using Dapper;
using Gateway.Data;
using Gateway.Delivery;
using Gateway.Inbound;
using Gateway.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Gateway.Tests.Inbound;

/// <summary>
/// The gateway on a PostgreSQL cluster of its own, which the tests crash (pg_ctl stop -m immediate) and start again:
/// the shared test cluster serves every other class and must stay up.
/// </summary>
public sealed class CrashableDatabaseApp : TwilioWebhookApp
{
    public const string KannelToken = "spool-kannel-token-0123456789";

    private LocalPostgres? _postgres;

    // Kannel's MO endpoint takes messages through the same intake: its callbacks need their token.
    protected override void Configure(Dictionary<string, string?> settings)
    {
        base.Configure(settings);
        settings["KANNEL_CALLBACK_TOKEN"] = KannelToken;
    }

    public override async Task InitializeAsync()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"gateway-tests-{Environment.ProcessId}-spool-{Guid.NewGuid():N}"[..48]);
        // A crash (immediate stop) loses what the server has not written out of its own memory: commits must reach the
        // WAL file (synchronous_commit on). The OS keeps the file through the crash, so fsync can stay off.
        _postgres = await LocalPostgres.StartAsync(dir, _ => { }, new Dictionary<string, string>
        {
            ["fsync"] = "off",
            ["full_page_writes"] = "off",
        });
        await _postgres.CreateDatabaseIfMissingAsync("gateway");
        ConnectionString = new NpgsqlConnectionStringBuilder(_postgres.ConnectionString("gateway")) { Pooling = false }.ConnectionString;
        await Services.GetRequiredService<DatabaseReadiness>().WaitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);
    }

    public Task CrashDatabaseAsync() => _postgres!.CrashAsync();

    public Task StartDatabaseAsync() => _postgres!.StartAgainAsync();

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_postgres is { } pg)
        {
            await pg.StopAsync();
            try { Directory.Delete(pg.DataDirectory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}

/// <summary>
/// Issue 20: with PostgreSQL down, signed SMS are taken (200, empty TwiML) into the spool, and replayed once each,
/// oldest first, when it is back; a restart in between loses nothing; a STOP that waited in the spool stops the bulk
/// message queued for its number; /health/ready shows the spool's depth. One database for the class: the tests take
/// turns (xunit runs a class's tests one at a time).
/// </summary>
public sealed class InboundSpoolTests(CrashableDatabaseApp app) : IClassFixture<CrashableDatabaseApp>
{
    private static int _numbers;

    private static string NewNumber() => $"+86137{Interlocked.Increment(ref _numbers) + 20_000_000:D8}";

    private InboundSpool Spool => app.Services.GetRequiredService<InboundSpool>();

    [Fact]
    public async Task WhileTheDatabaseIsDown_JoinAndStopGet200_AndAreHandledOnceEach_WhenItIsBack()
    {
        var twilio = new TwilioSms(app);
        var joiner = NewNumber();
        var stopper = NewNumber();
        Assert.NotNull(await twilio.SendAsync(stopper, "JOIN"));   // subscribed while the database is up
        var join = TwilioSms.NewMessageSid();
        var stop = TwilioSms.NewMessageSid();

        await app.CrashDatabaseAsync();
        try
        {
            Assert.Null(await twilio.SendAsync(joiner, "JOIN", join));
            Assert.Null(await twilio.SendAsync(stopper, "STOP", stop));
            Assert.Null(await twilio.SendAsync(stopper, "STOP", stop));   // Twilio's retry of the same message
            Assert.Equal(3, Spool.Depth);
            Assert.Equal(3, await SpoolDepthOnHealthAsync(expectReady: false));
        }
        finally
        {
            await app.StartDatabaseAsync();
        }

        await WaitUntilAsync(() => Task.FromResult(Spool.Depth == 0), "the spool is replayed");
        Assert.Equal(0, await SpoolDepthOnHealthAsync(expectReady: true));

        var stored = await app.QueryAsync<(string Sid, DateTime? HandledAt)>(
            "SELECT provider_message_id, handled_at FROM inbound_messages WHERE provider_message_id = ANY(@Sids)", new { Sids = new[] { join, stop } });
        Assert.Equal([join, stop], stored.Select(s => s.Sid).Order());
        Assert.All(stored, s => Assert.NotNull(s.HandledAt));
        Assert.Equal("active", await app.QuerySingleAsync<string>("SELECT status FROM subscribers WHERE phone = @joiner", new { joiner }));
        Assert.Equal("opted_out", await app.QuerySingleAsync<string>("SELECT status FROM subscribers WHERE phone = @stopper", new { stopper }));
        // Each message's consent change once: the JOIN and the STOP, not the retry.
        Assert.Equal(1, await app.QuerySingleAsync<int>(
            "SELECT count(*) FROM consent_events e JOIN subscribers s ON s.id = e.subscriber_id WHERE s.phone = @stopper AND e.action = 'opt_out'", new { stopper }));
        // The replies Twilio could not be given inline, queued once each; the STOP's as the one confirmation an opted-out number gets.
        var replies = await app.QueryAsync<(string Recipient, string Kind)>(
            "SELECT recipient, kind FROM outbound_messages WHERE recipient = ANY(@Numbers) ORDER BY recipient", new { Numbers = new[] { joiner, stopper } });
        Assert.Equal([(joiner, MessageKinds.Reply), (stopper, MessageKinds.OptOutConfirmation)], replies.OrderBy(r => r.Recipient == stopper));
    }

    [Fact]
    public async Task AWebProcessStoppedWhileTheDatabaseIsDown_LosesNothing_TheNextProcessReplaysItsSpool()
    {
        var numbers = new[] { NewNumber(), NewNumber() };
        var first = app.AnotherProcess();
        var twilio = new TwilioSms(first);
        await twilio.SendAsync(numbers[0], "HELP");   // starts it while the database is up

        await app.CrashDatabaseAsync();
        try
        {
            Assert.Null(await twilio.SendAsync(numbers[0], "JOIN"));
            Assert.Null(await twilio.SendAsync(numbers[1], "JOIN 2"));
            var spool = first.Services.GetRequiredService<InboundSpool>();
            Assert.Equal(2, spool.Depth);
            var file = Path.Combine(spool.Folder, spool.Name + InboundSpool.Extension);
            await first.DisposeAsync();   // its file stays, unlocked: a process that is gone
            Assert.True(File.Exists(file));
        }
        finally
        {
            await app.StartDatabaseAsync();
        }

        // A new process on the same folder takes the file over (so may this fixture's process: either replays it once).
        await using var second = app.AnotherProcess();
        second.CreateClient();
        await WaitUntilAsync(async () => await app.QuerySingleAsync<int>(
            "SELECT count(*) FROM subscribers WHERE phone = ANY(@numbers) AND status = 'active' AND EXISTS (SELECT 1 FROM subscriptions t WHERE t.subscriber_id = subscribers.id)",
            new { numbers }) == 2, "both JOINs are replayed");
        await WaitUntilAsync(() => Task.FromResult(Directory.GetFiles(app.SpoolPath, "*" + InboundSpool.Extension)
            .All(f => new FileInfo(f).Length == 0)), "the adopted file is gone");
        Assert.Equal(3, await app.QuerySingleAsync<int>("SELECT count(*) FROM inbound_messages WHERE from_phone = ANY(@numbers)", new { numbers }));
    }

    [Fact]
    public async Task AStopThatWaitedInTheSpool_StopsTheBulkMessageQueuedForItsNumber()
    {
        var twilio = new TwilioSms(app);
        var resident = NewNumber();
        var other = NewNumber();
        await twilio.SendAsync(resident, "JOIN");
        await twilio.SendAsync(other, "JOIN");
        var outbox = app.Services.GetRequiredService<Outbox>();
        await using (var conn = await app.OpenDatabaseAsync())
            foreach (var to in new[] { resident, other })
                await outbox.EnqueueAsync(conn, null, new OutboundMessage(to, "Clinic closed on Friday", MessageKinds.Broadcast, MessagePriority.Bulk), default);

        await app.CrashDatabaseAsync();
        try
        {
            Assert.Null(await twilio.SendAsync(resident, "STOP"));
        }
        finally
        {
            await app.StartDatabaseAsync();
        }

        // The worker may reach the database before the web process replays its spool: it claims nothing until then.
        var dispatcher = app.Services.GetRequiredService<Dispatcher>();
        await WaitUntilAsync(async () =>
        {
            try
            {
                await dispatcher.DispatchOnceAsync(CancellationToken.None);
            }
            catch (NpgsqlException)
            {
                // a pooled connection from before the crash
            }
            return await app.QuerySingleAsync<int>(
                "SELECT count(*) FROM outbound_messages WHERE kind = 'broadcast' AND recipient = ANY(@Numbers) AND status = 'queued'",
                new { Numbers = new[] { resident, other } }) == 0;
        }, "both broadcast rows are claimed");

        var statuses = await app.QueryAsync<(string Recipient, string Status)>(
            "SELECT recipient, status FROM outbound_messages WHERE kind = 'broadcast' AND recipient = ANY(@Numbers)", new { Numbers = new[] { resident, other } });
        Assert.Equal(OutboundStatus.SkippedOptedOut, statuses.Single(s => s.Recipient == resident).Status);
        Assert.NotEqual(OutboundStatus.SkippedOptedOut, statuses.Single(s => s.Recipient == other).Status);
    }

    [Theory]
    [InlineData("messages in its spool", 3, 0, true)]
    [InlineData("silent for 20 s", 0, 20, true)]
    [InlineData("heard from just now, nothing kept", 0, 0, false)]
    [InlineData("silent for 2 minutes, nothing kept: gone", 0, 120, false)]
    [InlineData("gone 11 minutes ago with messages kept", 5, 660, false)]
    public async Task DispatchWaits_WhileAWebProcessMayHoldUnreplayedMessages(string label, int spooled, int silentSeconds, bool holds)
    {
        var resident = NewNumber();
        var outbox = app.Services.GetRequiredService<Outbox>();
        if (silentSeconds > InboundSpoolHold.SilentLimit.TotalSeconds)
            // Any intake last heard from before PostgreSQL started holds dispatch for that start's first 30 s, however
            // long ago (the cluster of this class is crashed and started by the other tests).
            await WaitUntilAsync(async () => await app.QuerySingleAsync<bool>("SELECT now() > pg_postmaster_start_time() + interval '30 seconds'"),
                "30 s after PostgreSQL's start");
        long id;
        await using (var conn = await app.OpenDatabaseAsync())
        {
            id = (await outbox.EnqueueAsync(conn, null, new OutboundMessage(resident, "Clinic closed on Friday", MessageKinds.Broadcast, MessagePriority.Bulk), default))!.Value;
            await conn.ExecuteAsync("INSERT INTO inbound_intakes (name, alive_at, spooled) VALUES ('other-web', now() - make_interval(secs => @silentSeconds), @spooled)",
                new { silentSeconds, spooled });
        }
        try
        {
            await app.Services.GetRequiredService<Dispatcher>().DispatchOnceAsync(CancellationToken.None);
            await app.Services.GetRequiredService<InboundSpoolHoldWatch>().CheckAsync(CancellationToken.None);
            var status = await app.QuerySingleAsync<string>("SELECT status FROM outbound_messages WHERE id = @id", new { id });
            Assert.True(holds ? status == OutboundStatus.Queued : status != OutboundStatus.Queued, $"{label}: {status}");
            Assert.Equal(holds, app.Logged().Any(l => l.Message.Contains("Dispatch waits") && l.Message.Contains("other-web")));
        }
        finally
        {
            await using var conn = await app.OpenDatabaseAsync();
            await conn.ExecuteAsync("DELETE FROM inbound_intakes WHERE name = 'other-web'; UPDATE outbound_messages SET status = 'canceled' WHERE id = @id AND status = 'queued'", new { id });
            app.Services.GetFakeLogCollector().Clear();
        }
    }

    [Fact]
    public async Task AProcessWhoseOwnHeartbeatStalls_IsNotHeldByItsOwnSilence_ItsDispatcherAsksItsSpoolDirectly()
    {
        var resident = NewNumber();
        var outbox = app.Services.GetRequiredService<Outbox>();
        long id;
        await using (var conn = await app.OpenDatabaseAsync())
        {
            id = (await outbox.EnqueueAsync(conn, null, new OutboundMessage(resident, "Clinic closed on Friday", MessageKinds.Broadcast, MessagePriority.Bulk), default))!.Value;
            // This process's heartbeats stop landing (a CPU-starved machine, a slow database): its row only grows older.
            // (The rows of the other tests' processes, all gone by now, would hold dispatch on their own.)
            await conn.ExecuteAsync("""
                DELETE FROM inbound_intakes WHERE name <> @Name;
                CREATE FUNCTION stalled_heartbeat() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN IF NEW.alive_at > OLD.alive_at THEN RETURN NULL; END IF; RETURN NEW; END $$;
                CREATE TRIGGER stalled_heartbeat BEFORE UPDATE ON inbound_intakes FOR EACH ROW EXECUTE FUNCTION stalled_heartbeat();
                INSERT INTO inbound_intakes (name, alive_at, spooled) VALUES (@Name, now() - interval '20 seconds', 0)
                ON CONFLICT (name) DO UPDATE SET alive_at = excluded.alive_at, spooled = 0;
                """, new { Spool.Name });
        }
        try
        {
            // Another process would wait for it (silent for 20 s, it may keep messages it cannot report); its own
            // dispatcher knows its spool is empty.
            Assert.Equal(0, Spool.Depth);
            await app.Services.GetRequiredService<Dispatcher>().DispatchOnceAsync(CancellationToken.None);
            Assert.NotEqual(OutboundStatus.Queued, await app.QuerySingleAsync<string>("SELECT status FROM outbound_messages WHERE id = @id", new { id }));
        }
        finally
        {
            await using var conn = await app.OpenDatabaseAsync();
            await conn.ExecuteAsync("DROP TRIGGER stalled_heartbeat ON inbound_intakes; DROP FUNCTION stalled_heartbeat(); UPDATE outbound_messages SET status = 'canceled' WHERE id = @id AND status = 'queued'", new { id });
        }
    }

    [Fact]
    public async Task ALiveProcessesFileIsLeftAlone_AGoneProcessesFileIsTakenOver()
    {
        var folder = Path.Combine(app.SpoolPath, "sharing-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var options = Microsoft.Extensions.Options.Options.Create(new InboundSpoolOptions { SpoolPath = folder });
        var environment = app.Services.GetRequiredService<IHostEnvironment>();
        var log = Microsoft.Extensions.Logging.Abstractions.NullLogger<InboundSpool>.Instance;
        var live = new InboundSpool(options, environment, log);
        using var other = new InboundSpool(options, environment, log);

        await live.AppendAsync(new InboundMessage("twilio", TwilioSms.NewMessageSid(), NewNumber(), null, "STOP", DateTimeOffset.UtcNow));
        Assert.Equal(0, other.AdoptOrphans());
        live.Dispose();   // gone with its message unreplayed: the lock is free, the file stays

        Assert.Equal(1, other.AdoptOrphans());
        Assert.Equal(1, other.Depth);
        var entry = Assert.Single(other.Pending(Assert.Single(other.Files())));
        Assert.Equal("STOP", entry.Message!.Body);
        using var third = new InboundSpool(options, environment, log);
        Assert.Equal(0, third.AdoptOrphans());   // a third one finds it taken
    }

    [Fact]
    public async Task WithItsSpoolFolderGone_AndTheDatabaseDown_TheWebhookAnswers503_AndTwiliosFallbackInstanceKeepsTheMessage()
    {
        var folder = Path.Combine(app.SpoolPath, "removed-" + Guid.NewGuid().ToString("N"));
        await using var web = app.WithWebHostBuilder(b => b.UseSetting("INBOUND_SPOOL_PATH", folder));
        var twilio = new TwilioSms(web);
        var resident = NewNumber();
        await twilio.SendAsync(NewNumber(), "HELP");   // started while the database is up: its spool file is open
        // A clean-up script or an unmounted disk: the process still holds its file open, and writes through that handle
        // would "keep" a message no process could ever find again.
        Directory.Delete(folder, recursive: true);
        var sid = TwilioSms.NewMessageSid();

        await app.CrashDatabaseAsync();
        try
        {
            using var refused = await twilio.PostAsync(TwilioSms.Form(resident, "STOP", sid));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.NotNull(refused.Headers.RetryAfter);
            var spool = await SpoolOnHealthAsync(web.CreateClient(), expectReady: false);
            Assert.Equal((0, false), (spool.GetProperty("figures").GetProperty("depth").GetInt32(), spool.GetProperty("figures").GetProperty("writable").GetBoolean()));
            Assert.Contains("503", spool.GetProperty("detail").GetString());
            // Twilio calls the number's fallback URL: another web process, whose spool is fine, keeps it.
            Assert.Null(await new TwilioSms(app).SendAsync(resident, "STOP", sid));
        }
        finally
        {
            await app.StartDatabaseAsync();
        }

        await WaitUntilAsync(async () => await app.QuerySingleAsync<int>(
            "SELECT count(*) FROM inbound_messages WHERE provider_message_id = @sid AND handled_at IS NOT NULL", new { sid }) == 1, "the STOP is replayed");
        Assert.Equal("opted_out", await app.QuerySingleAsync<string>("SELECT status FROM subscribers WHERE phone = @resident", new { resident }));
        Assert.Contains(web.Services.GetFakeLogCollector().GetSnapshot(), l => l.Level == LogLevel.Error && l.Message.Contains("refused with 503"));
        Assert.False(Directory.Exists(folder));   // nothing was written anywhere it could be lost
    }

    [Fact]
    public async Task ASpooledRecordThatCannotBeReplayed_IsKeptAsideInAFailedFile_LoggedCountedAndShownOnHealth_WhileTheRestIsReplayed()
    {
        var folder = Path.Combine(app.SpoolPath, "failed-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var resident = NewNumber();
        var good = TwilioSms.NewMessageSid();
        var json = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        string Record(SpooledMessage m) => JsonSerializer.Serialize(m, json);
        var now = DateTimeOffset.UtcNow;
        // The file of a web process that died while the database was down; two of its records cannot be replayed: one
        // damaged on disk, one without a sender (written by a faulty version).
        string[] bad =
        [
            "{\"provider\":\"twilio\",\"messageId\":\"SM0bad\",\"fr",
            Record(new SpooledMessage("twilio", TwilioSms.NewMessageSid(), null!, TwilioSms.OurNumber, "JOIN", now.AddSeconds(-3), [], null)),
        ];
        var deadFile = Path.Combine(folder, $"deadhost-4242-{Guid.NewGuid():N}"[..24] + InboundSpool.Extension);
        await File.WriteAllLinesAsync(deadFile, [bad[0], bad[1], Record(new SpooledMessage("twilio", good, resident, TwilioSms.OurNumber, "JOIN", now, [], null))]);
        using var failures = new MetricCollector<long>(InboundTelemetry.SpoolFailed);

        await using var web = app.WithWebHostBuilder(b => b.UseSetting("INBOUND_SPOOL_PATH", folder));
        var client = web.CreateClient();   // starts it: it takes the dead process's file over

        await WaitUntilAsync(() => Task.FromResult(!File.Exists(deadFile)), "the dead process's file is replayed and deleted");
        Assert.Equal(1, await app.QuerySingleAsync<int>(
            "SELECT count(*) FROM inbound_messages WHERE provider_message_id = @good AND handled_at IS NOT NULL", new { good }));
        Assert.Equal("active", await app.QuerySingleAsync<string>("SELECT status FROM subscribers WHERE phone = @resident", new { resident }));
        var failedFile = Assert.Single(Directory.GetFiles(folder, "*.failed"));
        Assert.Equal(bad, await File.ReadAllLinesAsync(failedFile));
        Assert.Equal(2, web.Services.GetFakeLogCollector().GetSnapshot().Count(l => l.Level == LogLevel.Error && l.Message.Contains("could not be replayed")
                                                                                     && l.Message.Contains(failedFile)));
        Assert.Equal(2, failures.GetMeasurementSnapshot().Sum(m => m.Value));
        var spool = await SpoolOnHealthAsync(client, expectReady: true);
        Assert.Equal("degraded", spool.GetProperty("status").GetString());
        Assert.Equal((0, 2), (spool.GetProperty("figures").GetProperty("depth").GetInt32(), spool.GetProperty("figures").GetProperty("failed").GetInt32()));
    }

    private async Task<JsonElement> SpoolOnHealthAsync(HttpClient client, bool expectReady)
    {
        var response = await client.GetAsync("/health/ready");
        Assert.Equal(expectReady ? HttpStatusCode.OK : HttpStatusCode.ServiceUnavailable, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("checks").GetProperty("inbound_spool").Clone();
    }

    private async Task<int> SpoolDepthOnHealthAsync(bool expectReady)
    {
        var response = await app.CreateClient().GetAsync("/health/ready");
        Assert.Equal(expectReady ? HttpStatusCode.OK : HttpStatusCode.ServiceUnavailable, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("checks").GetProperty("inbound_spool").GetProperty("figures").GetProperty("depth").GetInt32();
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"not within 60 s: {what}");
            await Task.Delay(100);
        }
    }
}
