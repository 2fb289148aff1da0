using System.Net;
using System.Text;
using Gateway.Tests.Broadcasts;
using Gateway.Tests.Support;

namespace Gateway.Tests.Imports;

/// <summary>Exports: streamed CSV, numbers in full for admins only, limited to a person's districts, every one audited.</summary>
public sealed class ExportTests(ImportApp app) : IClassFixture<ImportApp>
{
    private const string Consented = "+8613730000001";
    private const string Asked = "+8613730000002";
    private const string Elsewhere = "+8613730000003";

    private async Task ImportOnceAsync()
    {
        if (await app.StatusOfAsync(Consented) is not null) return;
        await app.ImportAndRunAsync(string.Join("\n",
            "phone,language,region,topics,source,consent,consent_at,consent_text",
            $"{Consented},zh,jiangan,notices;tips,=clinic list,explicit,2026-02-20 10:30,I agree",
            $"{Asked},en,jiangan,tips,village,,,",
            $"{Elsewhere},en,wuchang,notices,village,,,"));
    }

    private static async Task<(HttpResponseMessage Response, string[] Lines)> GetCsvAsync(HttpClient client, string path)
    {
        var response = await client.GetAsync(path);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        var text = Encoding.UTF8.GetString(bytes).TrimStart('\uFEFF');
        return (response, text.Split("\r\n", StringSplitOptions.RemoveEmptyEntries));
    }

    private Task<int> AuditedAsync(string action) => app.QuerySingleAsync<int>("SELECT count(*)::int FROM audit_events WHERE action = @action", new { action });

    [Fact]
    public async Task AnAdmin_ExportsFullNumbers_Filtered_Streamed_AndAudited()
    {
        await ImportOnceAsync();
        var audited = await AuditedAsync("subscribers.exported");

        var (response, lines) = await GetCsvAsync(app.AdminClient(), "/api/subscribers/export.csv?status=pending&region=jiangan&language=en&topic=tips");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("phone,status,language,region,topics,created_at,opted_out_at", lines[0]);
        Assert.Equal([$"{Asked},pending,en,jiangan,tips,2026-03-02T01:00:00Z,"], lines[1..]);
        Assert.Equal(audited + 1, await AuditedAsync("subscribers.exported"));
    }

    [Fact]
    public async Task AnEditor_GetsMaskedNumbers()
    {
        await ImportOnceAsync();

        var (_, lines) = await GetCsvAsync(app.AdminClient(BroadcastApp.EditorToken), "/api/subscribers/export.csv?region=jiangan");

        Assert.Equal(["+86137****0001,active,zh,jiangan,notices;tips", "+86137****0002,pending,en,jiangan,tips"],
            lines[1..].Select(l => string.Join(',', l.Split(',').Take(5))));
    }

    [Fact]
    public async Task APersonLimitedToADistrict_ExportsOnlyThatDistrict_AndIsRefusedAnother()
    {
        await ImportOnceAsync();
        await StaffFixtures.AddAsync(app, "jiangan-editor", ["editor"], ["jiangan"]);
        var session = await ConsoleSession.SignInAsync(app, "jiangan-editor", StaffFixtures.Password);

        var (_, lines) = await GetCsvAsync(session.Client, "/api/subscribers/export.csv");
        var refused = await session.Client.GetAsync("/api/subscribers/export.csv?region=wuchang");
        var consentElsewhere = await session.Client.GetAsync($"/api/subscribers/{Uri.EscapeDataString(Elsewhere)}/consent.csv");

        Assert.Equal(2, lines.Length - 1);
        Assert.DoesNotContain(lines, l => l.Contains("wuchang"));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, consentElsewhere.StatusCode);
    }

    [Fact]
    public async Task TheConsentRecord_ShowsTheImportsLedger_FormulasMadeInert_AndIsAudited()
    {
        await ImportOnceAsync();
        var audited = await AuditedAsync("subscribers.consent_exported");

        var (response, lines) = await GetCsvAsync(app.AdminClient(), $"/api/subscribers/{Uri.EscapeDataString(Consented)}/consent.csv");
        var (_, masked) = await GetCsvAsync(app.AdminClient(BroadcastApp.EditorToken), $"/api/subscribers/{Uri.EscapeDataString(Consented)}/consent.csv");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("phone,occurred_at,action,scope,channel,keyword,source,consent_text,recorded_by", lines[0]);
        Assert.Equal([$"{Consented},2026-02-20T02:30:00Z,opt_in,notices,import,,'=clinic list,I agree,lin",
                      $"{Consented},2026-02-20T02:30:00Z,opt_in,tips,import,,'=clinic list,I agree,lin"], lines[1..].Order(StringComparer.Ordinal));
        Assert.StartsWith("+86137****0001,", masked[1]);
        Assert.Equal(audited + 2, await AuditedAsync("subscribers.consent_exported"));
    }

    [Fact]
    public async Task AViewer_CannotExport()
    {
        var response = await app.AdminClient(BroadcastApp.ViewerToken).GetAsync("/api/subscribers/export.csv");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }
}
