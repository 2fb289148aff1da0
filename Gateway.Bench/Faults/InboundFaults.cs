using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Dapper;
using Gateway.Tests.Support;

namespace Gateway.Bench.Faults;

/// <summary>What the inbound scenarios share: residents' SMS signed as Twilio signs them, and what became of them.</summary>
public abstract class InboundFault : FaultScenario
{
    protected const string BulkBody = "Fault suite: clinic hours change on Friday.";

    /// <summary>One signed SMS; the HTTP status (null: no answer, e.g. the process was killed) and the TwiML.</summary>
    protected static async Task<(HttpStatusCode? Status, string Body)> PostAsync(HttpClient web, string baseUrl, string sid, string from, string body)
    {
        var form = new Dictionary<string, string>
        {
            ["MessageSid"] = sid, ["SmsSid"] = sid, ["AccountSid"] = FakeTwilio.AccountSid, ["From"] = from, ["To"] = "+15017122661",
            ["Body"] = body, ["NumMedia"] = "0", ["SmsStatus"] = "received", ["ApiVersion"] = "2010-04-01",
        };
        try
        {
            using var response = await web.SendAsync(TwilioSigner.SignedPost(FakeTwilio.AuthToken, baseUrl, "/webhooks/twilio/sms", form));
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return (null, e.Message);
        }
    }

    /// <summary>The spool's depth on /health/ready (answered with 503 while the database is down); null if it did not answer.</summary>
    protected static async Task<int?> SpoolDepthAsync(HttpClient web)
    {
        try
        {
            using var response = await web.GetAsync("/health/ready");
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            return json.RootElement.GetProperty("checks").GetProperty("inbound_spool").GetProperty("figures").GetProperty("depth").GetInt32();
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException)
        {
            return null;
        }
    }

    protected static string Tail(string output) => string.Join('\n', output.Split('\n').TakeLast(60));

    /// <summary>What a worker said about messages that woke too late for their send slot (Delivery/Dispatcher.cs): a worker
    /// short of CPU gives them back to the queue, and dispatch then moves slowly or not at all.</summary>
    protected static int MissedSlots(string workerOutput) =>
        System.Text.RegularExpressions.Regex.Matches(workerOutput, @"(\d+) message\(s\) in the last \d+ s woke more than")
            .Sum(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Of <paramref name="sids"/>, how many are stored and handled.</summary>
    protected static async Task<int> HandledAsync(FaultRig rig, IReadOnlyCollection<string> sids)
    {
        await using var conn = await rig.OpenAsync();
        return await conn.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM inbound_messages WHERE provider = 'twilio' AND provider_message_id = ANY(@Sids) AND handled_at IS NOT NULL",
            new { Sids = sids.ToArray() });
    }

    /// <summary>Numbers with one consent change (action and scope) ledgered more than once: each number sends one message
    /// here, so that message's effects were applied twice.</summary>
    protected static async Task<int> AppliedTwiceAsync(FaultRig rig, IReadOnlyCollection<string> numbers)
    {
        await using var conn = await rig.OpenAsync();
        return await conn.ExecuteScalarAsync<int>("""
            SELECT count(DISTINCT phone) FROM (SELECT s.phone FROM consent_events e JOIN subscribers s ON s.id = e.subscriber_id
                                                WHERE s.phone = ANY(@Numbers) GROUP BY s.phone, e.action, e.scope HAVING count(*) > 1) AS twice
            """, new { Numbers = numbers.ToArray() });
    }

