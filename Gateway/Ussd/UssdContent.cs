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
    public static UssdContent From(TopicCatalog topics, CourseCatalog courses, DailyTips tips) => new(
        topics.All.OrderBy(t => t.Number).Select(t => new UssdTopic(t.Key, t.Number, new Bilingual { Zh = t.NameZh, En = t.NameEn })).ToList(),
        courses.Courses.OrderBy(c => c.Number).Select(c => new UssdCourse(c.Key, c.Number, c.Title, c.Summary)).ToList(),
        tips.Tips);
}
