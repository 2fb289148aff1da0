using System.Globalization;
using System.Text.RegularExpressions;
using Gateway.Inbound;
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

    /// <summary>The scope of a course enrolment in the consent ledger.</summary>
    public string ConsentScope => "course:" + Key;
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

    private readonly Dictionary<string, Course> _byWord = new(StringComparer.Ordinal);
    private readonly List<(string Word, Course Course)> _hanPrefixes = [];   // longest first

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
        IndexWords(courses, errors);
        CheckNextCourses(courses, errors);
        ContentRules.ThrowIfAny(errors, "templates/courses");
        Courses = courses;
    }

    public Course? Find(string key) => Courses.FirstOrDefault(c => c.Key == key);

    public Course? FindByNumber(int number) => Courses.FirstOrDefault(c => c.Number == number);

    /// <summary>
    /// The course a resident means by <paramref name="typed"/> after JOIN / 订阅: its number, key, title or an alias, in
    /// either language, normalised as the keyword parser does (full-width, case, spaces and hyphens ignored). Chinese
    /// may carry words after the name ("订阅卫生课"). Null when nothing fits.
    /// </summary>
    public Course? Resolve(string? typed)
    {
        var word = Squash(KeywordParser.Normalize(typed));
        if (word.Length == 0) return null;
        if (_byWord.TryGetValue(word, out var course)) return course;
        foreach (var (prefix, candidate) in _hanPrefixes)
            if (word.StartsWith(prefix, StringComparison.Ordinal))
                return candidate;
        return null;
    }

    /// <summary>"11 Hygiene for children, 12 …": the list residents pick a course number from.</summary>
    public string Menu(string language) =>
        string.Join(language == "en" ? ", " : "，", Courses.OrderBy(c => c.Number).Select(c => $"{c.Number} {c.Title.In(language)}"));

    /// <summary>True when <paramref name="typed"/> is exactly a word of the course (not only begins with one).</summary>
    public bool IsExactly(string? typed, Course course) =>
        _byWord.TryGetValue(Squash(KeywordParser.Normalize(typed)), out var found) && found == course;

    /// <summary>
    /// Residents type JOIN + a word for topics and courses alike: a word that names both would make one of them
    /// unreachable, so start-up refuses it. (A Chinese word inside a longer one is fine: the whole word is matched first,
    /// so 防疫基础知识 is the course even though 防疫 is a topic.)
    /// </summary>
    public IReadOnlyList<string> ClashesWith(TopicCatalog topics) =>
        topics.All
            .SelectMany(t => Words(t.Number, t.Key, new Bilingual { Zh = t.NameZh, En = t.NameEn }, t.Aliases).Select(w => (Word: w, Topic: t)))
            .Where(w => _byWord.ContainsKey(w.Word))
            .Select(w => $"\"{w.Word}\" names both the topic '{w.Topic.Key}' and the course '{_byWord[w.Word].Key}'")
            .ToList();

    private void IndexWords(List<Course> courses, List<string> errors)
    {
        foreach (var course in courses)
            foreach (var word in Words(course.Number, course.Key, course.Title, course.Aliases))
            {
                if (_byWord.TryGetValue(word, out var other) && other != course)
                {
                    errors.Add($"courses: \"{word}\" names both '{other.Key}' and '{course.Key}'; a word may name only one course");
                    continue;
                }
                _byWord[word] = course;
                if (KeywordParser.ContainsHan(word)) _hanPrefixes.Add((word, course));
            }
        foreach (var (word, course) in _hanPrefixes)
            foreach (var (longer, other) in _hanPrefixes.Where(p => p.Course != course && p.Word.Length > word.Length && p.Word.Contains(word)))
                errors.Add($"courses: the Chinese word \"{word}\" of '{course.Key}' is inside \"{longer}\" of '{other.Key}'");
        _hanPrefixes.Sort((a, b) => b.Word.Length.CompareTo(a.Word.Length));
    }

    // A completion message sends the learner on to another course ("reply JOIN 13"): that course must exist.
    private static void CheckNextCourses(List<Course> courses, List<string> errors)
    {
        foreach (var c in courses)
            foreach (var (language, pattern) in new[] { ("en", @"JOIN ?(\d+)"), ("zh", @"订阅 ?(\d+)") })
                foreach (Match m in Regex.Matches(c.Completion.In(language), pattern))
                {
                    var number = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
                    if (number == c.Number || courses.All(other => other.Number != number))
                        errors.Add($"courses/{c.Key}.yaml completion: the {language} text points to course {number}, which is {(number == c.Number ? "this course" : "not a course")}");
                }
    }

    private static IEnumerable<string> Words(int number, string key, Bilingual title, IEnumerable<string> aliases) =>
        new[] { number.ToString(CultureInfo.InvariantCulture), key, title.Zh, title.En }
            .Concat(aliases)
            .Select(w => Squash(KeywordParser.Normalize(w)))
            .Where(w => w.Length > 0)
            .Distinct();

    private static string Squash(string s) => s.Replace(" ", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal);

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
