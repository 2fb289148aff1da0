using System.Net;
using System.Text;
using System.Text.Json;
using Gateway.Tests.Imports;
using Gateway.Tests.Support;

namespace Gateway.Tests.Admin;

/// <summary>
/// The subscriber, staff, import, support and simulator endpoints refuse a request with every bad field at once, as the broadcast API does:
/// an RFC 7807 validation problem (application/problem+json) whose "errors" name each field with its reasons, 400 when a
/// field cannot be read at all and 422 when it was read and refused. Each case sends several bad fields together over HTTP.
/// </summary>
public sealed class EveryBadFieldTests(ImportApp app) : IClassFixture<ImportApp>
{
    /// <param name="Errors">Each field expected in "errors", with a piece of each of its reasons.</param>
    public sealed record Case(string Label, string Method, string Path, string? ContentType, string? Body, HttpStatusCode Status,
        Dictionary<string, string[]> Errors)
    {
        public override string ToString() => Label;
    }

    private static readonly string LongRegion = new('x', 65);

    public static TheoryData<Case> Cases => new()
    {
        new("staff: every field of a new person wrong", "POST", "/api/staff", "application/json",
            $$"""{"name": "lin hua", "displayName": "{{new string('d', 101)}}", "roles": ["boss"], "regions": ["{{LongRegion}}"], "password": "short"}""",
            HttpStatusCode.UnprocessableEntity, new()
            {
                ["name"] = ["name: A name has 2 to 40"],
                ["displayName"] = ["displayName:"],
                ["roles"] = ["roles: There is no role 'boss'"],
                ["regions"] = ["regions: A region name"],
                ["password"] = ["password: A password has at least 12 characters."],
            }),
        new("staff: a new person with nothing but a display name", "POST", "/api/staff", "application/json",
            """{"displayName": "Lin", "roles": []}""",
            HttpStatusCode.UnprocessableEntity, new()
            {
                ["name"] = ["name: Enter a name"],
                ["roles"] = ["roles: Choose at least one role"],
                ["password"] = ["password: Enter a password."],
            }),
        new("staff: an admin limited to a region, and an unknown role", "POST", "/api/staff", "application/json",
            """{"name": "ok-name", "roles": ["admin", "boss"], "regions": ["hanyang"], "password": "a-good-long-password"}""",
            HttpStatusCode.UnprocessableEntity, new()
            {
                ["roles"] = ["roles: There is no role 'boss'"],
                ["regions"] = ["regions: An admin sees every district"],
            }),
        new("staff: new roles and regions both wrong", "POST", "/api/staff/anybody/roles", "application/json",
            $$"""{"roles": ["boss"], "regions": ["{{LongRegion}}"]}""",
            HttpStatusCode.UnprocessableEntity, new()
            {
                ["roles"] = ["roles: There is no role 'boss'"],
                ["regions"] = ["regions: A region name"],
            }),
        new("subscriber: enrolling a malformed number in no course", "POST", "/api/subscribers/12ab/enrolments", "application/json",
            """{"course": "no-such-course"}""",
            HttpStatusCode.BadRequest, new()
            {
                ["phone"] = ["phone:"],
                ["course"] = ["course: no course 'no-such-course'"],
            }),
        new("subscriber: enrolling a malformed number without a course", "POST", "/api/subscribers/12ab/enrolments", "application/json", "{}",
            HttpStatusCode.BadRequest, new()
            {
                ["phone"] = ["phone:"],
                ["course"] = ["course: required"],
            }),
        new("subscriber: exporting by three unknown filters", "GET", "/api/subscribers/export.csv?status=gone&topic=sports&language=fr", null, null,
            HttpStatusCode.BadRequest, new()
            {
                ["status"] = ["status: must be one of active, opted_out, pending"],
                ["topic"] = ["topic: no topic 'sports'"],
                ["language"] = ["language: must be zh or en"],
            }),
        new("import: no dryRun, and a header with an unknown column and a column twice", "POST", "/api/subscribers/imports", "text/csv",
            "name,phone,phone\nwang,+8613710040001,+8613710040001\n",
            HttpStatusCode.BadRequest, new()
            {
                ["dryRun"] = ["dryRun: required"],
                ["file"] = ["file: unknown column 'name'", "file: column 'phone' appears twice"],
            }),
        new("import: dryRun unreadable, and a header without a phone column", "POST", "/api/subscribers/imports?dryRun=maybe", "text/csv",
            "name,language,language\nwang,en,en\n",
            HttpStatusCode.BadRequest, new()
            {
                ["dryRun"] = ["dryRun: required"],
                ["file"] = ["file: unknown column 'name'", "file: column 'language' appears twice", "file: the header (line 1) has no 'phone' column"],
            }),
        new("import: a dry run of a header with every problem", "POST", "/api/subscribers/imports?dryRun=true", "text/csv",
            "name,region,region,topic\nwang,jiangan,jiangan,notices\n",
            HttpStatusCode.UnprocessableEntity, new()
            {
                ["file"] = ["file: unknown column 'name'", "file: column 'region' appears twice", "file: unknown column 'topic'",
                    "file: the header (line 1) has no 'phone' column"],
            }),
        new("support: listing by an unknown status, too many at once", "GET", "/api/support/requests?status=lost&limit=501", null, null,
            HttpStatusCode.BadRequest, new()
            {
                ["status"] = ["status: must be one of"],
                ["limit"] = ["limit: must be between 1 and 500"],
            }),
        new("support: closing with an unknown outcome and a note too long", "POST", "/api/support/requests/1/close", "application/json",
            $$"""{"outcome": "vanished", "note": "{{new string('n', 4001)}}"}""",
            HttpStatusCode.UnprocessableEntity, new()
            {
                ["outcome"] = ["outcome: required, one of"],
                ["note"] = ["note: at most 4000 characters"],
            }),
        new("simulator: a resident with no number, no text and an id too long", "POST", "/api/simulator/inbound", "application/json",
            $$"""{"from": "12ab", "id": "{{new string('i', 129)}}"}""",
            HttpStatusCode.BadRequest, new()
            {
                ["from"] = ["from:"],
                ["body"] = ["body: required"],
                ["id"] = ["id: at most 128 characters"],
            }),
        new("simulator: a conversation of a malformed number, too long", "GET", "/api/simulator/conversation?phone=12ab&limit=0", null, null,
            HttpStatusCode.BadRequest, new()
            {
                ["phone"] = ["phone:"],
                ["limit"] = ["limit: must be between 1 and 1000"],
            }),
        new("simulator: messages to a malformed number, too many", "GET", "/api/simulator/messages?to=12ab&limit=1001", null, null,
            HttpStatusCode.BadRequest, new()
            {
                ["to"] = ["to:"],
                ["limit"] = ["limit: must be between 1 and 1000"],
            }),
    };

