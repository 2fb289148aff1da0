using Microsoft.AspNetCore.Identity;

namespace Gateway.Staff;

/// <summary>
/// Staff passwords: ASP.NET Core Identity's <see cref="PasswordHasher{TUser}"/> (PBKDF2 with HMAC-SHA512, 100,000
/// iterations, a salt per hash, versioned so that stronger settings rehash on the next sign-in), and the one rule.
/// </summary>
public sealed class StaffPasswords
{
    public const int MinimumLength = 12;
    public const int MaximumLength = 200;

    private readonly PasswordHasher<StaffMember> _hasher = new();

    // Verified against when the name is unknown, so that an unknown name takes as long as a wrong password.
    private readonly string _decoy;

    public StaffPasswords() => _decoy = _hasher.HashPassword(new StaffMember(), Guid.NewGuid().ToString());

    /// <summary>Why <paramref name="password"/> is not acceptable, or null.</summary>
    public static string? Problem(string? password) => password switch
    {
        null or "" => "password: required",
        { Length: < MinimumLength } => $"password: at least {MinimumLength} characters",
        { Length: > MaximumLength } => $"password: at most {MaximumLength} characters",
        _ when string.IsNullOrWhiteSpace(password) => "password: must not be only spaces",
        _ => null,
    };

    public string Hash(string password) => _hasher.HashPassword(new StaffMember(), password);

    /// <summary>Whether the password matches; <paramref name="rehash"/> is set when the hash should be upgraded.</summary>
    public bool Verify(StaffMember? member, string password, out string? rehash)
    {
        rehash = null;
        var result = _hasher.VerifyHashedPassword(member ?? new StaffMember(), member?.PasswordHash ?? _decoy, password);
        if (member is null) return false;
        if (result == PasswordVerificationResult.SuccessRehashNeeded) rehash = Hash(password);
        return result != PasswordVerificationResult.Failed;
    }
}
