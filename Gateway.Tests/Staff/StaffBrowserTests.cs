using System.Text.RegularExpressions;
using Gateway.Tests.Support;
using Microsoft.Playwright;

namespace Gateway.Tests.Staff;

/// <summary>Sign-in, lockout, sign-out, roles and staff management, clicked through in Chromium.</summary>
public sealed class StaffBrowserTests(StaffBrowserTests.App app) : IClassFixture<StaffBrowserTests.App>
{
    public sealed class App : BrowserApp;

    private static int _names;

    private async Task<string> NewStaffAsync(params string[] roles)
    {
        var name = $"b{Interlocked.Increment(ref _names)}";
        await StaffFixtures.AddAsync(app, name, roles);
        return name;
    }

    [Fact]
    public async Task SigningIn_LeadsToTheDashboard()
    {
        var name = await NewStaffAsync("viewer");
        await using var browser = await ConsoleBrowser.OpenAsync(app);

        var page = await browser.SignInAsync(name, StaffFixtures.Password);

        Assert.Equal(app.BaseUrl + "/", page.Url);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Dashboard", Level = 1 })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Sign out", Exact = true })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task AWrongPassword_IsSaid_AndTheFormStays()
    {
        var name = await NewStaffAsync("viewer");
        await using var browser = await ConsoleBrowser.OpenAsync(app);

        var page = await browser.SignInAsync(name, "not the right password");

        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("The name or the password is wrong.");
        await Assertions.Expect(page.GetByLabel("Name", new() { Exact = true })).ToHaveValueAsync(name);
        await Assertions.Expect(page.GetByLabel("Password", new() { Exact = true })).ToHaveValueAsync("");
    }

    [Fact]
    public async Task FiveWrongPasswords_LockTheAccount()
    {
        var name = await NewStaffAsync("viewer");
        await using var browser = await ConsoleBrowser.OpenAsync(app);

        for (var i = 0; i < 5; i++) await browser.SignInAsync(name, $"wrong password {i}");
        var page = await browser.SignInAsync(name, StaffFixtures.Password);

        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("After 5 failed sign-ins this account is locked until");
        Assert.EndsWith("/signin", page.Url);
    }

    [Fact]
    public async Task SigningOut_EndsTheSession()
    {
        var name = await NewStaffAsync("editor");
        await using var browser = await ConsoleBrowser.OpenAsync(app);
        var page = await browser.SignInAsync(name, StaffFixtures.Password);

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out", Exact = true }).ClickAsync();
        await page.WaitForURLAsync(app.BaseUrl + "/signin");
        await page.GotoAsync("/");

        Assert.Equal(app.BaseUrl + "/signin", page.Url);
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task AViewer_IsRefusedTheStaffPage_AndDoesNotSeeItInTheMenu()
    {
        var name = await NewStaffAsync("viewer");
        await using var browser = await ConsoleBrowser.OpenAsync(app);
        var page = await browser.SignInAsync(name, StaffFixtures.Password);

        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Staff", Exact = true })).ToHaveCountAsync(0);
        var response = await page.GotoAsync("/staff");

        Assert.Equal(403, response!.Status);
        await Assertions.Expect(page.GetByText("You do not have access to this page.")).ToBeVisibleAsync();
        await browser.CheckPageAsync("/staff", expectedStatus: 403);
    }

    [Fact]
    public async Task AnAdmin_AddsAColleagueAsEditor_WhoseSignInShowsInTheAuditLog_AndCanDisableThem()
    {
        var admin = await NewStaffAsync("admin");
        await using var adminBrowser = await ConsoleBrowser.OpenAsync(app);
        var page = await adminBrowser.SignInAsync(admin, StaffFixtures.Password);

        await page.GetByRole(AriaRole.Link, new() { Name = "Staff", Exact = true }).ClickAsync();
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("li.ming");
        await page.GetByLabel("Full name").FillAsync("Li Ming (Jiang'an office)");
        await page.GetByLabel("Editor", new() { Exact = true }).CheckAsync();
        await page.GetByLabel("Regions").FillAsync("jiangan");
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync("a long enough password");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add", Exact = true }).ClickAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("li.ming was added and can sign in now.");
        var row = page.GetByRole(AriaRole.Row).Filter(new() { HasText = "li.ming" });
        await Assertions.Expect(row).ToContainTextAsync("Editor");
        await Assertions.Expect(row).ToContainTextAsync("jiangan");
        await BrowserApp.ScreenshotAsync(page, "console-staff.png");
        await adminBrowser.CheckPageAsync("/staff");
        await adminBrowser.CheckPageAsync("/staff/li.ming");

        await using (var colleague = await ConsoleBrowser.OpenAsync(app))
        {
            var theirs = await colleague.SignInAsync("li.ming", "a long enough password");
            await Assertions.Expect(theirs.GetByRole(AriaRole.Heading, new() { Name = "Dashboard", Level = 1 })).ToBeVisibleAsync();

            await page.GetByRole(AriaRole.Link, new() { Name = "Audit log", Exact = true }).ClickAsync();
            var signIn = page.GetByRole(AriaRole.Row).Filter(new() { HasText = "Signed in" }).Filter(new() { HasText = "li.ming" });
            await Assertions.Expect(signIn).ToHaveCountAsync(1);
            await Assertions.Expect(page.GetByRole(AriaRole.Row).Filter(new() { HasText = "Added a person" }).Filter(new() { HasText = "li.ming" })).ToHaveCountAsync(1);
            await adminBrowser.CheckPageAsync("/audit");

            await page.GotoAsync("/staff/li.ming");
            await page.GetByRole(AriaRole.Button, new() { Name = "Disable li.ming" }).ClickAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("The account is disabled.");

            await theirs.ReloadAsync();
            Assert.Equal(app.BaseUrl + "/signin", theirs.Url);
        }
    }

    [Fact]
    public async Task AFormWithAnError_LinksToTheField()
    {
        var admin = await NewStaffAsync("admin");
        await using var browser = await ConsoleBrowser.OpenAsync(app);
        var page = await browser.SignInAsync(admin, StaffFixtures.Password);
        await page.GotoAsync("/staff");

        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("short.pw");
        await page.GetByLabel("Viewer", new() { Exact = true }).CheckAsync();
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync("too short");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add", Exact = true }).ClickAsync();

        var problem = page.GetByRole(AriaRole.Alert).GetByRole(AriaRole.Link);
        await Assertions.Expect(problem).ToHaveTextAsync("A password has at least 12 characters.");
        await Assertions.Expect(problem).ToHaveAttributeAsync("href", "#password");
        await Assertions.Expect(page.GetByRole(AriaRole.Row).Filter(new() { HasText = "short.pw" })).ToHaveCountAsync(0);
        Assert.Matches(new Regex("/staff$"), page.Url);
    }
}
