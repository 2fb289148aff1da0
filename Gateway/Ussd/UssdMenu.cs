using System.Globalization;
using Gateway.Delivery.Encoding;
using Gateway.Lessons;
using Gateway.Phones;
using Gateway.Templates;

namespace Gateway.Ussd;

/// <summary>
/// The USSD menu as a pure state machine: (state, one input, facts about the number) → the next screen, or an
/// action for the shell (<see cref="HandleUssd"/>) to perform and hand back with its outcome. No I/O, no clock.
///
/// Navigation: options are numbered 1, 2, …; "0" goes back (the previous page of a list, else the previous screen);
/// "98" shows the next page of a list; "00" returns to the main menu from anywhere. Anything else shows the same
/// screen again under a short error line. Lists (courses, topics, hours) are cut into pages by length, once, at
/// start-up, so that every page fits <see cref="MaxLength"/> together with the longest line that can appear above it.
/// </summary>
public sealed class UssdMenu
{
    public const int MaxLength = UssdText.MaxLength;
    public const string MoreInput = "98";
    public const string BackInput = "0";
    public const string MainInput = "00";

    private readonly Dictionary<string, IReadOnlyList<Item>> _items;
    private readonly Dictionary<(string Screen, string Language), IReadOnlyList<Page>> _pages = [];

    public UssdMenus Menus { get; }
    public UssdContent Content { get; }
    private UssdWords Words => Menus.Words;

    /// <summary>Builds the menu and walks every reachable screen; throws <see cref="InvalidDataException"/> naming each screen that does not fit.</summary>
    public UssdMenu(UssdMenus menus, UssdContent content)
    {
        Menus = menus;
        Content = content;
        _items = new()
        {
            [UssdMenus.Course] = content.Courses.Select(c => new Item(c.Key, language => new Dictionary<string, string>
            {
                ["course"] = c.Title.In(language), ["number"] = Number(c.Number), ["summary"] = c.Summary.In(language),
            })).ToList(),
            [UssdMenus.Topic] = content.Topics.Select(t => new Item(t.Key, language => new Dictionary<string, string>
            {
                ["topic"] = t.Name.In(language), ["number"] = Number(t.Number),
            })).ToList(),
            [UssdMenus.Hour] = Enumerable.Range(menus.TipHours.From, menus.TipHours.To - menus.TipHours.From + 1)
                .Select(h => new Item(Number(h), _ => new Dictionary<string, string> { ["hour"] = Number(h) })).ToList(),
        };
        if (content.Tips.Count == 0) throw new InvalidDataException("ussd: there are no daily tips to show");

        var errors = new List<string>();
        foreach (var screen in menus.Screens.Values.Where(s => s.List is not null))
            foreach (var language in Hosting.GatewayOptions.Languages)
                _pages[(screen.Id, language)] = CutPages(screen, language, errors);
        ContentRules.ThrowIfAny(errors, $"templates/{UssdMenus.RelativePath}");

        ContentRules.ThrowIfAny(UssdMenuWalk.Problems(this), $"templates/{UssdMenus.RelativePath} (screens over {MaxLength} characters)");
    }

    public UssdMenu(TemplatesFolder folder, TopicCatalog topics, CourseCatalog courses, DailyTips tips)
        : this(new UssdMenus(folder), UssdContent.From(topics, courses, tips)) { }

    /// <summary>The first screen of a session: the main menu, or "continue where you left off?" after an interrupted session.</summary>
    /// <param name="interrupted">The state of this number's unfinished session of the last few minutes, if any.</param>
    public UssdStep Start(UssdFacts facts, UssdState? interrupted)
    {
        if (interrupted?.ResumePoint is { } point && IsValid(point))
        {
            var offer = new UssdState(point.Language, [new UssdFrame(UssdMenus.ResumeScreen)], point);
            return UssdStep.Show(offer, Show(offer, facts));
        }
        var home = UssdState.At(facts.Language, UssdMenus.MainScreen);
        return UssdStep.Show(home, Show(home, facts));
    }

