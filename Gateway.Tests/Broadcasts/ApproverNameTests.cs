using System.Net;
using System.Net.Http.Headers;
using Gateway.Tests.Support;
using Microsoft.AspNetCore.Hosting;
using Npgsql;

namespace Gateway.Tests.Broadcasts;

/// <summary>
/// A name is one person whatever its case: "lin" created a broadcast, so "LIN" (a token added later under another
/// spelling; start-up refuses both at once, see Hosting/OptionsValidationTests) cannot approve it, over HTTP and in
/// the database's backstop.
/// </summary>
public sealed class ApproverNameTests(BroadcastApp app) : IClassFixture<BroadcastApp>
{
    private const string ShoutingToken = "lin-upper-approver-token-0123";

    private static object Body() => new
    {
        title = "Mask reminder",
        content = new { zh = "请戴口罩。", en = "Please wear a mask." },
        audience = new { regions = new[] { Broadcasting.NewRegion() } },
    };

    [Theory]
    [InlineData("LIN", "'lin' created broadcast {0}, and 'LIN' is the same person (names ignore case)")]
    [InlineData("Lin", "'lin' created broadcast {0}, and 'Lin' is the same person (names ignore case)")]
    [InlineData(" lin", "'lin' created broadcast {0}; a second person")]
    public async Task TheCreator_UnderAnotherSpelling_CannotApprove(string spelling, string detail)
    {
        var id = await Broadcasting.CreateAsync(app, Body(), BroadcastApp.EditorToken);   // created by "lin"
        // The same database, its tokens configured again: "lin" is gone, an approver spelled differently is there.
        // Disposed with the fixture, as AnotherProcess is: see GatewayApp on Hangfire's static log provider.
        var later = app.WithWebHostBuilder(b => b.UseSetting("API_TOKENS", $"{spelling}:approver:{ShoutingToken}"));
        var client = later.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ShoutingToken);

        var response = await client.PostAsync($"/api/broadcasts/{id}/approve", null);

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{(int)response.StatusCode}: {text}");
        Assert.Contains(string.Format(detail, id), text);
        Assert.Equal("pending_approval", (await Broadcasting.GetAsync(app, id)).GetProperty("status").GetString());
        // A second person still can.
        Assert.Equal("wang", (await Broadcasting.ApproveAsync(app, id)).GetProperty("approvedBy").GetString());
    }

    [Fact]
    public async Task TheDatabase_RefusesAnApprovalByTheCreatorUnderAnotherSpelling()
    {
        var id = await Broadcasting.CreateAsync(app, Body(), BroadcastApp.EditorToken);
        await using var conn = await app.OpenDatabaseAsync();

        var e = await Assert.ThrowsAsync<PostgresException>(() => Dapper.SqlMapper.ExecuteAsync(conn,
            "UPDATE broadcasts SET approved_by = 'LIN', approved_at = now(), status = 'approved' WHERE id = @id", new { id }));

        Assert.Equal(PostgresErrorCodes.CheckViolation, e.SqlState);
        Assert.Equal("broadcasts_approved_by_another_person", e.ConstraintName);
    }
}
