using Dapper;
using Gateway.Data;
using Gateway.Delivery;
using Gateway.Subscriptions;
using Npgsql;

namespace Gateway.Lessons;

/// <summary>A kind of outbound message this slice adds: the message after a course's last lesson.</summary>
public static class LessonKinds
{
    public const string Lesson = MessageKinds.Lesson;
    public const string CourseCompletion = "course_completion";
}

/// <summary>
/// The enrolment store: reading a learner, and the statements that enrol, leave, and send a lesson on request.
/// The statements are returned rather than run, so the inbound webhook can send them in its one batch with the
/// message's reply; the USSD menu and the admin API run them in a transaction with <see cref="ExecuteAsync"/>.
/// Every consent change (enrol = opt-in, leave = opt-out, scope 'course:&lt;key&gt;') is ledgered in the same batch.
/// The planner (<see cref="QueueDueLessons"/>) moves positions set-based, by the same rule (<see cref="Enrolment"/>).
/// </summary>
public sealed class Enrolments(CourseCatalog courses, Subscribers subscribers, Outbox outbox, DailySchedule schedule, TimeProvider clock)
{
    private const string SelectLearnerSql = """
        SELECT delivery_hour::int FROM subscribers WHERE id = @SubscriberId;
        SELECT e.id, e.subscriber_id, e.course, e.channel, e.enrolled_at, e.next_lesson::int AS next_lesson,
               e.last_lesson::int AS last_lesson, e.last_message_id, m.status AS last_message_status,
               e.last_sent_at, e.completed_at
          FROM enrolments e
          LEFT JOIN outbound_messages m ON m.id = e.last_message_id
         WHERE e.subscriber_id = @SubscriberId
         ORDER BY e.id
        """;

    private const string SelectLearnerForUpdateSql = SelectLearnerSql + "   FOR UPDATE OF e\n";

