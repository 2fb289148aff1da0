using System.Net;
using System.Text.Json;
using Dapper;
using Gateway.Tests.Support;
using Npgsql;

namespace Gateway.Tests.Audit;

/// <summary>GET /api/audit pages the log; nothing in the gateway, nor any SQL sent through it, can change or delete an entry.</summary>
public sealed class AuditTests(AuditTests.App app) : IClassFixture<AuditTests.App>
{
    public sealed class App : GatewayApp;

    [Fact]
    public async Task TheApi_PagesTheLog_NewestFirst()
    {
        for (var i = 0; i < 5; i++) await StaffFixtures.AddAsync(app, $"audited{i}", ["viewer"]);

        var first = JsonDocument.Parse(await app.AdminClient().GetStringAsync("/api/audit?limit=2")).RootElement;
        var next = first.GetProperty("next").GetString()!;
        var second = JsonDocument.Parse(await app.AdminClient().GetStringAsync(next)).RootElement;

        var page1 = first.GetProperty("events").EnumerateArray().ToList();
        var page2 = second.GetProperty("events").EnumerateArray().ToList();
        Assert.Equal(2, page1.Count);
        Assert.Equal(["id", "at", "actor", "via", "action", "target", "detail", "address"], page1[0].EnumerateObject().Select(p => p.Name));
        Assert.True(page1[0].GetProperty("id").GetInt64() > page1[1].GetProperty("id").GetInt64());
        Assert.True(page1[1].GetProperty("id").GetInt64() > page2[0].GetProperty("id").GetInt64());
        Assert.Equal("staff.created", page1[0].GetProperty("action").GetString());
        Assert.Equal("token", page1[0].GetProperty("via").GetString());
    }

    [Theory]
    [InlineData("/api/audit?limit=0")]
    [InlineData("/api/audit?limit=501")]
    [InlineData("/api/audit?before=0")]
    [InlineData("/api/audit?limit=abc")]
    public async Task BadPaging_Is400(string path) =>
        Assert.Equal(HttpStatusCode.BadRequest, (await app.AdminClient().GetAsync(path)).StatusCode);

    [Theory]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    [InlineData("PATCH")]
    public async Task NoRoute_ChangesTheLog(string method) =>
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await app.AdminClient().SendAsync(new HttpRequestMessage(new HttpMethod(method), "/api/audit"))).StatusCode);

    [Theory]
    [InlineData("UPDATE audit_events SET actor = 'someone else'")]
    [InlineData("DELETE FROM audit_events")]
    [InlineData("TRUNCATE audit_events")]
    public async Task TheDatabase_RefusesToChangeOrDeleteAnEntry(string sql)
    {
        await StaffFixtures.AddAsync(app, $"kept{Guid.NewGuid():N}"[..20], ["viewer"]);
        await using var conn = await app.OpenDatabaseAsync();
        var before = await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM audit_events");

        var refused = await Assert.ThrowsAsync<PostgresException>(() => conn.ExecuteAsync(sql));

        Assert.Equal("42501", refused.SqlState);
        Assert.Equal(before, await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM audit_events"));
    }
}
