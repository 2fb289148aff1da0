using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Dapper;
using Gateway.Broadcasts;
using Gateway.Dashboard;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Gateway.Bench;

/// <summary>
/// console: the staff console's dashboard and a broadcast's page on real volumes (performance.md G14): N subscribers
/// (default 1,000,000, binary COPY, as the fanout suite loads them) and M outbound messages (default 10,000,000 over 30
/// days, written by INSERT … SELECT with the tally triggers on, as the gateway's producers write them), B of which
/// (default 1,000,000) belong to one broadcast sent to the first B subscribers, then moved on by dispatch-shaped
/// updates of about 500 rows after the last compaction (D of them, default 2,000: the tally rows a few minutes of sending
/// leave unfolded).
/// Two copies of the real gateway on Kestrel share the database: the pages as shipped (tallies), and the same pages on
/// <see cref="RawTableDashboardSource"/> and <see cref="RawMessageCounts"/>, which count the raw tables (the naive
/// pages). Both are asked for "/" and "/broadcasts/{id}" by a signed-in admin, one request at a time; the figures both
/// pages show are compared.
/// </summary>
public static partial class ConsoleSuite
{
    public static readonly BenchSuite Suite = new(
        "staff console dashboard and broadcast page vs the same pages counting the raw tables (options: --subscribers N --messages N --broadcast N --dispatch-updates N --requests N --naive N)",
        RunAsync);

    private const string AdminToken = "bench-admin-token-0123456789";
    private const string Password = "bench password 0123";

