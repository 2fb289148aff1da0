using System.Globalization;
using Dapper;
using Gateway.Delivery;
using Npgsql;

namespace Gateway.Lessons;

/// <summary>
/// Queues every lesson due now, for everyone, in one statement: each enrolment in progress whose learner is active,
/// whose delivery hour has come today (city time, outside quiet hours) and who has had no lesson of that course
/// today. The lesson is the one due (<see cref="Enrolment.LessonDue"/>: the next, or the last again if it never
/// arrived); after the last lesson comes the completion message, and the course is done.
/// <para>
/// At most once per learner and course per city date, however often it runs and whatever crashes in between: the
/// rows carry the dedupe key 'lesson:&lt;enrolment&gt;:&lt;date&gt;' (unique), positions move only for rows this run
/// inserted, in the same statement, and rows being handled by a concurrent run or request are skipped (SKIP LOCKED).
/// Bulk priority; expires when the allowed window closes. Opt-outs after queueing are caught by the dispatcher.
/// </para>
/// </summary>
public sealed class QueueDueLessons(NpgsqlDataSource db, CourseCatalog courses, Outbox outbox, DailySchedule schedule)
{
    private static readonly string QueueSql = $"""
        WITH texts AS (
            SELECT * FROM unnest(@TextCourse::text[], @TextLesson::int[], @TextLanguage::text[], @TextBody::text[],
                                 @TextEncoding::text[], @TextSegments::int[], @TextCost::numeric[], @TextKind::text[])
                       AS t(course, lesson, language, body, encoding, segments, price, message_kind)),
        catalog AS (
            SELECT * FROM unnest(@CourseKey::text[], @CourseLessons::int[]) AS c(course, lessons)),
        due AS (
            SELECT e.id, e.subscriber_id, s.phone, s.language, e.course, c.lessons,
                   LEAST(CASE WHEN e.last_lesson IS NOT NULL AND {OutboundHistory.StatusOfSql("e.last_message_id")} = ANY(@NotDelivered) THEN e.last_lesson
                              ELSE e.next_lesson END,
                         c.lessons + 1) AS lesson
              FROM enrolments e
              JOIN catalog c ON c.course = e.course
              JOIN subscribers s ON s.id = e.subscriber_id
             WHERE e.completed_at IS NULL
               AND (e.last_sent_on < @Today OR e.last_sent_on IS NULL)
               AND s.status = 'active'
               AND s.delivery_hour = ANY(@DueHours)
               FOR UPDATE OF e SKIP LOCKED),
        lessons AS (
            SELECT d.phone AS to_phone, d.subscriber_id, t.body, t.encoding, t.segments, t.price, @Priority AS priority,
                   t.message_kind, NULL::bigint AS broadcast_id, 'lesson:' || d.id || ':' || @DateKey AS idempotency_key,
                   @Now AS due_at, @ExpiresAt AS valid_until, @Now AS queued_at
              FROM due d
              JOIN texts t ON t.course = d.course AND t.lesson = d.lesson AND t.language = d.language),
        queued AS ({Outbox.EnqueueRowsSql("lessons", skipDuplicates: true)})
        UPDATE enrolments e
           SET next_lesson     = CASE WHEN d.lesson > d.lessons THEN e.next_lesson ELSE d.lesson + 1 END,
               last_lesson     = CASE WHEN d.lesson > d.lessons THEN e.last_lesson ELSE d.lesson END,
               last_message_id = q.id,
               last_sent_at    = @Now,
               last_sent_on    = @Today,
               completed_at    = CASE WHEN d.lesson > d.lessons THEN @Now END
          FROM due d
          JOIN queued q ON q.idempotency_key = 'lesson:' || d.id || ':' || @DateKey
         WHERE e.id = d.id
        RETURNING d.lesson > d.lessons AS completed
        """;

    /// <returns>Lessons queued, and how many of them were completion messages.</returns>
    public async Task<(int Queued, int Completions)> RunAsync(DateTimeOffset now, CancellationToken ct)
    {
        var dueHours = schedule.DueHours(now);
        if (dueHours.Length == 0) return (0, 0);
        var today = schedule.Today(now);

        var texts = _texts.Value;
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var completed = (await conn.QueryAsync<bool>(new CommandDefinition(QueueSql, new
        {
            TextCourse = texts.Select(t => t.Course).ToArray(),
            TextLesson = texts.Select(t => t.Lesson).ToArray(),
            TextLanguage = texts.Select(t => t.Language).ToArray(),
            TextBody = texts.Select(t => t.Body.Body).ToArray(),
            TextEncoding = texts.Select(t => t.Body.Encoding).ToArray(),
            TextSegments = texts.Select(t => t.Body.Segments).ToArray(),
            TextCost = texts.Select(t => t.Body.Cost).ToArray(),
            TextKind = texts.Select(t => t.Kind).ToArray(),
            CourseKey = courses.Courses.Select(c => c.Key).ToArray(),
            CourseLessons = courses.Courses.Select(c => c.Lessons.Count).ToArray(),
            Enrolment.NotDelivered,
            Today = today,
            DateKey = today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            DueHours = dueHours,
            Priority = (short)MessagePriority.Bulk,
            Now = now,
            ExpiresAt = schedule.WindowEnd(now),
        }, tx, cancellationToken: ct))).AsList();
        if (completed.Count > 0) await Outbox.NotifyAsync(conn, tx, ct);
        await tx.CommitAsync(ct);
        return (completed.Count, completed.Count(c => c));
    }

    private sealed record Text(string Course, int Lesson, string Language, PreparedBody Body, string Kind);

    // Every lesson and completion message in both languages, measured once (content is loaded once, at start-up): the
    // statement joins each due learner to the text it needs. Lesson count + 1 is the completion message.
    private readonly Lazy<List<Text>> _texts = new(() => Texts(courses, outbox));

    private static List<Text> Texts(CourseCatalog courses, Outbox outbox) =>
    [
        .. from course in courses.Courses
           from language in Hosting.GatewayOptions.Languages
           from n in Enumerable.Range(1, course.Lessons.Count + 1)
           select n <= course.Lessons.Count
               ? new Text(course.Key, n, language, outbox.Prepare(course.Lesson(n, language)), LessonKinds.Lesson)
               : new Text(course.Key, n, language, outbox.Prepare(course.CompletionMessage(language)), LessonKinds.CourseCompletion),
    ];
}
