namespace Gateway.Admin;

/// <summary>
/// Staff names (API token names today, the staff console's accounts later) name one person whatever their case:
/// "Ed" and "ed" are the same person, so they cannot both be configured, and Ed cannot approve ed's broadcast.
/// The database's backstop compares lower(name) (migration 0090).
/// </summary>
public static class StaffName
{
    public static readonly StringComparer Comparer = StringComparer.OrdinalIgnoreCase;

    public static bool Same(string? a, string? b) => Comparer.Equals(a, b);
}