    private static async Task RunAsync(string[] args)
    {
        var subscribers = BenchArgs.Option(args, "--subscribers", 1_000_000);
        var messages = BenchArgs.Option(args, "--messages", 10_000_000);
        var requests = BenchArgs.Option(args, "--requests", 200);
        var naiveRequests = BenchArgs.Option(args, "--naive", 5);
        var broadcastMessages = Math.Min(BenchArgs.Option(args, "--broadcast", 1_000_000), Math.Min(subscribers, messages));
        var dispatchUpdates = BenchArgs.Option(args, "--dispatch-updates", 2_000);
        var report = new BenchReport("console");
        var loadBefore = File.ReadAllText("/proc/loadavg").Trim();

        await using var pg = await BenchDatabase.StartAsync();
        var db = await pg.CreateMigratedAsync("console");
        var clock = Stopwatch.StartNew();
        await FanoutSuite.LoadSubscribersAsync(db, subscribers);
        report.Add("subscribers", $"{subscribers:N0}", $"binary COPY with subscriptions, {clock.Elapsed.TotalSeconds:F0} s (tally triggers on)");

        clock.Restart();
        await SeedOutboundAsync(db, subscribers, messages - broadcastMessages);
        var (broadcastId, sendAt) = await SeedBroadcastAsync(db, broadcastMessages);
        var seeded = clock.Elapsed;
        await using (var dataSource = NpgsqlDataSource.Create(db))
        {
            // Compaction first, then the sending: both pages are measured with the rows a few minutes of dispatch
            // leave unfolded, the most a page meets between two compactions.
            await new CompactTallies(dataSource, NullLogger<CompactTallies>.Instance).RunAsync(CancellationToken.None);
            clock.Restart();
            await DispatchAsync(db, broadcastId, sendAt, broadcastMessages, dispatchUpdates);
            var dispatched = clock.Elapsed;
            await using var conn = await dataSource.OpenConnectionAsync();
            var broadcastTallyRows = await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM broadcast_tallies WHERE broadcast_id = @Id", new { Id = broadcastId });
            foreach (var sql in new[] { "VACUUM ANALYZE outbound_messages", "CHECKPOINT" })
                await using (var command = new NpgsqlCommand(sql, conn) { CommandTimeout = 1800 }) await command.ExecuteNonQueryAsync();
            var tallyRows = await conn.ExecuteScalarAsync<long>("SELECT (SELECT count(*) FROM outbound_tallies) + (SELECT count(*) FROM resident_day_tallies) + (SELECT count(*) FROM subscriber_tallies) + (SELECT count(*) FROM topic_tallies)");
            report.Add("outbound messages", $"{messages:N0}",
                $"30 days, 1 % still queued; INSERT … SELECT in 1M-row statements with the tally triggers on, {seeded.TotalSeconds:F0} s; {tallyRows:N0} tally rows after compaction");
            report.Add("the broadcast", $"{broadcastMessages:N0} messages",
                $"sent to the first {broadcastMessages:N0} subscribers, then {dispatchUpdates:N0} dispatch-shaped UPDATEs of about 500 rows after the last compaction ({dispatched.TotalSeconds:F0} s); both pages read {broadcastTallyRows:N0} unfolded broadcast tally rows");
        }

        var (tallied, talliedUrl) = Start(db);
        var (naive, naiveUrl) = Start(db, rawTables: true);
        await using (tallied)
        await using (naive)
        {
            var admin = new HttpClient { BaseAddress = new Uri(talliedUrl) };
            admin.DefaultRequestHeaders.Authorization = new("Bearer", AdminToken);
            var added = await admin.PostAsJsonAsync("/api/staff", new { name = "bench-admin", roles = new[] { "admin" }, password = Password });
            if (added.StatusCode != HttpStatusCode.Created) throw new InvalidOperationException($"adding the bench admin: {added.StatusCode}");
            var talliedClient = await SignInAsync(talliedUrl);
            var naiveClient = await SignInAsync(naiveUrl);

            Console.WriteLine("[console] warming up");
            for (var i = 0; i < 20; i++) await TimeAsync(talliedClient);
            await TimeAsync(naiveClient);

            Console.WriteLine($"[console] dashboard: {requests} requests; naive page: {naiveRequests}");
            var talliedTimes = new List<double>();
            var talliedPage = "";
            for (var i = 0; i < requests; i++)
            {
                var (ms, page) = await TimeAsync(talliedClient);
                talliedTimes.Add(ms);
                talliedPage = page;
            }
            var naiveTimes = new List<double>();
            string naivePage = "";
            for (var i = 0; i < naiveRequests; i++)
            {
                var (ms, page) = await TimeAsync(naiveClient);
                naiveTimes.Add(ms);
                naivePage = page;
            }

            var detail = $"/broadcasts/{broadcastId}";
            for (var i = 0; i < 20; i++) await TimeAsync(talliedClient, detail);
            await TimeAsync(naiveClient, detail);
            Console.WriteLine($"[console] broadcast page: {requests} requests; naive page: {naiveRequests}");
            var (detailTimes, detailPage) = await SeriesAsync(talliedClient, detail, requests);
            var (naiveDetailTimes, naiveDetailPage) = await SeriesAsync(naiveClient, detail, naiveRequests);

            var same = Figures(talliedPage).SequenceEqual(Figures(naivePage));
            var (p50, p95, max) = Stats(talliedTimes);
            var (n50, n95, nmax) = Stats(naiveTimes);
            report.Add("dashboard (tallies)", $"p95 {p95:F1} ms", $"p50 {p50:F1} ms, max {max:F1} ms over {requests} requests, one at a time, loopback; {talliedPage.Length / 1024.0:F0} KB of HTML; target p95 ≤ 100 ms (G14)");
            report.Add("naive page (raw tables)", $"p95 {n95:F0} ms", $"p50 {n50:F0} ms, max {nmax:F0} ms over {naiveRequests} requests");
            report.Add("naive ÷ dashboard", $"{n95 / p95:N0}× at p95, {n50 / p50:N0}× at p50", "target ≥ 20× (G14)");
            report.Add("same figures on both pages", same ? "yes" : "NO", $"{Figures(talliedPage).Count} numbers compared (every table cell)");

            var (d50, d95, dmax) = Stats(detailTimes);
            var (nd50, nd95, ndmax) = Stats(naiveDetailTimes);
            report.Add("broadcast page (tallies)", $"p95 {d95:F1} ms", $"p50 {d50:F1} ms, max {dmax:F1} ms over {requests} requests; {detailPage.Length / 1024.0:F0} KB of HTML; target p95 ≤ 100 ms (G14)");
            report.Add("naive broadcast page (raw rows)", $"p95 {nd95:F0} ms", $"p50 {nd50:F0} ms, max {ndmax:F0} ms over {naiveRequests} requests");
            report.Add("naive ÷ broadcast page", $"{nd95 / d95:N0}× at p95, {nd50 / d50:N0}× at p50", "target ≥ 20× (G14)");
            var sameDetail = Figures(detailPage).SequenceEqual(Figures(naiveDetailPage));
            report.Add("same figures on both broadcast pages", sameDetail ? "yes" : "NO", $"{Figures(detailPage).Count} numbers compared");
        }
        report.Add("machine load", loadBefore, $"/proc/loadavg before the run; after: {File.ReadAllText("/proc/loadavg").Trim()}");
        report.Print();
    }