    [Theory, MemberData(nameof(Cases))]
    public async Task ABadRequest_IsRefusedWithEveryBadField_AtOnce(Case c)
    {
        var before = await app.CountAsync();
        var staff = await app.QuerySingleAsync<long>("SELECT count(*) FROM staff");
        var request = new HttpRequestMessage(new HttpMethod(c.Method), c.Path);
        if (c.Body is not null) request.Content = new StringContent(c.Body, Encoding.UTF8, c.ContentType!);

        var response = await app.AdminClient(GatewayApp.AdminToken).SendAsync(request);

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == c.Status, $"{(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement;
        Assert.Equal((int)c.Status, problem.GetProperty("status").GetInt32());
        var errors = problem.GetProperty("errors").EnumerateObject()
            .ToDictionary(e => e.Name, e => e.Value.EnumerateArray().Select(v => v.GetString()!).ToList());
        Assert.Equal(c.Errors.Keys.Order(StringComparer.Ordinal), errors.Keys.Order(StringComparer.Ordinal));
        foreach (var (field, expected) in c.Errors)
        {
            Assert.True(expected.Length == errors[field].Count, $"{field}: {string.Join(" | ", errors[field])}");
            foreach (var piece in expected)
                Assert.Contains(errors[field], reason => reason.Contains(piece, StringComparison.Ordinal));
        }
        // The detail says it all in one line, for a client that reads only that.
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.All(errors.Values.SelectMany(r => r), reason => Assert.Contains(reason, detail));

        Assert.Equal(before, await app.CountAsync());
        Assert.Equal(staff, await app.QuerySingleAsync<long>("SELECT count(*) FROM staff"));
    }
}
