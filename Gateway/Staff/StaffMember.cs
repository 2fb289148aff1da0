namespace Gateway.Staff;

/// <summary>A person who signs in to the console, as stored (times UTC). Properties, not a positional record: Dapper
/// reads the text[] columns into them.</summary>
public sealed record StaffMember
{
    public long Id { get; init; }
    public string Name { get; init; } = "";
    public string DisplayName { get; init; } = "";
    public string[] Roles { get; init; } = [];
    public string[] Regions { get; init; } = [];
    public string PasswordHash { get; init; } = "";
    public Guid Stamp { get; init; }
    public DateTime CreatedAt { get; init; }
    public string CreatedBy { get; init; } = "";
    public DateTime? DisabledAt { get; init; }
    public DateTime? LastSignInAt { get; init; }
    public int FailedSignIns { get; init; }
    public DateTime? LockedUntil { get; init; }

    public bool IsDisabled => DisabledAt is not null;

    public bool IsLockedAt(DateTimeOffset now) => LockedUntil is { } until && new DateTimeOffset(until) > now;
}
