using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Gateway.Tests.Support;

namespace Gateway.Tests.Broadcasts;

/// <summary>
/// A district office addresses its own residents only: a region-limited editor's preview and create refuse other regions
/// (422 naming them), and no region means all of theirs, never the whole city. Admins and tokens are not limited.
/// </summary>
public sealed class RegionScopeTests(BroadcastApp app) : IClassFixture<BroadcastApp>
{
    private static object Notice(params string[] regions) => new
    {
        title = "District notice",
        content = new { zh = "社区核酸检测点今天开放。" },
        audience = new { topics = new[] { "notices" }, regions },
    };

    private async Task<(ConsoleSession Session, string Mine, string Also, string Theirs)> DistrictEditorAsync()
    {
        var (mine, also, theirs) = (Broadcasting.NewRegion(), Broadcasting.NewRegion(), Broadcasting.NewRegion());
        await Broadcasting.SeedAsync(app, mine, new Resident(Broadcasting.NewPhone()), new Resident(Broadcasting.NewPhone()));
        await Broadcasting.SeedAsync(app, also, new Resident(Broadcasting.NewPhone()));
        await Broadcasting.SeedAsync(app, theirs, new Resident(Broadcasting.NewPhone()), new Resident(Broadcasting.NewPhone()), new Resident(Broadcasting.NewPhone()));
        var name = $"district-{Guid.NewGuid():N}"[..20];
        await StaffFixtures.AddAsync(app, name, ["editor"], [mine, also]);
        return (await ConsoleSession.SignInAsync(app, name, StaffFixtures.Password), mine, also, theirs);
    }

    [Theory]
    [InlineData("/api/broadcasts/preview")]
    [InlineData("/api/broadcasts")]
    public async Task AnotherRegion_Is422NamingIt_AndNothingIsStored(string path)
    {
        var (editor, mine, _, theirs) = await DistrictEditorAsync();
        var before = await app.QuerySingleAsync<long>("SELECT count(*) FROM broadcasts");

        var response = await editor.Client.PostAsJsonAsync(path, Notice(mine, theirs));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var detail = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("detail").GetString()!;
        Assert.StartsWith($"audience.regions: '{theirs}' outside your regions", detail);
        Assert.DoesNotContain($"'{mine}'", detail);
        Assert.Equal(before, await app.QuerySingleAsync<long>("SELECT count(*) FROM broadcasts"));
    }

    [Fact]
    public async Task NoRegion_MeansAllOfTheirs_NotTheWholeCity()
    {
        var (editor, mine, also, _) = await DistrictEditorAsync();

        var preview = JsonDocument.Parse(await (await editor.Client.PostAsJsonAsync("/api/broadcasts/preview", Notice())).Content.ReadAsStringAsync()).RootElement;
        var created = await editor.Client.PostAsJsonAsync("/api/broadcasts", Notice());

        Assert.Equal(3, preview.GetProperty("recipients").GetInt64());
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetInt64();
        var stored = await Broadcasting.GetAsync(app, id);
        Assert.Equal(new[] { mine, also }.Order(), stored.GetProperty("audience").GetProperty("regions").EnumerateArray().Select(r => r.GetString()!).Order());
    }

    [Fact]
    public async Task TheirOwnRegion_IsAccepted_AndTokensAreNotLimited()
    {
        var (editor, mine, _, theirs) = await DistrictEditorAsync();

        Assert.Equal(HttpStatusCode.Created, (await editor.Client.PostAsJsonAsync("/api/broadcasts", Notice(mine))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await app.AdminClient(BroadcastApp.EditorToken).PostAsJsonAsync("/api/broadcasts", Notice(mine, theirs))).StatusCode);
    }
}
