using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Gateway.Tests.Broadcasts;

namespace Gateway.Tests.Providers.Simulator;

/// <summary>
/// Outside local mode (SIMULATOR_ENABLED=true, a staging gateway) the simulator reads and writes any number's
/// conversation, so every one of its routes needs a token of any role; with none, or a wrong one, 401 with a reason.
/// Local mode's open simulator is tested on the real process (Hosting/ProductionStartTests).
/// </summary>
public sealed class SimulatorAccessTests(BroadcastApp app) : IClassFixture<BroadcastApp>
{
    public static TheoryData<string, string> Routes => new()
    {
        { "GET", "/simulator" },
        { "GET", "/simulator/ussd" },
        { "GET", "/api/simulator/messages?to=13800000701" },
        { "GET", "/api/simulator/conversation?phone=13800000701" },
        { "POST", "/api/simulator/inbound" },
    };

    private static HttpRequestMessage Request(string method, string path, string? token)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method == "POST") request.Content = new StringContent("""{"from":"13800000701","body":"HELP"}""", Encoding.UTF8, "application/json");
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return request;
    }

    [Theory, MemberData(nameof(Routes))]
    public async Task WithoutAToken_401_WithAReason(string method, string path)
    {
        var response = await app.CreateClient().SendAsync(Request(method, path, null));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("an Authorization: Bearer <token> header is required", await response.Content.ReadAsStringAsync());
    }

    [Theory, MemberData(nameof(Routes))]
    public async Task WithAWrongToken_401(string method, string path)
    {
        var response = await app.CreateClient().SendAsync(Request(method, path, "not-a-configured-token-0123"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("unknown token", await response.Content.ReadAsStringAsync());
    }

    [Theory, MemberData(nameof(Routes))]
    public async Task AnyRole_GetsIn(string method, string path)
    {
        foreach (var token in new[] { BroadcastApp.ViewerToken, BroadcastApp.CounsellorToken, BroadcastApp.EditorToken, BroadcastApp.ApproverToken })
        {
            var response = await app.CreateClient().SendAsync(Request(method, path, token));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }
}
