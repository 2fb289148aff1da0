using System.Net;
using Gateway.Tests.Support;

namespace Gateway.Tests.Staff;

/// <summary>The sign-in form, its cookie, antiforgery, lockout and sign-out, over HTTP (the browser tests do the same by clicking).</summary>
public sealed class SignInTests(SignInTests.App app) : IClassFixture<SignInTests.App>
{
    public sealed class App : GatewayApp;

    private static int _names;

    private async Task<string> NewStaffAsync(params string[] roles)
    {
        var name = $"s{Interlocked.Increment(ref _names)}";
        await StaffFixtures.AddAsync(app, name, roles.Length == 0 ? ["viewer"] : roles);
        return name;
    }

    [Fact]
    public async Task Root_SendsSomeoneNotSignedIn_ToTheSignInPage()
    {
        var response = await ConsoleSession.Anonymous(app).Client.GetAsync("/");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/signin", response.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task SignIn_SetsAnHttpOnlyStrictSecureCookie_AndShowsTheDashboard()
    {
        var name = await NewStaffAsync();
        var session = ConsoleSession.Anonymous(app);

        var response = await session.SignInAsync(name, StaffFixtures.Password);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/", response.Headers.Location!.OriginalString);
        var cookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("gateway.staff="));
        Assert.Contains("; httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("; samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("; secure", cookie, StringComparison.OrdinalIgnoreCase);
        var dashboard = await session.Client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, dashboard.StatusCode);
        Assert.Contains("<h1>Dashboard</h1>", await dashboard.Content.ReadAsStringAsync());
        Assert.Equal(1, await app.QuerySingleAsync<int>("SELECT count(*)::int FROM audit_events WHERE action = 'staff.sign_in' AND actor = @name", new { name }));
    }

