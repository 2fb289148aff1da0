using Gateway.Hosting;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace Gateway.Dashboard;

/// <summary>"/": the gateway at work, for everyone signed in (people who are not are sent to /signin).</summary>
public sealed class DashboardPage(IDashboardSource source, WorkerLiveness liveness, Broadcasts.MonthlyBudget budget, IOptions<GatewayOptions> gateway,
    TimeProvider clock) : PageModel
{
    public DashboardFigures Figures { get; private set; } = null!;

    public IReadOnlyList<LiveWorker> Workers { get; private set; } = [];

    public DateTimeOffset Now { get; private set; }

    /// <summary>This month's SMS spending against SMS_MONTHLY_BUDGET, when one is set: warned of from 80 %.</summary>
    public Broadcasts.MonthSpend? Month { get; private set; }

    public async Task OnGetAsync(CancellationToken ct)
    {
        Now = clock.GetUtcNow();
        var period = DashboardPeriod.Ending(Now, gateway.Value.CityTimeZone);
        var rows = source.ReadAsync(period, ct);
        Workers = await liveness.ReadAsync(ct);
        Month = await budget.ReadAsync(Now, ct);
        Figures = DashboardFigures.From(await rows, period);
    }
}
