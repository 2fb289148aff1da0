using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Gateway.Tests.Support;

namespace Gateway.Bench.Faults;

/// <summary>What the broadcast scenarios share: an urgent notice (quiet hours do not hold it) created and approved over the admin API.</summary>
public abstract class BroadcastFault : FaultScenario
{
    protected static async Task<long> SendNoticeAsync(HttpClient web, string region, string text)
    {
        var create = new HttpRequestMessage(HttpMethod.Post, "/api/broadcasts")
        {
            Content = JsonContent.Create(new { title = "Fault suite", content = new { zh = text }, audience = new { topics = new[] { "notices" }, regions = new[] { region } }, urgent = true }),
        };
        create.Headers.Authorization = new AuthenticationHeaderValue("Bearer", FaultRig.EditorToken);
        var created = await web.SendAsync(create);
        var body = await created.Content.ReadAsStringAsync();
        if (created.StatusCode != HttpStatusCode.Created) throw new InvalidOperationException($"creating the broadcast: {(int)created.StatusCode} {body}");
        var id = JsonDocument.Parse(body).RootElement.GetProperty("id").GetInt64();

        var approve = new HttpRequestMessage(HttpMethod.Post, $"/api/broadcasts/{id}/approve");
        approve.Headers.Authorization = new AuthenticationHeaderValue("Bearer", FaultRig.ApproverToken);
        var approved = await web.SendAsync(approve);
        if (approved.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"approving the broadcast: {(int)approved.StatusCode} {await approved.Content.ReadAsStringAsync()}");
        return id;
    }
}

/// <summary>kill -9 of the worker that is fanning a broadcast out; another worker is alive.</summary>
public sealed class WorkerKillMidFanOut : BroadcastFault
{
    private const int Subscribers = 200_000;

    public override string Id => "worker-kill-fanout";
    public override string Title => $"worker kill -9 mid-fan-out ({Subscribers:N0} recipients, two workers)";

    private sealed record Occurrence(long Id, string Status, string? Runner, int Planned);

    public override async Task RunAsync(FaultRig rig, FaultReport report)
    {
        await rig.BeginAsync(Id, TimeSpan.Zero);
        await rig.SeedSubscribersAsync(Subscribers, "fanout");
        var (_, web, _) = await rig.StartWebAsync(rate: 10);
        var workers = new[] { await rig.StartWorkerAsync(rate: 10), await rig.StartWorkerAsync(rate: 10) };
        var broadcast = await SendNoticeAsync(web, "fanout", "停水通知：明天上午九点至下午五点停水，请提前储水。");

        Occurrence? occurrence = null;
        async Task<bool> Read()
        {
            await using var conn = await rig.OpenAsync();
            occurrence = await conn.QuerySingleOrDefaultAsync<Occurrence>(
                "SELECT id, status, runner, planned FROM broadcast_occurrences WHERE broadcast_id = @broadcast", new { broadcast });
            return true;
        }
        await FaultRig.TryWaitAsync(async () => await Read() && occurrence is { Runner: not null, Planned: > 0 }, TimeSpan.FromSeconds(60), everyMs: 20);
        if (occurrence is not { Runner: { } runner, Status: "fanning_out" })
        {
            report.Add("kill mid-fan-out", occurrence is null ? "the fan-out never started" : $"the fan-out was {occurrence.Status} before the kill", "killed mid-way", false);
            return;
        }
        var victim = workers.Single(w => runner.Split(':')[1] == w.Id.ToString());
        var survivor = workers.Single(w => w != victim);
        var plannedAtKill = occurrence.Planned;
        await victim.KillAsync();
        report.Add("rows written when the worker was killed", $"{plannedAtKill:N0} of {Subscribers:N0}");

        var takenOver = await SecondsUntilAsync(async () => await Read() && occurrence!.Runner is { } r && r.Split(':')[1] != victim.Id.ToString(),
            TimeSpan.FromSeconds(90));
        report.Add("fan-out carried on by the live worker", Seconds(takenOver) + " after the kill", "≤ 30 s", takenOver <= 30);
        var finished = await SecondsUntilAsync(async () => await Read() && occurrence!.Status == "fanned_out", TimeSpan.FromSeconds(120));
        report.Add("fan-out finished", Seconds(finished + takenOver) + " after the kill");

        await using var conn = await rig.OpenAsync();
        var (rows, recipients) = await conn.QuerySingleAsync<(long, long)>(
            "SELECT count(*), count(DISTINCT subscriber_id) FROM outbound_messages WHERE broadcast_id = @Id", new { occurrence!.Id }, commandTimeout: 300);
        report.Add("recipients missing", $"{Subscribers - recipients:N0}", "0", recipients == Subscribers);
        report.Add("recipients written twice", $"{rows - recipients:N0}", "0", rows == recipients);
        report.Add("the live worker said whose work it took over", survivor.Output.Contains($":{victim.Id}:") && survivor.Output.Contains("carrying on the fan-out") ? "yes" : "no",
            "a warning naming the killed run", survivor.Output.Contains("carrying on the fan-out"));
    }
}

