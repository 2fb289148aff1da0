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
        new("nav.imports", "/imports", AdminPolicies.Edit),
        new("nav.staff", "/staff", AdminPolicies.Administer),
        new("nav.audit", "/audit", AdminPolicies.Administer),
    ];
}
