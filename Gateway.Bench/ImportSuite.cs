using System.Diagnostics;
using System.Globalization;
using System.Text;
using CsvHelper;
using Dapper;
using Gateway.Admin;
using Gateway.Hosting;
using Gateway.Imports;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace Gateway.Bench;

/// <summary>
/// import: a list of N rows (performance.md G16: 1M rows in at most 60 s, memory flat, within 3× a plain binary COPY of
/// the same file). A fresh PostgreSQL with some residents already known (5 % of the list, a tenth of them opted out);
/// the file mixes every spelling of a number (+86, 0086, national with spaces or dashes, full-width digits), half of
/// its rows with recorded consent (one or two topics), half without, 1 % duplicates and 0.5 % invalid rows.
/// <list type="number">
/// <item>Baseline, before and after the gateway: the same file read by CsvHelper and written by one binary COPY,
/// its eight fields as text, into an unindexed table: the floor of getting the file into PostgreSQL.</item>
/// <item>The dry run (the report, nothing written).</item>
/// <item>The import: the file streamed, checked and staged with its report (the POST's work), then the job writing it
/// (residents, topics, the consent ledger, a confirmation SMS for each new number without consent).</item>
/// <item>The floor of those writes, on a copy of the same starting database: the staged rows written by one bare
/// INSERT … SELECT per table (no rule, no chunks), so that the job's cost is seen against what its writes cost at least.</item>
/// </list>
/// The gateway's own working set and GC heap are sampled every 100 ms throughout: flat means they do not grow with the file.
/// </summary>
public static class ImportSuite
{
    public static readonly BenchSuite Suite = new("an N-row list: dry run, import (stage + job) vs a plain binary COPY of the same file (options: --rows N)", RunAsync);

