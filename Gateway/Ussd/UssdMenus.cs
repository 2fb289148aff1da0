using System.Text.RegularExpressions;
using Gateway.Delivery.Encoding;
using Gateway.Templates;

namespace Gateway.Ussd;

/// <summary>Fixed wording the menu machinery needs in every language (templates/ussd/menu.yaml `words:`).</summary>
public sealed class UssdWords
{
    /// <summary>The line above a screen shown again after input that is not one of its choices.</summary>
    public Bilingual? Invalid { get; set; }
    public Bilingual? More { get; set; }
    public Bilingual? Back { get; set; }
    public Bilingual? On { get; set; }
    public Bilingual? Off { get; set; }
    public Bilingual? None { get; set; }
    public Bilingual? Receiving { get; set; }
    public Bilingual? Stopped { get; set; }
    public Bilingual? Chinese { get; set; }
    public Bilingual? English { get; set; }
    /// <summary>END screen for input we cannot read at all (not a menu choice: garbage, or a history that does not add up).</summary>
    public Bilingual? Malformed { get; set; }
    /// <summary>END screen when the gateway cannot answer in time (database down).</summary>
    public Bilingual? Busy { get; set; }

    internal IEnumerable<(string Name, Bilingual? Text)> All() =>
    [
        ("invalid", Invalid), ("more", More), ("back", Back), ("on", On), ("off", Off), ("none", None),
        ("receiving", Receiving), ("stopped", Stopped), ("chinese", Chinese), ("english", English),
        ("malformed", Malformed), ("busy", Busy),
    ];

    public string LanguageName(string language, string inLanguage) => (language == "zh" ? Chinese : English)!.In(inLanguage);
}

/// <summary>The range of local hours offered for the daily tip (`tip_hours:`), inclusive.</summary>
public sealed class UssdHours
{
    public int From { get; set; } = -1;
    public int To { get; set; } = -1;
}

/// <summary>
/// One screen: a text, then either numbered options, or a list generated from content (courses, topics, hours)
/// whose items all lead to the same screen (`go`) or action (`action`). A screen `for` a course, topic or hour
/// shows the one chosen on the previous list.
/// </summary>
public sealed class UssdScreen
{
    /// <summary>The key under `screens:`.</summary>
    [YamlDotNet.Serialization.YamlIgnore]
    public string Id { get; set; } = "";
    public Bilingual? Text { get; set; }
    /// <summary>Shown instead of <see cref="Text"/> to a number we store nothing about.</summary>
    public Bilingual? UnknownText { get; set; }
    public string? For { get; set; }
    public string? List { get; set; }
    public Bilingual? Item { get; set; }
    public string? Go { get; set; }
    public string? Action { get; set; }
    public List<UssdOption> Options { get; set; } = [];

    public string? ItemKind => List is null ? For : UssdMenus.KindOfList(List);
}

public sealed class UssdOption
{
    public Bilingual? Label { get; set; }
    public string? Go { get; set; }
    public string? Action { get; set; }
    public string? Value { get; set; }
}

/// <summary>
/// What the resident sees after an action: a message line (`say`) above the screen it leads to (`go`: a screen id,
/// back, main, or the same screen when absent), or a final screen (`end`) that closes the session.
/// </summary>
public sealed class UssdOutcome
{
    public Bilingual? Say { get; set; }
    public string? Go { get; set; }
    public Bilingual? End { get; set; }
}

/// <summary>
/// The USSD menus as data (templates/ussd/menu.yaml), read and checked once at start-up: every screen and action
/// an option names exists, every action has wording for each of its outcomes, every text has zh and en, English
/// stays in plain GSM-7, and placeholders are ones the screen can fill. <see cref="UssdMenu"/> then checks that every
/// reachable screen fits <see cref="UssdText.MaxLength"/>.
/// </summary>
public sealed partial class UssdMenus
{
    public const string MainScreen = "main";
    public const string ResumeScreen = "resume";
    public const string Back = "back";
    public const string Main = "main";

    public const string Course = "course";
    public const string Topic = "topic";
    public const string Hour = "hour";

    public const string Courses = "courses";
    public const string Topics = "topics";
    public const string Hours = "hours";

    public const string RelativePath = "ussd/menu.yaml";

    /// <summary>Placeholders every text (but list headers and items) may use: facts about the number.</summary>
    public static readonly string[] FactPlaceholders = ["tip", "phone", "language", "status", "topics", "tip_hour", "since"];

    /// <summary>Placeholders of the course, topic or hour a screen, list item or action is about.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> ItemPlaceholders = new Dictionary<string, string[]>
    {
        [Course] = ["course", "number", "summary"],
        [Topic] = ["topic", "number"],
        [Hour] = ["hour"],
    };

