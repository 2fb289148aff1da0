using Gateway.Audit;
using Npgsql;

namespace Gateway.Staff;

public enum SignInOutcome
{
    SignedIn,
    /// <summary>Unknown name, wrong password or disabled account: the page says only "name or password is wrong".</summary>
    Refused,
    /// <summary>The account is locked after too many failures (this attempt may have been the one that locked it).</summary>
    Locked,
}

public sealed record SignInResult(SignInOutcome Outcome, StaffMember? Member = null, DateTimeOffset? LockedUntil = null);

/// <summary>
/// Checks a name and password. <see cref="MaxFailures"/> failures in a row lock the account for <see cref="LockoutDuration"/>
/// (a good password does not open it meanwhile). Every attempt is audited: sign-in, failed sign-in, lockout. An unknown
/// name costs as much time as a known one, so timing does not tell which names exist.
/// </summary>
public sealed class SignInStaff(NpgsqlDataSource db, StaffPasswords passwords, AuditLog audit, TimeProvider clock, ILogger<SignInStaff> log)
{
    public const int MaxFailures = 5;
    public static readonly TimeSpan LockoutDuration = TimeSpan.FromMinutes(15);

    /// <summary>Longest name kept in the audit log for a failed attempt (anything may be typed there).</summary>
    private const int TypedNameShown = 40;

    public async Task<SignInResult> HandleAsync(string? name, string? password, string? address, CancellationToken ct)
    {
        name = name?.Trim() ?? "";
        password ??= "";
        var now = clock.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var member = name.Length == 0 ? null : await StaffAccounts.LockAsync(conn, tx, name, ct);
        var matches = passwords.Verify(member, password, out var rehash);
        var actor = member?.Name ?? (name.Length > TypedNameShown ? name[..TypedNameShown] : name);

        SignInResult result;
        if (member is null || member.IsDisabled)
        {
            await audit.RecordAsync(conn, tx, Entry(actor, AuditActions.SignInFailed, member is null ? "unknown name" : "account disabled", address), ct);
            result = new SignInResult(SignInOutcome.Refused);
        }
        else if (member.IsLockedAt(now))
        {
            await audit.RecordAsync(conn, tx, Entry(actor, AuditActions.SignInFailed, "account locked", address), ct);
            result = new SignInResult(SignInOutcome.Locked, LockedUntil: Utc(member.LockedUntil!.Value));
        }
        else if (matches)
        {
            member = await StaffAccounts.RecordSignInAsync(conn, tx, member.Id, rehash, now, ct);
            await audit.RecordAsync(conn, tx, Entry(actor, AuditActions.SignIn, null, address), ct);
            result = new SignInResult(SignInOutcome.SignedIn, member);
        }
        else
        {
            var after = await StaffAccounts.RecordFailureAsync(conn, tx, member.Id, MaxFailures, now + LockoutDuration, ct);
            await audit.RecordAsync(conn, tx, Entry(actor, AuditActions.SignInFailed, "wrong password", address), ct);
            if (after.IsLockedAt(now))
            {
                await audit.RecordAsync(conn, tx, Entry(actor, AuditActions.LockedOut, $"{MaxFailures} failed sign-ins; locked for {LockoutDuration.TotalMinutes:0} minutes", address), ct);
                log.LogWarning("Staff account {Name} locked after {Failures} failed sign-ins", member.Name, MaxFailures);
                result = new SignInResult(SignInOutcome.Locked, LockedUntil: Utc(after.LockedUntil!.Value));
            }
            else
            {
                result = new SignInResult(SignInOutcome.Refused);
            }
        }
        await tx.CommitAsync(ct);
        return result;
    }

    private static AuditEntry Entry(string actor, string action, string? detail, string? address) =>
        new(actor, AuditVia.Console, action, null, detail, address);

    private static DateTimeOffset Utc(DateTime t) => new(t);
}