    /// <summary>
    /// The subscriber's delivery hour and enrolments. <paramref name="lockRows"/> (inside <paramref name="tx"/>) locks the
    /// enrolment rows until commit, so a decision made from them cannot race the planner or another request.
    /// </summary>
    public async Task<Learner> ReadAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, long subscriberId, bool lockRows, CancellationToken ct)
    {
        await using var read = await conn.QueryMultipleAsync(new CommandDefinition(lockRows ? SelectLearnerForUpdateSql : SelectLearnerSql, new { SubscriberId = subscriberId }, tx, cancellationToken: ct));
        var hour = await read.ReadSingleOrDefaultAsync<int?>() ?? 8;
        var enrolments = (await read.ReadAsync<Enrolment>()).AsList();
        return new Learner(hour, enrolments);
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

    /// <summary>
    /// Enrols the subscriber (or starts a finished course over) and ledgers the opt-in. Lesson 1 then comes with the
    /// planner's next run at or after the subscriber's delivery hour (<see cref="DailySchedule.NextSend"/>).
    /// </summary>
    /// <param name="keyword">For the ledger: the text as received, or what the resident chose.</param>
    public IEnumerable<NpgsqlBatchCommand> EnrolCommands(Subscriber subscriber, Course course, string channel, string keyword)
    {
        yield return Batch.Command(EnrolSql, new { SubscriberId = subscriber.Id, Course = course.Key, Channel = channel, Now = clock.GetUtcNow() });
        yield return subscribers.ConsentCommand(subscriber, optIn: true, course.ConsentScope, keyword, channel);
    }

    private const string LeaveSql = "DELETE FROM enrolments WHERE subscriber_id = @SubscriberId AND course = @Course";

    /// <summary>Leaves a course (the position goes with it: joining again starts at lesson 1) and ledgers the opt-out.</summary>
    public IEnumerable<NpgsqlBatchCommand> LeaveCommands(Subscriber subscriber, string courseKey, string channel, string keyword)
    {
        yield return Batch.Command(LeaveSql, new { SubscriberId = subscriber.Id, Course = courseKey });
        yield return subscribers.ConsentCommand(subscriber, optIn: false, "course:" + courseKey, keyword, channel);
    }

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

    // Queues the message only if the enrolment is still as it was read, then moves it; when it moved meanwhile (the
    // planner, a second NEXT), 1/0 fails the whole batch, which the inbound router then decides again under locks.
    private const string SendSql = """
        WITH queued AS (
            INSERT INTO outbound_messages (recipient, subscriber_id, body, encoding, segments, cost, priority, kind,
                                           not_before, expires_at, created_at, status_at)
            SELECT @To, @SubscriberId, @Body, @Encoding, @Segments, @Cost, @Priority, @Kind,
                   @Now, @ExpiresAt, @Now, @Now
              FROM enrolments
             WHERE id = @EnrolmentId AND next_lesson = @ReadNextLesson AND last_message_id IS NOT DISTINCT FROM @ReadLastMessageId::bigint
            RETURNING id),
        moved AS (
            UPDATE enrolments e
               SET next_lesson     = @NextLesson,
                   last_lesson     = coalesce(@LastLesson::smallint, e.last_lesson),
                   last_message_id = q.id,
                   last_sent_at    = @Now,
                   last_sent_on    = coalesce(@SentOn::date, e.last_sent_on),
                   completed_at    = coalesce(@CompletedAt::timestamptz, e.completed_at)
              FROM queued q
             WHERE e.id = @EnrolmentId AND e.next_lesson = @ReadNextLesson AND e.last_message_id IS NOT DISTINCT FROM @ReadLastMessageId::bigint
            RETURNING e.id)
        SELECT 1 / count(*)::int FROM moved
        """;

    /// <summary>
    /// NEXT: queues the lesson due now (the next one, or again the last one if it never arrived; after the last lesson,
    /// the completion message) at Normal priority and moves the position. It counts as today's lesson: the planner
    /// sends no other today. Null when the course is no longer in templates/.
    /// </summary>
    public IReadOnlyList<NpgsqlBatchCommand>? SendNextCommands(Enrolment e, string phone, string language)
    {
        if (courses.Find(e.Course) is not { } course) return null;
        var now = clock.GetUtcNow();
        var today = schedule.Today(now);
        var lesson = e.LessonDue;
        return lesson > course.Lessons.Count
            ? Send(e, phone, course.CompletionMessage(language), LessonKinds.CourseCompletion, nextLesson: e.NextLesson, lastLesson: null, today, completedAt: now)
            : Send(e, phone, course.Lesson(lesson, language), LessonKinds.Lesson, nextLesson: lesson + 1, lastLesson: lesson, today, completedAt: null);
    }

    /// <summary>REPEAT: queues the last lesson sent again (Normal priority). The position stays; the copy becomes the
    /// lesson's row, so if the copy arrives the lesson counts as received. Null when there is none to repeat.</summary>
    public IReadOnlyList<NpgsqlBatchCommand>? RepeatCommands(Enrolment e, string phone, string language)
    {
        if (e.LastLesson is not { } last || courses.Find(e.Course) is not { } course) return null;
        var lesson = Math.Min(last, course.Lessons.Count);
        return Send(e, phone, course.Lesson(lesson, language), LessonKinds.Lesson, nextLesson: e.NextLesson, lastLesson: lesson, sentOn: null, completedAt: null);
    }

    private IReadOnlyList<NpgsqlBatchCommand> Send(Enrolment e, string phone, string text, string kind, int nextLesson, int? lastLesson,
        DateOnly? sentOn, DateTimeOffset? completedAt)
    {
        var now = clock.GetUtcNow();
        var body = outbox.Prepare(text);
        return
        [
            Batch.Command(SendSql, new
            {
                To = phone,
                e.SubscriberId,
                body.Body,
                body.Encoding,
                body.Segments,
                body.Cost,
                Priority = (short)MessagePriority.Normal,
                Kind = kind,
                Now = now,
                ExpiresAt = outbox.ExpiresAt(now),
                EnrolmentId = e.Id,
                ReadNextLesson = (short)e.NextLesson,
                ReadLastMessageId = e.LastMessageId,
                NextLesson = (short)nextLesson,
                LastLesson = lastLesson is { } l ? (short?)l : null,
                SentOn = sentOn,
                CompletedAt = completedAt,
            }),
            Batch.Command($"SELECT pg_notify('{Outbox.Channel}', '')", new { }),
        ];
    }

    /// <summary>Runs statements from this class in <paramref name="tx"/>.</summary>
    public static async Task ExecuteAsync(NpgsqlConnection conn, NpgsqlTransaction tx, IEnumerable<NpgsqlBatchCommand> commands, CancellationToken ct)
    {
        await using var batch = new NpgsqlBatch(conn, tx);
        foreach (var command in commands) batch.BatchCommands.Add(command);
        await batch.ExecuteNonQueryAsync(ct);
    }
}