    // Recipients spread over the subscribers; a 30-day history, most delivered; every 100th message still queued.
    private const string SeedSql = """
        INSERT INTO outbound_messages (recipient, subscriber_id, body, encoding, segments, cost, priority, kind, not_before, expires_at,
                                       status, sent_at, created_at, status_at)
        SELECT '+86139' || lpad((1 + (g::bigint * 7919) % @Subscribers)::text, 8, '0'), 1 + (g::bigint * 7919) % @Subscribers,
               CASE WHEN g % 4 = 0 THEN 'Reminder: wear a mask whenever you go out.' ELSE '防疫提醒：外出请全程戴好口罩。' END,
               CASE WHEN g % 4 = 0 THEN 'GSM-7' ELSE 'UCS-2' END, 1, 0.05,
               (CASE WHEN g % 50 = 0 THEN 0 WHEN g % 20 = 0 THEN 1 ELSE 2 END)::smallint, 'broadcast', t, t + interval '4 hours',
               s.status, CASE WHEN s.status IN ('queued', 'failed', 'expired') THEN NULL ELSE t + interval '2 minutes' END, t, t + interval '5 minutes'
          FROM generate_series(@From, @To) g,
               LATERAL (SELECT @Now - make_interval(secs => (g % 2592000)::double precision) AS t) times,
               LATERAL (SELECT CASE WHEN g % 100 < 90 THEN 'delivered' WHEN g % 100 < 94 THEN 'undelivered' WHEN g % 100 < 96 THEN 'failed'
                                    WHEN g % 100 < 98 THEN 'expired' WHEN g % 100 < 99 THEN 'sent' ELSE 'queued' END AS status) s
        """;

    private static async Task SeedOutboundAsync(string db, int subscribers, int messages)
    {
        await using var conn = new NpgsqlConnection(db);
        await conn.OpenAsync();
        var now = DateTimeOffset.UtcNow;
        const int chunk = 1_000_000;
        for (var from = 1; from <= messages; from += chunk)
        {
            var to = Math.Min(messages, from + chunk - 1);
            await conn.ExecuteAsync(SeedSql, new { From = from, To = to, Subscribers = subscribers, Now = now }, commandTimeout: 1800);
            Console.WriteLine($"[console] {to:N0} outbound messages");
        }
    }

    private static (BenchGateway Gateway, string Url) Start(string db, bool rawTables = false)
    {
        var port = FreePort();
        var url = $"http://127.0.0.1:{port}";
        var gateway = new BenchGateway(db, url, rawTables);
        gateway.UseKestrel(k => k.Listen(IPAddress.Loopback, port));
        gateway.StartServer();
        return (gateway, url);
    }

