using Gateway.Admin;
using Gateway.Audit;
using Gateway.Hosting;
using Gateway.Phones;
using Gateway.Templates;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Gateway.Subscriptions;

/// <summary>
/// Exports (admins and editors; docs/imports.md), each written to the audit log before a byte is sent: residents as
/// CSV, filtered by status, topic, region and language, and one number's consent record. Numbers are in full for
/// admins and masked for everyone else; a person limited to districts exports only residents of those districts.
/// </summary>
public static class ExportEndpoints
{
    public const string ContentType = "text/csv; charset=utf-8";

    public static void MapSubscriberExports(this IEndpointRouteBuilder app)
    {
        var edit = app.MapGroup("/api/subscribers").RequireAuthorization(AdminPolicies.Edit);
        edit.MapGet("/export.csv", Subscribers).Produces(StatusCodes.Status200OK, contentType: "text/csv")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden);
        edit.MapGet("/{phone}/consent.csv", Consent).Produces(StatusCodes.Status200OK, contentType: "text/csv")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static readonly string[] Statuses = [Subscriber.Active, Subscriber.OptedOut, Subscriber.Pending];

    private static async Task<Results<PushStreamHttpResult, ProblemHttpResult>> Subscribers(string? status, string? topic, string? region, string? language,
        HttpContext http, ExportSubscribers export, TopicCatalog topics, AuditLog audit, CancellationToken ct)
    {
        // Every filter is checked, so that one answer names all that is wrong.
        var problems = new List<FieldProblem>();
        if (status is not null && !Statuses.Contains(status))
            problems.Add(new FieldProblem("status", $"status: must be one of {string.Join(", ", Statuses)}", StatusCodes.Status400BadRequest));
        if (topic is not null && topics.Find(topic) is null)
            problems.Add(new FieldProblem("topic", $"topic: no topic '{topic}'; topics: {string.Join(", ", topics.All.Select(t => t.Key))}", StatusCodes.Status400BadRequest));
        if (language is not null && !GatewayOptions.Languages.Contains(language))
            problems.Add(new FieldProblem("language", "language: must be zh or en", StatusCodes.Status400BadRequest));
        if (problems.Count > 0)
            return FieldProblems.Answer(problems);
        var caller = http.User.Caller();
        if (caller.Regions.Limit(region is null ? [] : [region]) is not { } regions)
            return TypedResults.Problem(statusCode: 403, detail: $"region: '{region}' is outside your regions ({string.Join(", ", caller.Regions.Regions)})");

        var full = caller.IsInRole(Roles.Admin);
        var filter = new ExportFilter(status, topic, regions, language);
        await audit.RecordAsync(http, AuditActions.SubscribersExported, "subscribers",
            $"status={status ?? "any"} topic={topic ?? "any"} regions={(regions.Count == 0 ? "all" : string.Join(",", regions))} language={language ?? "any"}; {(full ? "full numbers" : "masked numbers")}", ct);
        return TypedResults.Stream(stream => export.WriteSubscribersAsync(stream, filter, full, ct), ContentType, "subscribers.csv");
    }

    private static async Task<Results<PushStreamHttpResult, ProblemHttpResult>> Consent(string phone, HttpContext http, ExportSubscribers export,
        Subscribers subscribers, ListConsentEvents ledger, AuditLog audit, IOptions<GatewayOptions> options, CancellationToken ct)
    {
        var read = Phone.Normalise(Uri.UnescapeDataString(phone), options.Value.DefaultRegion);
        if (!read.IsValid)
            return FieldProblems.Answer([new FieldProblem("phone", $"phone: {read.Error}", StatusCodes.Status400BadRequest)]);
        var e164 = read.E164!;
        var caller = http.User.Caller();
        var subscriber = await subscribers.FindAsync(e164, ct);
        // A district office sees only its residents; an erased number's ledger (no district left) only people without a limit.
        if (!caller.Regions.IsUnlimited && (subscriber is null || !caller.Regions.Includes(subscriber.Region)))
            return TypedResults.Problem(statusCode: 404, detail: $"phone: no resident {Phone.Mask(e164)} in your regions");
        if (subscriber is null && (await ledger.HandleAsync(e164, ct)).Count == 0)
            return TypedResults.Problem(statusCode: 404, detail: $"phone: no subscriber and no consent record for {Phone.Mask(e164)}");

        var full = caller.IsInRole(Roles.Admin);
        await audit.RecordAsync(http, AuditActions.ConsentExported, Phone.Mask(e164), full ? "full numbers" : "masked numbers", ct);
        return TypedResults.Stream(stream => export.WriteConsentAsync(stream, e164, full, ct), ContentType, "consent.csv");
    }
}