    /// <summary>One input (one segment of the aggregator's `text`) on the current screen.</summary>
    public UssdStep Next(UssdState state, string input, UssdFacts facts)
    {
        if (!IsValid(state)) state = UssdState.At(Language(state.Language, facts), UssdMenus.MainScreen);
        input = input.Trim();
        var frame = state.Top;
        var screen = Menus.Screens[frame.Screen];

        if (input == MainInput) return Go(UssdState.At(state.Language, UssdMenus.MainScreen), facts);
        if (input == BackInput && CanGoBack(state))
            return Go(frame.Page > 0 ? state.WithTop(frame with { Page = frame.Page - 1 }) : state.Pop(), facts);

        if (screen.List is not null)
        {
            var pages = _pages[(screen.Id, state.Language)];
            var page = pages[frame.Page];
            if (input == MoreInput && frame.Page < pages.Count - 1)
                return Go(state.WithTop(frame with { Page = frame.Page + 1 }), facts);
            if (Choice(input, page.Count) is { } n)
            {
                var item = _items[screen.ItemKind!][page.Start + n - 1];
                return screen.Go is not null
                    ? Go(state.Push(new UssdFrame(screen.Go, 0, item.Key)), facts)
                    : Act(state, screen.Action!, item.Key, null, facts);
            }
        }
        else if (Choice(input, screen.Options.Count) is { } n)
        {
            var option = screen.Options[n - 1];
            return option.Go is not null
                ? Go(Navigate(state, option.Go, frame.Item), facts)
                : Act(state, option.Action!, frame.Item, option.Value, facts);
        }
        return UssdStep.Show(state, Show(state, facts, Words.Invalid!.In(state.Language)));
    }

    /// <summary>The screen after an action: its outcome's message above the screen it leads to, or its final screen.</summary>
    /// <param name="facts">Facts read again after the action, so the screen shows what changed.</param>
    public UssdStep Complete(UssdState state, UssdActionRequest action, string outcome, UssdFacts facts)
    {
        var spec = UssdActionSpec.All[action.Name];
        if (!Menus.Outcomes[action.Name].TryGetValue(outcome, out var result))
            throw new ArgumentException($"action '{action.Name}' has no outcome '{outcome}'", nameof(outcome));
        if (spec.ChangesLanguage && action.Value is not null) state = state with { Language = action.Value };

        var values = Values(state.Language, facts, spec.ItemKind is null ? null : FindItem(spec.ItemKind, action.Item));
        if (result.End is not null)
            return UssdStep.Show(state, new UssdReply(Fill(result.End.In(state.Language), values), End: true));

        state = Navigate(state, result.Go, action.Item);
        return UssdStep.Show(state, Show(state, facts, result.Say is null ? null : Fill(result.Say.In(state.Language), values)));
    }

    /// <summary>The screen for <paramref name="state"/>, with an optional line above it (an error or an action's message).</summary>
    public UssdReply Show(UssdState state, UssdFacts facts, string? lineAbove = null)
    {
        var frame = state.Top;
        var screen = Menus.Screens[frame.Screen];
        var language = state.Language;
        var values = Values(language, facts, screen.List is null && screen.For is not null ? FindItem(screen.For, frame.Item) : null);

        var lines = new List<string>();
        if (lineAbove is not null) lines.Add(lineAbove);
        var text = !facts.Known && screen.UnknownText is not null ? screen.UnknownText : screen.Text!;
        lines.Add(Fill(text.In(language), values));
        if (screen.List is not null)
        {
            var pages = _pages[(screen.Id, language)];
            var page = pages[frame.Page];
            var items = _items[screen.ItemKind!];
            for (var i = 0; i < page.Count; i++)
                lines.Add($"{i + 1} {ItemLabel(screen, items[page.Start + i], language, facts.Receives)}");
            if (frame.Page < pages.Count - 1) lines.Add($"{MoreInput} {Words.More!.In(language)}");
        }
        else
        {
            for (var i = 0; i < screen.Options.Count; i++)
                lines.Add($"{i + 1} {Fill(screen.Options[i].Label!.In(language), values)}");
        }
        if (CanGoBack(state)) lines.Add($"{BackInput} {Words.Back!.In(language)}");
        return new UssdReply(string.Join('\n', lines), End: false);
    }

    /// <summary>The polite final screen for input that cannot be read at all.</summary>
    public UssdReply Malformed(string language) => new(Words.Malformed!.In(language), End: true);

    /// <summary>The final screen when the gateway cannot answer (database unavailable).</summary>
    public UssdReply Busy(string language) => new(Words.Busy!.In(language), End: true);

    /// <summary>The numbered choices on the current screen or page ("1", "2", …), for walking the menu.</summary>
    public IReadOnlyList<string> Choices(UssdState state)
    {
        var screen = Menus.Screens[state.Top.Screen];
        var count = screen.List is null ? screen.Options.Count : _pages[(screen.Id, state.Language)][state.Top.Page].Count;
        return Enumerable.Range(1, count).Select(Number).ToList();
    }

