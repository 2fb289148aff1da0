namespace Gateway.Admin;

/// <summary>
/// The districts (subscribers.region) a caller may see and address: a district office only its own residents. Empty
/// means no limit: admins, API tokens, and people given no region. Audiences, lists and exports apply it with
/// <see cref="Limit"/> and <see cref="Includes"/>.
/// </summary>
public sealed record RegionScope(IReadOnlyList<string> Regions)
{
    public static readonly RegionScope All = new([]);

    public bool IsUnlimited => Regions.Count == 0;

    /// <summary>Whether a resident of <paramref name="region"/> (null: none recorded) is within the scope.</summary>
    public bool Includes(string? region) => IsUnlimited || region is not null && Regions.Contains(region, StringComparer.Ordinal);

    /// <summary>
    /// The regions a request may address within the scope: <paramref name="requested"/> as given when unlimited; else
    /// the requested ones inside the scope, or the whole scope when none were requested. Null when the request names any
    /// region outside the scope (the caller should answer 403).
    /// </summary>
    public IReadOnlyList<string>? Limit(IReadOnlyList<string> requested)
    {
        if (IsUnlimited) return requested;
        if (requested.Count == 0) return Regions;
        var inside = requested.Where(r => Regions.Contains(r, StringComparer.Ordinal)).ToList();
        return inside.Count == requested.Count ? inside : null;
    }
}
