using Dapper;
using Npgsql;

namespace Gateway.Lessons;

/// <summary>A course as the admin API shows it, with how many took it and how many finished.</summary>
/// <param name="CompletionRate">Completed ÷ enrolments (0-1), null while nobody is enrolled.</param>
public sealed record CourseSummary(Course Course, int Enrolments, int Completed, double? CompletionRate);

/// <summary>Every course in templates/courses/, with enrolment counts and completion rate, in one grouped query.</summary>
public sealed class ListCourses(NpgsqlDataSource db, CourseCatalog courses)
{
    private const string CountSql = """
        SELECT course, count(*)::int AS enrolments, count(completed_at)::int AS completed
          FROM enrolments
         GROUP BY course
        """;

    public async Task<IReadOnlyList<CourseSummary>> HandleAsync(CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var counts = (await conn.QueryAsync<(string Course, int Enrolments, int Completed)>(new CommandDefinition(CountSql, cancellationToken: ct)))
            .ToDictionary(c => c.Course);
        return courses.Courses.OrderBy(c => c.Number).Select(c =>
        {
            var (_, enrolled, completed) = counts.GetValueOrDefault(c.Key, (c.Key, 0, 0));
            return new CourseSummary(c, enrolled, completed, enrolled == 0 ? null : Math.Round((double)completed / enrolled, 4));
        }).ToList();
    }
}
