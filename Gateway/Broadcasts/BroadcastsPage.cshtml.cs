using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Gateway.Broadcasts;

/// <summary>/broadcasts (everyone signed in): broadcasts newest first, by status, a page at a time, as GET /api/broadcasts lists them.</summary>
public sealed class BroadcastsPage(ListBroadcasts list) : PageModel
{
    public const int PageSize = 25;

    [BindProperty(SupportsGet = true)] public string? Status { get; set; }

    [BindProperty(SupportsGet = true)] public long? Before { get; set; }

    public IReadOnlyList<BroadcastSummary> Broadcasts { get; private set; } = [];

    /// <summary>Where the next (older) page starts, when there may be one.</summary>
    public long? Older => Broadcasts.Count == PageSize ? Broadcasts[^1].Id : null;

    public async Task OnGetAsync(CancellationToken ct)
    {
        if (Status is not null && !BroadcastStatus.All.Contains(Status)) Status = null;
        Broadcasts = await list.HandleAsync(Status, Before, PageSize, ct);
    }

    /// <summary>This list's address with another status (null: all) and from the newest.</summary>
    public static string Link(string? status, long? before = null) =>
        "/broadcasts" + (status, before) switch
        {
            (null, null) => "",
            (null, { } b) => $"?before={b}",
            ({ } s, null) => $"?status={s}",
            ({ } s, { } b) => $"?status={s}&before={b}",
        };
}
