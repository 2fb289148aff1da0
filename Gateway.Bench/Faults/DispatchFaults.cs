using System.Diagnostics;
using Dapper;
using Gateway.Tests.Support;

namespace Gateway.Bench.Faults;

/// <summary>What the dispatch scenarios share: two workers sending one queue at a realistic paced rate.</summary>
public abstract class DispatchFault : FaultScenario
{
    /// <summary>A short code's rate, with a provider answering in 150 ms: about 30 requests in flight.</summary>
    protected const int Rate = 200;
    protected const int Messages = 6_000;
    protected static readonly TimeSpan Latency = TimeSpan.FromMilliseconds(150);

    /// <summary>The second worker's hand-offs carry this account SID, so the fake tells the two workers apart.</summary>
    protected const string SecondAccount = "AC1111111111111111111111111111111f";

    protected static async Task<(GatewayBinary First, GatewayBinary Second)> StartTwoWorkersAsync(FaultRig rig, string id)
    {
        await rig.BeginAsync(id, Latency);
        var first = await rig.StartWorkerAsync(Rate);
        var second = await rig.StartWorkerAsync(Rate, accountSid: SecondAccount);
        return (first, second);
    }

    protected static Task<bool> SentAtLeastAsync(FaultRig rig, int count) => Task.FromResult(rig.Provider.Requests.Count >= count);

    /// <summary>Rows of <paramref name="ids"/> still in one of <paramref name="statuses"/>.</summary>
    protected static async Task<bool> NoneInAsync(FaultRig rig, long[] ids, params string[] statuses)
    {
        await using var conn = await rig.OpenAsync();
        return !await conn.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM outbound_messages WHERE id = ANY(@ids) AND status = ANY(@statuses))",
            new { ids, statuses });
    }

    /// <summary>Lost, duplicated and unsettled: the provider's count against the rows.</summary>
    protected static async Task<HandOffTally> ReportTallyAsync(FaultRig rig, FaultReport report, int ambiguous)
    {
        var settled = await SecondsUntilAsync(() => HandOffTally.AllSettledAsync(rig), TimeSpan.FromSeconds(120));
        var tally = await HandOffTally.CountAsync(rig);
        report.Add("messages", $"{tally.Rows:N0} rows, {tally.Accepted:N0} accepted hand-offs", settled is null ? "not all settled within 120 s" : "");
        report.Add("lost", $"{tally.Lost}", "0", tally.Lost == 0);
        report.Add("duplicated hand-offs", $"{tally.Duplicates}", $"≤ {ambiguous} ambiguous hand-offs", tally.Duplicates <= ambiguous);
        report.Add("unsettled at the end", $"{tally.Unsettled}", "0", tally.Unsettled == 0);
        report.Add("rows reconciled (asked about, or queued again)", $"{tally.Reconciled}");
        return tally;
    }

    /// <summary>Requests that had reached the fake but not yet been answered at <paramref name="at"/> (a Stopwatch timestamp).</summary>
    protected static int InFlightAt(FaultRig rig, long at, string? account = null) => rig.Provider.Requests.Count(r =>
        (account is null || r.AccountSid == account) && r.ArrivedTicks <= at
        && r.ArrivedTicks + (long)(Latency.TotalSeconds * Stopwatch.Frequency) >= at);
}

/// <summary>Two workers at once on one queue and one sender: no message twice, none lost, the rate kept between them.</summary>
public sealed class TwoWorkers : DispatchFault
{
    public override string Id => "two-workers";
    public override string Title => "two workers dispatch one queue at once";

    public override async Task RunAsync(FaultRig rig, FaultReport report)
    {
        await StartTwoWorkersAsync(rig, Id);
        await rig.QueueAsync(Messages / 2);
        await ReportTallyAsync(rig, report, ambiguous: 0);

        var requests = rig.Provider.Requests;
        var second = requests.Count(r => r.AccountSid == SecondAccount);
        report.Add("hand-offs per worker", $"{requests.Count - second:N0} / {second:N0}", "both send", second > 0 && second < requests.Count);
        var arrivals = requests.Select(r => r.ArrivedTicks).Order().ToArray();
        var most = 0;
        for (int start = 0, end = 0; start < arrivals.Length; start++)
        {
            while (end < arrivals.Length && arrivals[end] - arrivals[start] < Stopwatch.Frequency) end++;
            most = Math.Max(most, end - start);
        }
        report.Add("most hand-offs in any 1-s window", $"{most}", $"≤ {Rate} + 1 (one shared budget)", most <= Rate + 1);
    }
}

/// <summary>kill -9 of one of two workers in the middle of a paced dispatch.</summary>
public sealed class WorkerKillMidDispatch : DispatchFault
{
    public override string Id => "worker-kill-dispatch";
    public override string Title => "worker kill -9 mid-dispatch (two workers, 200 msg/s, 150 ms provider latency)";

