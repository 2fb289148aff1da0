using Gateway.Admin;
using Hangfire.Dashboard;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace Gateway.Hosting;

/// <summary>
/// Lets the dashboard ask ASP.NET Core's authorization, with the admin API's policies, instead of deciding itself:
/// whatever authenticates a staff member there (a bearer token today, the staff console's sign-in once it exists)
/// opens the dashboard too. AdminPolicies.View may look; AdminPolicies.Administer may also act on jobs, everyone
/// else gets it read-only. A refusal is the same 401/403 (or sign-in challenge) as any endpoint behind the policy.
/// </summary>
public sealed class JobsDashboardAuthorization : IDashboardAsyncAuthorizationFilter
{
    private static readonly object MayActKey = new();

    public async Task<bool> AuthorizeAsync(DashboardContext dashboard)
    {
        var http = dashboard.GetHttpContext();
        var services = http.RequestServices;
        var policies = services.GetRequiredService<IAuthorizationPolicyProvider>();
        var evaluator = services.GetRequiredService<IPolicyEvaluator>();

        var view = (await policies.GetPolicyAsync(AdminPolicies.View))!;
        var authentication = await evaluator.AuthenticateAsync(view, http);
        var mayView = await evaluator.AuthorizeAsync(view, authentication, http, resource: null);
        if (!mayView.Succeeded)
        {
            await services.GetRequiredService<IAuthorizationMiddlewareResultHandler>()
                .HandleAsync(_ => Task.CompletedTask, http, view, mayView);
            return false;
        }

        var administer = (await policies.GetPolicyAsync(AdminPolicies.Administer))!;
        http.Items[MayActKey] = (await evaluator.AuthorizeAsync(administer, authentication, http, resource: null)).Succeeded;
        return true;
    }

    /// <summary>Read-only unless this request's caller passed AdminPolicies.Administer in <see cref="AuthorizeAsync"/>.</summary>
    public static bool IsReadOnly(DashboardContext dashboard) => dashboard.GetHttpContext().Items[MayActKey] is not true;
}
