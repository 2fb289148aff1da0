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

            var settings = GatewayProcess.ProductionSettings();
            settings["TEMPLATES_PATH"] = copy;
            await using var gateway = GatewayProcess.Start("Gateway", settings);
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
