using Dapper;
using Gateway.Delivery;
using Gateway.Data;
using Npgsql;

namespace Gateway.Lessons;

/// <summary>A kind of outbound message this slice adds: the message after a course's last lesson.</summary>
public static class LessonKinds
{
    public const string Lesson = MessageKinds.Lesson;
    public const string CourseCompletion = "course_completion";
}

/// <summary>
/// The enrolment store: reading a learner, deciding the lesson NEXT and REPEAT send, and carrying out a
/// <see cref="CourseChange"/> in the caller's transaction (the inbound pipeline, the USSD menu, the admin API). A decision
/// is made from enrolments read with <c>lockRows</c>, so nothing (the planner, a second NEXT) moves them before it commits.
/// The planner (<see cref="QueueDueLessons"/>) moves positions set-based, by the same rule (<see cref="Enrolment"/>).
/// </summary>
public sealed class Enrolments(CourseCatalog courses, Outbox outbox, DailySchedule schedule, TimeProvider clock)
{
    private static readonly string SelectLearnerSql = $"""
        SELECT delivery_hour::int FROM subscribers WHERE id = @SubscriberId;
        SELECT e.id, e.subscriber_id, e.course, e.channel, e.enrolled_at, e.next_lesson::int AS next_lesson,
               e.last_lesson::int AS last_lesson, e.last_message_id, {OutboundHistory.StatusOfSql("e.last_message_id")} AS last_message_status,
               e.last_sent_at, e.completed_at
          FROM enrolments e
         WHERE e.subscriber_id = @SubscriberId
         ORDER BY e.id
        """;

    private static readonly string SelectLearnerForUpdateSql = SelectLearnerSql + "   FOR UPDATE OF e\n";

    // After the enrolments are locked, so two requests at once count one after the other.
    private const string AskedTodaySql = ";\nSELECT asked FROM lessons_asked WHERE subscriber_id = @SubscriberId AND city_date = @Today";

    private const string CountAskedSql = """
        INSERT INTO lessons_asked AS a (subscriber_id, city_date, asked) VALUES (@SubscriberId, @Today, 1)
        ON CONFLICT (subscriber_id) DO UPDATE
           SET asked = CASE WHEN a.city_date = EXCLUDED.city_date THEN a.asked + 1 ELSE 1 END,
               city_date = EXCLUDED.city_date
        """;

