using Gateway.Lessons;
using Gateway.Templates;
using Gateway.Tests.Support;
using Gateway.Ussd;

namespace Gateway.Tests.Ussd;

/// <summary>Menus for the pure tests: the real templates/, and the same menus over the largest lists the content rules allow.</summary>
public static class UssdTestMenus
{
    private static readonly Lazy<UssdMenu> RealMenu = new(() => Load(RepoPaths.Templates));
    private static readonly Lazy<UssdMenu> LargestMenu = new(() => new UssdMenu(new UssdMenus(RepoPaths.Templates), LargestContent()));

    /// <summary>templates/ as shipped.</summary>
    public static UssdMenu Real => RealMenu.Value;

    /// <summary>The shipped menus over 9 topics and 89 courses with names, titles and summaries at their length limits.</summary>
    public static UssdMenu Largest => LargestMenu.Value;

    public static UssdMenu Load(string templatesPath) =>
        new(new UssdMenus(templatesPath), UssdContent.From(new TopicCatalog(Path.Combine(templatesPath, "topics.yaml")), new CourseCatalog(templatesPath), new DailyTips(templatesPath)));

    /// <summary>
    /// templates/README.md limits: topic name and course title zh 20 / en 40, summary zh 60 / en 100, tip zh 70 / en 160;
    /// topics are numbered 1-9 and courses 11-99. Chinese is the widest character (any counts 1), English uses 'W'
    /// and spaces so that labels look like text.
    /// </summary>
    public static UssdContent LargestContent()
    {
        static Bilingual Text(int zh, int en, int n) => new()
        {
            Zh = (n.ToString() + new string('健', zh))[..zh],
            En = (n + " " + string.Concat(Enumerable.Repeat("Wwwww ", en)))[..en].TrimEnd().PadRight(en, 'w'),
        };
        var topics = Enumerable.Range(1, 9).Select(n => new UssdTopic($"topic-{n}", n, Text(20, 40, n))).ToList();
        var courses = Enumerable.Range(11, 89).Select(n => new UssdCourse($"course-{n}", n, Text(20, 40, n), Text(60, 100, n))).ToList();
        var tips = Enumerable.Range(1, 3).Select(n => Text(70, 160, n)).ToList();
        return new UssdContent(topics, courses, tips);
    }

    public static readonly DateOnly Today = new(2026, 3, 2);

    public static UssdFacts Unknown(string language = "zh") => UssdFacts.Unknown("+8613800000001", language, Today);

    public static UssdFacts Receiving(string language, params string[] topics) =>
        new("+8613800000001", language, Known: true, ReceivesNothing: false, topics.ToHashSet(), 8, Today, Today);

    public static UssdFacts OptedOut(string language, params string[] topics) =>
        new("+8613800000001", language, Known: true, ReceivesNothing: true, topics.ToHashSet(), 8, Today, Today);
}
