using System.Net;
using System.Text.RegularExpressions;
using Gateway.Broadcasts;
using Gateway.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.Broadcasts;

/// <summary>
/// The detail page of a recurring broadcast, as staff read it: the rule, the next sending in city time, and one row per
/// sending so far (newest first) with its counts; before the first sending it says so.
/// </summary>
public sealed partial class RecurringBroadcastPageTests(RecurringBroadcastPageTests.App app) : IClassFixture<RecurringBroadcastPageTests.App>
{
    public sealed class App : BroadcastApp
    {
        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            await StaffFixtures.AddAsync(this, "recurring-viewer", ["viewer"]);
        }
    }

    private static readonly TimeSpan Cst = TimeSpan.FromHours(8);

    [GeneratedRegex(@"<tbody>(.*?)</tbody>", RegexOptions.Singleline)]
    private static partial Regex Body();

    [GeneratedRegex(@"<tr>\s*<td>(.*?)</td>\s*<td>(.*?)</td>\s*<td class=""n"">(.*?)</td>\s*<td class=""n"">(.*?)</td>\s*<td class=""n"">(.*?)</td>", RegexOptions.Singleline)]
    private static partial Regex Row();

    private static IReadOnlyList<string[]> Sendings(string page)
    {
        var section = page[page.IndexOf("<h2>Sendings</h2>", StringComparison.Ordinal)..];
        return Row().Matches(Body().Match(section).Groups[1].Value).Select(m => m.Groups.Values.Skip(1).Select(g => g.Value.Trim()).ToArray()).ToList();
    }

    [Fact]
    public async Task ADailyBroadcast_ListsEachSending_NewestFirst_WithTheNextOne()
    {
        app.Clock.SetUtcNow(new DateTimeOffset(2026, 3, 2, 9, 0, 0, Cst).ToUniversalTime());
        var region = Broadcasting.NewRegion();
        Resident first = new(Broadcasting.NewPhone()), second = new(Broadcasting.NewPhone()), gone = new(Broadcasting.NewPhone(), OptedOut: true);
        await Broadcasting.SeedAsync(app, region, first, second, gone);
        var id = await Broadcasting.CreateAsync(app, new
        {
            title = "Daily tip", content = new { zh = "每日提示：开窗通风。" }, audience = new { regions = new[] { region } }, repeat = "0 8 * * *",
        });
        await Broadcasting.ApproveAsync(app, id);
        var viewer = await ConsoleSession.SignInAsync(app, "recurring-viewer", StaffFixtures.Password);

        var before = WebUtility.HtmlDecode(await viewer.Client.GetStringAsync($"/broadcasts/{id}"));
        Assert.Contains("Repeats: 0 8 * * * (city time)", before);
        Assert.Contains("Next: 2026-03-03 08:00.", before);
        Assert.Contains("Not sent yet.", before);

        var fanOut = app.Services.GetRequiredService<FanOutBroadcast>();
        foreach (var day in new[] { 3, 4 })
        {
            app.Clock.SetUtcNow(new DateTimeOffset(2026, 3, day, 8, 0, 1, Cst).ToUniversalTime());
            await fanOut.FireAsync(id, CancellationToken.None);
        }

        // Two days on the clock: the sign-in (8 h sliding) has expired.
        viewer = await ConsoleSession.SignInAsync(app, "recurring-viewer", StaffFixtures.Password);
        var after = WebUtility.HtmlDecode(await viewer.Client.GetStringAsync($"/broadcasts/{id}"));
        Assert.Contains("Next: 2026-03-05 08:00.", after);
        Assert.DoesNotContain("Not sent yet.", after);
        Assert.Contains($"The latest {GetBroadcast.OccurrencesShown} sendings, newest first", after);
        Assert.Equal(
            [["2026-03-04 08:00", "Written", "2", "1", "0"], ["2026-03-03 08:00", "Written", "2", "1", "0"]],
            Sendings(after));
    }
}
