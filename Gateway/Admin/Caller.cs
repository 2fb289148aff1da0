using System.Security.Claims;

namespace Gateway.Admin;

/// <summary>How a caller proved who they are.</summary>
public enum CallerKind
{
    /// <summary>A person signed in to the console (staff cookie).</summary>
    Staff,
    /// <summary>A machine client with a bearer token (ADMIN_API_TOKEN, API_TOKENS).</summary>
    Token,
}

/// <summary>
/// Who is calling, whether signed in or by token: the name recorded as "created by", "approved by" and in the audit
/// log, the roles the policies check, and the districts the caller may see and address (<see cref="RegionScope"/>).
/// </summary>
public sealed record Caller(string Name, CallerKind Kind, IReadOnlyList<string> Roles, RegionScope Regions)
{
    /// <summary>Claim type of one district a person is limited to (one claim per district).</summary>
    public const string RegionClaim = "gateway:region";

    public bool IsInRole(string role) => Roles.Contains(role);

    /// <summary>Counsellors and admins: the only ones who read what residents say to a counsellor (support requests'
    /// first messages, conversations).</summary>
    public bool SeesCounselling => IsInRole(Admin.Roles.Admin) || IsInRole(Admin.Roles.Counsellor);

    /// <summary>A counsellor (who is not also an admin) never sees a resident's full number, anywhere: counselling is
    /// anonymous to the counsellor. Only an admin may reveal a conversation's number, with a reason (audited).</summary>
    public bool SeesFullNumbers => IsInRole(Admin.Roles.Admin) || !IsInRole(Admin.Roles.Counsellor);

    public static Caller From(ClaimsPrincipal user)
    {
        var roles = user.FindAll(ClaimTypes.Role).Select(c => c.Value).Distinct().ToList();
        var kind = user.Identity?.AuthenticationType == BearerTokenHandler.SchemeName ? CallerKind.Token : CallerKind.Staff;
        // Admins see every district whatever their record says.
        var regions = roles.Contains(Admin.Roles.Admin) ? RegionScope.All : new RegionScope(user.FindAll(RegionClaim).Select(c => c.Value).ToList());
        return new Caller(user.Identity?.Name ?? "unknown", kind, roles, regions);
    }
}