    /// <summary>Replies queued for the spooled messages (they got an empty answer inline), and numbers that got more than one.</summary>
    protected static async Task<(int Queued, int Twice)> SpooledRepliesAsync(FaultRig rig, IReadOnlyCollection<string> numbers)
    {
        await using var conn = await rig.OpenAsync();
        return await conn.QuerySingleAsync<(int, int)>("""
            SELECT count(*)::int, (SELECT count(*)::int FROM (SELECT recipient FROM outbound_messages
                                                         WHERE dedupe_key LIKE 'spooled-reply:%' AND recipient = ANY(@Numbers)
                                                         GROUP BY 1 HAVING count(*) > 1) AS twice)
              FROM outbound_messages WHERE dedupe_key LIKE 'spooled-reply:%' AND recipient = ANY(@Numbers)
            """, new { Numbers = numbers.ToArray() });
    }
}

/// <summary>
/// PostgreSQL down (pg_ctl stop -m immediate) while residents text the web process: 180 JOINs from new numbers and 20
/// STOPs from subscribers for whom an urgent bulk message becomes due during the outage. Each SMS is sent once, as
/// Twilio sends inbound (no retry by default).
/// </summary>
public sealed class DatabaseDownWhileResidentsText : InboundFault
{
    private const int Joins = 180;
    private const int Stops = 20;
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(10);

    public override string Id => "db-down-inbound";
    public override string Title => $"database down while residents text ({Joins} JOIN + {Stops} STOP, signed, to the web process; down {Outage.TotalSeconds:0} s)";

