namespace Gateway.Staff;

/// <summary>What the console's staff forms post: roles as checkboxes, regions as one line separated by commas.</summary>
public static class StaffForm
{
    private static readonly char[] RegionSeparators = [',', '，', ';', '；', ' ', '\t', '、'];

    public static IReadOnlyList<string> Regions(string? line) =>
        (line ?? "").Split(RegionSeparators, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public static string Regions(IEnumerable<string> regions) => string.Join(", ", regions);
}

/// <summary>The roles and regions fields (Staff/_RoleFields.cshtml) as a form shows them.</summary>
public sealed record RoleFields(IReadOnlyList<string> Roles, string? Regions);
