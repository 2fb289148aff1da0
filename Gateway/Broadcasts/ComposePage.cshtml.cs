using System.Globalization;
using Gateway.Admin;
using Gateway.Audit;
using Gateway.Delivery;
using Gateway.Hosting;
using Gateway.Subscriptions;
using Gateway.Templates;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace Gateway.Broadcasts;

/// <summary>One part of the compose page that follows what is typed (Broadcasts/_ComposePart.cshtml), by its element id.</summary>
public sealed record ComposePart(ComposePage Page, string Id);

/// <summary>
/// /broadcasts/new (editors, admins): write a notice in both languages, choose who gets it and when, see what it will
/// cost, and submit it for approval. The form posts like any form (Preview, Submit for approval); the console's script
/// posts it to the Live handler as the official types and puts the answer into the counters. Every figure comes from the
/// code behind POST /api/broadcasts/preview (<see cref="ValidateBroadcast"/>, <see cref="PreviewBroadcast"/>,
/// <see cref="MonthlyBudget"/>), and submitting calls <see cref="CreateBroadcast"/>, as POST /api/broadcasts does.
/// </summary>
[Authorize(Policy = AdminPolicies.Edit)]
public sealed class ComposePage(ValidateBroadcast validate, PreviewBroadcast preview, MonthlyBudget budget, CreateBroadcast create,
    NoticeCatalog notices, KnownRegions knownRegions, Outbox outbox, IOptions<GatewayOptions> gateway, TimeProvider clock) : PageModel
{
    public const string Now = "now", At = "at", Daily = "daily", Weekly = "weekly", Cron = "cron";
    public static readonly string[] Whens = [Now, At, Daily, Weekly, Cron];

    /// <summary>The elements the script refreshes from the Live handler: the counters and recipients are announced (aria-live);
    /// the routes' table is not (its total is the recipients' line).</summary>
    public static readonly string[] LiveParts = ["zh-counter", "en-counter", "recipients", "routes", "schedule", "warnings", "budget"];

    /// <summary>Days of the week as cron numbers them (0 Sunday), Monday first.</summary>
    public static readonly int[] Weekdays = [1, 2, 3, 4, 5, 6, 0];

    [BindProperty] public string? Title { get; set; }
    [BindProperty] public string? Zh { get; set; }
    [BindProperty] public string? En { get; set; }
    [BindProperty] public List<string> Topics { get; set; } = [];
    [BindProperty] public List<string> Regions { get; set; } = [];
    [BindProperty] public List<string> Languages { get; set; } = [];
    [BindProperty] public string When { get; set; } = Now;
    [BindProperty] public string? SendAt { get; set; }
    [BindProperty] public string? Time { get; set; }
    [BindProperty] public List<int> Days { get; set; } = [];
    [BindProperty] public string? Repeat { get; set; }
    [BindProperty] public bool Urgent { get; set; }

    /// <summary>The notice to start from (the picker's GET form).</summary>
    [BindProperty(SupportsGet = true)] public string? Template { get; set; }

    public IReadOnlyList<Notice> Notices => notices.Notices;

    /// <summary>The districts this person may address: theirs, or every district residents live in.</summary>
    public IReadOnlyList<string> RegionChoices { get; private set; } = [];

    public RegionScope Scope => User.Caller().Regions;

    public string DefaultLanguage => gateway.Value.DefaultLanguage;

    /// <summary>Each text measured as it is typed (what the counters show), by language.</summary>
    public IReadOnlyDictionary<string, LanguageText> Counters { get; private set; } = new Dictionary<string, LanguageText>();

    public BroadcastPreview? Preview { get; private set; }

    /// <summary>This broadcast against the month's budget, or (before there is a broadcast to check) just the month.</summary>
    public BudgetCheck? Budget { get; private set; }

    public MonthSpend? Month { get; private set; }

    /// <summary>Why the form cannot be submitted (or, while typing, why recipients cannot be counted yet).</summary>
    public BroadcastProblem? Problem { get; private set; }

    /// <summary>Whether the preview's figures are shown (after Preview, or a problem on submitting).</summary>
    public bool Previewed { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        if (Template is not null && notices.Find(Template) is { } notice)
        {
            Title = notice.Title;
            Zh = notice.Zh;
            En = notice.En;
            Topics = [notice.Topic];
        }
        await ShowAsync(previewing: false, ct);
        return Page();
    }

    public async Task<IActionResult> OnPostPreviewAsync(CancellationToken ct)
    {
        await ShowAsync(previewing: true, ct);
        return Page();
    }

    /// <summary>The live parts only (counters, recipients, schedule, warnings, budget), for the console's script.</summary>
    public async Task<IActionResult> OnPostLiveAsync(CancellationToken ct)
    {
        await ShowAsync(previewing: true, ct);
        return Partial("/Broadcasts/_ComposeLive.cshtml", this);
    }

    public async Task<IActionResult> OnPostSubmitAsync(CancellationToken ct)
    {
        var (request, problem) = ToRequest(forPreview: false);
        var outcome = request is null ? null : validate.Check(request, Scope);
        if (outcome?.Draft is { } draft)
        {
            var id = await create.HandleAsync(draft, AuditActor.Of(HttpContext), ct);
            return Redirect($"/broadcasts/{id}?done=submitted");
        }
        await ShowAsync(previewing: true, ct);
        Problem = problem ?? outcome!.Problem;
        return Page();
    }

    private async Task ShowAsync(bool previewing, CancellationToken ct)
    {
        var scope = Scope;
        RegionChoices = scope.IsUnlimited ? await knownRegions.HandleAsync(ct) : scope.Regions;
        Counters = BroadcastTexts.Render(Texts(), gateway.Value.DefaultLanguage, outbox)
            .Where(t => t.FallbackFrom is null).ToDictionary(t => t.Language);
        Month = await budget.ReadAsync(clock.GetUtcNow(), ct);
        if (!previewing) return;

        Previewed = true;
        var (request, problem) = ToRequest(forPreview: true);
        var outcome = request is null ? null : validate.Check(request, scope);
        if (outcome?.Draft is not { } draft)
        {
            Problem = problem ?? outcome!.Problem;
            return;
        }
        Preview = await preview.HandleAsync(draft, ct);
        Budget = await budget.CheckAsync(draft, Preview, excluding: null, ct);
        Month = Budget?.Month ?? Month;
    }

    private Dictionary<string, string> Texts()
    {
        var texts = new Dictionary<string, string>();
        if (!string.IsNullOrWhiteSpace(Zh)) texts["zh"] = Zh.Trim();
        if (!string.IsNullOrWhiteSpace(En)) texts["en"] = En.Trim();
        return texts;
    }

    /// <summary>
    /// The form as the API's request. While previewing, a missing title does not stop the counting (it stops the
    /// submission). Problems only the form can have (a repeat without its time) are found here.
    /// </summary>
    private (BroadcastRequest? Request, BroadcastProblem? Problem) ToRequest(bool forPreview)
    {
        var texts = Texts();
        var content = texts.Count == 0 ? null : texts.ToDictionary(t => t.Key, t => (string?)t.Value);
        string? sendAt = null, repeat = null;
        switch (When)
        {
            case At when string.IsNullOrWhiteSpace(SendAt):
                return (null, new BroadcastProblem("sendAt", "when_at_required", ""));
            case At:
                sendAt = SendAt.Trim();
                break;
            case Daily or Weekly when !TimeOnly.TryParseExact(Time?.Trim(), "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out _):
                return (null, new BroadcastProblem("time", "when_time_required", ""));
            case Weekly when Days.Count == 0 || Days.Any(d => d is < 0 or > 6):
                return (null, new BroadcastProblem("days", "when_days_required", ""));
            case Daily or Weekly:
                var time = TimeOnly.ParseExact(Time!.Trim(), "HH:mm", CultureInfo.InvariantCulture);
                repeat = $"{time.Minute} {time.Hour} * * {(When == Daily ? "*" : string.Join(',', Days.Distinct().Order()))}";
                break;
            case Cron when string.IsNullOrWhiteSpace(Repeat):
                return (null, new BroadcastProblem("repeat", "when_cron_required", ""));
            case Cron:
                repeat = Repeat.Trim();
                break;
        }
        var title = forPreview && string.IsNullOrWhiteSpace(Title) ? "-" : Title;
        return (new BroadcastRequest(title, content, null, new AudienceRequest([.. Topics], [.. Regions], [.. Languages]), sendAt, repeat, Urgent), null);
    }

    /// <summary>The form control a problem is about, for the error summary's link.</summary>
    public string FieldOf(BroadcastProblem problem) => problem.Field switch
    {
        "title" => "title",
        "content" or "content.zh" or "template" => "zh",
        "content.en" => "en",
        "audience" or "audience.topics" => "topics",
        "audience.regions" => "regions",
        "audience.languages" => "languages",
        "sendAt" => "sendAt",
        "repeat" => When is Daily or Weekly ? "time" : "repeat",
        var other => other,
    };
}