/// <summary>Residents text STOP while a broadcast is being sent to them (F13).</summary>
public sealed class StopMidBroadcast : BroadcastFault
{
    private const int Subscribers = 1_000;
    private const int Stops = 40;
    private const int Rate = 50;

    public override string Id => "stop-mid-broadcast";
    public override string Title => $"{Stops} residents text STOP while a broadcast to {Subscribers:N0} is sent at {Rate}/s";

    public override async Task RunAsync(FaultRig rig, FaultReport report)
    {
        await rig.BeginAsync(Id, TimeSpan.FromMilliseconds(100));
        await rig.SeedSubscribersAsync(Subscribers, "stop");
        var (_, web, baseUrl) = await rig.StartWebAsync(Rate);
        await rig.StartWorkerAsync(Rate);
        await SendNoticeAsync(web, "stop", "防疫提醒：外出请戴口罩。");
        await FaultRig.TryWaitAsync(() => Task.FromResult(rig.Provider.Requests.Count > 0), TimeSpan.FromSeconds(60));

        var random = new Random(20);
        var numbers = Enumerable.Range(1, Subscribers).OrderBy(_ => random.Next()).Take(Stops).Select(i => $"+86137{i:D8}").ToArray();
        var answered = await Task.WhenAll(numbers.Select(async (number, i) =>
        {
            await Task.Delay(TimeSpan.FromMilliseconds(random.Next(0, 12_000) + i));
            var form = new Dictionary<string, string>
            {
                ["MessageSid"] = $"SM{Guid.NewGuid():N}",
                ["AccountSid"] = FakeTwilio.AccountSid,
                ["From"] = number,
                ["To"] = "+15017122661",
                ["Body"] = "STOP",
                ["NumMedia"] = "0",
            };
            using var response = await web.SendAsync(TwilioSigner.SignedPost(FakeTwilio.AuthToken, baseUrl, "/webhooks/twilio/sms", form));
            var twiml = await response.Content.ReadAsStringAsync();
            return (Number: number, At: Stopwatch.GetTimestamp(), Confirmed: response.StatusCode == HttpStatusCode.OK && twiml.Contains("<Message>"));
        }));
        report.Add("STOPs answered with a confirmation", $"{answered.Count(a => a.Confirmed)} of {Stops}", $"{Stops}", answered.All(a => a.Confirmed));

        await FaultRig.TryWaitAsync(() => HandOffTally.AllSettledAsync(rig), TimeSpan.FromSeconds(120));
        var after = answered.Sum(a => rig.Provider.RequestsTo(a.Number).Count(r => r.ArrivedTicks > a.At));
        var before = answered.Count(a => rig.Provider.RequestsTo(a.Number).Any(r => r.ArrivedTicks <= a.At));
        report.Add("broadcast hand-offs after a STOP confirmation", $"{after}", "0", after == 0);
        report.Add("residents who had the broadcast before their STOP", $"{before} of {Stops}");
        var tally = await HandOffTally.CountAsync(rig);
        report.Add("lost", $"{tally.Lost}", "0", tally.Lost == 0);
        report.Add("duplicated hand-offs", $"{tally.Duplicates}", "0", tally.Duplicates == 0);
    }
}
