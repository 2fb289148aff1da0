using System.Net;
using Gateway.Tests.Lessons;
using Gateway.Tests.Support;

namespace Gateway.Tests.Providers.AfricasTalking;

/// <summary>A list longer than one screen, over HTTP: the tip hours widened to the whole day in a copy of templates/.</summary>
public sealed class UssdPagingTests(UssdPagingTests.WholeDayApp app) : IClassFixture<UssdPagingTests.WholeDayApp>
{
    /// <remarks>Quiet hours 23:30-00:00 contain no whole hour, so every hour may be offered.</remarks>
    public sealed class WholeDayApp : GatewayApp
    {
        private readonly string _templates = CourseCatalogTests.CopyTemplates();

        protected override void Configure(Dictionary<string, string?> settings)
        {
            var menu = Path.Combine(_templates, "ussd", "menu.yaml");
            File.WriteAllText(menu, File.ReadAllText(menu).Replace("tip_hours: { from: 8, to: 20 }", "tip_hours: { from: 0, to: 23 }"));
            settings["TEMPLATES_PATH"] = _templates;
            settings["QUIET_HOURS"] = "23:30-00:00";
            settings["DEFAULT_LANGUAGE"] = "en";
        }

        public override async ValueTask DisposeAsync()
        {
            await base.DisposeAsync();
            Directory.Delete(_templates, recursive: true);
        }
    }

    [Fact]
    public async Task ALongList_PagesWith98More_0Back_And00()
    {
        const string phone = "+8613800000201";
        var s = new UssdSession(app.CreateClient(), phone);
        await s.Dial();
        var page1 = await s.Send("3*3");
        Assert.StartsWith("CON Send my daily tip and lessons at:\n1 0:00\n", page1);
        Assert.EndsWith("\n98 More\n0 Back", page1);
        Assert.DoesNotContain(" 23:00", page1);

        var page2 = await s.Press("98");
        Assert.StartsWith("CON Send my daily tip and lessons at:\n1 ", page2);
        Assert.Contains(" 23:00\n", page2);
        Assert.EndsWith("\n0 Back", page2);
        Assert.DoesNotContain("98 More", page2);
        Assert.All(new[] { page1, page2 }, p => Assert.True(p.Length - 4 <= 182, p));

        Assert.Equal("CON Wrong choice.\n" + page2[4..], await s.Press("98"));
        Assert.Equal(page1, await s.Press("0"));
        await s.Press("98");
        var lastChoice = page2.Split('\n').Single(l => l.EndsWith(" 23:00")).Split(' ')[0];
        Assert.StartsWith("CON Tips and lessons now at 23:00\nMy subscriptions", await s.Press(lastChoice));
        Assert.Equal(23, await app.QuerySingleAsync<int>("SELECT delivery_hour FROM subscribers WHERE phone = @phone", new { phone }));

        await s.Send(s.History + "*3*98");
        Assert.StartsWith("CON Health line", await s.Press("00"));
    }
}

/// <summary>USSD_CALLBACK_TOKEN set: only callbacks carrying it get through, before anything is read or stored.</summary>
public sealed class UssdTokenTests(UssdTokenTests.TokenApp app) : IClassFixture<UssdTokenTests.TokenApp>
{
    public const string Token = "ussd-callback-secret-0123";

    public sealed class TokenApp : GatewayApp
    {
        protected override void Configure(Dictionary<string, string?> settings) => settings["USSD_CALLBACK_TOKEN"] = Token;
    }

    [Theory]
    [InlineData("", null, HttpStatusCode.Forbidden)]
    [InlineData("?token=wrong-token-0123456789", null, HttpStatusCode.Forbidden)]
    [InlineData("", "wrong-token-0123456789", HttpStatusCode.Forbidden)]
    [InlineData("?token=" + Token, null, HttpStatusCode.OK)]
    [InlineData("", Token, HttpStatusCode.OK)]
    public async Task Callback_NeedsTheToken(string query, string? header, HttpStatusCode expected)
    {
        var client = app.CreateClient();
        if (header is not null) client.DefaultRequestHeaders.Add("X-Ussd-Token", header);
        var session = new UssdSession(client, "+8613800000301");

        var response = await UssdSession.Post(client, session.Form(""), query);

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal(expected == HttpStatusCode.OK ? 1 : 0,
            await app.QuerySingleAsync<int>("SELECT count(*) FROM ussd_sessions WHERE session_id = @Id", new { session.Id }));
    }
}
