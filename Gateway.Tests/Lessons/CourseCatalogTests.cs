using Gateway.Broadcasts;
using Gateway.Delivery.Encoding;
using Gateway.Lessons;
using Gateway.Tests.Support;

namespace Gateway.Tests.Lessons;

/// <summary>The real content in templates/, measured with the segment calculator, and the loader refusing broken content.</summary>
public sealed class CourseCatalogTests
{
    private static readonly CourseCatalog Real = new(RepoPaths.Templates);

    public sealed record LessonCase(string Course, int N, string Language)
    {
        public override string ToString() => $"{Course} lesson {N} {Language}";
    }

    public static TheoryData<LessonCase> EveryLesson()
    {
        var data = new TheoryData<LessonCase>();
        foreach (var course in Real.Courses)
            for (var n = 1; n <= course.Lessons.Count; n++)
                foreach (var language in new[] { "zh", "en" })
                    data.Add(new LessonCase(course.Key, n, language));
        return data;
    }

    [Theory, MemberData(nameof(EveryLesson))]
    public void EveryLesson_FitsTwoSegments_AndEnglishStaysGsm7(LessonCase c)
    {
        var text = Real.Find(c.Course)!.Lesson(c.N, c.Language);
        var cost = SegmentCalculator.Measure(text);

        Assert.True(cost.Segments <= 2, $"{c}: {cost.Segments} segments");
        Assert.DoesNotContain("{", text);
        if (c.Language == "en") Assert.Equal(SmsEncoding.Gsm7, cost.Encoding);
    }

    [Fact]
    public void Content_HasAtLeastThreeCoursesOfSevenLessons_AndThirtyTipsPerLanguage()
    {
        Assert.True(Real.Courses.Count >= 3);
        Assert.All(Real.Courses, c => Assert.InRange(c.Lessons.Count, 7, 10));
        var tips = new DailyTips(RepoPaths.Templates).Tips;
        Assert.True(tips.Count >= 30);
        Assert.All(tips, t =>
        {
            Assert.Equal(1, SegmentCalculator.Measure(t.Zh).Segments);
            Assert.Equal(1, SegmentCalculator.Measure(t.En).Segments);
            Assert.Equal(SmsEncoding.Gsm7, SegmentCalculator.Measure(t.En).Encoding);
        });
        Assert.True(new NoticeCatalog(RepoPaths.Templates).Notices.Count >= 4);
    }

    [Fact]
    public void Completion_NamesTheCourse()
    {
        var course = Real.Courses[0];
        Assert.Contains(course.Title.Zh, course.CompletionMessage("zh"));
        Assert.Contains(course.Title.En, course.CompletionMessage("en"));
    }

    public sealed record Defect(string Label, string File, string Find, string Replace, string Expected)
    {
        public override string ToString() => Label;
    }

    public static TheoryData<Defect> Defects => new()
    {
        new("missing language", "courses/hygiene-kids.yaml", "  - zh: \"第{n}/{total}课：教孩子洗手", "  - zx: \"第{n}/{total}课：教孩子洗手", "zx"),
        new("unknown placeholder", "courses/hygiene-kids.yaml", "第{n}/{total}课：教孩子洗手", "第{n}/{total}课{name}：教孩子洗手", "unknown placeholder {name}"),
        new("over two segments", "courses/hygiene-kids.yaml", "第{n}/{total}课：教孩子洗手。", "第{n}/{total}课：教孩子洗手。" + new string('洗', 60), "the limit is 2"),
        new("english outside GSM-7", "courses/hygiene-kids.yaml", "Lesson {n}/{total}", "Lesson {n}/{total} \u2014", "outside GSM-7"),
        new("a link", "courses/hygiene-kids.yaml", "Lesson {n}/{total}", "Lesson {n}/{total} www.example.org", "link"),
        new("typo in a field name", "courses/hygiene-kids.yaml", "summary:", "sumary:", "line"),
        new("number in the topic range", "courses/hygiene-kids.yaml", "number: 11", "number: 3", "must be 11-99"),
        new("two courses share a number", "courses/hygiene-kids.yaml", "number: 11", "number: 12", "share the number 12"),
        new("completion points to a course that does not exist", "courses/hygiene-kids.yaml", "reply JOIN 12 for", "reply JOIN 19 for", "points to course 19, which is not a course"),
        new("completion points to itself", "courses/hygiene-kids.yaml", "回复 订阅12", "回复 订阅11", "the zh text points to course 11, which is this course"),
    };

    [Theory, MemberData(nameof(Defects))]
    public void BrokenContent_IsRefused_NamingFileAndProblem(Defect d)
    {
        var copy = CopyTemplates();
        try
        {
            var path = Path.Combine(copy, d.File);
            var original = File.ReadAllText(path);
            Assert.Contains(d.Find, original);
            File.WriteAllText(path, original.Replace(d.Find, d.Replace));

            var error = Assert.ThrowsAny<InvalidDataException>(() => new CourseCatalog(copy));
            Assert.Contains(d.Expected, error.Message);
            Assert.Contains("hygiene-kids", error.Message);
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }

    [Fact]
    public void BrokenTip_IsRefused()
    {
        var copy = CopyTemplates();
        try
        {
            var path = Path.Combine(copy, "tips.yaml");
            File.AppendAllText(path, "\n  - zh: \"" + new string('水', 71) + "\"\n    en: \"Drink clean water.\"\n");
            var error = Assert.ThrowsAny<InvalidDataException>(() => new DailyTips(copy));
            Assert.Contains("the limit is 1", error.Message);
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }

    internal static string CopyTemplates()
    {
        var copy = Directory.CreateTempSubdirectory("templates-").FullName;
        foreach (var file in Directory.GetFiles(RepoPaths.Templates, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(copy, Path.GetRelativePath(RepoPaths.Templates, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        return copy;
    }
}