    private static async Task RunAsync(string[] args)
    {
        var rows = BenchArgs.Option(args, "--rows", 1_000_000);
        var report = new BenchReport("import");
        report.Add("load average at start", File.ReadAllText("/proc/loadavg").Trim(), "1, 5, 15 minutes (the machine is shared)");
        await using var pg = await BenchDatabase.StartAsync();
        var template = await pg.CreateMigratedAsync("imports_template");
        var file = Path.Combine(Path.GetTempPath(), $"gateway-import-bench-{Environment.ProcessId}.csv");
        try
        {
            await SeedAsync(template, rows / 20);
            WriteFile(file, rows);
            var db = await pg.CopyAsync("imports_template", "imports_gateway");
            report.Add("file", $"{rows:N0} rows, {new FileInfo(file).Length / 1024.0 / 1024:F0} MiB", "UTF-8 with BOM, comma-separated");

            using var host = await StartAsync(db);
            var stage = host.Services.GetRequiredService<StageImport>();
            var apply = host.Services.GetRequiredService<ApplyImport>();
            var lanes = host.Services.GetRequiredService<IOptions<ImportOptions>>().Value.Connections;

            var baseline1 = await PlainCopyAsync(db, file, "first");
            using var memory = new MemorySampler();

            BenchArgs.Settle();
            var clock = Stopwatch.StartNew();
            await using (var input = File.OpenRead(file))
            {
                var dry = await stage.CheckAsync(input, RegionScope.All, CancellationToken.None);
                report.Add("dry run (report only)", $"{clock.Elapsed.TotalSeconds:F1} s",
                    $"new {dry.New:N0}, known {dry.Known:N0}, to subscribe {dry.ToSubscribe:N0}, to confirm {dry.ToConfirm:N0}, opted out {dry.OptedOut:N0}, invalid {dry.InvalidCount:N0}, duplicates {dry.Duplicates:N0}");
            }

            BenchArgs.Settle();
            var cpuBefore = CpuTime.Now(pg.DataDirectory);
            clock.Restart();
            long id;
            await using (var input = File.OpenRead(file))
                (id, _) = await stage.StageAsync(input, RegionScope.All, "bench", "bench.csv", confirmed: true, CancellationToken.None);
            var staged = clock.Elapsed;
            await apply.RunAsync(id, CancellationToken.None);
            var total = clock.Elapsed;
            var cpu = CpuTime.Now(pg.DataDirectory) - cpuBefore;
            var peak = memory.Stop();

            var baseline2 = await PlainCopyAsync(db, file, "second");
            var baseline = (baseline1 + baseline2) / 2;
            await using var conn = new NpgsqlConnection(db);
            await conn.OpenAsync();
            var result = await conn.QuerySingleAsync<(string Status, int Subscribed, int Asked)>("SELECT status, subscribed, asked FROM imports WHERE id = @id", new { id });

            report.Add("plain binary COPY of the file (baseline)", $"{baseline.TotalSeconds:F1} s", $"{baseline1.TotalSeconds:F1} s before the gateway, {baseline2.TotalSeconds:F1} s after");
            report.Add("import: read, check, stage and report (the POST)", $"{staged.TotalSeconds:F1} s", $"{rows / staged.TotalSeconds:N0} rows/s");
            report.Add("import: the job writing it", $"{(total - staged).TotalSeconds:F1} s",
                $"{result.Status}: {result.Subscribed:N0} subscribed with consent, {result.Asked:N0} confirmations queued; on {lanes} lanes (IMPORT_CONNECTIONS)");
            report.Add("import: total", $"{total.TotalSeconds:F1} s", "G16: at most 60 s for 1M rows");
            report.Add("import ÷ plain COPY", $"{total / baseline:F2}×", "G16: at most 3×");
            report.Add("CPU of the import", $"{cpu.Total:F1} CPU-s", $"bench process {cpu.Process:F1} s, PostgreSQL {cpu.Postgres:F1} s");
            report.Add("memory during dry run and import", $"+{peak.WorkingSet / 1024.0 / 1024:F0} MiB working set, +{peak.Heap / 1024.0 / 1024:F0} MiB GC heap (peaks)",
                $"over the process before them; the file is {new FileInfo(file).Length / 1024.0 / 1024:F0} MiB");
            await host.StopAsync();

            var floor = await WritesFloorAsync(await pg.CopyAsync("imports_template", "imports_floor"), file);
            report.Add("floor: the same writes as bare INSERT … SELECT", $"{floor.TotalSeconds:F1} s",
                "from the same staged rows, one statement per table, no rule, no chunks: residents, topics, ledger, confirmations");
            report.Add("the job ÷ the floor", $"{(total - staged) / floor:F2}×", "what the rule, the chunks and the progress cost over the bare writes (in one backend; the job's lanes use both cores)");
            report.Add("(stage + floor) ÷ plain COPY", $"{(staged + floor) / baseline:F2}×", "the bare writes in one backend against G16's baseline: even halved by two cores, far above 3×");
            report.Add("load average at end", File.ReadAllText("/proc/loadavg").Trim(), "");
        }
        finally
        {
            File.Delete(file);
        }
        report.Print();
    }