    /// <summary>Privacy rights a content edit must not remove from the menu.</summary>
    public static readonly string[] RequiredActions = [UssdActionSpec.OptOutAll, UssdActionSpec.DeleteMyData];

    public UssdWords Words { get; }
    public UssdHours TipHours { get; }
    public IReadOnlyDictionary<string, UssdScreen> Screens { get; }
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, UssdOutcome>> Outcomes { get; }

    /// <summary>For each screen, the screens a resident can have come from (what "0 Back" or `go: back` returns to).</summary>
    public IReadOnlyDictionary<string, IReadOnlySet<string>> Parents { get; }

    public UssdMenus(TemplatesFolder folder) : this(folder.Path) { }

    public UssdMenus(string templatesPath)
    {
        var file = Path.Combine(templatesPath, RelativePath);
        if (!File.Exists(file)) throw new InvalidDataException($"{file}: missing (the USSD menus)");
        var menu = ContentRules.Read<MenuFile>(file);

        var errors = new List<string>();
        Words = menu.Words ?? new UssdWords();
        TipHours = menu.TipHours ?? new UssdHours();
        Screens = menu.Screens.ToDictionary(s => s.Key, s =>
        {
            var screen = s.Value ?? new UssdScreen();
            screen.Id = s.Key;
            return screen;
        });
        Outcomes = menu.Actions.ToDictionary(a => a.Key,
            a => (IReadOnlyDictionary<string, UssdOutcome>)(a.Value ?? []).ToDictionary(o => o.Key, o => o.Value ?? new UssdOutcome()));

        CheckWords(errors);
        if (TipHours.From is < 0 or > 23 || TipHours.To is < 0 or > 23 || TipHours.From > TipHours.To)
            errors.Add($"tip_hours: from {TipHours.From} to {TipHours.To} must be hours 0-23, from <= to");
        foreach (var screen in Screens.Values) CheckScreen(errors, screen);
        CheckOutcomes(errors);
        Parents = FindParents();
        CheckReachable(errors);
        ContentRules.ThrowIfAny(errors, $"templates/{RelativePath}");
    }

    public static string? KindOfList(string list) => list switch
    {
        Courses => Course,
        Topics => Topic,
        Hours => Hour,
        _ => null,
    };

    /// <summary>Screens where an outcome's message can appear: where the action was chosen, or where its `go` leads.</summary>
    public IEnumerable<string> LandingScreens(string action, UssdOutcome outcome)
    {
        var choosers = Screens.Values.Where(s => s.Action == action || s.Options.Any(o => o.Action == action)).Select(s => s.Id).ToList();
        return outcome.Go switch
        {
            null => choosers,
            Back => choosers.SelectMany(c => Parents.GetValueOrDefault(c) ?? new HashSet<string>()).Distinct(),
            Main => [MainScreen],
            var id => [id],
        };
    }

    private void CheckWords(List<string> errors)
    {
        foreach (var (name, text) in Words.All())
            CheckText(errors, $"words.{name}", text, []);
    }

