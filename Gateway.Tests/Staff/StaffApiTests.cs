using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Gateway.Tests.Support;

namespace Gateway.Tests.Staff;

/// <summary>POST/GET /api/staff and the changes of one person: admins only, every change audited.</summary>
public sealed class StaffApiTests(StaffApiTests.App app) : IClassFixture<StaffApiTests.App>
{
    public const string EditorToken = "editor-token-0123456789";

    public sealed class App : GatewayApp
    {
        protected override void Configure(Dictionary<string, string?> settings) => settings["API_TOKENS"] = $"lin:editor:{EditorToken}";
    }

    private static int _names;

    private static string NewName(string prefix = "p") => $"{prefix}{Interlocked.Increment(ref _names)}";

    private async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(string path, object? body, string token = GatewayApp.AdminToken)
    {
        var response = await app.AdminClient(token).PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement);
    }

    [Fact]
    public async Task Create_Answers201_WithThePerson_AndAuditsIt()
    {
        var name = NewName("Lin");
        var (status, body) = await PostAsync("/api/staff", new { name, displayName = "Lin Hua", roles = new[] { "editor", "approver" }, regions = new[] { "jiangan" }, password = StaffFixtures.Password });

        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal(["name", "displayName", "roles", "regions", "status", "createdAt", "createdBy", "lastSignInAt", "disabledAt", "lockedUntil"],
            body.EnumerateObject().Select(p => p.Name));
        Assert.Equal(name, body.GetProperty("name").GetString());
        Assert.Equal(["editor", "approver"], body.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal(["jiangan"], body.GetProperty("regions").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal("active", body.GetProperty("status").GetString());
        Assert.Equal(TimeSpan.FromHours(8), body.GetProperty("createdAt").GetDateTimeOffset().Offset);
        Assert.Equal("admin", body.GetProperty("createdBy").GetString());

        var entry = await app.QuerySingleAsync<(string Actor, string Via, string Target, string Detail)>(
            "SELECT actor, via, target, detail FROM audit_events WHERE action = 'staff.created' AND target = @name", new { name });
        Assert.Equal(("admin", "token", name), (entry.Actor, entry.Via, entry.Target));
        Assert.Contains("editor,approver", entry.Detail);
        Assert.Equal(0, await app.QuerySingleAsync<int>("SELECT count(*)::int FROM staff WHERE password_hash LIKE '%' || @p || '%'", new { p = StaffFixtures.Password }));
    }

    public sealed record Refusal(string Label, object Body, HttpStatusCode Status, string Detail)
    {
        public override string ToString() => Label;
    }

    public static TheoryData<Refusal> Refusals => new()
    {
        new("password of 11 characters", new { name = "short-pw", roles = new[] { "viewer" }, password = "elevenchars" }, HttpStatusCode.UnprocessableEntity, "password: A password has at least 12 characters."),
        new("no password", new { name = "no-pw", roles = new[] { "viewer" } }, HttpStatusCode.UnprocessableEntity, "password: Enter a password."),
        new("unknown role", new { name = "bad-role", roles = new[] { "boss" }, password = StaffFixtures.Password }, HttpStatusCode.UnprocessableEntity, "roles: There is no role 'boss'"),
        new("no role", new { name = "no-role", roles = Array.Empty<string>(), password = StaffFixtures.Password }, HttpStatusCode.UnprocessableEntity, "roles: Choose at least one role"),
        new("name with a space", new { name = "lin hua", roles = new[] { "viewer" }, password = StaffFixtures.Password }, HttpStatusCode.UnprocessableEntity, "name: A name has 2 to 40"),
        new("no name", new { roles = new[] { "viewer" }, password = StaffFixtures.Password }, HttpStatusCode.UnprocessableEntity, "name: Enter a name"),
        new("admin limited to a region", new { name = "region-admin", roles = new[] { "admin" }, regions = new[] { "hanyang" }, password = StaffFixtures.Password }, HttpStatusCode.UnprocessableEntity, "regions: An admin sees every district"),
        new("region of 65 characters", new { name = "long-region", roles = new[] { "viewer" }, regions = new[] { new string('x', 65) }, password = StaffFixtures.Password }, HttpStatusCode.UnprocessableEntity, "regions: A region name"),
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task Create_RefusesBadInput_NamingTheField(Refusal refusal)
    {
        var (status, body) = await PostAsync("/api/staff", refusal.Body);

        Assert.Equal(refusal.Status, status);
        Assert.StartsWith(refusal.Detail, body.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Create_RefusesANameTakenInAnotherCase_With409()
    {
        var name = NewName("Wang");
        await StaffFixtures.AddAsync(app, name, ["viewer"]);

        var (status, body) = await PostAsync("/api/staff", new { name = name.ToLowerInvariant(), roles = new[] { "viewer" }, password = StaffFixtures.Password });

        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Contains("already taken", body.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Create_WithoutABody_Is400()
    {
        var response = await app.AdminClient().PostAsync("/api/staff", new StringContent("", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Theory]
    [InlineData("GET", "/api/staff")]
    [InlineData("POST", "/api/staff")]
    [InlineData("POST", "/api/staff/anyone/disable")]
    [InlineData("GET", "/api/audit")]
    public async Task NonAdmins_Get403_AndNobody401(string method, string path)
    {
        var asEditor = await app.AdminClient(EditorToken).SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = JsonContent.Create(new { }) });
        Assert.Equal(HttpStatusCode.Forbidden, asEditor.StatusCode);
        Assert.Contains("the 'editor' role may not do this", await asEditor.Content.ReadAsStringAsync());

        var anonymous = await app.CreateClient().SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = JsonContent.Create(new { }) });
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task List_And_Get_ShowEveryone_NeverAHash()
    {
        var name = NewName("Zhao");
        await StaffFixtures.AddAsync(app, name, ["counsellor"], ["hongshan"]);

        var list = await app.AdminClient().GetStringAsync("/api/staff");
        var one = JsonDocument.Parse(await app.AdminClient().GetStringAsync($"/api/staff/{name.ToUpperInvariant()}")).RootElement;

        Assert.Contains($"\"name\":\"{name}\"", list);
        Assert.DoesNotContain("hash", list, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(name, one.GetProperty("name").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await app.AdminClient().GetAsync("/api/staff/nobody-here")).StatusCode);
    }

    [Fact]
    public async Task Disable_Enable_ResetPassword_ChangeRoles_EachAudited()
    {
        var name = NewName("Chen");
        await StaffFixtures.AddAsync(app, name, ["viewer"]);

        var disabled = await PostAsync($"/api/staff/{name}/disable", null);
        var again = await PostAsync($"/api/staff/{name}/disable", null);
        var enabled = await PostAsync($"/api/staff/{name}/enable", null);
        var shortPassword = await PostAsync($"/api/staff/{name}/password", new { password = "too-short" });
        var password = await PostAsync($"/api/staff/{name}/password", new { password = "a new password here" });
        var roles = await PostAsync($"/api/staff/{name}/roles", new { roles = new[] { "editor", "approver" }, regions = new[] { "qiaokou" } });
        var unknown = await PostAsync("/api/staff/nobody-at-all/disable", null);

        Assert.Equal((HttpStatusCode.OK, "disabled"), (disabled.Status, disabled.Body.GetProperty("status").GetString()));
        Assert.Equal((HttpStatusCode.OK, "disabled"), (again.Status, again.Body.GetProperty("status").GetString()));
        Assert.Equal((HttpStatusCode.OK, "active"), (enabled.Status, enabled.Body.GetProperty("status").GetString()));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, shortPassword.Status);
        Assert.Equal(HttpStatusCode.OK, password.Status);
        Assert.Equal(["editor", "approver"], roles.Body.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal(HttpStatusCode.NotFound, unknown.Status);
        var actions = await app.QueryAsync<string>("SELECT action FROM audit_events WHERE target = @name ORDER BY id", new { name });
        Assert.Equal(["staff.created", "staff.disabled", "staff.enabled", "staff.password_reset", "staff.roles_changed"], actions);
    }

    [Fact]
    public async Task TheLastEnabledAdmin_CannotBeDisabledOrDemoted()
    {
        await using var fresh = new App();
        await ((IAsyncLifetime)fresh).InitializeAsync();
        await StaffFixtures.AddAsync(fresh, "only-admin", ["admin"]);

        var disable = await fresh.AdminClient().PostAsync("/api/staff/only-admin/disable", null);
        var demote = await fresh.AdminClient().PostAsJsonAsync("/api/staff/only-admin/roles", new { roles = new[] { "viewer" } });
        await StaffFixtures.AddAsync(fresh, "second-admin", ["admin"]);
        var disableNow = await fresh.AdminClient().PostAsync("/api/staff/only-admin/disable", null);

        Assert.Equal(HttpStatusCode.Conflict, disable.StatusCode);
        Assert.Contains("last enabled admin", await disable.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Conflict, demote.StatusCode);
        Assert.Equal(HttpStatusCode.OK, disableNow.StatusCode);
    }
}
