using Gateway.Tests.Lessons;
using Gateway.Tests.Support;

namespace Gateway.Tests.Ussd;

/// <summary>The real process refuses to start on a broken menu file, naming the problem (ContentCheck loads the menu).</summary>
public sealed class UssdStartUpTests
{
    [Fact]
    public async Task BrokenMenu_StopsStartUp_NamingTheProblem()
    {
        var copy = CourseCatalogTests.CopyTemplates();
        try
        {
            var menu = Path.Combine(copy, "ussd", "menu.yaml");
            File.WriteAllText(menu, File.ReadAllText(menu).Replace("action: request-callback", "action: call-me-maybe"));

            await using var gateway = GatewayProcess.Start("Gateway", new Dictionary<string, string>
            {
                ["DATABASE_URL"] = "Host=127.0.0.1;Port=1;Username=postgres;Database=none",
                ["ADMIN_API_TOKEN"] = GatewayApp.AdminToken,
                ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
                ["TEMPLATES_PATH"] = copy,
            });
            var exitCode = await gateway.WaitForExitAsync(TimeSpan.FromSeconds(30));

            Assert.NotEqual(0, exitCode);
            Assert.Contains("action 'call-me-maybe' is unknown", gateway.Output);
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }
}
