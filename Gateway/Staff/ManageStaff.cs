using System.Text.RegularExpressions;
using Gateway.Admin;
using Gateway.Audit;
using Gateway.Broadcasts;
using Npgsql;

namespace Gateway.Staff;

/// <summary>How a staff change ended.</summary>
public enum StaffChangeOutcome
{
    Done,
    /// <summary>Nothing changed: it already was so (disabling a disabled account).</summary>
    Unchanged,
    NotFound,
    /// <summary>The name is taken, whatever its case.</summary>
    NameTaken,
    Invalid,
    /// <summary>The change would leave the console without an enabled admin.</summary>
    LastAdmin,
}

/// <summary>How a staff change ended; refused input names every field at fault (<see cref="Problems"/>).</summary>
public sealed record StaffChange(StaffChangeOutcome Outcome, StaffMember? Member = null, IReadOnlyList<StaffProblem>? Problems = null)
{
    public StaffChange(StaffChangeOutcome outcome, StaffMember? member, StaffProblem problem) : this(outcome, member, [problem])
    {
    }

    /// <summary>The first problem (the console shows one at a time), or null.</summary>
    public StaffProblem? Problem => Problems is { Count: > 0 } problems ? problems[0] : null;
}

/// <summary>What an admin asks for when adding a person (console form or POST /api/staff).</summary>
public sealed record StaffDraft(string? Name, string? DisplayName, IReadOnlyList<string>? Roles, IReadOnlyList<string>? Regions, string? Password);

/// <summary>
/// Admins manage staff: add, disable, enable, reset a password, change roles and regions. The console's pages and the
/// API call the same operations; each checks its input, changes the row under its lock, and records an audit entry in
/// the same transaction.
/// </summary>
public sealed partial class ManageStaff(NpgsqlDataSource db, StaffPasswords passwords, AuditLog audit, TimeProvider clock)
{
    public const int MaxDisplayNameLength = 100;

    public async Task<StaffChange> CreateAsync(AuditActor actor, StaffDraft draft, CancellationToken ct)
    {
        // Every field is checked, so that one answer names all that is wrong.
        var problems = new List<StaffProblem>();
        var name = draft.Name?.Trim() ?? "";
        if (!NamePattern().IsMatch(name))
            problems.Add(name.Length == 0 ? new StaffProblem("name", "staff.problem.name_required") : new StaffProblem("name", "staff.problem.name_invalid"));
        var displayName = string.IsNullOrWhiteSpace(draft.DisplayName) ? name : draft.DisplayName.Trim();
        if (displayName.Length > MaxDisplayNameLength)
            problems.Add(new StaffProblem("displayName", "staff.problem.display_name_long", MaxDisplayNameLength));
        var (roles, regions, roleProblems) = CheckRoles(draft.Roles, draft.Regions);
        problems.AddRange(roleProblems);
        if (PasswordProblem(draft.Password) is { } passwordProblem)
            problems.Add(passwordProblem);
        if (problems.Count > 0)
            return new StaffChange(StaffChangeOutcome.Invalid, Problems: problems);

        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var member = await StaffAccounts.InsertAsync(conn, tx, new NewStaffMember(name, displayName, roles!, regions!), passwords.Hash(draft.Password!),
            actor.Name, clock.GetUtcNow(), ct);
        if (member is null)
            return new StaffChange(StaffChangeOutcome.NameTaken, null, new StaffProblem("name", "staff.problem.name_taken", name));
        await audit.RecordAsync(conn, tx, actor.Did(AuditActions.StaffCreated, member.Name, $"roles {string.Join(",", member.Roles)}{RegionsDetail(member)}"), ct);
        await tx.CommitAsync(ct);
        return new StaffChange(StaffChangeOutcome.Done, member);
    }

    public Task<StaffChange> DisableAsync(AuditActor actor, string name, CancellationToken ct) =>
        ChangeAsync(name, ct, async (conn, tx, member) =>
        {
            if (member.IsDisabled) return new StaffChange(StaffChangeOutcome.Unchanged, member);
            if (member.Roles.Contains(Roles.Admin) && !await StaffAccounts.AnyOtherEnabledAdminAsync(conn, tx, member.Id, ct))
                return new StaffChange(StaffChangeOutcome.LastAdmin, member, new StaffProblem("name", "staff.problem.last_admin", member.Name));
            var changed = await StaffAccounts.DisableAsync(conn, tx, member.Id, clock.GetUtcNow(), ct);
            await audit.RecordAsync(conn, tx, actor.Did(AuditActions.StaffDisabled, member.Name), ct);
            return new StaffChange(StaffChangeOutcome.Done, changed);
        });

    public Task<StaffChange> EnableAsync(AuditActor actor, string name, CancellationToken ct) =>
        ChangeAsync(name, ct, async (conn, tx, member) =>
        {
            if (!member.IsDisabled) return new StaffChange(StaffChangeOutcome.Unchanged, member);
            var changed = await StaffAccounts.EnableAsync(conn, tx, member.Id, ct);
            await audit.RecordAsync(conn, tx, actor.Did(AuditActions.StaffEnabled, member.Name), ct);
            return new StaffChange(StaffChangeOutcome.Done, changed);
        });