    [Fact]
    public async Task TheAntiforgeryCookie_CarriesTheSameFlags()
    {
        var page = await ConsoleSession.Anonymous(app).Client.GetAsync("/signin");

        var cookie = page.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("gateway.antiforgery="));
        Assert.Contains("; httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("; samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("; secure", cookie, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("/signin")]
    [InlineData("/signout")]
    [InlineData("/staff")]
    public async Task AFormWithoutItsAntiforgeryToken_IsRefusedWith400(string path)
    {
        var admin = await NewStaffAsync("admin");
        var session = await ConsoleSession.SignInAsync(app, admin, StaffFixtures.Password);

        var response = await session.PostFormAsync(path, new() { ["name"] = "x", ["password"] = "whatever it is" }, withToken: false);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("The form could not be sent", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task WrongPassword_SaysSo_AndIsAudited_WithoutTellingWhetherTheNameExists()
    {
        var name = await NewStaffAsync();
        var session = ConsoleSession.Anonymous(app);

        var wrong = await session.SignInAsync(name, "not the password at all");
        var unknown = await session.SignInAsync("nobody-by-that-name", "not the password at all");

        Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
        Assert.Contains("The name or the password is wrong.", await wrong.Content.ReadAsStringAsync());
        Assert.Contains("The name or the password is wrong.", await unknown.Content.ReadAsStringAsync());
        Assert.False(wrong.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith("gateway.staff=")));
        var details = await app.QueryAsync<string>("SELECT detail FROM audit_events WHERE action = 'staff.sign_in_failed' AND actor IN (@name, 'nobody-by-that-name') ORDER BY id", new { name });
        Assert.Equal(["wrong password", "unknown name"], details);
    }

    [Fact]
    public async Task FiveFailures_LockTheAccountFor15Minutes_EvenAgainstTheRightPassword()
    {
        var name = await NewStaffAsync();
        var session = ConsoleSession.Anonymous(app);

        for (var i = 0; i < 4; i++)
            Assert.Contains("is wrong", await (await session.SignInAsync(name, "wrong password " + i)).Content.ReadAsStringAsync());
        var fifth = await (await session.SignInAsync(name, "wrong password 5")).Content.ReadAsStringAsync();
        var rightButLocked = await session.SignInAsync(name, StaffFixtures.Password);

        Assert.Contains("After 5 failed sign-ins this account is locked until 2026-03-02 09:15", fifth);
        Assert.Equal(HttpStatusCode.OK, rightButLocked.StatusCode);
        Assert.Contains("locked until", await rightButLocked.Content.ReadAsStringAsync());
        Assert.Equal(1, await app.QuerySingleAsync<int>("SELECT count(*)::int FROM audit_events WHERE action = 'staff.locked_out' AND actor = @name", new { name }));
    }

    [Fact]
    public async Task ALockedAccount_OpensAgainAfter15Minutes()
    {
        await using var clocked = new App();
        await ((IAsyncLifetime)clocked).InitializeAsync();
        await StaffFixtures.AddAsync(clocked, "locked-one", ["viewer"]);
        var session = ConsoleSession.Anonymous(clocked);
        for (var i = 0; i < 5; i++) await session.SignInAsync("locked-one", "wrong password " + i);

        clocked.Clock.Advance(TimeSpan.FromMinutes(14));
        var early = await session.SignInAsync("locked-one", StaffFixtures.Password);
        clocked.Clock.Advance(TimeSpan.FromMinutes(1));
        var after = await session.SignInAsync("locked-one", StaffFixtures.Password);

        Assert.Equal(HttpStatusCode.OK, early.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, after.StatusCode);
    }

    [Fact]
    public async Task SignOut_EndsTheSession_AndIsAudited()
    {
        var name = await NewStaffAsync();
        var session = await ConsoleSession.SignInAsync(app, name, StaffFixtures.Password);

        var signOut = await session.PostFormAsync("/signout", [], pagePath: "/");
        var after = await session.Client.GetAsync("/");

        Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);
        Assert.Equal("/signin", after.Headers.Location!.OriginalString);
        Assert.Equal(1, await app.QuerySingleAsync<int>("SELECT count(*)::int FROM audit_events WHERE action = 'staff.sign_out' AND actor = @name", new { name }));
    }

    [Fact]
    public async Task ASignIn_IsValidOnAnotherWebProcess_ThroughTheKeyRingInTheDatabase()
    {
        var name = await NewStaffAsync();
        var signIn = await ConsoleSession.Anonymous(app).SignInAsync(name, StaffFixtures.Password);
        var cookie = signIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("gateway.staff=")).Split(';')[0];
        using var other = app.AnotherProcess();
        var client = other.CreateClient(new() { BaseAddress = new Uri("https://localhost"), AllowAutoRedirect = false, HandleCookies = false });
        client.DefaultRequestHeaders.Add("Cookie", cookie);
        client.DefaultRequestHeaders.AcceptLanguage.ParseAdd("en");

        var response = await client.GetAsync("/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(await app.QuerySingleAsync<int>("SELECT count(*)::int FROM data_protection_keys") >= 1);
    }

    [Fact]
    public async Task DisablingAPerson_EndsTheirSessionAtOnce()
    {
        var name = await NewStaffAsync();
        var session = await ConsoleSession.SignInAsync(app, name, StaffFixtures.Password);

        await app.AdminClient().PostAsync($"/api/staff/{name}/disable", null);
        var after = await session.Client.GetAsync("/");

        Assert.Equal(HttpStatusCode.Redirect, after.StatusCode);
        Assert.Equal("/signin", after.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task AStaffCookie_ReachesTheApi_UnderTheSameRules()
    {
        var viewer = await NewStaffAsync("viewer");
        var admin = await NewStaffAsync("admin");
        var asViewer = await ConsoleSession.SignInAsync(app, viewer, StaffFixtures.Password);
        var asAdmin = await ConsoleSession.SignInAsync(app, admin, StaffFixtures.Password);

        var refused = await asViewer.Client.GetAsync("/api/staff");
        var allowed = await asAdmin.Client.GetAsync("/api/staff");
        var readable = await asViewer.Client.GetAsync("/api/courses");

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("the 'viewer' role may not do this", await refused.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Equal(HttpStatusCode.OK, readable.StatusCode);
    }

    [Fact]
    public async Task AViewer_IsRefusedAnAdminPage_With403()
    {
        var viewer = await NewStaffAsync("viewer");
        var session = await ConsoleSession.SignInAsync(app, viewer, StaffFixtures.Password);

        var staff = await session.Client.GetAsync("/staff");
        var audit = await session.Client.GetAsync("/audit");

        Assert.True(staff.StatusCode == HttpStatusCode.Forbidden, $"{staff.StatusCode} {staff.Content.Headers.ContentType} {await staff.Content.ReadAsStringAsync()}");
        Assert.Contains("You do not have access to this page.", await staff.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Forbidden, audit.StatusCode);
    }
}
