using System.Security.Cryptography;
using System.Text;
using Gateway.Templates;

namespace Gateway.Lessons;

/// <summary>The pool of daily tips for rural households (templates/tips.yaml): one SMS each, checked at start-up.</summary>
public sealed class DailyTips
{
    public const int MaxSegments = 1;

    public IReadOnlyList<Bilingual> Tips { get; }

    /// <summary>
    /// A stable name for each tip, in pool order: a hash of its two texts. The per-subscriber rotation remembers tips by
    /// it, so adding, removing or reordering tips never makes anyone receive a tip twice within a cycle (an edited
    /// tip counts as a new one).
    /// </summary>
    public IReadOnlyList<string> Keys { get; }

    public DailyTips(TemplatesFolder folder) : this(folder.Path) { }

    public DailyTips(string templatesPath)
    {
        var file = Path.Combine(templatesPath, "tips.yaml");
        if (!File.Exists(file)) throw new InvalidDataException($"{file}: missing");
        var tips = ContentRules.Read<TipsFile>(file).Tips;

        var errors = new List<string>();
        if (tips.Count == 0) errors.Add("tips.yaml: no tips");
        for (var i = 0; i < tips.Count; i++)
            ContentRules.CheckBilingual(errors, $"tips.yaml tip {i + 1}", tips[i], MaxSegments);
        foreach (var language in new[] { "zh", "en" })
        {
            foreach (var repeat in tips.Select((t, i) => (Text: t.In(language), Number: i + 1)).GroupBy(t => t.Text).Where(g => g.Count() > 1))
                errors.Add($"tips.yaml: tips {string.Join(" and ", repeat.Select(t => t.Number))} have the same {language} text");
        }
        ContentRules.ThrowIfAny(errors, "templates/tips.yaml");
        Tips = tips;
        Keys = tips.Select(Key).ToList();
    }

    public static string Key(Bilingual tip) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(tip.Zh + "\n" + tip.En)))[..16].ToLowerInvariant();

    /// <summary>
    /// The tip of the day for a city-local date: the pool in file order, one a day, round and round.
    /// The USSD "today's tip" screen shows it; the daily tip SMS starts each subscriber's pick from it
    /// (<see cref="QueueDailyTips"/>), so a subscriber who gets every day's tip gets the same tip the menu shows.
    /// </summary>
    public Bilingual ForDay(DateOnly cityDate) => Tips[IndexForDay(cityDate, Tips.Count)];

    public static int IndexForDay(DateOnly cityDate, int poolSize) => cityDate.DayNumber % poolSize;

    private sealed class TipsFile
    {
        public List<Bilingual> Tips { get; set; } = [];
    }
}
