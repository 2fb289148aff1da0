using Dapper;
using Npgsql;

namespace Gateway.Lessons;

/// <summary>A course as the admin API and the courses page show it: how many took it, how far they got, how many finished.</summary>
/// <param name="CompletionRate">Completed ÷ enrolments (0-1), null while nobody is enrolled.</param>
/// <param name="Reached">Per lesson (lesson n at index n - 1): learners who were sent it, so where people drop off shows.</param>
public sealed record CourseSummary(Course Course, int Enrolments, int Completed, double? CompletionRate, IReadOnlyList<int> Reached);

/// <summary>Every course in templates/courses/, with enrolments, completion rate and the lessons reached, in one grouped query.</summary>
public sealed class ListCourses(NpgsqlDataSource db, CourseCatalog courses)
{
    // By the last lesson sent: a learner who was sent lesson n reached every lesson up to n.
    private const string CountSql = """
        SELECT course, coalesce(last_lesson, 0)::int AS last_lesson, count(*)::int AS enrolments, count(completed_at)::int AS completed
          FROM enrolments
         GROUP BY course, last_lesson
        """;

    private sealed record Row(string Course, int LastLesson, int Enrolments, int Completed);

    public async Task<IReadOnlyList<CourseSummary>> HandleAsync(CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = (await conn.QueryAsync<Row>(new CommandDefinition(CountSql, cancellationToken: ct))).ToLookup(r => r.Course);
        return courses.Courses.OrderBy(c => c.Number).Select(c =>
        {
            var course = rows[c.Key].ToList();
            var enrolled = course.Sum(r => r.Enrolments);
            var completed = course.Sum(r => r.Completed);
            var reached = Enumerable.Range(1, c.Lessons.Count).Select(n => course.Where(r => r.LastLesson >= n).Sum(r => r.Enrolments)).ToList();
            return new CourseSummary(c, enrolled, completed, enrolled == 0 ? null : Math.Round((double)completed / enrolled, 4), reached);
        }).ToList();
    }
}
