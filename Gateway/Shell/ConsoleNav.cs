using Gateway.Admin;

namespace Gateway.Shell;

/// <summary>A link in the console's navigation: its text key, where it goes, and the policy a person needs to see it.</summary>
public sealed record NavLink(string TextKey, string Path, string Policy);

/// <summary>
/// The console's navigation, in order. A slice that adds a page adds one line here (and the text key to its
/// *.texts.yaml); the layout shows each link only to people its policy admits, and marks the current one.
/// </summary>
public static class ConsoleNav
{
    public static readonly IReadOnlyList<NavLink> Links =
    [
        new("nav.dashboard", "/", AdminPolicies.View),
        new("nav.new_broadcast", "/broadcasts/new", AdminPolicies.Edit),
        new("nav.approvals", "/approvals", AdminPolicies.Approve),
        new("nav.broadcasts", "/broadcasts", AdminPolicies.View),
        new("nav.residents", "/residents", AdminPolicies.View),
        new("nav.inbox", "/inbox", AdminPolicies.View),
        new("nav.support", "/support", AdminPolicies.Counsel),
        new("nav.courses", "/courses", AdminPolicies.View),
        new("nav.imports", "/imports", AdminPolicies.Edit),
        new("nav.staff", "/staff", AdminPolicies.Administer),
        new("nav.audit", "/audit", AdminPolicies.Administer),
    ];

    /// <summary>The link of the page at <paramref name="path"/>: the longest that leads to it (/broadcasts/new is not /broadcasts).</summary>
    public static NavLink? Current(string path) => Links
        .Where(l => l.Path == "/" ? path == "/" : path.Equals(l.Path, StringComparison.OrdinalIgnoreCase) || path.StartsWith(l.Path + "/", StringComparison.OrdinalIgnoreCase))
        .MaxBy(l => l.Path.Length);
}
