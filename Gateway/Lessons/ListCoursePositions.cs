using Dapper;
using Npgsql;

namespace Gateway.Lessons;

/// <summary>Where a learner is in one course, as the admin API shows it.</summary>
/// <param name="NextLesson">The lesson the next send carries (the last one again if it never arrived); null once completed.</param>
/// <param name="Lessons">Lessons in the course today (null for a course no longer in templates/).</param>
/// <param name="LastLessonStatus">The outbound status of the last lesson sent (sent, delivered, undelivered, …).</param>
public sealed record CoursePosition(string Course, int? Number, int? NextLesson, int? Lessons, int? LastLesson, string? LastLessonStatus,
    string Channel, DateTime EnrolledAt, DateTime? CompletedAt);

/// <summary>A subscriber's courses and their place in each, by phone number (for GET /api/subscribers/{e164}).</summary>
public sealed class ListCoursePositions(NpgsqlDataSource db, Enrolments enrolments, CourseCatalog courses)
{
    private const string SelectSubscriberSql = "SELECT id FROM subscribers WHERE phone = @Phone";

    public async Task<IReadOnlyList<CoursePosition>> HandleAsync(string phone, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        if (await conn.QuerySingleOrDefaultAsync<long?>(new CommandDefinition(SelectSubscriberSql, new { Phone = phone }, cancellationToken: ct)) is not { } id)
            return [];
        var learner = await enrolments.ReadAsync(conn, null, id, lockRows: false, ct);
        return learner.Enrolments.Select(e =>
        {
            var course = courses.Find(e.Course);
            return new CoursePosition(e.Course, course?.Number, e.IsCompleted ? null : e.LessonDue, course?.Lessons.Count, e.LastLesson,
                e.LastMessageStatus, e.Channel, e.EnrolledAt, e.CompletedAt);
        }).ToList();
    }
}