    public override async Task RunAsync(FaultRig rig, FaultReport report)
    {
        var (victim, survivor) = await StartTwoWorkersAsync(rig, Id);
        await rig.QueueAsync(Messages);
        await FaultRig.TryWaitAsync(() => SentAtLeastAsync(rig, Messages * 3 / 10), TimeSpan.FromSeconds(60));

        var killedAt = Stopwatch.GetTimestamp();
        await victim.KillAsync();
        var killedUtc = DateTimeOffset.UtcNow;
        List<(long Id, DateTime LeaseUntil)> held;
        await using (var conn = await rig.OpenAsync())
            held = (await conn.QueryAsync<(long, DateTime)>("""
                SELECT m.id, p.lease_until FROM outbound_messages m JOIN dispatch_passes p ON p.id = m.pass_id
                 WHERE p.worker = @Worker AND m.status = 'sending'
                """, new { Worker = $"{Environment.MachineName}:{victim.Id}" })).AsList();
        var ids = held.Select(h => h.Id).ToArray();
        var inFlight = InFlightAt(rig, killedAt, FakeTwilio.AccountSid);
        var before = rig.Provider.Requests.Count(r => r.AccountSid == FakeTwilio.AccountSid && r.ArrivedTicks <= killedAt);
        report.Add("rows the killed worker held", $"{ids.Length}", $"it had handed over {before:N0}; {inFlight} of its requests were in flight at the kill");

        var takenBack = await SecondsUntilAsync(() => NoneInAsync(rig, ids, "sending"), TimeSpan.FromSeconds(90));
        var settled = await SecondsUntilAsync(() => NoneInAsync(rig, ids, "sending", "ambiguous"), TimeSpan.FromSeconds(90));
        report.Add("its rows taken up by the live worker", Seconds(takenBack) + " after the kill", "≤ 30 s", takenBack <= 30);
        if (held.Count > 0)
        {
            var leaseEnd = new DateTimeOffset(held.Max(h => h.LeaseUntil));
            var afterLease = settled is { } s ? (killedUtc + TimeSpan.FromSeconds(takenBack ?? 0) + TimeSpan.FromSeconds(s) - leaseEnd).TotalSeconds : (double?)null;
            report.Add("its rows settled", $"{Seconds(afterLease)} after its lease ended ({(leaseEnd - killedUtc).TotalSeconds:F1} s after the kill)", "≤ 30 s", afterLease <= 30);
        }
        await ReportTallyAsync(rig, report, ambiguous: inFlight);
        report.Add("the live worker said so", survivor.Output.Contains("stopped renewing its lease") ? "yes" : "no", "a warning naming the worker",
            survivor.Output.Contains($":{victim.Id} stopped renewing its lease"));
    }
}

/// <summary>PostgreSQL stopped as by a crash (pg_ctl stop -m immediate) mid-dispatch, started again 10 s later.</summary>
public sealed class PostgresCrashMidDispatch : DispatchFault
{
    public override string Id => "postgres-crash";
    public override string Title => "PostgreSQL crash and restart mid-dispatch (down 10 s)";

    public override async Task RunAsync(FaultRig rig, FaultReport report)
    {
        var (first, second) = await StartTwoWorkersAsync(rig, Id);
        await rig.QueueAsync(Messages);
        await FaultRig.TryWaitAsync(() => SentAtLeastAsync(rig, Messages * 3 / 10), TimeSpan.FromSeconds(60));

        long[] sending;
        await using (var conn = await rig.OpenAsync())
            sending = (await conn.QueryAsync<long>("SELECT id FROM outbound_messages WHERE status = 'sending'")).ToArray();
        var crashedAt = Stopwatch.GetTimestamp();
        await rig.Postgres.CrashAsync();
        await Task.Delay(TimeSpan.FromSeconds(10));
        await rig.Postgres.StartAgainAsync();
        var readyAt = Stopwatch.GetTimestamp();
        var inFlight = InFlightAt(rig, crashedAt);
        var duringOutage = rig.Provider.Requests.Count(r => r.ArrivedTicks > crashedAt && r.ArrivedTicks < readyAt);
        report.Add("rows being sent at the crash", $"{sending.Length}", $"{inFlight} hand-offs in flight; {duringOutage} more handed over while PostgreSQL was down (claimed before)");

        var resumed = await SecondsUntilAsync(() => Task.FromResult(rig.Provider.Requests.Any(r => r.ArrivedTicks > readyAt)), TimeSpan.FromSeconds(60));
        report.Add("dispatch resumed", Seconds(resumed) + " after PostgreSQL was back", "≤ 30 s (R4 goal ≤ 10 s)", resumed <= 30);
        var settled = await SecondsUntilAsync(() => NoneInAsync(rig, sending, "sending", "ambiguous"), TimeSpan.FromSeconds(90));
        report.Add("rows in flight at the crash settled", Seconds(settled) + " after PostgreSQL was back", "≤ 30 s", settled <= 30);
        await ReportTallyAsync(rig, report, ambiguous: inFlight + duringOutage);
        report.Add("workers still running", $"{(first.HasExited ? 0 : 1) + (second.HasExited ? 0 : 1)} of 2", "2", !first.HasExited && !second.HasExited);
    }
}