    private void CheckScreen(List<string> errors, UssdScreen s)
    {
        var where = $"screen '{s.Id}'";
        if (!ContentRules.Slug().IsMatch(s.Id)) errors.Add($"{where}: the id must be a lowercase slug (letters, digits, -)");
        if (s.For is not null && !ItemPlaceholders.ContainsKey(s.For))
            errors.Add($"{where}: for: '{s.For}' must be one of {string.Join(", ", ItemPlaceholders.Keys)}");

        var placeholders = FactPlaceholders.Concat(s.For is not null && ItemPlaceholders.TryGetValue(s.For, out var own) ? own : []).ToArray();
        if (s.List is not null)
        {
            var kind = KindOfList(s.List);
            if (kind is null) errors.Add($"{where}: list: '{s.List}' must be one of {Courses}, {Topics}, {Hours}");
            if (s.Options.Count > 0) errors.Add($"{where}: a list screen has no options of its own");
            if (s.For is not null) errors.Add($"{where}: a list screen cannot be `for` a {s.For}");
            if (s.UnknownText is not null) errors.Add($"{where}: a list screen has one text (unknown_text is for other screens)");
            if (s.Id is MainScreen or ResumeScreen) errors.Add($"{where}: cannot be a list");
            // Pages are cut once, by length, so a list's header may not change with the number's facts.
            CheckText(errors, $"{where} text", s.Text, []);
            CheckText(errors, $"{where} item", s.Item, kind is null ? [] : [.. ItemPlaceholders[kind], .. kind == Topic ? new[] { "state" } : []]);
            if ((s.Go is null) == (s.Action is null))
                errors.Add($"{where}: a list needs exactly one of go (a screen for the chosen item) or action");
            if (s.Go is not null) CheckGo(errors, where, s.Go, kind, $"the {s.List} list");
            if (s.Action is not null) CheckAction(errors, where, s.Action, kind, value: null);
            return;
        }

        if (s.Item is not null || s.Go is not null || s.Action is not null)
            errors.Add($"{where}: item, go and action belong to list screens; give options instead");
        CheckText(errors, $"{where} text", s.Text, placeholders);
        if (s.UnknownText is not null) CheckText(errors, $"{where} unknown_text", s.UnknownText, placeholders);
        if (s.Id == MainScreen && s.Options.Count == 0) errors.Add($"{where}: the main menu needs options");
        if (s.Options.Count > 90) errors.Add($"{where}: {s.Options.Count} options; 98, 0 and 00 must stay free");

        for (var i = 0; i < s.Options.Count; i++)
        {
            var o = s.Options[i];
            var at = $"{where} option {i + 1}";
            CheckText(errors, $"{at} label", o.Label, placeholders);
            if ((o.Go is null) == (o.Action is null))
            {
                errors.Add($"{at}: needs exactly one of go or action");
                continue;
            }
            if (o.Go is not null) CheckGo(errors, at, o.Go, s.For, $"screen '{s.Id}'");
            if (o.Action is not null) CheckAction(errors, at, o.Action, s.For, o.Value);
            if (o.Action is UssdActionSpec.Continue or UssdActionSpec.StartOver && s.Id != ResumeScreen)
                errors.Add($"{at}: {o.Action} belongs on the '{ResumeScreen}' screen only");
        }
        if (s.Id == ResumeScreen && !(s.Options.Any(o => o.Action == UssdActionSpec.Continue) && s.Options.Any(o => o.Action == UssdActionSpec.StartOver)))
            errors.Add($"{where}: must offer the actions {UssdActionSpec.Continue} and {UssdActionSpec.StartOver}");
    }

    // An item (course, topic, hour) can only be carried to a screen about the same kind of item.
    private void CheckGo(List<string> errors, string where, string target, string? itemKind, string from)
    {
        if (target is ResumeScreen)
            errors.Add($"{where}: go: {ResumeScreen} is shown only when a resident redials");
        else if (!Screens.TryGetValue(target, out var screen))
            errors.Add($"{where}: go: '{target}' is not a screen");
        else if (screen.For is not null && screen.For != itemKind)
            errors.Add($"{where}: go: '{target}' is a screen for a {screen.For}, but {from} has {(itemKind is null ? "none" : "a " + itemKind)}");
    }

    private void CheckAction(List<string> errors, string where, string action, string? itemKind, string? value)
    {
        if (!UssdActionSpec.All.TryGetValue(action, out var spec))
        {
            errors.Add($"{where}: action '{action}' is unknown; known: {string.Join(", ", UssdActionSpec.All.Keys)}");
            return;
        }
        if (spec.ItemKind is not null && spec.ItemKind != itemKind)
            errors.Add($"{where}: action '{action}' is about a {spec.ItemKind}; put it on a {spec.ItemKind} list or a screen for a {spec.ItemKind}");
        if (spec.MenuValues is null && value is not null)
            errors.Add($"{where}: action '{action}' takes no value");
        if (spec.MenuValues is not null && (value is null || !spec.MenuValues.Contains(value)))
            errors.Add($"{where}: action '{action}' needs value: one of {string.Join(", ", spec.MenuValues)}");
        if (!spec.Pure && !Outcomes.ContainsKey(action))
            errors.Add($"{where}: action '{action}' has no wording under actions: (needs {string.Join(", ", spec.Outcomes)})");
    }

    private void CheckOutcomes(List<string> errors)
    {
        foreach (var (action, outcomes) in Outcomes)
        {
            if (!UssdActionSpec.All.TryGetValue(action, out var spec) || spec.Pure)
            {
                errors.Add($"actions.{action}: not an action with outcomes; known: {string.Join(", ", UssdActionSpec.All.Values.Where(a => !a.Pure).Select(a => a.Name))}");
                continue;
            }
            foreach (var missing in spec.Outcomes.Except(outcomes.Keys))
                errors.Add($"actions.{action}: missing the outcome '{missing}'");
            var placeholders = FactPlaceholders.Concat(spec.ItemKind is null ? [] : ItemPlaceholders[spec.ItemKind]).ToArray();
            foreach (var (name, o) in outcomes)
            {
                var where = $"actions.{action}.{name}";
                if (!spec.Outcomes.Contains(name))
                {
                    errors.Add($"{where}: '{action}' has no outcome '{name}'; its outcomes: {string.Join(", ", spec.Outcomes)}");
                    continue;
                }
                if (o.End is not null && (o.Say is not null || o.Go is not null))
                    errors.Add($"{where}: end closes the session; it cannot also have say or go");
                if (o.Say is not null) CheckText(errors, $"{where} say", o.Say, placeholders);
                if (o.End is not null) CheckText(errors, $"{where} end", o.End, placeholders);
                if (o.Go is not null and not (Back or Main)) CheckGo(errors, where, o.Go, spec.ItemKind, $"action '{action}'");
            }
        }
    }