    public int PageCount(string screen, string language) => _pages[(screen, language)].Count;

    /// <summary>
    /// Screen length as the network counts it: GSM-7 septets (extension characters count 2) when the text is GSM-7;
    /// otherwise characters (UTF-16 units). Chinese screens travel as UCS-2, where the same 160 octets carry fewer
    /// characters on some networks (see templates/README.md); the rule is 182 characters for every language.
    /// </summary>
    public static int Measure(string text) => UssdText.IsGsm7(text) ? UssdText.Length(text) : text.Length;

    /// <summary>
    /// Facts that make every screen as long as it can get, per language: a number we do not know; one receiving every
    /// topic at the latest tip hour; one that opted out. Today is the day of the longest tip in that language.
    /// </summary>
    public IReadOnlyList<(string Name, UssdFacts Facts)> WorstCaseFacts(string language)
    {
        var longestTip = Enumerable.Range(0, Content.Tips.Count).MaxBy(i => Measure(Content.Tips[i].In(language)));
        var today = DateOnly.FromDayNumber(Enumerable.Range(0, Content.Tips.Count)
            .Select(d => 740_000 + d).First(d => DailyTips.IndexForDay(DateOnly.FromDayNumber(d), Content.Tips.Count) == longestTip));
        const string phone = "+123456789012345";
        var all = Content.Topics.Select(t => t.Key).ToHashSet();
        var since = new DateOnly(2026, 12, 31);
        return
        [
            ("unknown number", UssdFacts.Unknown(phone, language, today)),
            ("every topic", new UssdFacts(phone, language, Known: true, ReceivesNothing: false, all, Menus.TipHours.To, today, since)),
            ("opted out", new UssdFacts(phone, language, Known: true, ReceivesNothing: true, all, Menus.TipHours.To, today, since)),
        ];
    }

    private UssdStep Go(UssdState state, UssdFacts facts) => UssdStep.Show(state, Show(state, facts));

    private UssdStep Act(UssdState state, string action, string? item, string? value, UssdFacts facts)
    {
        switch (action)
        {
            case UssdActionSpec.Continue:
                return state.Interrupted is { } interrupted && IsValid(interrupted)
                    ? Go(interrupted, facts)
                    : Go(UssdState.At(state.Language, UssdMenus.MainScreen), facts);
            case UssdActionSpec.StartOver:
                return Go(UssdState.At(state.Language, UssdMenus.MainScreen), facts);
            // The state to set, decided from what the resident was shown, so a repeated request cannot flip it back.
            case UssdActionSpec.ToggleTopic:
                value = facts.Receives(item!) ? "off" : "on";
                break;
            case UssdActionSpec.SwitchLanguage:
                value = Hosting.GatewayOptions.Languages.First(l => l != state.Language);
                break;
        }
        return UssdStep.Perform(state, new UssdActionRequest(action, item, value));
    }

    // `go:` a screen already on the stack returns to it (so menus with loops never pile up); otherwise it is pushed.
    private UssdState Navigate(UssdState state, string? go, string? item)
    {
        switch (go)
        {
            case null:
                return state;
            case UssdMenus.Back:
                return state.Pop();
            case UssdMenus.Main:
                return UssdState.At(state.Language, UssdMenus.MainScreen);
        }
        for (var i = state.Stack.Count - 1; i >= 0; i--)
            if (state.Stack[i].Screen == go)
                return state with { Stack = state.Stack.Take(i + 1).ToList() };
        return state.Push(new UssdFrame(go, 0, Menus.Screens[go].For is null ? null : item));
    }

    private static bool CanGoBack(UssdState state) => state.Stack.Count > 1 || state.Top.Page > 0;

    /// <summary>A stored state can outlive a menu edit: it must still name screens, pages and items that exist.</summary>
    private bool IsValid(UssdState state) =>
        Hosting.GatewayOptions.Languages.Contains(state.Language) && state.Stack.Count > 0
        && state.Stack.All(f => Menus.Screens.TryGetValue(f.Screen, out var s)
            && (s.List is null ? f.Page == 0 : f.Page >= 0 && f.Page < _pages[(s.Id, state.Language)].Count)
            && (s.For is null || FindItem(s.For, f.Item) is not null))
        && (state.Top.Screen != UssdMenus.ResumeScreen || state.Interrupted is not null);

    private static string Language(string language, UssdFacts facts) =>
        Hosting.GatewayOptions.Languages.Contains(language) ? language : facts.Language;

