using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Gateway.Delivery;
using Gateway.Support;
using Gateway.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.Counselling;

/// <summary>
/// The gateway as counsellors and residents meet it: signed Twilio webhooks in, the simulator as the SMS provider (the
/// resident's phone), a dispatcher pass to hand over what is queued, tokens for two counsellors, an admin and a viewer,
/// and one on-call number.
/// </summary>
public class CounsellingApp : TwilioWebhookApp
{
    public const string LinToken = "counsellor-lin-token-0123456789";
    public const string ChenToken = "counsellor-chen-token-0123456789";
    public const string ViewerToken = "viewer-zhao-token-0123456789";
    public const string EditorToken = "editor-wu-token-0123456789";
    public const string Oncall = "+8613911112222";
    public const string SecondOncall = "+8613911113333";

    protected override void Configure(Dictionary<string, string?> settings)
    {
        base.Configure(settings);
        settings["API_TOKENS"] = $"lin:counsellor:{LinToken},chen:counsellor:{ChenToken},zhao:viewer:{ViewerToken},wu:editor:{EditorToken}";
        settings["COUNSELLOR_ONCALL_PHONES"] = $"{Oncall}, {SecondOncall}";
    }

    private static int _numbers;

    /// <summary>A resident's number no other test uses.</summary>
    public static string NewPhone() => $"+86137{Interlocked.Increment(ref _numbers) + 20_000_000:D8}";

    public TwilioSms Resident => new(this);

    public Dispatcher Dispatcher => Services.GetRequiredService<Dispatcher>();

    public CounsellingTimers Timers => Services.GetRequiredService<CounsellingTimers>();

    /// <summary>Hands everything due to the simulator, as the worker would.</summary>
    public async Task DispatchAsync()
    {
        while ((await Dispatcher.DispatchOnceAsync(CancellationToken.None)).Claimed > 0) { }
    }

    /// <summary>What the simulated phone <paramref name="phone"/> received, oldest first (after a dispatch).</summary>
    public async Task<IReadOnlyList<string>> ReceivedAsync(string phone)
    {
        await DispatchAsync();
        var json = JsonDocument.Parse(await AdminClient().GetStringAsync($"/api/simulator/messages?to={Uri.EscapeDataString(phone)}&limit=1000")).RootElement;
        return json.EnumerateArray().Reverse().Select(m => m.GetProperty("body").GetString()!).ToList();
    }

    /// <summary>The id of the newest support request from <paramref name="phone"/>, as the queue lists it.</summary>
    public async Task<long> RequestIdAsync(string phone) =>
        await QuerySingleAsync<long>("SELECT max(id) FROM support_requests WHERE phone = @phone", new { phone });

    public async Task<HttpResponseMessage> ClaimAsync(long id, string token = LinToken) =>
        await AdminClient(token).PostAsync($"/api/support/requests/{id}/claim", null);

    public async Task<HttpResponseMessage> ReplyAsync(long id, string text, string token = LinToken) =>
        await AdminClient(token).PostAsJsonAsync($"/api/support/requests/{id}/messages", new { text });

    public async Task<HttpResponseMessage> CloseAsync(long id, string? outcome, string? note = null, string token = LinToken) =>
        await AdminClient(token).PostAsJsonAsync($"/api/support/requests/{id}/close", new { outcome, note });

    /// <summary>The conversation as GET …/messages gives it: "in: text" and "out: text (status)".</summary>
    public async Task<IReadOnlyList<string>> ConversationAsync(long id, string token = LinToken)
    {
        var json = await JsonAsync($"/api/support/requests/{id}/messages", token);
        return json.EnumerateArray().Select(m => m.GetProperty("direction").GetString() == "in"
            ? $"in: {m.GetProperty("text").GetString()}"
            : $"out: {m.GetProperty("text").GetString()} ({m.GetProperty("status").GetString()})").ToList();
    }

    public async Task<JsonElement> JsonAsync(string path, string token = LinToken)
    {
        var response = await AdminClient(token).GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement;
    }
}
