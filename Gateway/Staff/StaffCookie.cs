using System.Globalization;
using System.Security.Claims;
using Gateway.Admin;
using Gateway.Hosting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;

namespace Gateway.Staff;

/// <summary>
/// The console's sign-in cookie: HttpOnly, SameSite=Strict, Secure whenever PUBLIC_BASE_URL is https, valid for 8 hours
/// after the last request (sliding). Signed by Data Protection with the key ring kept in PostgreSQL
/// (<see cref="Data.DataProtectionKeys"/>), so it works on every web process and after restarts. Each request reads the
/// person's row again: a disabled account or a reset password ends every session at once, and changed roles and
/// regions apply at the next request.
/// </summary>
public static class StaffCookie
{
    public const string Scheme = "staff";
    public const string Name = "gateway.staff";
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(8);

    private const string IdClaim = "gateway:staff_id";
    private const string StampClaim = "gateway:stamp";
    public const string DisplayNameClaim = "gateway:display_name";

    public static AuthenticationBuilder AddStaffCookie(this AuthenticationBuilder builder)
    {
        builder.AddCookie(Scheme, o =>
        {
            o.Cookie.Name = Name;
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.ExpireTimeSpan = Lifetime;
            o.SlidingExpiration = true;
            o.LoginPath = "/signin";
            o.Events = new CookieAuthenticationEvents
            {
                OnValidatePrincipal = ValidateAsync,
                OnRedirectToLogin = context => IsApi(context.Request)
                    ? Results.Problem(statusCode: 401, title: "Unauthorized", detail: "your console sign-in has ended; sign in again or use a bearer token").ExecuteAsync(context.HttpContext)
                    : RedirectToSignIn(context),
                // A page answers 403 itself (the status page explains it); the API answers with a reason.
                OnRedirectToAccessDenied = context =>
                {
                    if (IsApi(context.Request)) return BearerTokenHandler.Forbidden(context.HttpContext).ExecuteAsync(context.HttpContext);
                    context.Response.StatusCode = StatusCodes.Status403Forbidden;
                    return Task.CompletedTask;
                },
            };
        });
        builder.Services.AddOptions<CookieAuthenticationOptions>(Scheme).Configure<IOptions<GatewayOptions>>((o, gateway) =>
            o.Cookie.SecurePolicy = IsHttps(gateway.Value) ? CookieSecurePolicy.Always : CookieSecurePolicy.None);
        return builder;
    }

    public static bool IsHttps(GatewayOptions gateway) => gateway.PublicBaseUri.Scheme == Uri.UriSchemeHttps;

    /// <summary>The signed-in person as the cookie carries them: who they are, and the stamp their session belongs to.</summary>
    public static ClaimsPrincipal PrincipalOf(StaffMember member)
    {
        var identity = new ClaimsIdentity(Scheme, ClaimTypes.Name, ClaimTypes.Role);
        identity.AddClaim(new Claim(IdClaim, member.Id.ToString(CultureInfo.InvariantCulture)));
        identity.AddClaim(new Claim(StampClaim, member.Stamp.ToString()));
        AddCurrentClaims(identity, member);
        return new ClaimsPrincipal(identity);
    }

    private static void AddCurrentClaims(ClaimsIdentity identity, StaffMember member)
    {
        identity.AddClaim(new Claim(ClaimTypes.Name, member.Name));
        identity.AddClaim(new Claim(DisplayNameClaim, member.DisplayName));
        foreach (var role in member.Roles) identity.AddClaim(new Claim(ClaimTypes.Role, role));
        foreach (var region in member.Regions) identity.AddClaim(new Claim(Caller.RegionClaim, region));
    }

    private static async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var principal = context.Principal!;
        var member = long.TryParse(principal.FindFirstValue(IdClaim), CultureInfo.InvariantCulture, out var id)
            ? await context.HttpContext.RequestServices.GetRequiredService<StaffAccounts>().FindByIdAsync(id, context.HttpContext.RequestAborted)
            : null;
        if (member is null || member.IsDisabled || member.Stamp.ToString() != principal.FindFirstValue(StampClaim))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(Scheme);
            return;
        }
        // Roles and regions as they are now; the cookie itself keeps only id and stamp valid.
        var fresh = new ClaimsIdentity(Scheme, ClaimTypes.Name, ClaimTypes.Role);
        fresh.AddClaim(new Claim(IdClaim, member.Id.ToString(CultureInfo.InvariantCulture)));
        fresh.AddClaim(new Claim(StampClaim, member.Stamp.ToString()));
        AddCurrentClaims(fresh, member);
        context.ReplacePrincipal(new ClaimsPrincipal(fresh));
    }

    private static Task RedirectToSignIn(RedirectContext<CookieAuthenticationOptions> context)
    {
        var returnUrl = context.Request.PathBase + context.Request.Path + context.Request.QueryString;
        var target = returnUrl is "/" or "" ? "/signin" : $"/signin?returnUrl={Uri.EscapeDataString(returnUrl)}";
        context.Response.Redirect(context.Request.PathBase + target);
        return Task.CompletedTask;
    }

    private static bool IsApi(HttpRequest request) => request.Path.StartsWithSegments("/api");
}
