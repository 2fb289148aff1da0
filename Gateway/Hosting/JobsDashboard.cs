using Hangfire;
using Hangfire.Dashboard;

namespace Gateway.Hosting;

/// <summary>
/// Hangfire's dashboard at /hangfire: queues, fan-outs, recurring planners, failed jobs. Every staff role may look;
/// only admins may act on jobs (retry, delete, trigger); see <see cref="JobsDashboardAuthorization"/>.
/// </summary>
public static class JobsDashboard
{
    public const string Path = "/hangfire";

    public static IEndpointConventionBuilder MapJobsDashboard(this IEndpointRouteBuilder app) =>
        app.MapHangfireDashboard(Path, new DashboardOptions
        {
            // Replaces Hangfire's default filter (requests from this machine only, whoever makes them).
            Authorization = [],
            AsyncAuthorization = [new JobsDashboardAuthorization()],
            IsReadOnlyFunc = JobsDashboardAuthorization.IsReadOnly,
            DashboardTitle = "Outreach gateway: jobs",
            // The footer would otherwise show the database's host and name to every viewer.
            DisplayStorageConnectionString = false,
        }).ReadsAFormAnyway();   // its JSON stats read a form even from a GET: an empty one, not a 500
}
