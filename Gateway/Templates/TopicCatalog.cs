using Gateway.Inbound;

namespace Gateway.Templates;

/// <summary>One topic residents can subscribe to (templates/topics.yaml).</summary>
/// <param name="Key">Stable slug stored in subscriptions.topic and used by the API ("tips").</param>
/// <param name="Number">What residents type after JOIN / 订阅 (1-9).</param>
public sealed record Topic(string Key, int Number, string NameZh, string NameEn, IReadOnlyList<string> Aliases)
{
    public string Name(string language) => language == "en" ? NameEn : NameZh;
}

/// <summary>
/// The topics of templates/topics.yaml, loaded and validated once at start-up, and the one place that reads
/// what a resident typed after JOIN / STOP / 订阅 / 退订 as a topic.
/// </summary>
public sealed class TopicCatalog
{
    /// <summary>Topics a bare JOIN / 订阅 / START from someone with no topics subscribes to.</summary>
    public const string DefaultTopicKey = "notices";

    private readonly Dictionary<string, Topic> _byWord = new(StringComparer.Ordinal);
    private readonly List<(string Word, Topic Topic)> _hanPrefixes = [];   // longest first

    public IReadOnlyList<Topic> All { get; }

    public TopicCatalog(TemplatesFolder folder) : this(Path.Combine(folder.Path, "topics.yaml")) { }

    public TopicCatalog(string path)
    {
        All = Load(path);
        foreach (var topic in All)
        {
            foreach (var word in Words(topic))
            {
                if (_byWord.TryGetValue(word, out var other) && other != topic)
                    throw new InvalidDataException($"{path}: \"{word}\" names both '{other.Key}' and '{topic.Key}'; a word may name only one topic");
                _byWord[word] = topic;
                if (KeywordParser.ContainsHan(word))
                    _hanPrefixes.Add((word, topic));
            }
        }
        _hanPrefixes.Sort((a, b) => b.Word.Length.CompareTo(a.Word.Length));
        if (Find(DefaultTopicKey) is null)
            throw new InvalidDataException($"{path}: the default topic '{DefaultTopicKey}' (what a bare JOIN subscribes to) is missing");
    }

    public Topic? Find(string key) => All.FirstOrDefault(t => t.Key == key);

    /// <summary>
    /// The topic a resident means by <paramref name="typed"/>: its number, key, name or an alias, in either
    /// language, after the keyword parser's normalisation (full-width, case, punctuation, spaces and hyphens
    /// ignored: "２", "Daily Health Tip", "mental health"). Chinese text may carry words after the name, as
    /// Chinese has no spaces ("心理健康" is 心理). Null when nothing fits: the reply then lists the topics.
    /// </summary>
    public Topic? Resolve(string? typed)
    {
        var word = Squash(KeywordParser.Normalize(typed));
        if (word.Length == 0)
            return null;
        if (_byWord.TryGetValue(word, out var topic))
            return topic;
        foreach (var (prefix, candidate) in _hanPrefixes)
            if (word.StartsWith(prefix, StringComparison.Ordinal))
                return candidate;
        return null;
    }

    /// <summary>"1 Prevention notices, 2 Daily health tip, …": the menu residents pick numbers from.</summary>
    public string Menu(string language) => string.Join(language == "en" ? ", " : "，", All.Select(t => $"{t.Number} {t.Name(language)}"));

    /// <summary>The names of the given topic keys, in catalog order; keys no longer in the catalog are shown as stored.</summary>
    public string Names(IEnumerable<string> keys, string language, string none)
    {
        var set = keys.ToHashSet();
        var names = All.Where(t => set.Remove(t.Key)).Select(t => t.Name(language)).Concat(set.Order()).ToList();
        return names.Count == 0 ? none : string.Join(language == "en" ? ", " : "、", names);
    }

    private static IEnumerable<string> Words(Topic t) =>
        new[] { t.Number.ToString(System.Globalization.CultureInfo.InvariantCulture), t.Key, t.NameZh, t.NameEn }
            .Concat(t.Aliases)
            .Select(w => Squash(KeywordParser.Normalize(w)))
            .Where(w => w.Length > 0)
            .Distinct();

    private static string Squash(string s) => s.Replace(" ", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal);

    // ---- Loading and validation -----------------------------------------------------------------------------

    private sealed record TopicsFile
    {
        public List<TopicEntry>? Topics { get; init; }
    }

    private sealed record TopicEntry
    {
        public string? Key { get; init; }
        public int? Number { get; init; }
        public Dictionary<string, string>? Name { get; init; }
        public List<string>? Aliases { get; init; }
    }

    private static List<Topic> Load(string path)
    {
        var file = ContentRules.Read<TopicsFile>(path);
        if (file.Topics is not { Count: > 0 } entries)
            throw new InvalidDataException($"{path}: 'topics' is missing or empty");

        var problems = new List<string>();
        var topics = new List<Topic>();
        foreach (var (e, i) in entries.Select((e, i) => (e, i + 1)))
        {
            var where = $"topic {i} ({e.Key ?? "no key"})";
            if (e.Key is null || !System.Text.RegularExpressions.Regex.IsMatch(e.Key, "^[a-z][a-z0-9-]*$"))
                problems.Add($"{where}: 'key' must be a lowercase slug such as mental-health");
            if (e.Number is not (>= 1 and <= 9))
                problems.Add($"{where}: 'number' must be 1-9 (11-99 are course numbers)");
            var zh = e.Name?.GetValueOrDefault("zh");
            var en = e.Name?.GetValueOrDefault("en");
            if (string.IsNullOrWhiteSpace(zh) || zh.Length > 20)
                problems.Add($"{where}: 'name.zh' is required, at most 20 characters");
            if (string.IsNullOrWhiteSpace(en) || en.Length > 40)
                problems.Add($"{where}: 'name.en' is required, at most 40 characters");
            foreach (var alias in e.Aliases ?? [])
                if (string.IsNullOrWhiteSpace(alias) || alias.Contains(' ', StringComparison.Ordinal))
                    problems.Add($"{where}: alias \"{alias}\" must be one word without spaces");
            if (problems.Count == 0)
                topics.Add(new Topic(e.Key!, e.Number!.Value, zh!.Trim(), en!.Trim(), e.Aliases ?? []));
        }
        foreach (var dup in topics.GroupBy(t => t.Number).Where(g => g.Count() > 1))
            problems.Add($"number {dup.Key} is used by {string.Join(" and ", dup.Select(t => t.Key))}");
        foreach (var dup in topics.GroupBy(t => t.Key).Where(g => g.Count() > 1))
            problems.Add($"key '{dup.Key}' is used twice");
        if (problems.Count > 0)
            throw new InvalidDataException($"{path} is invalid:{Environment.NewLine}- {string.Join(Environment.NewLine + "- ", problems)}");
        return topics;
    }
}
