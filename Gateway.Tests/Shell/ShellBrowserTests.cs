using Gateway.Tests.Support;
using Microsoft.Playwright;

namespace Gateway.Tests.Shell;

/// <summary>The shell in Chromium: the language switch on every page, remembered; and every page's accessibility and weight.</summary>
public sealed class ShellBrowserTests(ShellBrowserTests.App app) : IClassFixture<ShellBrowserTests.App>
{
    public sealed class App : BrowserApp
    {
        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            await StaffFixtures.AddAsync(this, "shell-admin", ["admin"]);
        }
    }

    [Fact]
    public async Task TheLanguageSwitch_IsOnEveryPage_AndRemembered()
    {
        await using var browser = await ConsoleBrowser.OpenAsync(app, locale: "en-US");
        var page = await browser.OpenPageAsync("/signin");
        Assert.Equal("en", await page.Locator("html").GetAttributeAsync("lang"));

        await page.GetByRole(AriaRole.Link, new() { Name = "中文", Exact = true }).ClickAsync();

        Assert.Equal("zh-CN", await page.Locator("html").GetAttributeAsync("lang"));
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "登录", Level = 1 })).ToBeVisibleAsync();
        await page.GetByLabel("用户名").FillAsync("shell-admin");
        await page.GetByLabel("密码").FillAsync(StaffFixtures.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "登录", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "概览", Level = 1 })).ToBeVisibleAsync();

        foreach (var path in new[] { "/staff", "/audit", "/staff/shell-admin" })
        {
            await page.GotoAsync(path);
            Assert.Equal("zh-CN", await page.Locator("html").GetAttributeAsync("lang"));
            await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "English", Exact = true })).ToBeVisibleAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "退出登录", Exact = true })).ToBeVisibleAsync();
        }

        await page.GetByRole(AriaRole.Link, new() { Name = "English", Exact = true }).ClickAsync();
        Assert.EndsWith("/staff/shell-admin", page.Url);
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Sign out", Exact = true })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task ABrowserAskingForChinese_GetsChinese()
    {
        await using var browser = await ConsoleBrowser.OpenAsync(app, locale: "zh-CN");

        var page = await browser.OpenPageAsync("/signin");

        Assert.Equal("zh-CN", await page.Locator("html").GetAttributeAsync("lang"));
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "登录", Exact = true })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "English", Exact = true })).ToBeVisibleAsync();
    }

    [Theory]
    [InlineData("en-US", "/signin", false, 200)]
    [InlineData("zh-CN", "/signin", false, 200)]
    [InlineData("en-US", "/", true, 200)]
    [InlineData("zh-CN", "/", true, 200)]
    [InlineData("en-US", "/staff", true, 200)]
    [InlineData("zh-CN", "/staff", true, 200)]
    [InlineData("en-US", "/staff/shell-admin", true, 200)]
    [InlineData("en-US", "/audit", true, 200)]
    [InlineData("zh-CN", "/audit", true, 200)]
    [InlineData("en-US", "/signout", true, 200)]
    [InlineData("en-US", "/no-such-page-here", true, 404)]
    [InlineData("en-US", "/staff/nobody-at-all", true, 404)]
    public async Task EveryPage_PassesAxe_AndWeighsAtMost100KB(string locale, string path, bool signedIn, int status)
    {
        await using var browser = await ConsoleBrowser.OpenAsync(app, locale);
        if (signedIn) await browser.SignInAsync("shell-admin", StaffFixtures.Password);

        var load = await browser.CheckPageAsync(path, status);

        Assert.True(load.TransferredBytes > 0);
    }
}