    /// <summary>Sets a new password (the person's other sessions end, a lockout is lifted).</summary>
    public Task<StaffChange> ResetPasswordAsync(AuditActor actor, string name, string? password, CancellationToken ct) =>
        PasswordProblem(password) is { } problem
            ? Task.FromResult(new StaffChange(StaffChangeOutcome.Invalid, null, problem))
            : ChangeAsync(name, ct, async (conn, tx, member) =>
            {
                var changed = await StaffAccounts.SetPasswordAsync(conn, tx, member.Id, passwords.Hash(password!), ct);
                await audit.RecordAsync(conn, tx, actor.Did(AuditActions.PasswordReset, member.Name), ct);
                return new StaffChange(StaffChangeOutcome.Done, changed);
            });

    public Task<StaffChange> ChangeRolesAsync(AuditActor actor, string name, IReadOnlyList<string>? roles, IReadOnlyList<string>? regions, CancellationToken ct)
    {
        var (checkedRoles, checkedRegions, problems) = CheckRoles(roles, regions);
        if (problems.Count > 0) return Task.FromResult(new StaffChange(StaffChangeOutcome.Invalid, Problems: problems));
        return ChangeAsync(name, ct, async (conn, tx, member) =>
        {
            if (member.Roles.Order().SequenceEqual(checkedRoles!.Order()) && member.Regions.Order().SequenceEqual(checkedRegions!.Order()))
                return new StaffChange(StaffChangeOutcome.Unchanged, member);
            if (member.Roles.Contains(Roles.Admin) && !checkedRoles!.Contains(Roles.Admin) && !member.IsDisabled
                && !await StaffAccounts.AnyOtherEnabledAdminAsync(conn, tx, member.Id, ct))
                return new StaffChange(StaffChangeOutcome.LastAdmin, member, new StaffProblem("roles", "staff.problem.last_admin", member.Name));
            var changed = await StaffAccounts.SetRolesAsync(conn, tx, member.Id, checkedRoles!, checkedRegions!, ct);
            await audit.RecordAsync(conn, tx, actor.Did(AuditActions.RolesChanged, member.Name,
                $"roles {string.Join(",", member.Roles)} → {string.Join(",", changed.Roles)}{RegionsDetail(changed)}"), ct);
            return new StaffChange(StaffChangeOutcome.Done, changed);
        });
    }

    private async Task<StaffChange> ChangeAsync(string name, CancellationToken ct,
        Func<NpgsqlConnection, NpgsqlTransaction, StaffMember, Task<StaffChange>> change)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var member = await StaffAccounts.LockAsync(conn, tx, name, ct);
        if (member is null) return new StaffChange(StaffChangeOutcome.NotFound, null, new StaffProblem("name", "staff.problem.not_found", name));
        var result = await change(conn, tx, member);
        await tx.CommitAsync(ct);
        return result;
    }

    private static StaffProblem? PasswordProblem(string? password) => StaffPasswords.Problem(password) is null ? null
        : string.IsNullOrEmpty(password) ? new StaffProblem("password", "staff.problem.password_required")
        : password.Length > StaffPasswords.MaximumLength ? new StaffProblem("password", "staff.problem.password_long", StaffPasswords.MaximumLength)
        : new StaffProblem("password", "staff.problem.password_short", StaffPasswords.MinimumLength);

    /// <summary>Roles lower-cased and known, at least one; regions trimmed, distinct, short, and none for an admin.
    /// The roles and the regions are checked apart: a problem with each is reported.</summary>
    private static (List<string>? Roles, List<string>? Regions, List<StaffProblem> Problems) CheckRoles(IReadOnlyList<string>? roles, IReadOnlyList<string>? regions)
    {
        var problems = new List<StaffProblem>();
        var checkedRoles = (roles ?? []).Select(r => r?.Trim().ToLowerInvariant() ?? "").Distinct().ToList();
        if (checkedRoles.Count == 0 || checkedRoles.All(r => r.Length == 0))
            problems.Add(new StaffProblem("roles", "staff.problem.roles_required", string.Join(", ", Roles.All)));
        else if (checkedRoles.FirstOrDefault(r => !Roles.All.Contains(r)) is { } unknown)
            problems.Add(new StaffProblem("roles", "staff.problem.role_unknown", unknown, string.Join(", ", Roles.All)));
        var checkedRegions = (regions ?? []).Select(r => r?.Trim() ?? "").Where(r => r.Length > 0).Distinct().ToList();
        if (checkedRegions.FirstOrDefault(r => r.Length > ValidateBroadcast.MaxRegionLength) is { } longRegion)
            problems.Add(new StaffProblem("regions", "staff.problem.region_long", longRegion[..20], ValidateBroadcast.MaxRegionLength));
        else if (checkedRegions.Count > 0 && checkedRoles.Contains(Roles.Admin))
            problems.Add(new StaffProblem("regions", "staff.problem.admin_regions"));
        return problems.Count > 0 ? (null, null, problems) : (checkedRoles, checkedRegions, problems);
    }

    private static string RegionsDetail(StaffMember member) => member.Regions.Length == 0 ? "" : $"; regions {string.Join(",", member.Regions)}";

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{1,39}$")]
    private static partial Regex NamePattern();
}
