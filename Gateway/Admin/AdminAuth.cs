using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Gateway.Admin;

/// <summary>Authorization policies of the admin API, by what the caller may do.</summary>
public static class AdminPolicies
{
    public const string View = "view";
    public const string Edit = "edit";
    public const string Approve = "approve";
    public const string Counsel = "counsel";
    public const string Administer = "administer";

    public static IServiceCollection AddAdminAuth(this IServiceCollection services)
    {
        services.AddSingleton<ApiTokens>();
        services.AddAuthentication(BearerTokenHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, BearerTokenHandler>(BearerTokenHandler.SchemeName, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(View, p => p.RequireRole(Roles.All))
            .AddPolicy(Edit, p => p.RequireRole(Roles.Admin, Roles.Editor))
            .AddPolicy(Approve, p => p.RequireRole(Roles.Admin, Roles.Approver))
            .AddPolicy(Counsel, p => p.RequireRole(Roles.Admin, Roles.Counsellor))
            .AddPolicy(Administer, p => p.RequireRole(Roles.Admin));
        return services;
    }

    public static ApiCaller Caller(this ClaimsPrincipal user) =>
        new(user.Identity?.Name ?? "unknown", user.FindFirstValue(ClaimTypes.Role) ?? "");
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
        var reason = result.Failure?.Message ?? "an Authorization: Bearer <token> header is required";
        Response.Headers.WWWAuthenticate = "Bearer";
        await Results.Problem(statusCode: 401, title: "Unauthorized", detail: reason).ExecuteAsync(Context);
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        var role = Context.User.FindFirstValue(ClaimTypes.Role) ?? "none";
        await Results.Problem(statusCode: 403, title: "Forbidden",
            detail: $"the '{role}' role may not do this").ExecuteAsync(Context);
    }
}