    private static async Task<HttpClient> SignInAsync(string url)
    {
        var client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = new Uri(url) };
        client.DefaultRequestHeaders.AcceptLanguage.ParseAdd("en");
        var form = await client.GetStringAsync("/signin");
        var token = WebUtility.HtmlDecode(TokenPattern().Match(form).Groups[1].Value);
        var response = await client.PostAsync("/signin", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["name"] = "bench-admin", ["password"] = Password, ["__RequestVerificationToken"] = token,
        }));
        if (response.StatusCode != HttpStatusCode.Redirect) throw new InvalidOperationException($"sign-in on {url}: {response.StatusCode}");
        return client;
    }

    private static async Task<(double Ms, string Page)> TimeAsync(HttpClient client, string path = "/")
    {
        var start = Stopwatch.GetTimestamp();
        using var response = await client.GetAsync(path);
        var page = await response.Content.ReadAsStringAsync();
        var ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        if (response.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"{path} answered {response.StatusCode}");
        return (ms, page);
    }

    private static async Task<(List<double> Times, string LastPage)> SeriesAsync(HttpClient client, string path, int requests)
    {
        var times = new List<double>();
        var last = "";
        for (var i = 0; i < requests; i++)
        {
            var (ms, page) = await TimeAsync(client, path);
            times.Add(ms);
            last = page;
        }
        return (times, last);
    }

    // One broadcast sent to subscribers 1..n: its occurrence shares its id (as a one-off broadcast's does), 60 % of its
    // messages still queued, the rest ended as the seeded history did.
    private const string BroadcastSql = """
        INSERT INTO broadcasts (id, title, content, topics, regions, languages, send_at, status, created_by, created_at, approved_by, approved_at)
        VALUES (nextval('broadcast_ids'), 'Bench notice', '{"zh": "防疫提醒：外出请全程戴好口罩。", "en": "Reminder: wear a mask whenever you go out."}',
                '{}', '{}', '{}', @Now, 'sending', 'bench-editor', @Now, 'bench-approver', @Now)
        RETURNING id;
        """;

    private const string OccurrenceSql = """
        INSERT INTO broadcast_occurrences (id, broadcast_id, occurrence_at, due_at, status, audience_max_id, last_subscriber_id, planned, started_at, fanned_out_at)
        VALUES (@Id, @Id, @Now, @Now, 'fanned_out', @N, @N, @N, @Now, @Now)
        """;

    private const string BroadcastMessagesSql = """
        INSERT INTO outbound_messages (recipient, subscriber_id, body, encoding, segments, cost, priority, kind, broadcast_id, not_before, expires_at,
                                       status, sent_at, created_at, status_at)
        SELECT '+86139' || lpad(g::text, 8, '0'), g, CASE WHEN g % 4 = 0 THEN 'Reminder: wear a mask whenever you go out.' ELSE '防疫提醒：外出请全程戴好口罩。' END,
               CASE WHEN g % 4 = 0 THEN 'GSM-7' ELSE 'UCS-2' END, 1, 0.05, 2, 'broadcast', @Id, @Now, @Now + interval '4 hours',
               s.status, CASE WHEN s.status IN ('queued', 'failed', 'expired') THEN NULL ELSE @Now + interval '2 minutes' END, @Now, @Now + interval '5 minutes'
          FROM generate_series(1, @N) g,
               LATERAL (SELECT CASE WHEN g % 100 < 60 THEN 'queued' WHEN g % 100 < 90 THEN 'delivered' WHEN g % 100 < 94 THEN 'undelivered'
                                    WHEN g % 100 < 96 THEN 'failed' WHEN g % 100 < 98 THEN 'expired' ELSE 'sent' END AS status) s
        """;

    // As a pass and then delivery reports move them: one range of subscribers' queued messages (about 500) to sending,
    // then to sent, then to delivered; each statement adds its few tally rows.
    private const string DispatchLikeSql = """
        UPDATE outbound_messages SET status = @To, sent_at = coalesce(sent_at, @Now), status_at = @Now
         WHERE broadcast_id = @Id AND subscriber_id BETWEEN @Lo AND @Hi AND status = @From
        """;

    private static async Task<(long Id, DateTimeOffset SendAt)> SeedBroadcastAsync(string db, int messages)
    {
        await using var conn = new NpgsqlConnection(db);
        await conn.OpenAsync();
        var now = DateTimeOffset.UtcNow.AddMinutes(-30);
        var id = await conn.ExecuteScalarAsync<long>(BroadcastSql, new { Now = now });
        await conn.ExecuteAsync(OccurrenceSql, new { Id = id, Now = now, N = messages });
        await conn.ExecuteAsync(BroadcastMessagesSql, new { Id = id, Now = now, N = messages }, commandTimeout: 1800);
        Console.WriteLine($"[console] broadcast {id}: {messages:N0} messages");
        return (id, now);
    }

    private static async Task DispatchAsync(string db, long id, DateTimeOffset sendAt, int messages, int updates)
    {
        await using var conn = new NpgsqlConnection(db);
        await conn.OpenAsync();
        const int range = 834; // 60 % of 834 subscribers' messages are queued: about 500 rows a statement
        for (var i = 0; i < updates; i++)
        {
            var lo = (long)(i / 3) * range % Math.Max(messages, 1) + 1;
            var (from, to) = (i % 3) switch { 0 => ("queued", "sending"), 1 => ("sending", "sent"), _ => ("sent", "delivered") };
            await conn.ExecuteAsync(DispatchLikeSql, new { Id = id, Lo = lo, Hi = lo + range - 1, Now = sendAt.AddMinutes(1), From = from, To = to }, commandTimeout: 600);
        }
    }

    private static List<string> Figures(string page) => NumberCell().Matches(page).Select(m => m.Groups[1].Value).ToList();

    private static (double P50, double P95, double Max) Stats(List<double> times)
    {
        var sorted = times.Order().ToList();
        double At(double q) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(q * sorted.Count) - 1)];
        return (At(0.5), At(0.95), sorted[^1]);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();

    [GeneratedRegex("<td class=\"n\">([^<]*)</td>")]
    private static partial Regex NumberCell();

    /// <summary>The real gateway with production settings; the naive one reads the dashboard from the raw tables.</summary>
    private sealed class BenchGateway(string connectionString, string publicBaseUrl, bool rawTables) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Production");
            foreach (var (key, value) in new Dictionary<string, string>
            {
                ["DATABASE_URL"] = connectionString,
                ["SMS_PROVIDER"] = "simulator",
                ["SIMULATOR_ENABLED"] = "true",
                ["USSD_ENABLED"] = "false",
                ["PUBLIC_BASE_URL"] = publicBaseUrl,
                ["ADMIN_API_TOKEN"] = AdminToken,
                ["WORKER_IN_PROCESS"] = "false",
                ["Logging:LogLevel:Default"] = "Warning",
                ["Logging:LogLevel:Microsoft.AspNetCore.Antiforgery"] = "Error",
            })
                builder.UseSetting(key, value);
            if (rawTables)
                builder.ConfigureServices(services =>
                {
                    services.AddSingleton<IDashboardSource>(sp => sp.GetRequiredService<RawTableDashboardSource>());
                    services.AddSingleton<IBroadcastMessageCounts>(sp => sp.GetRequiredService<RawMessageCounts>());
                });
        }
    }
}
