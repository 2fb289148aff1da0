using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Gateway.Broadcasts;
using Gateway.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.Broadcasts;

/// <summary>The gateway with one token per role, the simulator as provider, pacing off, a price of 0.05 per segment.</summary>
public class BroadcastApp : GatewayApp
{
    public const string EditorToken = "editor-token-0123456789";
    public const string SecondEditorToken = "editor2-token-0123456789";
    public const string ApproverToken = "approver-token-0123456789";
    public const string ViewerToken = "viewer-token-0123456789";
    public const string CounsellorToken = "counsellor-token-0123456789";

    /// <summary>API_TOKENS with the tokens above (for other fixtures that send broadcasts, e.g. through Kannel).</summary>
    public const string ApiTokens =
        $"lin:editor:{EditorToken},li:editor:{SecondEditorToken},wang:approver:{ApproverToken},zhao:viewer:{ViewerToken},chen:counsellor:{CounsellorToken}";

    protected override void Configure(Dictionary<string, string?> settings)
    {
        settings["API_TOKENS"] = ApiTokens;
        settings["SMS_PRICE_PER_SEGMENT"] = "0.05";
    }
}

/// <summary>A resident to seed: language, topics, and whether the number opted out or is known not to receive SMS.</summary>
public sealed record Resident(string Phone, string Language = "zh", string[]? Topics = null, bool OptedOut = false, bool BadNumber = false);

/// <summary>What broadcast tests do over and over: seed residents, create and approve over HTTP, run the fan-out job.</summary>
public static class Broadcasting
{
    private static int _numbers;

    /// <summary>A number no other test uses.</summary>
    public static string NewPhone() => $"+86135{Interlocked.Increment(ref _numbers):D8}";

    /// <summary>A region no other test uses: tests in one class share a database, and a region keeps audiences apart.</summary>
    public static string NewRegion() => $"district-{Guid.NewGuid():N}"[..20];

    public static async Task SeedAsync(GatewayApp app, string region, params Resident[] residents)
    {
        await using var conn = await app.OpenDatabaseAsync();
        var now = app.Clock.GetUtcNow();
        foreach (var r in residents)
        {
            var id = await conn.ExecuteScalarAsync<long>("""
                INSERT INTO subscribers (phone, language, status, region, created_at, opted_out_at)
                VALUES (@Phone, @Language, @Status, @Region, @Now, @OptedOutAt) RETURNING id
                """, new { r.Phone, r.Language, Status = r.OptedOut ? "opted_out" : "active", Region = region, Now = now, OptedOutAt = r.OptedOut ? now : (DateTimeOffset?)null });
            foreach (var topic in r.Topics ?? ["notices"])
                await conn.ExecuteAsync("INSERT INTO subscriptions (subscriber_id, topic, created_at) VALUES (@id, @topic, @now)", new { id, topic, now });
            if (r.BadNumber)
                await conn.ExecuteAsync("INSERT INTO phone_number_problems (phone, problem, error_code, detected_at) VALUES (@Phone, 'invalid', '21211', @now)", new { r.Phone, now });
        }
    }

    public static async Task<long> CreateAsync(GatewayApp app, object body, string token = BroadcastApp.EditorToken)
    {
        var response = await app.AdminClient(token).PostAsJsonAsync("/api/broadcasts", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.GetProperty("id").GetInt64();
    }

    public static async Task<JsonElement> ApproveAsync(GatewayApp app, long id, string token = BroadcastApp.ApproverToken)
    {
        var response = await app.AdminClient(token).PostAsync($"/api/broadcasts/{id}/approve", null);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement;
    }

    /// <summary>Created by the editor, approved by the approver; the start job is then run here, as the worker would.</summary>
    public static async Task<long> SendAsync(GatewayApp app, object body)
    {
        var id = await CreateAsync(app, body);
        await ApproveAsync(app, id);
        await app.Services.GetRequiredService<FanOutBroadcast>().StartAsync(id, CancellationToken.None);
        return id;
    }

    public static async Task<JsonElement> GetAsync(GatewayApp app, long id, string token = BroadcastApp.ViewerToken)
    {
        var response = await app.AdminClient(token).GetAsync($"/api/broadcasts/{id}");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement;
    }

    public static async Task<Dictionary<string, long>> CountsAsync(GatewayApp app, long id) =>
        (await GetAsync(app, id)).GetProperty("counts").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64());

    public sealed record Message(string Recipient, string Body, string Status, short Priority, DateTime NotBefore, DateTime ExpiresAt);

    /// <summary>The outbound rows of a broadcast (all its occurrences), by recipient.</summary>
    public static Task<IReadOnlyList<Message>> MessagesAsync(GatewayApp app, long broadcastId) => app.QueryAsync<Message>("""
        SELECT m.recipient, m.body, m.status, m.priority, m.not_before, m.expires_at
          FROM outbound_messages m JOIN broadcast_occurrences o ON o.id = m.broadcast_id
         WHERE o.broadcast_id = @broadcastId
         ORDER BY m.recipient, m.not_before
        """, new { broadcastId });
}