    private Dictionary<string, IReadOnlySet<string>> FindParents()
    {
        var parents = Screens.Keys.ToDictionary(id => id, _ => new HashSet<string>());
        void Link(string from, string? to)
        {
            if (to is not null && parents.TryGetValue(to, out var set) && to != from) set.Add(from);
        }
        foreach (var s in Screens.Values)
        {
            Link(s.Id, s.Go);
            foreach (var o in s.Options) Link(s.Id, o.Go);
            foreach (var action in s.Options.Select(o => o.Action).Append(s.Action).OfType<string>())
                foreach (var outcome in Outcomes.GetValueOrDefault(action)?.Values ?? [])
                    if (outcome.Go is not null and not (Back or Main)) Link(s.Id, outcome.Go);
        }
        return parents.ToDictionary(p => p.Key, p => (IReadOnlySet<string>)p.Value);
    }

    private void CheckReachable(List<string> errors)
    {
        if (!Screens.ContainsKey(MainScreen)) errors.Add($"screens: the '{MainScreen}' screen is missing");
        if (!Screens.ContainsKey(ResumeScreen)) errors.Add($"screens: the '{ResumeScreen}' screen (continue or start over) is missing");
        var reached = new HashSet<string>();
        var queue = new Queue<string>([MainScreen, ResumeScreen]);
        while (queue.TryDequeue(out var id))
        {
            if (!Screens.ContainsKey(id) || !reached.Add(id)) continue;
            foreach (var (child, parents) in Parents)
                if (parents.Contains(id)) queue.Enqueue(child);
        }
        foreach (var id in Screens.Keys.Except(reached))
            errors.Add($"screen '{id}': no option leads to it (a typo in a go:?)");
        var offered = Screens.Values.Where(s => reached.Contains(s.Id))
            .SelectMany(s => s.Options.Select(o => o.Action).Append(s.Action)).OfType<string>().ToHashSet();
        foreach (var action in RequiredActions.Except(offered))
            errors.Add($"screens: the menu must offer the action '{action}' (a resident's right)");
    }

    /// <summary>Both languages present, trimmed, English in the plain GSM-7 set, and only allowed placeholders.</summary>
    private static void CheckText(List<string> errors, string where, Bilingual? text, string[] placeholders)
    {
        if (text is null)
        {
            errors.Add($"{where}: missing (needs zh and en)");
            return;
        }
        foreach (var language in Hosting.GatewayOptions.Languages)
        {
            var value = text.In(language);
            if (string.IsNullOrWhiteSpace(value))
            {
                errors.Add($"{where}: the {language} text is missing");
                continue;
            }
            if (value != value.Trim()) errors.Add($"{where}: the {language} text starts or ends with spaces");
            foreach (Match m in Placeholder().Matches(value))
                if (!placeholders.Contains(m.Groups[1].Value))
                    errors.Add($"{where}: unknown placeholder {{{m.Groups[1].Value}}} in the {language} text" +
                        (placeholders.Length == 0 ? " (none allowed here)" : $" (allowed: {string.Join(", ", placeholders.Select(p => "{" + p + "}"))})"));
            var bare = Placeholder().Replace(value, "");
            if (value.Any(c => char.IsControl(c) && c != '\n'))
                errors.Add($"{where}: the {language} text has a control character");
            // Telcos cannot render special characters on USSD (protocols.md §8.1): plain GSM-7, no escape characters.
            if (language == "en" && bare.FirstOrDefault(c => Gsm7.Septets(c) != 1) is var bad and not '\0')
                errors.Add($"{where}: the en text has '{bad}', which is not a plain GSM-7 character");
        }
    }

    [GeneratedRegex(@"\{([^{}]*)\}")]
    internal static partial Regex Placeholder();

    private sealed class MenuFile
    {
        public UssdWords? Words { get; set; }
        public UssdHours? TipHours { get; set; }
        public Dictionary<string, UssdScreen?> Screens { get; set; } = [];
        public Dictionary<string, Dictionary<string, UssdOutcome?>?> Actions { get; set; } = [];
    }
}
