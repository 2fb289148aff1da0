using System.Security.Claims;
using System.Text.Encodings.Web;
using Gateway.Staff;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Gateway.Admin;

/// <summary>
/// Authorization policies, by what the caller may do. A person signed in to the console (staff cookie) and a machine
/// client with a bearer token reach the same policies: <see cref="StaffOrToken"/> picks the scheme per request.
/// </summary>
public static class AdminPolicies
{
    public const string View = "view";
    public const string Edit = "edit";
    public const string Approve = "approve";
    public const string Counsel = "counsel";
    public const string Administer = "administer";

    /// <summary>
    /// The scheme every policy uses: the bearer token when the request carries an Authorization header, the staff cookie
    /// when it carries that; with neither, a console page asks for the cookie (its challenge is the sign-in page) and
    /// everything else for the token (401 with the reason, as machine clients expect).
    /// </summary>
    public const string StaffOrToken = "staff-or-token";

    public static IServiceCollection AddAdminAuth(this IServiceCollection services)
    {
        services.AddSingleton<ApiTokens>();
        services.AddAuthentication(StaffOrToken)
            .AddPolicyScheme(StaffOrToken, null, o => o.ForwardDefaultSelector = SchemeOf)
            .AddScheme<AuthenticationSchemeOptions, BearerTokenHandler>(BearerTokenHandler.SchemeName, null)
            .AddStaffCookie();
        services.AddAuthorizationBuilder()
            .AddPolicy(View, p => p.AddAuthenticationSchemes(StaffOrToken).RequireRole(Roles.All))
            .AddPolicy(Edit, p => p.AddAuthenticationSchemes(StaffOrToken).RequireRole(Roles.Admin, Roles.Editor))
            .AddPolicy(Approve, p => p.AddAuthenticationSchemes(StaffOrToken).RequireRole(Roles.Admin, Roles.Approver))
            .AddPolicy(Counsel, p => p.AddAuthenticationSchemes(StaffOrToken).RequireRole(Roles.Admin, Roles.Counsellor))
            .AddPolicy(Administer, p => p.AddAuthenticationSchemes(StaffOrToken).RequireRole(Roles.Admin));
        return services;
    }

    private static string SchemeOf(HttpContext http) =>
        http.Request.Headers.Authorization.Count > 0 ? BearerTokenHandler.SchemeName
        : http.Request.Cookies.ContainsKey(StaffCookie.Name) || Shell.ConsoleEndpoint.Is(http) ? StaffCookie.Scheme
        : BearerTokenHandler.SchemeName;

    /// <summary>Who is calling: name, roles, regions, and whether by sign-in or token.</summary>
    public static Caller Caller(this ClaimsPrincipal user) => Admin.Caller.From(user);
}

/// <summary>Authorization: Bearer &lt;token&gt; against the configured tokens; 401 and 403 answer with a reason.</summary>
public sealed class BearerTokenHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ApiTokens tokens)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Bearer";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (string.IsNullOrEmpty(header))
            return Task.FromResult(AuthenticateResult.NoResult());
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return Task.FromResult(AuthenticateResult.Fail("the Authorization header must be 'Bearer <token>'"));

        var caller = tokens.Find(header["Bearer ".Length..].Trim());
        if (caller is null)
            return Task.FromResult(AuthenticateResult.Fail("unknown token"));

        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, caller.Name), new Claim(ClaimTypes.Role, caller.Role)], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        var reason = result.Failure?.Message ?? "an Authorization: Bearer <token> header is required (or a console sign-in)";
        Response.Headers.WWWAuthenticate = "Bearer";
        await Results.Problem(statusCode: 401, title: "Unauthorized", detail: reason).ExecuteAsync(Context);
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        await Forbidden(Context).ExecuteAsync(Context);

    /// <summary>The 403 an API caller gets, naming the roles it has (tokens and staff alike).</summary>
    public static IResult Forbidden(HttpContext http)
    {
        var roles = http.User.FindAll(ClaimTypes.Role).Select(c => c.Value).ToList();
        var detail = roles.Count switch
        {
            0 => "no role may do this",
            1 => $"the '{roles[0]}' role may not do this",
            _ => $"the roles {string.Join(", ", roles.Select(r => $"'{r}'"))} may not do this",
        };
        return Results.Problem(statusCode: 403, title: "Forbidden", detail: detail);
    }
}