    /// <summary>
    /// The subscriber's delivery hour and enrolments. <paramref name="lockRows"/> (inside <paramref name="tx"/>) locks the
    /// enrolment rows until commit, so a decision made from them cannot race the planner or another request.
    /// </summary>
    public async Task<Learner> ReadAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, long subscriberId, bool lockRows, CancellationToken ct)
    {
        var sql = (lockRows ? SelectLearnerForUpdateSql : SelectLearnerSql) + AskedTodaySql;
        await using var read = await conn.QueryMultipleAsync(new CommandDefinition(sql,
            new { SubscriberId = subscriberId, Today = schedule.Today(clock.GetUtcNow()) }, tx, cancellationToken: ct));
        var hour = await read.ReadSingleOrDefaultAsync<int?>() ?? 8;
        var enrolments = (await read.ReadAsync<Enrolment>()).AsList();
        var asked = await read.ReadSingleOrDefaultAsync<int?>() ?? 0;
        return new Learner(hour, enrolments) { LessonsAskedToday = asked };
    }

    /// <summary>The consent scopes ('course:&lt;key&gt;') of the courses in progress: what opting back in to one course leaves.</summary>
    public static IReadOnlyList<string> CoursesInProgress(Learner learner) =>
        learner.Enrolments.Where(e => !e.IsCompleted).Select(e => "course:" + e.Course).ToList();

    /// <summary>The course in progress NEXT means: the one the learner heard from (or joined) most recently.</summary>
    public Enrolment? CurrentCourse(Learner learner) => learner.Enrolments
        .Where(e => !e.IsCompleted && courses.Find(e.Course) is not null)
        .OrderByDescending(e => e.LastActivity).ThenByDescending(e => e.Id)
        .FirstOrDefault();

    /// <summary>The enrolment REPEAT means: the one whose lesson came last.</summary>
    public Enrolment? LastLessonSent(Learner learner) => learner.Enrolments
        .Where(e => e.LastLesson is not null && courses.Find(e.Course) is not null)
        .OrderByDescending(e => e.LastSentAt).ThenByDescending(e => e.Id)
        .FirstOrDefault();

    /// <summary>
    /// NEXT: the lesson due now (the next one, or again the last one if it never arrived; after the last lesson, the
    /// completion message). It counts as today's lesson: the planner sends no other today. Null when the course is no
    /// longer in templates/.
    /// </summary>
    public LessonToSend? Next(Enrolment e, string phone, string language)
    {
        if (courses.Find(e.Course) is not { } course) return null;
        var now = clock.GetUtcNow();
        var today = schedule.Today(now);
        var lesson = e.LessonDue;
        return lesson > course.Lessons.Count
            ? new LessonToSend(e, phone, course.CompletionMessage(language), LessonKinds.CourseCompletion, e.NextLesson, null, today, now)
            : new LessonToSend(e, phone, course.Lesson(lesson, language), LessonKinds.Lesson, lesson + 1, lesson, today, null);
    }

    /// <summary>REPEAT: the last lesson sent, again. The position stays; the copy becomes the lesson's row, so if the copy
    /// arrives the lesson counts as received. Null when there is none to repeat.</summary>
    public LessonToSend? Repeat(Enrolment e, string phone, string language)
    {
        if (e.LastLesson is not { } last || courses.Find(e.Course) is not { } course) return null;
        var lesson = Math.Min(last, course.Lessons.Count);
        return new LessonToSend(e, phone, course.Lesson(lesson, language), LessonKinds.Lesson, e.NextLesson, lesson, null, null);
    }

    // A course joined again after its completion starts over; one in progress is left as it is.
    private const string EnrolSql = """
        INSERT INTO enrolments (subscriber_id, course, channel, enrolled_at)
             VALUES (@SubscriberId, @Course, @Channel, @Now)
        ON CONFLICT (subscriber_id, course) DO UPDATE
           SET channel = EXCLUDED.channel, enrolled_at = EXCLUDED.enrolled_at, next_lesson = 1,
               last_lesson = NULL, last_message_id = NULL, completed_at = NULL
         WHERE enrolments.completed_at IS NOT NULL
        """;

    // The position goes with the row: joining again starts at lesson 1.
    private const string LeaveSql = "DELETE FROM enrolments WHERE subscriber_id = @SubscriberId AND course = ANY(@Courses)";

    private const string MoveSql = """
        UPDATE enrolments
           SET next_lesson     = @NextLesson,
               last_lesson     = coalesce(@LastLesson, last_lesson),
               last_message_id = @MessageId,
               last_sent_at    = @Now,
               last_sent_on    = coalesce(@SentOn, last_sent_on),
               completed_at    = coalesce(@CompletedAt, completed_at)
         WHERE id = @EnrolmentId
        """;

    /// <summary>
    /// Carries out <paramref name="change"/> in <paramref name="tx"/>, whose caller read the enrolments with
    /// <c>lockRows</c>. A lesson goes through the outbound queue (<see cref="Outbox.EnqueueAsync"/>, Normal priority),
    /// so it counts as the learner's lesson with its delivery tracked.
    /// </summary>
    /// <param name="channel">Where the enrolment came from (sms, ussd, api), kept with it.</param>
    public async Task ApplyAsync(NpgsqlConnection conn, NpgsqlTransaction tx, CourseChange change, string channel, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        if (change.Leave.Count > 0)
            await conn.ExecuteAsync(new CommandDefinition(LeaveSql, new { change.SubscriberId, Courses = change.Leave.ToArray() }, tx, cancellationToken: ct));
        if (change.Enrol is { } course)
            await conn.ExecuteAsync(new CommandDefinition(EnrolSql, new { change.SubscriberId, Course = course, Channel = channel, Now = now }, tx, cancellationToken: ct));
        if (change.Send is not null || change.CountAskedOnly)
            await conn.ExecuteAsync(new CommandDefinition(CountAskedSql, new { change.SubscriberId, Today = schedule.Today(now) }, tx, cancellationToken: ct));
        if (change.Send is { } send)
        {
            var id = await outbox.EnqueueAsync(conn, tx, new OutboundMessage(send.Phone, send.Text, send.Kind, MessagePriority.Normal)
            {
                SubscriberId = change.SubscriberId,
            }, ct);
            await conn.ExecuteAsync(new CommandDefinition(MoveSql, new
            {
                EnrolmentId = send.Enrolment.Id,
                NextLesson = (short)send.NextLesson,
                LastLesson = (short?)send.LastLesson,
                MessageId = id,
                Now = now,
                send.SentOn,
                send.CompletedAt,
            }, tx, cancellationToken: ct));
        }
    }
}
