using System.Net;
using System.Net.Http.Headers;
using Dapper;
using Gateway.Phones;
using Gateway.Tests.Support;

namespace Gateway.Tests.Broadcasts;

/// <summary>
/// GET /api/broadcasts/{id}/report.csv (anyone signed in: numbers masked) and /not-reached.csv (admins: full numbers of
/// those it did not reach), over a real Kestrel: written as read (chunked, no Content-Length), audited.
/// </summary>
public sealed class BroadcastReportTests(BroadcastReportTests.App app) : IClassFixture<BroadcastReportTests.App>
{
    public sealed class App : BrowserApp
    {
        protected override void Configure(Dictionary<string, string?> settings)
        {
            base.Configure(settings);
            settings["API_TOKENS"] = $"lin:editor:{BroadcastApp.EditorToken},wang:approver:{BroadcastApp.ApproverToken},zhao:viewer:{BroadcastApp.ViewerToken}";
        }
    }

    private HttpClient Client(string token)
    {
        var client = new HttpClient { BaseAddress = new Uri(app.BaseUrl) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>A sent broadcast to five residents whose messages ended five different ways.</summary>
    private async Task<(long Id, Resident[] Residents)> SentBroadcastAsync()
    {
        var region = Broadcasting.NewRegion();
        Resident delivered = new(Broadcasting.NewPhone()), failed = new(Broadcasting.NewPhone(), "en"), expired = new(Broadcasting.NewPhone()),
            canceled = new(Broadcasting.NewPhone()), sent = new(Broadcasting.NewPhone(), "en");
        var residents = new[] { delivered, failed, expired, canceled, sent };
        await Broadcasting.SeedAsync(app, region, residents);
        var id = await Broadcasting.SendAsync(app, new
        {
            title = "Report",
            content = new { zh = "今天下午核酸检测。", en = "Testing this afternoon, with commas, \"quotes\"." },
            audience = new { regions = new[] { region } },
        });
        await using var conn = await app.OpenDatabaseAsync();
        var at = app.Clock.GetUtcNow();
        foreach (var (resident, status, error) in new[] { (delivered, "delivered", (string?)null), (failed, "failed", "=30003"), (expired, "expired", null),
                     (canceled, "canceled", null), (sent, "sent", null) })
            await conn.ExecuteAsync("""
                UPDATE outbound_messages SET status = @status, error_code = @error, status_at = @at,
                       sent_at = CASE WHEN @status IN ('delivered', 'sent', 'failed') THEN @sentAt END
                 WHERE broadcast_id = @id AND recipient = @phone
                """, new { status, error, at = at.AddMinutes(3), sentAt = at.AddMinutes(1), id, phone = resident.Phone });
        return (id, residents);
    }

    [Fact]
    public async Task TheReport_ListsEveryMessage_NumbersMasked_Streamed_AndAudited()
    {
        var (id, residents) = await SentBroadcastAsync();

        using var response = await Client(BroadcastApp.ViewerToken).GetAsync($"/api/broadcasts/{id}/report.csv", HttpCompletionOption.ResponseHeadersRead);
        // Read before the body: once buffered, HttpClient reports the buffer's length as Content-Length.
        var (length, chunked) = (response.Content.Headers.ContentLength, response.Headers.TransferEncodingChunked);
        var csv = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal($"broadcast-{id}-report.csv", response.Content.Headers.ContentDisposition?.FileNameStar ?? response.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        Assert.Null(length);
        Assert.True(chunked);
        var lines = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("phone,language,status,error_code,sent_at,delivered_at", lines[0]);
        Assert.Equal(residents.Length, lines.Length - 1);
        foreach (var r in residents) Assert.DoesNotContain(r.Phone, csv);
        Assert.Contains($"{Phone.Mask(residents[0].Phone)},zh,delivered,,2026-03-02T09:01:00+08:00,2026-03-02T09:03:00+08:00", lines);
        // A provider's code that looks like a formula is made harmless for spreadsheets.
        Assert.Contains($"{Phone.Mask(residents[1].Phone)},en,failed,'=30003,2026-03-02T09:01:00+08:00,", lines);
        Assert.Contains($"{Phone.Mask(residents[2].Phone)},zh,expired,,,", lines);
        Assert.Equal(1, await app.QuerySingleAsync<long>("SELECT count(*) FROM audit_events WHERE action = 'broadcast.report_exported' AND target = @t AND actor = 'zhao'",
            new { t = $"broadcast {id}" }));
    }

    [Fact]
    public async Task ResidentsNotReached_WithFullNumbers_AreForAdminsOnly_AndAudited()
    {
        var (id, residents) = await SentBroadcastAsync();
        foreach (var token in new[] { BroadcastApp.ViewerToken, BroadcastApp.EditorToken, BroadcastApp.ApproverToken })
            Assert.Equal(HttpStatusCode.Forbidden, (await Client(token).GetAsync($"/api/broadcasts/{id}/not-reached.csv")).StatusCode);
        Assert.Equal(0, await app.QuerySingleAsync<long>("SELECT count(*) FROM audit_events WHERE action = 'broadcast.unreached_exported'"));

        using var response = await Client(GatewayApp.AdminToken).GetAsync($"/api/broadcasts/{id}/not-reached.csv");
        var lines = (await response.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("phone,language,status,error_code,sent_at", lines[0]);
        Assert.Equal([$"{residents[1].Phone},en,failed,'=30003,2026-03-02T09:01:00+08:00", $"{residents[2].Phone},zh,expired,,"], lines.Skip(1).Order());
        Assert.Equal(1, await app.QuerySingleAsync<long>("SELECT count(*) FROM audit_events WHERE action = 'broadcast.unreached_exported' AND target = @t AND actor = 'admin'",
            new { t = $"broadcast {id}" }));
    }

    [Theory]
    [InlineData("report.csv")]
    [InlineData("not-reached.csv")]
    public async Task AnUnknownBroadcast_Is404(string file) =>
        Assert.Equal(HttpStatusCode.NotFound, (await Client(GatewayApp.AdminToken).GetAsync($"/api/broadcasts/987654321/{file}")).StatusCode);
}
