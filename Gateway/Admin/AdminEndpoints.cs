using Gateway.Hosting;
using Gateway.Inbound;
using Gateway.Phones;
using Gateway.Subscriptions;
using Gateway.Support;
using Microsoft.Extensions.Options;

namespace Gateway.Admin;

/// <summary>
/// The admin API's route table: every route, its policy, and the operation in its capability folder that does
/// the work. Authentication (Authorization: Bearer …) answers 401 with a reason before any of these run.
/// </summary>
public static class AdminEndpoints
{
    public const int DefaultPage = 50;

    public static void MapAdminApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api");

        var view = api.MapGroup("").RequireAuthorization(AdminPolicies.View);
        view.MapGet("/subscribers/{phone}", GetSubscriber);
        view.MapGet("/subscribers/{phone}/consent", ListConsent);
        view.MapGet("/inbox", ListInbox);

        var counsel = api.MapGroup("/support").RequireAuthorization(AdminPolicies.Counsel);
        counsel.MapGet("/requests", ListSupportRequests);
        counsel.MapPost("/requests/{id:long}/close", CloseSupportRequest);
    }

    // ---- Subscribers ------------------------------------------------------------------------------------------

    private static async Task<IResult> GetSubscriber(string phone, GetSubscriber get, IOptions<GatewayOptions> options, CancellationToken ct)
    {
        var (e164, problem) = ReadPhone(phone, options.Value);
        if (problem is not null)
            return problem;
        var profile = await get.HandleAsync(e164!, ct);
        return profile is null
            ? Results.Problem(statusCode: 404, detail: $"phone: no subscriber {Phone.Mask(e164)}")
            : Results.Ok(new
            {
                phone = profile.Phone,
                status = profile.Status,
                language = profile.Language,
                topics = profile.Topics,
                region = profile.Region,
                createdAt = Utc(profile.CreatedAt),
                optedOutAt = Utc(profile.OptedOutAt),
            });
    }

    private static async Task<IResult> ListConsent(string phone, GetSubscriber get, ListConsentEvents list, IOptions<GatewayOptions> options, CancellationToken ct)
    {
        var (e164, problem) = ReadPhone(phone, options.Value);
        if (problem is not null)
            return problem;
        var events = await list.HandleAsync(e164!, ct);
        if (events.Count == 0 && await get.HandleAsync(e164!, ct) is null)
            return Results.Problem(statusCode: 404, detail: $"phone: no subscriber and no consent record for {Phone.Mask(e164)}");
        return Results.Ok(events.Select(e => new
        {
            action = e.Action,
            scope = e.Scope,
            keyword = e.Keyword,
            channel = e.Channel,
            occurredAt = Utc(e.OccurredAt),
        }));
    }

    // ---- Inbox ------------------------------------------------------------------------------------------------

    private static async Task<IResult> ListInbox(bool? unhandled, long? before, int? limit, ListInbox list, CancellationToken ct)
    {
        if (limit is < 1 or > Inbound.ListInbox.MaxPage)
            return Results.Problem(statusCode: 400, detail: $"limit: must be between 1 and {Inbound.ListInbox.MaxPage}");
        var messages = await list.HandleAsync(unhandled ?? false, before, limit ?? DefaultPage, ct);
        var next = messages.Count == (limit ?? DefaultPage)
            ? $"/api/inbox?unhandled={(unhandled ?? false ? "true" : "false")}&limit={limit ?? DefaultPage}&before={messages[^1].Id}"
            : null;
        return Results.Ok(new
        {
            messages = messages.Select(m => new
            {
                id = m.Id,
                phone = m.Phone,
                body = m.Body,
                receivedAt = Utc(m.ReceivedAt),
                intent = m.Intent,
                reply = m.Reply,
                handledAt = Utc(m.HandledAt),
                provider = m.Provider,
            }),
            next,
        });
    }

    // ---- Support (counsellors) --------------------------------------------------------------------------------

    private static async Task<IResult> ListSupportRequests(string? status, int? limit, ListSupportRequests list, CancellationToken ct)
    {
        status ??= "open";
        if (!Support.ListSupportRequests.Statuses.Contains(status))
            return Results.Problem(statusCode: 400, detail: $"status: must be one of {string.Join(", ", Support.ListSupportRequests.Statuses)}");
        if (limit is < 1 or > 500)
            return Results.Problem(statusCode: 400, detail: "limit: must be between 1 and 500");
        var requests = await list.HandleAsync(status, limit ?? 100, ct);
        return Results.Ok(requests.Select(r => new
        {
            id = r.Id,
            phone = r.Phone,
            priority = r.Priority,
            reason = r.Reason,
            channel = r.Channel,
            status = r.Status,
            language = r.Language,
            message = r.Message,
            createdAt = Utc(r.CreatedAt),
            closedAt = Utc(r.ClosedAt),
            closedBy = r.ClosedBy,
        }));
    }

    private static async Task<IResult> CloseSupportRequest(long id, CloseSupportRequest close, HttpContext http, CancellationToken ct) =>
        await close.HandleAsync(id, http.User.Caller().Name, ct)
            ? Results.NoContent()
            : Results.Problem(statusCode: 404, detail: $"id: no support request {id}");

    // ---- Helpers ----------------------------------------------------------------------------------------------

    /// <summary>"+8613800138000", "+86 138 0013 8000" (URL-encoded) or "13800138000" (DEFAULT_REGION) all name the same number.</summary>
    private static (string? E164, IResult? Problem) ReadPhone(string raw, GatewayOptions options)
    {
        var phone = Phone.Normalise(Uri.UnescapeDataString(raw), options.DefaultRegion);
        return phone.IsValid ? (phone.E164, null) : (null, Results.Problem(statusCode: 400, detail: $"phone: {phone.Error}"));
    }

    private static DateTime Utc(DateTime t) => DateTime.SpecifyKind(t, DateTimeKind.Utc);

    private static DateTime? Utc(DateTime? t) => t is { } value ? Utc(value) : null;
}
