using Gateway.Audit;
using Gateway.Admin;
using Gateway.Hosting;
using Gateway.Shell;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Gateway.Staff;

/// <summary>
/// The staff API (admins, by token or console sign-in): the same operations as the console's Staff pages
/// (<see cref="ManageStaff"/>), each audited. Refusals name the field: 422 for bad input (every bad field at once,
/// Hosting/FieldProblems), 409 for a taken name or the last admin, 404 for an unknown name.
/// </summary>
public static class StaffEndpoints
{
    private const long MaxRequestBytes = 16 * 1024;

    public static void MapStaffApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/staff").RequireAuthorization(AdminPolicies.Administer);
        api.MapGet("", List);
        api.MapGet("/{name}", Get);
        api.MapPost("", Create).WithRequestSizeLimit(MaxRequestBytes);
        api.MapPost("/{name}/disable", Disable);
        api.MapPost("/{name}/enable", Enable);
        api.MapPost("/{name}/password", ResetPassword).WithRequestSizeLimit(MaxRequestBytes);
        api.MapPost("/{name}/roles", ChangeRoles).WithRequestSizeLimit(MaxRequestBytes);
    }

    private static async Task<Ok<List<StaffResponse>>> List(StaffAccounts accounts, IOptions<GatewayOptions> options, TimeProvider clock, CancellationToken ct) =>
        TypedResults.Ok((await accounts.ListAsync(ct)).Select(m => StaffResponse.From(m, options.Value.CityTimeZone, clock.GetUtcNow())).ToList());

    private static async Task<Results<Ok<StaffResponse>, ProblemHttpResult>> Get(string name, StaffAccounts accounts, IOptions<GatewayOptions> options,
        TimeProvider clock, CancellationToken ct) =>
        await accounts.FindAsync(name, ct) is { } member
            ? TypedResults.Ok(StaffResponse.From(member, options.Value.CityTimeZone, clock.GetUtcNow()))
            : TypedResults.Problem(statusCode: 404, detail: $"name: there is nobody called '{name}'");

    private static async Task<Results<Created<StaffResponse>, ProblemHttpResult>> Create(StaffDraft? request, ManageStaff manage, HttpContext http,
        ConsoleTexts texts, IOptions<GatewayOptions> options, TimeProvider clock, CancellationToken ct)
    {
        if (request is null)
            return TypedResults.Problem(statusCode: 400, detail: "body: a JSON object with name, displayName, roles, regions and password is required");
        var change = await manage.CreateAsync(AuditActor.Of(http), request, ct);
        return change.Outcome == StaffChangeOutcome.Done
            ? TypedResults.Created($"/api/staff/{Uri.EscapeDataString(change.Member!.Name)}", StaffResponse.From(change.Member, options.Value.CityTimeZone, clock.GetUtcNow()))
            : Refused(change, texts);
    }

    private static Task<Results<Ok<StaffResponse>, ProblemHttpResult>> Disable(string name, ManageStaff manage, HttpContext http, ConsoleTexts texts,
        IOptions<GatewayOptions> options, TimeProvider clock, CancellationToken ct) =>
        Answer(manage.DisableAsync(AuditActor.Of(http), name, ct), texts, options, clock);

    private static Task<Results<Ok<StaffResponse>, ProblemHttpResult>> Enable(string name, ManageStaff manage, HttpContext http, ConsoleTexts texts,
        IOptions<GatewayOptions> options, TimeProvider clock, CancellationToken ct) =>
        Answer(manage.EnableAsync(AuditActor.Of(http), name, ct), texts, options, clock);

    /// <param name="Password">The new password (at least 12 characters).</param>
    public sealed record PasswordRequest(string? Password);

    private static Task<Results<Ok<StaffResponse>, ProblemHttpResult>> ResetPassword(string name, PasswordRequest? request, ManageStaff manage,
        HttpContext http, ConsoleTexts texts, IOptions<GatewayOptions> options, TimeProvider clock, CancellationToken ct) =>
        Answer(manage.ResetPasswordAsync(AuditActor.Of(http), name, request?.Password, ct), texts, options, clock);

    /// <param name="Roles">The person's roles from now on (at least one).</param>
    /// <param name="Regions">The districts they are limited to; empty or absent: none.</param>
    public sealed record RolesRequest(string[]? Roles, string[]? Regions);

    private static Task<Results<Ok<StaffResponse>, ProblemHttpResult>> ChangeRoles(string name, RolesRequest? request, ManageStaff manage,
        HttpContext http, ConsoleTexts texts, IOptions<GatewayOptions> options, TimeProvider clock, CancellationToken ct) =>
        Answer(manage.ChangeRolesAsync(AuditActor.Of(http), name, request?.Roles, request?.Regions, ct), texts, options, clock);

    private static async Task<Results<Ok<StaffResponse>, ProblemHttpResult>> Answer(Task<StaffChange> changing, ConsoleTexts texts,
        IOptions<GatewayOptions> options, TimeProvider clock)
    {
        var change = await changing;
        return change.Outcome is StaffChangeOutcome.Done or StaffChangeOutcome.Unchanged
            ? TypedResults.Ok(StaffResponse.From(change.Member!, options.Value.CityTimeZone, clock.GetUtcNow()))
            : Refused(change, texts);
    }

    /// <summary>Bad input: every field at fault at once (422, Hosting/FieldProblems); else 404 or 409 with the reason.</summary>
    private static ProblemHttpResult Refused(StaffChange change, ConsoleTexts texts)
    {
        string Detail(StaffProblem p) => $"{p.Field}: {texts.In(ConsoleTexts.En, p.TextKey, p.Args)}";
        if (change.Outcome == StaffChangeOutcome.Invalid)
            return FieldProblems.Answer(change.Problems!.Select(p => new FieldProblem(p.Field, Detail(p))).ToList());
        return TypedResults.Problem(statusCode: change.Outcome == StaffChangeOutcome.NotFound ? 404 : 409, detail: Detail(change.Problem!));
    }
}

/// <summary>A person as the API shows them (times in TIME_ZONE). Status: active, disabled or locked.</summary>
public sealed record StaffResponse(string Name, string DisplayName, IReadOnlyList<string> Roles, IReadOnlyList<string> Regions, string Status,
    DateTimeOffset CreatedAt, string CreatedBy, DateTimeOffset? LastSignInAt, DateTimeOffset? DisabledAt, DateTimeOffset? LockedUntil)
{
    public static StaffResponse From(StaffMember m, TimeZoneInfo zone, DateTimeOffset now) => new(
        m.Name, m.DisplayName, m.Roles, m.Regions,
        m.IsDisabled ? "disabled" : m.IsLockedAt(now) ? "locked" : "active",
        Local(m.CreatedAt, zone), m.CreatedBy, Local(m.LastSignInAt, zone), Local(m.DisabledAt, zone), m.IsLockedAt(now) ? Local(m.LockedUntil, zone) : null);

    private static DateTimeOffset Local(DateTime utc, TimeZoneInfo zone) => TimeZoneInfo.ConvertTime(new DateTimeOffset(utc), zone);

    private static DateTimeOffset? Local(DateTime? utc, TimeZoneInfo zone) => utc is { } t ? Local(t, zone) : null;
}
