using Gateway.Lessons;
using Gateway.Templates;

namespace Gateway.Ussd;

public sealed record UssdTopic(string Key, int Number, Bilingual Name);

public sealed record UssdCourse(string Key, int Number, Bilingual Title, Bilingual Summary);

/// <summary>
/// The content the menus list and show: topics (templates/topics.yaml), courses (CourseCatalog) and the daily
/// tips (DailyTips). A plain record so that tests can build the largest lists the content rules allow.
/// </summary>
public sealed record UssdContent(IReadOnlyList<UssdTopic> Topics, IReadOnlyList<UssdCourse> Courses, IReadOnlyList<Bilingual> Tips)
{
    public static UssdContent From(string templatesPath, CourseCatalog courses, DailyTips tips) => new(
        ReadTopics(templatesPath),
        courses.Courses.OrderBy(c => c.Number).Select(c => new UssdCourse(c.Key, c.Number, c.Title, c.Summary)).ToList(),
        tips.Tips);

    // The inbound slice owns topics.yaml (its TopicCatalog, written in parallel, validates it fully); until the
    // two meet, the menu reads the few fields it needs here, with the same unknown-field checking.
    private static List<UssdTopic> ReadTopics(string templatesPath)
    {
        var file = Path.Combine(templatesPath, "topics.yaml");
        if (!File.Exists(file)) throw new InvalidDataException($"{file}: missing");
        var topics = ContentRules.Read<TopicsFile>(file).Topics;
        var errors = new List<string>();
        if (topics.Count == 0) errors.Add("topics.yaml: no topics");
        foreach (var t in topics)
        {
            if (!ContentRules.Slug().IsMatch(t.Key)) errors.Add($"topics.yaml: key '{t.Key}' must be a lowercase slug");
            if (t.Number is < 1 or > 9) errors.Add($"topics.yaml: topic '{t.Key}' number {t.Number} must be 1-9");
            if (string.IsNullOrWhiteSpace(t.Name?.Zh) || string.IsNullOrWhiteSpace(t.Name?.En))
                errors.Add($"topics.yaml: topic '{t.Key}' needs a name in zh and en");
        }
        ContentRules.ThrowIfAny(errors, "templates/topics.yaml");
        return topics.OrderBy(t => t.Number).Select(t => new UssdTopic(t.Key, t.Number, t.Name!)).ToList();
    }

    private sealed class TopicsFile
    {
        public List<TopicEntry> Topics { get; set; } = [];
    }

    private sealed class TopicEntry
    {
        public string Key { get; set; } = "";
        public int Number { get; set; }
        public Bilingual? Name { get; set; }
        public List<string> Aliases { get; set; } = [];
    }
}
