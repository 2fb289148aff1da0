using System.Net;
using System.Net.Http.Json;
using Gateway.Tests.Support;

namespace Gateway.Tests.Broadcasts;

/// <summary>Approvals take the budget's lock: two at once cannot both spend what remains of the month.</summary>
public sealed class BudgetRaceTests(BudgetTests.App app) : IClassFixture<BudgetTests.App>
{
    [Fact]
    public async Task TwoApprovalsAtOnce_CannotBothSpendTheSameRemainder()
    {
        // 36 residents at 0.05: 1.80 each, so either fits in 3.00 and both do not.
        var ids = new List<long>();
        foreach (var title in new[] { "First", "Second" })
        {
            var region = Broadcasting.NewRegion();
            await Broadcasting.SeedAsync(app, region, Enumerable.Range(0, 36).Select(_ => new Resident(Broadcasting.NewPhone())).ToArray());
            ids.Add(await Broadcasting.CreateAsync(app, new { title, content = new { zh = "请戴口罩。" }, audience = new { regions = new[] { region } } }));
        }

        var answers = await Task.WhenAll(ids.Select(id => app.AdminClient(BroadcastApp.ApproverToken).PostAsync($"/api/broadcasts/{id}/approve", null)));

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.Conflict], answers.Select(a => a.StatusCode).OrderBy(s => (int)s));
        Assert.Equal(1, await app.QuerySingleAsync<long>("SELECT count(*) FROM broadcasts WHERE id = ANY(@ids) AND status = 'approved'", new { ids = ids.ToArray() }));
    }
}