    public override async Task RunAsync(FaultRig rig, FaultReport report)
    {
        await rig.BeginAsync(Id, TimeSpan.FromMilliseconds(50));
        await rig.SeedSubscribersAsync(Stops, "dbdown");
        var (webProcess, web, baseUrl) = await rig.StartWebAsync(rate: 50);
        var worker = await rig.StartWorkerAsync(rate: 50);
        var stoppers = Enumerable.Range(1, Stops).Select(i => $"+86137{i:D8}").ToArray();
        var joiners = Enumerable.Range(1, Joins).Select(i => $"+86136{i:D8}").ToArray();
        // Urgent (priority 0: quiet hours do not hold it) and due 3 s into the outage: a worker that claimed it before
        // the STOPs are replayed would hand it over.
        await using (var conn = await rig.OpenAsync())
            await conn.ExecuteAsync("""
                INSERT INTO outbound_messages (recipient, body, encoding, segments, cost, priority, kind, not_before, expires_at, created_at, status_at)
                SELECT phone, @Body, 'GSM-7', 1, 0.05, 0, 'broadcast', now() + interval '3 seconds', now() + interval '4 hours', now(), now()
                  FROM unnest(@Numbers::text[]) AS phone
                """, new { Body = BulkBody, Numbers = stoppers });

        await rig.Postgres.CrashAsync();
        var crashed = Stopwatch.StartNew();
        var messages = joiners.Select(n => (Sid: $"SM{Guid.NewGuid():N}", From: n, Body: "JOIN"))
            .Concat(stoppers.Select(n => (Sid: $"SM{Guid.NewGuid():N}", From: n, Body: "STOP")))
            .OrderBy(m => m.Sid).ToArray();
        using var concurrency = new SemaphoreSlim(20);
        var answers = await Task.WhenAll(messages.Select(async m =>
        {
            await concurrency.WaitAsync();
            try { return await PostAsync(web, baseUrl, m.Sid, m.From, m.Body); }
            finally { concurrency.Release(); }
        }));
        var sent = crashed.Elapsed;
        var taken = messages.Where((_, i) => answers[i].Status == HttpStatusCode.OK).Select(m => m.Sid).ToArray();
        report.Add("SMS answered 200 (empty TwiML) with PostgreSQL down", $"{taken.Length} of {messages.Length} in {sent.TotalSeconds:F1} s",
            $"{messages.Length}", taken.Length == messages.Length);
        var refused = answers.Where(a => a.Status != HttpStatusCode.OK).GroupBy(a => a.Status?.ToString() ?? "no answer").Select(g => $"{g.Count()} × {g.Key}");
        if (taken.Length < messages.Length) report.Add("not taken", string.Join(", ", refused));
        var depth = await SpoolDepthAsync(web);
        report.Add("spool depth on /health/ready while down", $"{depth}", $"{taken.Length}", depth == taken.Length);

        if (Outage - crashed.Elapsed is { Ticks: > 0 } rest) await Task.Delay(rest);
        await rig.Postgres.StartAgainAsync();
        var back = Stopwatch.GetTimestamp();
        var replayed = await SecondsUntilAsync(async () => await HandledAsync(rig, taken) == taken.Length, TimeSpan.FromSeconds(90));
        report.Add("all taken messages stored and handled", Seconds(replayed) + " after PostgreSQL was back", "≤ 30 s", replayed <= 30);
        var handled = await HandledAsync(rig, taken);
        report.Add("lost (taken, not in the database)", $"{taken.Length - handled}", "0", handled == taken.Length);
        var twice = await AppliedTwiceAsync(rig, [.. joiners, .. stoppers]);
        report.Add("messages applied twice", $"{twice}", "0", twice == 0);
        await using (var conn = await rig.OpenAsync())
        {
            var optedOut = await conn.ExecuteScalarAsync<int>("SELECT count(*) FROM subscribers WHERE phone = ANY(@stoppers) AND status = 'opted_out'", new { stoppers });
            report.Add("STOPs in effect", $"{optedOut} of {Stops}", $"{Stops}", optedOut == Stops);
        }

        await FaultRig.TryWaitAsync(() => HandOffTally.AllSettledAsync(rig), TimeSpan.FromSeconds(60));
        var bulkToStoppers = stoppers.Sum(n => rig.Provider.RequestsTo(n).Count(r => r.Body == BulkBody));
        report.Add("bulk hand-offs to the numbers whose STOP waited in the spool", $"{bulkToStoppers}", "0", bulkToStoppers == 0);
        var (replies, repliesTwice) = await SpooledRepliesAsync(rig, [.. joiners, .. stoppers]);
        var confirmations = stoppers.Count(n => rig.Provider.RequestsTo(n).Any(r => r.Body != BulkBody));
        report.Add("replies queued for the spooled messages", $"{replies} ({confirmations} of {Stops} STOP confirmations handed over); {repliesTwice} numbers with two",
            $"{taken.Length}, none twice", replies == taken.Length && repliesTwice == 0);
        var resumed = rig.Provider.Requests.Where(r => r.ArrivedTicks > back).Select(r => (double?)Stopwatch.GetElapsedTime(back, r.ArrivedTicks).TotalSeconds).Min();
        report.Add("first hand-off after PostgreSQL was back", Seconds(resumed) + " (after the spool's replay)", "≤ 30 s", resumed <= 30);
        var missedSlots = MissedSlots(worker.Output);
        report.Add("messages that woke too late for their send slot and went back to the queue (worker's warnings)", $"{missedSlots}");
        if (resumed is null)
            Console.WriteLine($"[faults] {Id}: nothing handed over after PostgreSQL was back. The web process printed:\n{Tail(webProcess.Output)}\nThe worker printed:\n{Tail(worker.Output)}");
        var after = await SpoolDepthAsync(web);
        report.Add("spool depth afterwards", $"{after}", "0", after == 0);
    }
}

/// <summary>
/// kill -9 of the web process during a burst of SMS, with Twilio-style retries (the same MessageSid again after 1 s,
/// on no answer or a 5xx, for up to 60 s), the process started again on the same port and spool folder 1.5 s later.
/// Twice: with PostgreSQL up (answered messages are committed), then with PostgreSQL down from the burst's start until
/// after the restart (answered messages are in the killed process's spool file, which the new process takes over).
/// </summary>
public sealed class WebKillDuringBurst : InboundFault
{
    private const int Messages = 300;
    private const int Rate = 100;

    public override string Id => "web-kill-burst";
    public override string Title => $"web kill -9 during a burst ({Messages} SMS at {Rate}/s, Twilio-style retries), PostgreSQL up, then down";

