using Gateway.Lessons;
using Gateway.Templates;
using Gateway.Tests.Support;
using Gateway.Tests.Ussd;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Lessons;

/// <summary>Start-up refuses content and settings that would make courses or delivery hours unreachable.</summary>
public sealed class LessonContentCheckTests
{
    private static void Check(string templates, string quietHours) => LessonContentCheck.Run(new ServiceCollection()
        .AddSingleton(new CourseCatalog(templates))
        .AddSingleton(new TopicCatalog(Path.Combine(templates, "topics.yaml")))
        .AddSingleton(QuietHoursTests.Parse(quietHours)!)
        .AddSingleton(UssdTestMenus.Load(templates))
        .BuildServiceProvider());

    [Fact]
    public void TheShippedContent_PassesWithTheDefaultQuietHours() => Check(RepoPaths.Templates, "21:00-08:00");

    [Fact]
    public void AMenuOfferingAnHourInsideQuietHours_IsRefused()
    {
        var error = Assert.Throws<InvalidDataException>(() => Check(RepoPaths.Templates, "20:00-08:00"));
        Assert.Contains("tip_hours: 20:00 are inside QUIET_HOURS 20:00-08:00; offer only 8-19", error.Message);
    }

    [Fact]
    public void AWordNamingBothATopicAndACourse_IsRefused()
    {
        var copy = CourseCatalogTests.CopyTemplates();
        try
        {
            var file = Path.Combine(copy, "courses", "hygiene-kids.yaml");
            File.WriteAllText(file, File.ReadAllText(file).Replace("  - hygiene\n", "  - hygiene\n  - daily\n"));
            var error = Assert.Throws<InvalidDataException>(() => Check(copy, "21:00-08:00"));
            Assert.Contains("\"daily\" names both the topic 'tips' and the course 'hygiene-kids'", error.Message);
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }

    [Fact]
    public void TwoCoursesSharingAWord_AreRefused()
    {
        var copy = CourseCatalogTests.CopyTemplates();
        try
        {
            var file = Path.Combine(copy, "courses", "home-care.yaml");
            File.WriteAllText(file, File.ReadAllText(file).Replace("  - care\n", "  - care\n  - 卫生\n"));
            var error = Assert.Throws<InvalidDataException>(() => new CourseCatalog(copy));
            Assert.Contains("\"卫生\" names both 'home-care' and 'hygiene-kids'", error.Message);
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }

    [Theory]
    [InlineData("21:00-08:00", true)]
    [InlineData("22:30-07:00", true)]
    [InlineData("9pm-8am", false)]
    [InlineData("", false)]
    public void TheSetting_IsValidated_NamingIt(string value, bool valid)
    {
        var result = new Gateway.Broadcasts.BroadcastOptionsValidator().Validate(null, new Gateway.Broadcasts.BroadcastOptions { QuietHours = value });
        Assert.Equal(valid, result.Succeeded);
        if (!valid) Assert.StartsWith("QUIET_HOURS: ", result.FailureMessage);
    }

    public sealed class NightHoursOnTheMenuApp : GatewayApp
    {
        protected override void Configure(Dictionary<string, string?> settings) => settings["QUIET_HOURS"] = "19:00-08:00";
    }

    [Fact]
    public async Task TheGateway_DoesNotStart_WhenItsMenuOffersQuietHours()
    {
        await using var app = new NightHoursOnTheMenuApp();
        var error = await Assert.ThrowsAnyAsync<Exception>(app.InitializeAsync);
        Assert.Contains("19:00, 20:00 are inside QUIET_HOURS 19:00-08:00", error.ToString());
    }
}
