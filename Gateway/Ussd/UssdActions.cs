using System.Globalization;
using Dapper;
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
/// Counsellor callbacks go to the Support slice's queue. Enrolling in a course and the next lesson by SMS belong to
/// the Lessons slice and answer "unavailable" until they are wired here; the menu then gives the SMS keyword instead.
/// </summary>
public sealed class UssdActions(NpgsqlDataSource db, Subscribers subscribers, SubscriberPreferences preferences,
    DeleteSubscriberData deleteData, OpenSupportRequest supportRequests, ILogger<UssdActions> log)
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
            UssdActionSpec.EnrolCourse => EnrolInCourse(phone, action.Item!),
            UssdActionSpec.NextLesson => SendNextLesson(phone, action.Item!),
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

    // WIRING (Lessons slice): enrol the number in the course (an explicit opt-in, ledgered with channel 'ussd';
    // a number that opted out must confirm first, as for topics) and queue lesson 1 through the Outbox; return
    // "enrolled", or "already" when it is enrolled. Until then the menu tells the resident to text JOIN <number>.
    private static UssdActionResult EnrolInCourse(string phone, string course) => new("unavailable");

    // WIRING (Lessons + Delivery slices): queue the enrolment's next lesson through the Outbox and advance its
    // position; "sent", "finished" after the last lesson, "not-enrolled". Until then: text NEXT.
    private static UssdActionResult SendNextLesson(string phone, string course) => new("unavailable");
}