    /// <summary>
    /// The floor of the job's writes: the file staged by the gateway (not timed), then in one transaction the rows the
    /// import writes, each table in one bare INSERT … SELECT with its indexes and triggers, as fast as PostgreSQL takes them.
    /// </summary>
    private static async Task<TimeSpan> WritesFloorAsync(string db, string file)
    {
        using var host = await StartAsync(db);
        long id;
        await using (var input = File.OpenRead(file))
            (id, _) = await host.Services.GetRequiredService<StageImport>().StageAsync(input, RegionScope.All, "bench", "bench.csv", confirmed: true, CancellationToken.None);
        var body = host.Services.GetRequiredService<Gateway.Delivery.Outbox>().Prepare("City Health Line: your number was given to us for Prevention notices. Reply YES to receive them; ignore this to hear nothing more.");
        await using var conn = new NpgsqlConnection(db);
        await conn.OpenAsync();
        BenchArgs.Settle();
        var clock = Stopwatch.StartNew();
        await using var tx = await conn.BeginTransactionAsync();
        await conn.ExecuteAsync($"""
            {StageImport.TransactionSettingsSql};
            INSERT INTO subscribers (phone, language, region, status, created_at)
            SELECT phone, language, region, CASE WHEN consent_at IS NULL THEN 'pending' ELSE 'active' END, now()
              FROM import_rows WHERE import_id = @Id AND NOT duplicate
            ON CONFLICT (phone) DO NOTHING;
            INSERT INTO subscriptions (subscriber_id, topic, created_at)
            SELECT s.id, t.topic, now() FROM import_rows r JOIN subscribers s ON s.phone = r.phone CROSS JOIN unnest(r.topics) AS t(topic)
             WHERE r.import_id = @Id AND NOT r.duplicate
            ON CONFLICT DO NOTHING;
            INSERT INTO consent_events (subscriber_id, phone, phone_hash, action, scope, channel, occurred_at, source, consent_text, recorded_by, import_id)
            SELECT s.id, r.phone, r.phone_hash, 'opt_in', t.topic, 'import', r.consent_at, r.source, r.consent_text, 'bench', @Id
              FROM import_rows r JOIN subscribers s ON s.phone = r.phone CROSS JOIN unnest(r.topics) AS t(topic)
             WHERE r.import_id = @Id AND NOT r.duplicate AND r.consent_at IS NOT NULL;
            WITH confirmations AS (
                SELECT r.phone AS to_phone, s.id AS subscriber_id, @Body AS body, @Encoding AS encoding, @Segments AS segments, @Cost AS price,
                       2::smallint AS priority, 'import_confirmation' AS message_kind, NULL::bigint AS broadcast_id, 'import:' || s.id AS idempotency_key,
                       now() AS due_at, now() + interval '14 days' AS valid_until, now() AS queued_at
                  FROM import_rows r JOIN subscribers s ON s.phone = r.phone
                 WHERE r.import_id = @Id AND NOT r.duplicate AND r.consent_at IS NULL)
            {Gateway.Delivery.Outbox.EnqueueRowsSql("confirmations", skipDuplicates: true)};
            """, new { Id = id, body.Body, body.Encoding, body.Segments, body.Cost }, tx, commandTimeout: 1200);
        await tx.CommitAsync();
        var elapsed = clock.Elapsed;
        await host.StopAsync();
        return elapsed;
    }

    /// <summary>Residents already known: <paramref name="known"/> numbers from the start of the list's range, a tenth opted out.</summary>
    private static async Task SeedAsync(string db, int known)
    {
        Console.WriteLine($"[import] seeding {known:N0} known residents");
        await using var conn = new NpgsqlConnection(db);
        await conn.OpenAsync();
        await conn.ExecuteAsync("""
            INSERT INTO subscribers (phone, language, status, created_at, opted_out_at)
            SELECT '+86139' || lpad(i::text, 8, '0'), 'zh', CASE WHEN i % 10 = 0 THEN 'opted_out' ELSE 'active' END, now(),
                   CASE WHEN i % 10 = 0 THEN now() END
              FROM generate_series(1, @Known) AS i;
            INSERT INTO subscriptions (subscriber_id, topic, created_at) SELECT id, 'notices', now() FROM subscribers;
            ANALYZE;
            """, new { Known = known }, commandTimeout: 600);
    }

