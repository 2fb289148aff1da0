using Gateway.Templates;

namespace Gateway.Lessons;

/// <summary>A short course by SMS: one lesson a day, from templates/courses/&lt;key&gt;.yaml.</summary>
public sealed class Course
{
    public string Key { get; set; } = "";
    public int Number { get; set; }
    public Bilingual Title { get; set; } = new();
    public List<string> Aliases { get; set; } = [];
    public Bilingual Summary { get; set; } = new();
    public Bilingual Completion { get; set; } = new();
    public List<Bilingual> Lessons { get; set; } = [];

    /// <summary>Lesson <paramref name="n"/> (1-based) as sent, placeholders filled in.</summary>
    public string Lesson(int n, string language) => Lessons[n - 1].In(language)
        .Replace("{n}", n.ToString()).Replace("{total}", Lessons.Count.ToString());

    public string CompletionMessage(string language) => Completion.In(language).Replace("{course}", Title.In(language));
}

/// <summary>
/// Every course in templates/courses/, loaded and checked once at start-up: a broken lesson
/// (missing language, over two segments, English outside GSM-7, unknown placeholder) stops the gateway.
/// </summary>
public sealed class CourseCatalog
{
    public const int MinLessons = 7;
    public const int MaxLessons = 10;
    public const int MaxSegmentsPerLesson = 2;

    public IReadOnlyList<Course> Courses { get; }

    public CourseCatalog(TemplatesFolder folder) : this(folder.Path) { }

    public CourseCatalog(string templatesPath)
    {
        var folder = Path.Combine(templatesPath, "courses");
        var files = Directory.Exists(folder) ? Directory.GetFiles(folder, "*.yaml").Order(StringComparer.Ordinal).ToList() : [];
        var errors = new List<string>();
        var courses = new List<Course>();
        foreach (var file in files)
        {
            var course = ContentRules.Read<Course>(file);
            Check(errors, Path.GetFileNameWithoutExtension(file), course);
            courses.Add(course);
        }
        if (courses.Count == 0) errors.Add($"{folder}: no courses");
        foreach (var number in courses.GroupBy(c => c.Number).Where(g => g.Count() > 1))
            errors.Add($"courses {string.Join(", ", number.Select(c => c.Key))} share the number {number.Key}");
        ContentRules.ThrowIfAny(errors, "templates/courses");
        Courses = courses;
    }

    public Course? Find(string key) => Courses.FirstOrDefault(c => c.Key == key);

    public Course? FindByNumber(int number) => Courses.FirstOrDefault(c => c.Number == number);

    private static void Check(List<string> errors, string fileKey, Course c)
    {
        var where = $"courses/{fileKey}.yaml";
        if (c.Key != fileKey || !ContentRules.Slug().IsMatch(c.Key))
            errors.Add($"{where}: key '{c.Key}' must equal the file name and be a lowercase slug");
        if (c.Number is < 11 or > 99)
            errors.Add($"{where}: number {c.Number} must be 11-99 (1-9 are topics)");
        ContentRules.CheckBilingual(errors, $"{where} title", c.Title, 1);
        ContentRules.CheckBilingual(errors, $"{where} summary", c.Summary, 1);
        ContentRules.CheckBilingual(errors, $"{where} completion", c.Completion, MaxSegmentsPerLesson,
            language => new Dictionary<string, string> { ["course"] = c.Title.In(language) });
        if (c.Lessons.Count is < MinLessons or > MaxLessons)
            errors.Add($"{where}: {c.Lessons.Count} lessons; a course has {MinLessons}-{MaxLessons}");

        // {n} and {total} are at most two digits.
        var lessonPlaceholders = new Dictionary<string, string> { ["n"] = "10", ["total"] = "10" };
        for (var i = 0; i < c.Lessons.Count; i++)
        {
            var lesson = c.Lessons[i];
            ContentRules.CheckBilingual(errors, $"{where} lesson {i + 1}", lesson, MaxSegmentsPerLesson, _ => lessonPlaceholders);
            // Chinese rules require an unsubscribe method in every promotional SMS (回T退订); English says STOP.
            if (!string.IsNullOrEmpty(lesson.Zh) && !lesson.Zh.Contains("退订"))
                errors.Add($"{where} lesson {i + 1}: the zh text must tell how to unsubscribe (退订)");
            if (!string.IsNullOrEmpty(lesson.En) && !lesson.En.Contains("STOP"))
                errors.Add($"{where} lesson {i + 1}: the en text must tell how to unsubscribe (STOP)");
        }
    }
}
