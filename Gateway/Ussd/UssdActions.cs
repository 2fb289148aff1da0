using System.Globalization;
using Dapper;
using Gateway.Lessons;
using Gateway.Phones;
using Gateway.Subscriptions;
using Gateway.Support;
using Npgsql;

namespace Gateway.Ussd;

/// <param name="Outcome">One of the action's outcomes (<see cref="UssdActionSpec.Outcomes"/>): the menu words what follows.</param>
/// <param name="SessionErased">The number's data, this session's row included, is gone: the session must not be saved again.</param>
public sealed record UssdActionResult(string Outcome, bool SessionErased = false);

/// <summary>
/// Everything a USSD menu choice does to the world, one method per action, all in this file: subscriptions and
/// consent through <see cref="Subscribers"/> (ledgered with channel 'ussd'), preferences, opt-out, deletion.
/// Counsellor callbacks go to the Support slice's queue; courses and lessons to the Lessons slice's
/// <see cref="Enrolments"/> (a lesson asked for here is queued as an SMS, like NEXT).
/// </summary>
public sealed class UssdActions(NpgsqlDataSource db, Subscribers subscribers, SubscriberPreferences preferences,
    DeleteSubscriberData deleteData, OpenSupportRequest supportRequests, CourseCatalog courses, Enrolments enrolments,
    ILogger<UssdActions> log)
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
        log.LogInformation("USSD {Action} {Item} for {Phone}: {Outcome}", action.Name, action.Item, Phone.Mask(phone), result.Outcome);
        return result;
    }

    // The keyword column of the ledger says what the resident chose: here, the menu action.
    private const string Keyword = "ussd menu";

    /// <summary>Joins or leaves one topic. A number that opted out of everything is asked first (needs-opt-in).</summary>
    private async Task<UssdActionResult> SetTopicAsync(string phone, string topic, bool on, string language, CancellationToken ct)
    {
        if (!on && await subscribers.FindAsync(phone, ct) is null) return new("left");

        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var subscriber = await subscribers.FindOrCreateAsync(conn, tx, phone, language, ct);
        if (on && subscriber.IsOptedOut) return new("needs-opt-in");
        if (on)
            await subscribers.OptInAsync(conn, tx, subscriber, topic, Keyword, ConsentChannel.Ussd, ct);
        else
            await subscribers.OptOutAsync(conn, tx, subscriber, topic, Keyword, ConsentChannel.Ussd, ct);
        await tx.CommitAsync(ct);
        return new(on ? "joined" : "left");
    }

    private const string SelectTopicsSql = "SELECT topic FROM subscriptions WHERE subscriber_id = @Id";

    /// <summary>
    /// The explicit "yes, start again" of a number that opted out of everything: opts it back in (ledgered) to this
    /// one topic only. Topics it had before the opt-out are left, and ledgered as such, so that it receives exactly
    /// what it just chose and what the topic list shows.
    /// </summary>
    private async Task<UssdActionResult> ResubscribeAsync(string phone, string topic, string language, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var subscriber = await subscribers.FindOrCreateAsync(conn, tx, phone, language, ct);
        if (subscriber.IsOptedOut)
        {
            await subscribers.OptInAsync(conn, tx, subscriber, Subscribers.AllTopics, Keyword, ConsentChannel.Ussd, ct);
            var before = await conn.QueryAsync<string>(new CommandDefinition(SelectTopicsSql, new { subscriber.Id }, tx, cancellationToken: ct));
            foreach (var stale in before.Where(t => t != topic))
                await subscribers.OptOutAsync(conn, tx, subscriber, stale, Keyword, ConsentChannel.Ussd, ct);
        }
        await subscribers.OptInAsync(conn, tx, subscriber, topic, Keyword, ConsentChannel.Ussd, ct);
        await tx.CommitAsync(ct);
        return new("joined");
    }

    /// <summary>Stored for a number we know; for one we do not, the session's language is enough (browsing creates no record).</summary>
    private async Task<UssdActionResult> SetLanguageAsync(string phone, string language, CancellationToken ct)
    {
        if (await subscribers.FindAsync(phone, ct) is { } subscriber)
        {
            await using var conn = await db.OpenConnectionAsync(ct);
            await preferences.SetLanguageAsync(conn, null, subscriber.Id, language, ct);
        }
        return new("done");
    }

    /// <summary>The hour is a choice the resident asks us to keep, so a number we do not know is recorded for it.</summary>
    private async Task<UssdActionResult> SetTipHourAsync(string phone, int hour, string language, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var subscriber = await subscribers.FindOrCreateAsync(conn, tx, phone, language, ct);
        await preferences.SetDeliveryHourAsync(conn, tx, subscriber.Id, hour, ct);
        await tx.CommitAsync(ct);
        return new("done");
    }

    /// <summary>Opt-out of everything, ledgered; a number we did not know is recorded as opted out, so it is never messaged.</summary>
    private async Task<UssdActionResult> OptOutAllAsync(string phone, string language, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var subscriber = await subscribers.FindOrCreateAsync(conn, tx, phone, language, ct);
        await subscribers.OptOutAsync(conn, tx, subscriber, Subscribers.AllTopics, Keyword, ConsentChannel.Ussd, ct);
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
        if (subscriber.IsOptedOut) return new("needs-opt-in");
        var learner = await enrolments.ReadAsync(conn, tx, subscriber.Id, lockRows: true, ct);
        if (learner.In(course.Key) is { IsCompleted: false }) return new("already");
        await Enrolments.ExecuteAsync(conn, tx, enrolments.EnrolCommands(subscriber, course, ConsentChannel.Ussd, Keyword), ct);
        await tx.CommitAsync(ct);
        return new("enrolled");
    }

    /// <summary>
    /// The explicit "yes, start again" for a course, from a number that opted out of everything: opts it back in
    /// (ledgered), to this course only, as <see cref="ResubscribeAsync"/> does for a topic: the topics and other courses it
    /// had before the opt-out are left, and ledgered as such. A course it was on keeps its place.
    /// </summary>
    private async Task<UssdActionResult> ResubscribeToCourseAsync(string phone, Course course, string language, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var subscriber = await subscribers.FindOrCreateAsync(conn, tx, phone, language, ct);
        var learner = await enrolments.ReadAsync(conn, tx, subscriber.Id, lockRows: true, ct);
        var changes = new List<NpgsqlBatchCommand>();
        if (subscriber.IsOptedOut)
        {
            await subscribers.OptInAsync(conn, tx, subscriber, Subscribers.AllTopics, Keyword, ConsentChannel.Ussd, ct);
            foreach (var stale in await conn.QueryAsync<string>(new CommandDefinition(SelectTopicsSql, new { subscriber.Id }, tx, cancellationToken: ct)))
                await subscribers.OptOutAsync(conn, tx, subscriber, stale, Keyword, ConsentChannel.Ussd, ct);
            foreach (var other in learner.Enrolments.Where(e => e.Course != course.Key && !e.IsCompleted))
                changes.AddRange(enrolments.LeaveCommands(subscriber, other.Course, ConsentChannel.Ussd, Keyword));
        }
        if (learner.In(course.Key) is not { IsCompleted: false })
            changes.AddRange(enrolments.EnrolCommands(subscriber, course, ConsentChannel.Ussd, Keyword));
        if (changes.Count > 0) await Enrolments.ExecuteAsync(conn, tx, changes, ct);
        await tx.CommitAsync(ct);
        return new("enrolled");
    }

    /// <summary>"Send my next lesson": queues it as an SMS now, exactly as the keyword NEXT does, for this course.</summary>
    private async Task<UssdActionResult> SendNextLessonAsync(string phone, Course course, CancellationToken ct)
    {
        if (await subscribers.FindAsync(phone, ct) is not { } subscriber) return new("not-enrolled");
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var enrolment = (await enrolments.ReadAsync(conn, tx, subscriber.Id, lockRows: true, ct)).In(course.Key);
        if (enrolment is null) return new("not-enrolled");
        if (subscriber.IsOptedOut) return new("needs-opt-in");
        if (enrolment.IsCompleted) return new("finished");
        await Enrolments.ExecuteAsync(conn, tx, enrolments.SendNextCommands(enrolment, phone, subscriber.Language)!, ct);
        await tx.CommitAsync(ct);
        return new("sent");
    }
}