    private static int? Choice(string input, int count) =>
        input.Length is > 0 and <= 2 && input.All(char.IsAsciiDigit) && input[0] != '0'
        && int.Parse(input, CultureInfo.InvariantCulture) is var n && n <= count ? n : null;

    private Item? FindItem(string kind, string? key) => key is null ? null : _items[kind].FirstOrDefault(i => i.Key == key);

    private string ItemLabel(UssdScreen list, Item item, string language, Func<string, bool> receives)
    {
        var values = item.Values(language);
        if (list.ItemKind == UssdMenus.Topic) values["state"] = (receives(item.Key) ? Words.On : Words.Off)!.In(language);
        return Fill(list.Item!.In(language), values);
    }

    private Dictionary<string, string> Values(string language, UssdFacts facts, Item? item)
    {
        var received = Content.Topics.Where(t => facts.Receives(t.Key)).Select(t => Number(t.Number)).ToList();
        var values = item?.Values(language) ?? [];
        values["tip"] = Content.Tips[DailyTips.IndexForDay(facts.Today, Content.Tips.Count)].In(language);
        values["phone"] = Phone.Mask(facts.Phone);
        values["language"] = Words.LanguageName(facts.Language, language);
        values["status"] = (facts.ReceivesNothing ? Words.Stopped : Words.Receiving)!.In(language);
        values["topics"] = received.Count == 0 ? Words.None!.In(language) : string.Join(",", received);
        values["tip_hour"] = Number(facts.TipHour);
        values["since"] = facts.Since?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "";
        return values;
    }

    private static string Fill(string text, IReadOnlyDictionary<string, string> values) =>
        UssdMenus.Placeholder().Replace(text, m => values.TryGetValue(m.Groups[1].Value, out var v) ? v : m.Value);

    private static string Number(int n) => n.ToString(CultureInfo.InvariantCulture);

    // Greedy, by length: as many items as fit under the header, the "0 Back" line and (unless the rest fit) "98 More",
    // leaving room for the longest line that can appear above this list (the error line, or an action's message).
    private List<Page> CutPages(UssdScreen screen, string language, List<string> errors)
    {
        var items = _items[screen.ItemKind!];
        var fixedPart = LineAbove(screen, language) + 1 + Measure(screen.Text!.In(language)) + 1 + Measure($"{BackInput} {Words.Back!.In(language)}");
        var more = 1 + Measure($"{MoreInput} {Words.More!.In(language)}");
        int Line(int number, Item item) => 1 + Math.Max(
            Measure($"{number} {ItemLabel(screen, item, language, _ => true)}"),
            Measure($"{number} {ItemLabel(screen, item, language, _ => false)}"));

        var pages = new List<Page>();
        for (var start = 0; start < items.Count;)
        {
            var used = fixedPart;
            var count = 0;
            while (start + count < items.Count && used + Line(count + 1, items[start + count]) <= MaxLength)
                used += Line(count + 1, items[start + count++]);
            if (start + count < items.Count)
                while (count > 0 && used + more > MaxLength)
                    used -= Line(count, items[start + --count]);
            if (count == 0)
            {
                errors.Add($"screen '{screen.Id}' ({language}): the {screen.List} item '{items[start].Key}' does not fit on a page of {MaxLength} characters with the header and navigation");
                return [new Page(0, items.Count)];
            }
            pages.Add(new Page(start, count));
            start += count;
        }
        return pages.Count == 0 ? [new Page(0, 0)] : pages;
    }

    /// <summary>The longest line that can appear above <paramref name="screen"/>: the error line, or a message of an action that leads there.</summary>
    private int LineAbove(UssdScreen screen, string language)
    {
        var longest = Measure(Words.Invalid!.In(language));
        foreach (var (action, outcomes) in Menus.Outcomes)
        {
            var spec = UssdActionSpec.All[action];
            foreach (var outcome in outcomes.Values.Where(o => o.Say is not null && Menus.LandingScreens(action, o).Contains(screen.Id)))
            {
                var items = spec.ItemKind is null ? [null] : _items[spec.ItemKind].Cast<Item?>();
                foreach (var item in items)
                    foreach (var (_, facts) in WorstCaseFacts(language))
                        longest = Math.Max(longest, Measure(Fill(outcome.Say!.In(language), Values(language, facts, item))));
            }
        }
        return longest;
    }

    private sealed record Item(string Key, Func<string, Dictionary<string, string>> Values);

    private sealed record Page(int Start, int Count);
}
