using System.Globalization;
using Gateway.Lessons;
using Gateway.Subscriptions;
using Gateway.Support;
using Npgsql;

namespace Gateway.Ussd;

/// <param name="Outcome">One of the action's outcomes (<see cref="UssdActionSpec.Outcomes"/>): the menu words what follows.</param>
/// <param name="SessionErased">The number's data, this session's row included, is gone: the session must not be saved again.</param>
public sealed record UssdActionResult(string Outcome, bool SessionErased = false);

/// <summary>
/// Everything a USSD menu choice does to the world, one method per action, all in this file. Consent is decided by
/// the same rule as for SMS (<see cref="ConsentRule"/>, ledgered with channel 'ussd') and written by
/// <see cref="ChangeConsent"/>; preferences by <see cref="SubscriberPreferences"/>. Counsellor callbacks go to the
/// Support slice's queue; courses and lessons to the Lessons slice's <see cref="Enrolments"/> (a lesson asked for
/// here is queued as an SMS, like NEXT).
/// </summary>
public sealed class UssdActions(NpgsqlDataSource db, Subscribers subscribers, ChangeConsent consent, SubscriberPreferences preferences,
    DeleteSubscriberData deleteData, OpenSupportRequest supportRequests, CourseCatalog courses, Enrolments enrolments,
    Microsoft.Extensions.Options.IOptions<LessonOptions> lessons, ILogger<UssdActions> log)
{
    /// <param name="language">The session's language: a number we do not know yet is created in it.</param>
    public async Task<UssdActionResult> PerformAsync(UssdActionRequest action, string phone, string language, CancellationToken ct)
    {
        var result = action.Name switch
        {
            UssdActionSpec.ToggleTopic => await SetTopicAsync(phone, action.Item!, on: action.Value == "on", language, ct),
            UssdActionSpec.Resubscribe => await ResubscribeAsync(phone, action.Item!, language, ct),
            UssdActionSpec.SwitchLanguage or UssdActionSpec.SetLanguage => await SetLanguageAsync(phone, action.Value!, ct),
            UssdActionSpec.SetTipHour => await SetTipHourAsync(phone, int.Parse(action.Item!, CultureInfo.InvariantCulture), language, ct),
            UssdActionSpec.OptOutAll => await OptOutAllAsync(phone, language, ct),
            UssdActionSpec.DeleteMyData => await DeleteMyDataAsync(phone, ct),
            UssdActionSpec.RequestCallback => await RequestCallbackAsync(phone, language, ct),
            UssdActionSpec.EnrolCourse => await EnrolInCourseAsync(phone, Course(action.Item!), language, ct),
            UssdActionSpec.ResubscribeCourse => await ResubscribeToCourseAsync(phone, Course(action.Item!), language, ct),
            UssdActionSpec.NextLesson => await SendNextLessonAsync(phone, Course(action.Item!), ct),
            _ => throw new ArgumentException($"USSD action '{action.Name}' is not performed here", nameof(action)),
        };
        log.ActionPerformed(action, phone, result);
        return result;
    }

    // The keyword column of the ledger says what the resident chose: here, the menu action.
    private const string Keyword = "ussd menu";

    /// <summary>Joins or leaves one topic. A number that opted out of everything is asked first (needs-opt-in): a digit
    /// in a list is not the explicit request that opting back in needs.</summary>
    private async Task<UssdActionResult> SetTopicAsync(string phone, string topic, bool on, string language, CancellationToken ct)
    {
        if (!on && await subscribers.FindAsync(phone, ct) is null) return new("left");

        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var subscriber = await subscribers.FindOrCreateAsync(conn, tx, phone, language, ct);
        if (on && !subscriber.IsActive) return new("needs-opt-in");
        var topics = await subscribers.TopicsAsync(conn, tx, subscriber.Id, ct);
        await consent.ApplyAsync(conn, tx, on
            ? ConsentRule.JoinTopic(subscriber, topics, [], topic, Keyword, ConsentChannel.Ussd)
            : ConsentRule.LeaveTopic(subscriber, topic, Keyword, ConsentChannel.Ussd), ct);
        await tx.CommitAsync(ct);
        return new(on ? "joined" : "left");
    }

    /// <summary>
    /// The explicit "yes, start again" of a number that opted out of everything, for one topic: by the consent rule it
    /// then receives exactly that topic (the topics and courses it had before are left, and ledgered as such).
    /// </summary>
    private async Task<UssdActionResult> ResubscribeAsync(string phone, string topic, string language, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var subscriber = await subscribers.FindOrCreateAsync(conn, tx, phone, language, ct);
        var topics = await subscribers.TopicsAsync(conn, tx, subscriber.Id, ct);
        var learner = await enrolments.ReadAsync(conn, tx, subscriber.Id, lockRows: true, ct);
        var change = ConsentRule.JoinTopic(subscriber, topics, Enrolments.CoursesInProgress(learner), topic, Keyword, ConsentChannel.Ussd);
        await consent.ApplyAsync(conn, tx, change, ct);
        await enrolments.ApplyAsync(conn, tx, new CourseChange(subscriber.Id) { Leave = change.CoursesLeft }, ConsentChannel.Ussd, ct);
        await tx.CommitAsync(ct);
        return new("joined");
    }

    /// <summary>Stored for a number we know; for one we do not, the session's language is enough (browsing creates no record).</summary>
    private async Task<UssdActionResult> SetLanguageAsync(string phone, string language, CancellationToken ct)
    {
        if (await subscribers.FindAsync(phone, ct) is { } subscriber)
        {
            await using var conn = await db.OpenConnectionAsync(ct);
            await preferences.ApplyAsync(conn, null, new PreferenceChange(subscriber.Id, Language: language), ct);
        }
        return new("done");
    }

    /// <summary>The hour is a choice the resident asks us to keep, so a number we do not know is recorded for it.</summary>
    private async Task<UssdActionResult> SetTipHourAsync(string phone, int hour, string language, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var subscriber = await subscribers.FindOrCreateAsync(conn, tx, phone, language, ct);
        await preferences.ApplyAsync(conn, tx, new PreferenceChange(subscriber.Id, DeliveryHour: hour), ct);
        await tx.CommitAsync(ct);
        return new("done");
    }

    /// <summary>Opt-out of everything, ledgered; a number we did not know is recorded as opted out, so it is never messaged.</summary>
    private async Task<UssdActionResult> OptOutAllAsync(string phone, string language, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var subscriber = await subscribers.FindOrCreateAsync(conn, tx, phone, language, ct);
        await consent.ApplyAsync(conn, tx, ConsentRule.StopEverything(subscriber, Keyword, ConsentChannel.Ussd), ct);
        await tx.CommitAsync(ct);
        return new("done");
    }

    private async Task<UssdActionResult> DeleteMyDataAsync(string phone, CancellationToken ct) =>
        await deleteData.HandleAsync(phone, ConsentChannel.Ussd, ct) == ErasureOutcome.Erased
            ? new("deleted", SessionErased: true)
            : new("nothing", SessionErased: true);

    /// <summary>Puts the number in the counsellors' queue (once while a request is open); counsellors call back.</summary>
    private async Task<UssdActionResult> RequestCallbackAsync(string phone, string language, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var subscriber = await subscribers.FindOrCreateAsync(conn, tx, phone, language, ct);
        await supportRequests.OpenCallbackAsync(conn, tx, subscriber.Id, phone, ConsentChannel.Ussd, ct);
        await tx.CommitAsync(ct);
        return new("recorded");
    }

    // The menu lists the courses of the catalog, so the item is always one of them.
    private Course Course(string key) => courses.Find(key) ?? throw new ArgumentException($"no course '{key}'", nameof(key));

    /// <summary>
    /// "Start this course": enrols the number (ledgered opt-in 'course:&lt;key&gt;', channel ussd); lesson 1 follows by SMS
    /// at the number's delivery hour. A number we do not know is recorded for it, as for a topic; one that opted out
    /// of everything is asked first (needs-opt-in). A finished course starts over.
    /// </summary>
    private async Task<UssdActionResult> EnrolInCourseAsync(string phone, Course course, string language, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var subscriber = await subscribers.FindOrCreateAsync(conn, tx, phone, language, ct);
        if (!subscriber.IsActive) return new("needs-opt-in");
        var learner = await enrolments.ReadAsync(conn, tx, subscriber.Id, lockRows: true, ct);
        if (learner.In(course.Key) is { IsCompleted: false }) return new("already");
        await enrolments.ApplyAsync(conn, tx, new CourseChange(subscriber.Id) { Enrol = course.Key }, ConsentChannel.Ussd, ct);
        await consent.ApplyAsync(conn, tx, ConsentRule.JoinCourse(subscriber, [], [], course.ConsentScope, Keyword, ConsentChannel.Ussd), ct);
        await tx.CommitAsync(ct);
        return new("enrolled");
    }

    /// <summary>
    /// The explicit "yes, start again" for a course, from a number that opted out of everything: by the consent rule it
    /// then receives exactly that course (the topics and other courses it had before are left, and ledgered as such).
    /// A course it was on keeps its place.
    /// </summary>
    private async Task<UssdActionResult> ResubscribeToCourseAsync(string phone, Course course, string language, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var subscriber = await subscribers.FindOrCreateAsync(conn, tx, phone, language, ct);
        var topics = await subscribers.TopicsAsync(conn, tx, subscriber.Id, ct);
        var learner = await enrolments.ReadAsync(conn, tx, subscriber.Id, lockRows: true, ct);
        var change = ConsentRule.JoinCourse(subscriber, topics, Enrolments.CoursesInProgress(learner), course.ConsentScope, Keyword, ConsentChannel.Ussd);
        await consent.ApplyAsync(conn, tx, change, ct);
        await enrolments.ApplyAsync(conn, tx, new CourseChange(subscriber.Id)
        {
            Enrol = learner.In(course.Key) is { IsCompleted: false } ? null : course.Key,
            Leave = change.CoursesLeft,
        }, ConsentChannel.Ussd, ct);
        await tx.CommitAsync(ct);
        return new("enrolled");
    }

    /// <summary>"Send my next lesson": queues it as an SMS now, exactly as the keyword NEXT does, for this course, within
    /// the same LESSONS_ASKED_PER_DAY (beyond it the menu says so; a screen costs nothing, so it says so every time).</summary>
    private async Task<UssdActionResult> SendNextLessonAsync(string phone, Course course, CancellationToken ct)
    {
        if (await subscribers.FindAsync(phone, ct) is not { } subscriber) return new("not-enrolled");
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var learner = await enrolments.ReadAsync(conn, tx, subscriber.Id, lockRows: true, ct);
        var enrolment = learner.In(course.Key);
        if (enrolment is null) return new("not-enrolled");
        if (!subscriber.IsActive) return new("needs-opt-in");
        if (enrolment.IsCompleted) return new("finished");
        if (learner.LessonsAskedToday >= lessons.Value.AskedPerDay) return new("limit");
        await enrolments.ApplyAsync(conn, tx, new CourseChange(subscriber.Id) { Send = enrolments.Next(enrolment, phone, subscriber.Language) }, ConsentChannel.Ussd, ct);
        await tx.CommitAsync(ct);
        return new("sent");
    }
}
