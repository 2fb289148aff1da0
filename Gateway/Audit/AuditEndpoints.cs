using Gateway.Admin;
using Gateway.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Gateway.Audit;

/// <summary>GET /api/audit?limit=&amp;before= (admins): the audit log, newest first. There is no route that changes it.</summary>
public static class AuditEndpoints
{
    public static void MapAuditApi(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/audit", List).RequireAuthorization(AdminPolicies.Administer);

    private static async Task<Results<Ok<AuditPageResponse>, ProblemHttpResult>> List(int? limit, long? before, ListAuditEvents list,
        IOptions<GatewayOptions> options, CancellationToken ct)
    {
        if (limit is < 1 or > ListAuditEvents.MaxPage)
            return TypedResults.Problem(statusCode: 400, detail: $"limit: must be between 1 and {ListAuditEvents.MaxPage}");
        if (before is < 1)
            return TypedResults.Problem(statusCode: 400, detail: "before: must be the id of an entry (a positive number)");
        var size = limit ?? ListAuditEvents.DefaultPage;
        var events = await list.HandleAsync(before, size, ct);
        var zone = options.Value.CityTimeZone;
        return TypedResults.Ok(new AuditPageResponse(
            events.Select(e => new AuditEventResponse(e.Id, TimeZoneInfo.ConvertTime(new DateTimeOffset(e.At), zone),
                e.Actor, e.Via, e.Action, e.Target, e.Detail, e.Address)).ToList(),
            events.Count == size ? $"/api/audit?limit={size}&before={events[^1].Id}" : null));
    }
}

/// <summary>A page of the audit log; Next is the URL of the older page, or null at the oldest.</summary>
public sealed record AuditPageResponse(IReadOnlyList<AuditEventResponse> Events, string? Next);

/// <summary>One entry; At in TIME_ZONE. Via: console (a signed-in person), token (an API token) or system.</summary>
public sealed record AuditEventResponse(long Id, DateTimeOffset At, string Actor, string Via, string Action, string? Target, string? Detail, string? Address);
