using System.Net;
using System.Net.Http.Headers;
using Gateway.Tests.Broadcasts;
using Gateway.Ussd;
using Hangfire;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.Hosting;

/// <summary>
/// Hangfire's dashboard at /hangfire asks the admin API's policies: any staff role may look, only an admin may act
/// on a job, a caller without a token gets the API's 401 with its reason.
/// </summary>
public sealed class JobsDashboardTests(BroadcastApp app) : IClassFixture<BroadcastApp>
{
    private HttpClient Client(string? token)
    {
        var client = app.CreateClient();
        if (token is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>A job nobody runs (the test host has no worker), to act on.</summary>
    private string EnqueueJob() =>
        app.Services.GetRequiredService<IBackgroundJobClient>().Enqueue<PurgeUssdSessionsJob>(j => j.RunAsync(CancellationToken.None));

    private string? StateOf(string jobId)
    {
        using var connection = app.Services.GetRequiredService<JobStorage>().GetConnection();
        return connection.GetJobData(jobId)?.State;
    }

    [Theory]
    [InlineData(null, "an Authorization: Bearer <token> header is required")]
    [InlineData("not-a-configured-token-0123", "unknown token")]
    public async Task WithoutAValidToken_401_WithAReason(string? token, string reason)
    {
        var response = await Client(token).GetAsync("/hangfire");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains(reason, await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData(BroadcastApp.ViewerToken)]
    [InlineData(BroadcastApp.CounsellorToken)]
    [InlineData(BroadcastApp.EditorToken)]
    [InlineData(BroadcastApp.ApproverToken)]
    [InlineData(Support.GatewayApp.AdminToken)]
    public async Task AnyStaffRole_SeesTheDashboard(string token)
    {
        var response = await Client(token).GetAsync("/hangfire");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Outreach gateway: jobs", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData(BroadcastApp.ViewerToken)]
    [InlineData(BroadcastApp.CounsellorToken)]
    [InlineData(BroadcastApp.EditorToken)]
    [InlineData(BroadcastApp.ApproverToken)]
    public async Task OtherStaff_SeeItReadOnly_AndCannotActOnAJob(string token)
    {
        var jobId = EnqueueJob();
        var client = Client(token);

        var page = await client.GetStringAsync($"/hangfire/jobs/details/{jobId}");
        var delete = await client.PostAsync($"/hangfire/jobs/actions/delete/{jobId}", null);

        Assert.DoesNotContain($"jobs/actions/delete/{jobId}", page);
        Assert.False(delete.IsSuccessStatusCode, $"{(int)delete.StatusCode}");
        Assert.Equal("Enqueued", StateOf(jobId));
    }

    [Fact]
    public async Task AnAdmin_CanActOnAJob()
    {
        var jobId = EnqueueJob();
        var client = Client(Support.GatewayApp.AdminToken);

        var page = await client.GetStringAsync($"/hangfire/jobs/details/{jobId}");
        // What the dashboard's script does: the antiforgery token from the page's meta tags, in the header they name.
        var header = System.Text.RegularExpressions.Regex.Match(page, "<meta name=\"csrf-header\" content=\"([^\"]+)\"").Groups[1].Value;
        var csrf = System.Net.WebUtility.HtmlDecode(System.Text.RegularExpressions.Regex.Match(page, "<meta name=\"csrf-token\" content=\"([^\"]+)\"").Groups[1].Value);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/hangfire/jobs/actions/delete/{jobId}");
        request.Headers.Add(header, csrf);
        var delete = await client.SendAsync(request);

        Assert.Contains($"jobs/actions/delete/{jobId}", page);
        Assert.True(delete.IsSuccessStatusCode, $"{(int)delete.StatusCode}");
        Assert.Equal("Deleted", StateOf(jobId));
    }
}
