using Dapper;
using Gateway.Subscriptions;
using Npgsql;

namespace Gateway.Lessons;

public enum EnrolmentResult
{
    /// <summary>Enrolled now (or a finished course started over).</summary>
    Enrolled,
    /// <summary>Already on the course, which is in progress: nothing changed.</summary>
    Already,
    /// <summary>No subscriber with this number.</summary>
    UnknownSubscriber,
    /// <summary>The number opted out of everything: only the resident can opt back in.</summary>
    OptedOut,
    /// <summary>The number was imported and has not confirmed (pending): only the resident's YES lets lessons reach it.</summary>
    Pending,
}

/// <summary>
/// An official enrols a resident in a course (admin API). Only a number that already texted or dialled us and has not
/// opted out: enrolling is an opt-in to the course's lessons, and an official cannot give that for someone who never
/// wrote to us, nor overrule a STOP. Ledgered as an opt-in with channel 'api' and the official's name.
/// </summary>
public sealed class EnrolInCourse(NpgsqlDataSource db, Enrolments enrolments, ChangeConsent consent)
{
    private const string SelectSubscriberForUpdateSql = """
        SELECT id, phone, language, status, region, created_at, opted_out_at
          FROM subscribers
         WHERE phone = @Phone
           FOR UPDATE
        """;

    public async Task<(EnrolmentResult Result, Enrolment? Enrolment)> HandleAsync(string phone, Course course, string official, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var subscriber = await conn.QuerySingleOrDefaultAsync<Subscriber>(new CommandDefinition(SelectSubscriberForUpdateSql, new { Phone = phone }, tx, cancellationToken: ct));
        if (subscriber is null) return (EnrolmentResult.UnknownSubscriber, null);
        if (subscriber.IsOptedOut) return (EnrolmentResult.OptedOut, null);
        if (subscriber.IsPending) return (EnrolmentResult.Pending, null);

        var before = (await enrolments.ReadAsync(conn, tx, subscriber.Id, lockRows: true, ct)).In(course.Key);
        if (before is { IsCompleted: false }) return (EnrolmentResult.Already, before);

        await enrolments.ApplyAsync(conn, tx, new CourseChange(subscriber.Id) { Enrol = course.Key }, ConsentChannel.Api, ct);
        await consent.ApplyAsync(conn, tx, ConsentRule.JoinCourse(subscriber, [], [], course.ConsentScope, $"enrolled by {official}", ConsentChannel.Api), ct);
        var after = (await enrolments.ReadAsync(conn, tx, subscriber.Id, lockRows: false, ct)).In(course.Key);
        await tx.CommitAsync(ct);
        return (EnrolmentResult.Enrolled, after);
    }
}
