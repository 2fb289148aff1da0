using System.Text;
using Gateway.Imports;
using Gateway.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Gateway.Tests.Imports;

/// <summary>The import pages in Chromium: upload, the report, confirm, progress, done; axe and the 100 KB budget on each.</summary>
public sealed class ImportBrowserTests(ImportBrowserTests.App app) : IClassFixture<ImportBrowserTests.App>
{
    public sealed class App : BrowserApp;

    [Fact]
    public async Task AnEditor_ChecksAList_ReadsItsReport_ConfirmsIt_AndWatchesItImported()
    {
        await StaffFixtures.AddAsync(app, "importer", ["editor"]);
        await using var browser = await ConsoleBrowser.OpenAsync(app);
        var page = await browser.SignInAsync("importer", StaffFixtures.Password);
        await page.GetByRole(AriaRole.Link, new() { Name = "Imports", Exact = true }).ClickAsync();
        await browser.CheckPageAsync("/imports");

        var csv = "phone,language,topics,source,consent,consent_at,consent_text\n"
            + "+8613740000001,en,notices,clinic,explicit,2026-02-20,I agree\n"
            + "+8613740000002,zh,tips,,,,\n"
            + "+8613740000003,fr,tips,,,,\n";
        await page.GetByLabel("List (CSV file)").SetInputFilesAsync(new FilePayload { Name = "clinic.csv", MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes(csv) });
        await page.GetByRole(AriaRole.Button, new() { Name = "Check the list", Exact = true }).ClickAsync();
        await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/imports/[0-9]+$"));

        var report = page.GetByRole(AriaRole.Table, new() { Name = "What the list holds (3 rows) and what happens" });
        await Assertions.Expect(report.GetByRole(AriaRole.Row, new() { Name = "To subscribe 1" })).ToBeVisibleAsync();
        await Assertions.Expect(report.GetByRole(AriaRole.Row, new() { Name = "To confirm 1" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Table, new() { Name = "Invalid rows (first 1 of 1)" })).ToContainTextAsync("language must be zh or en");
        var path = new Uri(page.Url).AbsolutePath;
        await browser.CheckPageAsync(path);
        Assert.Equal(0, await app.QuerySingleAsync<int>("SELECT count(*)::int FROM subscribers"));

        await page.GetByRole(AriaRole.Button, new() { Name = "Confirm and import", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Confirmed. The list is being imported.");
        await Assertions.Expect(page.GetByText("0 of 2 rows done")).ToBeVisibleAsync();
        await browser.CheckPageAsync(path);

        var id = long.Parse(path.Split('/')[^1]);
        await app.Services.GetRequiredService<ApplyImport>().RunAsync(id, CancellationToken.None);
        await page.ReloadAsync();
        await Assertions.Expect(page.GetByText("1 residents subscribed with their consent; 1 asked by SMS to confirm.")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("Imported", new() { Exact = true })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task AFileThatIsNoList_IsRefusedOnThePage_NamingWhy()
    {
        await StaffFixtures.AddAsync(app, "importer2", ["editor"]);
        await using var browser = await ConsoleBrowser.OpenAsync(app);
        var page = await browser.SignInAsync("importer2", StaffFixtures.Password);
        await page.GotoAsync("/imports");

        await page.GetByLabel("List (CSV file)").SetInputFilesAsync(new FilePayload { Name = "people.csv", MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes("name,age\nwang,30\n") });
        await page.GetByRole(AriaRole.Button, new() { Name = "Check the list", Exact = true }).ClickAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("unknown column 'name'");
    }

    [Fact]
    public async Task AnExport_IsStreamedInChunks_OverARealServer()
    {
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", GatewayApp.AdminToken);

        using var response = await http.GetAsync(app.BaseUrl + "/api/subscribers/export.csv", HttpCompletionOption.ResponseHeadersRead);

        Assert.True(response.IsSuccessStatusCode);
        Assert.True(response.Headers.TransferEncodingChunked, "written as it is read, not built first and sent with a length");
        Assert.Null(response.Content.Headers.ContentLength);
    }
}