    private static void WriteFile(string path, int rows)
    {
        Console.WriteLine($"[import] writing {rows:N0} rows");
        var random = new Random(18);
        using var writer = new StreamWriter(path, false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true), 1 << 16);
        writer.Write("phone,language,region,topics,source,consent,consent_at,consent_text\n");
        string[] topicSets = ["notices", "tips", "notices;tips", "防疫通知", "mental-health;lessons"];
        for (var i = 1; i <= rows; i++)
        {
            // Known numbers first (they were seeded with these), then new ones; 1 % repeat an earlier number.
            var n = random.Next(100) == 0 && i > 10 ? random.Next(1, i) : i;
            var digits = $"139{n:D8}";
            var phone = (n % 5) switch
            {
                0 => "+86" + digits,
                1 => "0086 " + digits[..3] + " " + digits[3..7] + " " + digits[7..],
                2 => digits[..3] + "-" + digits[3..7] + "-" + digits[7..],
                3 when n % 50 == 3 => string.Concat(digits.Select(c => (char)(c - '0' + '０'))),
                _ => "+86 " + digits,
            };
            if (i % 200 == 0) phone = "12345";   // invalid
            var language = n % 4 == 0 ? "en" : "zh";
            var topics = topicSets[n % topicSets.Length];
            var line = n % 2 == 0
                ? $"{phone},{language},district-{n % 13},{topics},community clinic {n % 7},explicit,2026-02-{1 + n % 27:D2} 10:00,I agree to health SMS from the bureau"
                : $"{phone},{language},district-{n % 13},{topics},village committee {n % 11},,,";
            writer.Write(line);
            writer.Write('\n');
        }
    }

    /// <summary>The floor: the same file through CsvHelper into one binary COPY of its fields, no checks, no indexes.</summary>
    private static async Task<TimeSpan> PlainCopyAsync(string db, string file, string label)
    {
        await using var conn = new NpgsqlConnection(db);
        await conn.OpenAsync();
        var table = $"plain_copy_{label}";
        await conn.ExecuteAsync($"CREATE UNLOGGED TABLE {table} (phone text, language text, region text, topics text, source text, consent text, consent_at text, consent_text text)");
        BenchArgs.Settle();
        var clock = Stopwatch.StartNew();
        await using (var input = File.OpenRead(file))
        await using (var csv = CsvReader.Create(input, new CsvReaderOptions { Separator = ',', HasHeader = true }))
        await using (var copy = await conn.BeginBinaryImportAsync($"COPY {table} FROM STDIN (FORMAT BINARY)"))
        {
            while (await csv.ReadAsync())
            {
                await copy.StartRowAsync();
                for (var i = 0; i < 8; i++)
                    await copy.WriteAsync(i < csv.FieldCount ? csv.GetString(i) : "", NpgsqlDbType.Text);
            }
            await copy.CompleteAsync();
        }
        var elapsed = clock.Elapsed;
        await conn.ExecuteAsync($"DROP TABLE {table}");
        Console.WriteLine($"[import] plain COPY ({label}): {elapsed.TotalSeconds:F1} s");
        return elapsed;
    }

    private static async Task<IHost> StartAsync(string db)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Production" });
        builder.Configuration["DATABASE_URL"] = db;
        builder.Configuration["SIMULATOR_ENABLED"] = "true";
        builder.Configuration["Logging:LogLevel:Default"] = "Warning";
        builder.AddGatewayCore();
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    /// <summary>Peaks of this process's working set and GC heap above where they were when it started.</summary>
    private sealed class MemorySampler : IDisposable
    {
        private readonly long _workingSet = Environment.WorkingSet;
        private readonly long _heap = GC.GetTotalMemory(forceFullCollection: true);
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _sampling;
        private long _peakWorkingSet, _peakHeap;

        public MemorySampler() => _sampling = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                _peakWorkingSet = Math.Max(_peakWorkingSet, Environment.WorkingSet - _workingSet);
                _peakHeap = Math.Max(_peakHeap, GC.GetTotalMemory(false) - _heap);
                try { await Task.Delay(100, _stop.Token); } catch (OperationCanceledException) { }
            }
        });

        public (long WorkingSet, long Heap) Stop()
        {
            _stop.Cancel();
            _sampling.Wait();
            return (_peakWorkingSet, _peakHeap);
        }

        public void Dispose() => _stop.Dispose();
    }
}