    public override async Task RunAsync(FaultRig rig, FaultReport report)
    {
        await rig.BeginAsync(Id, TimeSpan.FromMilliseconds(50));
        var (web, _, baseUrl) = await rig.StartWebAsync(rate: 50);
        await rig.StartWorkerAsync(rate: 50);
        web = await BurstAsync(rig, report, "PostgreSQL up", web, baseUrl, prefix: "+86135", databaseDown: false);
        await BurstAsync(rig, report, "PostgreSQL down", web, baseUrl, prefix: "+86134", databaseDown: true);
    }

    /// <summary>One burst with its kill and restart; returns the web process running afterwards.</summary>
    private static async Task<GatewayBinary> BurstAsync(FaultRig rig, FaultReport report, string phase, GatewayBinary web, string baseUrl, string prefix, bool databaseDown)
    {
        using var client = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(15) };
        var numbers = Enumerable.Range(1, Messages).Select(i => $"{prefix}{i:D8}").ToArray();
        var sids = numbers.Select(_ => $"SM{Guid.NewGuid():N}").ToArray();
        var attempts = 0;
        var clock = Stopwatch.StartNew();

        var burst = Task.WhenAll(numbers.Select(async (number, i) =>
        {
            await Task.Delay(TimeSpan.FromSeconds((double)i / Rate));
            while (clock.Elapsed < TimeSpan.FromSeconds(90))
            {
                Interlocked.Increment(ref attempts);
                var (status, _) = await PostAsync(client, baseUrl, sids[i], number, "JOIN");
                if (status == HttpStatusCode.OK) return true;
                if (status is { } s && (int)s < 500) return false;
                await Task.Delay(TimeSpan.FromSeconds(1));
            }
            return false;
        }));

        if (databaseDown)
            await rig.Postgres.CrashAsync();
        await Task.Delay(TimeSpan.FromSeconds(Messages / (double)Rate * 0.4));
        await web.KillAsync();
        var killedAt = clock.Elapsed;
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        var (restarted, _, _) = await rig.StartWebAsync(rate: 50, new Uri(baseUrl).Port, ready: !databaseDown);
        var upAgain = clock.Elapsed - killedAt;
        if (databaseDown)
        {
            await Task.Delay(TimeSpan.FromSeconds(2));
            await rig.Postgres.StartAgainAsync();
        }
        var taken = await burst;

        report.Add($"{phase}: taken (200) in the end", $"{taken.Count(t => t)} of {Messages}, {attempts - Messages} retries; killed {killedAt.TotalSeconds:F1} s into the burst, answering again {upAgain.TotalSeconds:F1} s later",
            $"{Messages}", taken.All(t => t));
        var takenSids = sids.Where((_, i) => taken[i]).ToArray();
        var done = await SecondsUntilAsync(async () => await HandledAsync(rig, takenSids) == takenSids.Length, TimeSpan.FromSeconds(90));
        report.Add($"{phase}: all taken messages handled", Seconds(done) + (databaseDown ? " after PostgreSQL was back" : " after the burst"), "≤ 30 s", done <= 30);
        var handled = await HandledAsync(rig, takenSids);
        report.Add($"{phase}: lost (taken, not in the database)", $"{takenSids.Length - handled}", "0", handled == takenSids.Length);
        var twice = await AppliedTwiceAsync(rig, numbers);
        report.Add($"{phase}: applied twice (JOIN ledgered twice for one number)", $"{twice}", "0", twice == 0);
        if (databaseDown)
        {
            var adopted = restarted.Output.Contains("took over");
            report.Add($"{phase}: the new process took over the killed one's spool file", adopted ? "yes" : "no", "yes", adopted);
            var (replies, repliesTwice) = await SpooledRepliesAsync(rig, numbers);
            report.Add($"{phase}: replies queued for spooled messages", $"{replies}; {repliesTwice} numbers with two", "none twice", repliesTwice == 0);
        }
        return restarted;
    }
}
