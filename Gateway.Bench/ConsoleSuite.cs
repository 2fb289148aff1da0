using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Dapper;
using Gateway.Dashboard;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Gateway.Bench;

/// <summary>
/// console: the staff console's dashboard on real volumes (performance.md G14): N subscribers (default 1,000,000, binary
/// COPY, as the fanout suite loads them) and M outbound messages (default 10,000,000 over 30 days, written by INSERT …
/// SELECT with the tally triggers on, as the gateway's producers write them). Two copies of the real gateway on Kestrel
/// share the database: the dashboard as shipped (tallies), and the same page on <see cref="RawTableDashboardSource"/>,
/// which counts the raw tables (the naive page). Both are asked for "/" by a signed-in admin, one request at a time; the
/// figures both pages show are compared.
/// </summary>
public static partial class ConsoleSuite
{
    public static readonly BenchSuite Suite = new(
        "staff console dashboard vs the same page counting the raw tables (options: --subscribers N --messages N --requests N --naive N)",
        RunAsync);

    private const string AdminToken = "bench-admin-token-0123456789";
    private const string Password = "bench password 0123";

    private static async Task RunAsync(string[] args)
    {
        var subscribers = BenchArgs.Option(args, "--subscribers", 1_000_000);
        var messages = BenchArgs.Option(args, "--messages", 10_000_000);
        var requests = BenchArgs.Option(args, "--requests", 200);
        var naiveRequests = BenchArgs.Option(args, "--naive", 5);
        var report = new BenchReport("console");
        var loadBefore = File.ReadAllText("/proc/loadavg").Trim();

        await using var pg = await BenchDatabase.StartAsync();
        var db = await pg.CreateMigratedAsync("console");
        var clock = Stopwatch.StartNew();
        await FanoutSuite.LoadSubscribersAsync(db, subscribers);
        report.Add("subscribers", $"{subscribers:N0}", $"binary COPY with subscriptions, {clock.Elapsed.TotalSeconds:F0} s (tally triggers on)");

        clock.Restart();
        await SeedOutboundAsync(db, subscribers, messages);
        var seeded = clock.Elapsed;
        await using (var dataSource = NpgsqlDataSource.Create(db))
        {
            await new CompactTallies(dataSource, NullLogger<CompactTallies>.Instance).RunAsync(CancellationToken.None);
            await using var conn = await dataSource.OpenConnectionAsync();
            foreach (var sql in new[] { "VACUUM ANALYZE outbound_messages", "CHECKPOINT" })
                await using (var command = new NpgsqlCommand(sql, conn) { CommandTimeout = 1800 }) await command.ExecuteNonQueryAsync();
            var tallyRows = await conn.ExecuteScalarAsync<long>("SELECT (SELECT count(*) FROM outbound_tallies) + (SELECT count(*) FROM resident_day_tallies) + (SELECT count(*) FROM subscriber_tallies) + (SELECT count(*) FROM topic_tallies)");
            report.Add("outbound messages", $"{messages:N0}",
                $"30 days, 1 % still queued; INSERT … SELECT in 1M-row statements with the tally triggers on, {seeded.TotalSeconds:F0} s; {tallyRows:N0} tally rows after compaction");
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

            var same = Figures(talliedPage).SequenceEqual(Figures(naivePage));
            var (p50, p95, max) = Stats(talliedTimes);
            var (n50, n95, nmax) = Stats(naiveTimes);
            report.Add("dashboard (tallies)", $"p95 {p95:F1} ms", $"p50 {p50:F1} ms, max {max:F1} ms over {requests} requests, one at a time, loopback; {talliedPage.Length / 1024.0:F0} KB of HTML; target p95 ≤ 100 ms (G14)");
            report.Add("naive page (raw tables)", $"p95 {n95:F0} ms", $"p50 {n50:F0} ms, max {nmax:F0} ms over {naiveRequests} requests");
            report.Add("naive ÷ dashboard", $"{n95 / p95:N0}× at p95, {n50 / p50:N0}× at p50", "target ≥ 20× (G14)");
            report.Add("same figures on both pages", same ? "yes" : "NO", $"{Figures(talliedPage).Count} numbers compared (every table cell)");
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

    private static async Task<(double Ms, string Page)> TimeAsync(HttpClient client)
    {
        var start = Stopwatch.GetTimestamp();
        using var response = await client.GetAsync("/");
        var page = await response.Content.ReadAsStringAsync();
        var ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        if (response.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"dashboard answered {response.StatusCode}");
        return (ms, page);
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
                ["PUBLIC_BASE_URL"] = publicBaseUrl,
                ["ADMIN_API_TOKEN"] = AdminToken,
                ["WORKER_IN_PROCESS"] = "false",
                ["Logging:LogLevel:Default"] = "Warning",
            })
                builder.UseSetting(key, value);
            if (rawTables)
                builder.ConfigureServices(services => services.AddSingleton<IDashboardSource>(sp => sp.GetRequiredService<RawTableDashboardSource>()));
        }
    }
}
