using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Dapper;
using Gateway.Imports;
using Gateway.Tests.Broadcasts;
using Gateway.Tests.Lessons;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.Imports;

/// <summary>The gateway with signed Twilio SMS (English by default), the planner on the fake clock, and one token per
/// role (the broadcast tests' tokens, so their helpers work here too).</summary>
public class ImportApp : LessonsApp
{
    protected override void Configure(Dictionary<string, string?> settings)
    {
        base.Configure(settings);
        settings["API_TOKENS"] = $"lin:editor:{BroadcastApp.EditorToken},wang:approver:{BroadcastApp.ApproverToken},zhao:viewer:{BroadcastApp.ViewerToken}";
    }

    /// <summary>POSTs <paramref name="csv"/> as the body (text/csv); returns the status and the answer's JSON.</summary>
    public async Task<(HttpStatusCode Status, JsonElement Json)> ImportAsync(string csv, bool dryRun, string token = BroadcastApp.EditorToken, bool bom = false,
        HttpClient? client = null)
    {
        var bytes = (bom ? Encoding.UTF8.GetPreamble() : []).Concat(Encoding.UTF8.GetBytes(csv)).ToArray();
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        var response = await (client ?? AdminClient(token)).PostAsync($"/api/subscribers/imports?dryRun={(dryRun ? "true" : "false")}", content);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text).RootElement);
    }

    /// <summary>Imports for real and runs the job to its end, as the worker would; returns the import as the API then shows it.</summary>
    public async Task<JsonElement> ImportAndRunAsync(string csv, string token = BroadcastApp.EditorToken)
    {
        var (status, json) = await ImportAsync(csv, dryRun: false, token);
        Assert.True(status == HttpStatusCode.Accepted, $"{(int)status}: {json}");
        var id = json.GetProperty("id").GetInt64();
        await Services.GetRequiredService<ApplyImport>().RunAsync(id, CancellationToken.None);
        var after = await AdminClient(token).GetStringAsync($"/api/subscribers/imports/{id}");
        return JsonDocument.Parse(after).RootElement;
    }

    /// <summary>Rows of every table an import writes, to prove that something wrote nothing.</summary>
    public Task<Counts> CountAsync() => QuerySingleAsync<Counts>("""
        SELECT (SELECT count(*) FROM subscribers) AS subscribers, (SELECT count(*) FROM subscriptions) AS subscriptions,
               (SELECT count(*) FROM consent_events) AS consent_events, (SELECT count(*) FROM outbound_messages) AS outbound,
               (SELECT count(*) FROM imports) AS imports, (SELECT count(*) FROM import_rows) AS import_rows
        """);

    public sealed record Counts(long Subscribers, long Subscriptions, long ConsentEvents, long Outbound, long Imports, long ImportRows);

    public Task<string?> StatusOfAsync(string phone) => QuerySingleAsync<string?>("SELECT (SELECT status FROM subscribers WHERE phone = @phone)", new { phone });

    public async Task SeedAsync(string phone, string status, params string[] topics)
    {
        await using var conn = await OpenDatabaseAsync();
        var now = Clock.GetUtcNow();
        var id = await conn.ExecuteScalarAsync<long>("""
            INSERT INTO subscribers (phone, language, status, created_at, opted_out_at) VALUES (@phone, 'en', @status, @now, @optedOut) RETURNING id
            """, new { phone, status, now, optedOut = status == "opted_out" ? now : (DateTimeOffset?)null });
        foreach (var topic in topics)
            await conn.ExecuteAsync("INSERT INTO subscriptions (subscriber_id, topic, created_at) VALUES (@id, @topic, @now)", new { id, topic, now });
    }
}
