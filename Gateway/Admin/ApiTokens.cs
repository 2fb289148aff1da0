using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Gateway.Admin;

public sealed class ApiTokenOptions
{
    /// <summary>Bootstrap bearer token with the admin role.</summary>
    [ConfigurationKeyName("ADMIN_API_TOKEN")]
    public string? AdminApiToken { get; set; }

    /// <summary>Comma-separated name:role:token entries, roles admin, editor, approver, counsellor, viewer.</summary>
    [ConfigurationKeyName("API_TOKENS")]
    public string? ApiTokens { get; set; }

    public const int MinimumTokenLength = 16;
}

public static class Roles
{
    public const string Admin = "admin";
    public const string Editor = "editor";
    public const string Approver = "approver";
    public const string Counsellor = "counsellor";
    public const string Viewer = "viewer";

    public static readonly string[] All = [Admin, Editor, Approver, Counsellor, Viewer];
}

/// <summary>Who called the admin API: the token's name (used as "created by", "approved by") and its role.</summary>
public sealed record ApiCaller(string Name, string Role);

/// <summary>
/// The configured bearer tokens. Only SHA-256 hashes are kept in memory, and a presented token is compared
/// against every entry in constant time, so neither timing nor a memory dump gives a token away.
/// </summary>
public sealed class ApiTokens
{
    private readonly List<(byte[] Hash, ApiCaller Caller)> _entries;

    public ApiTokens(IOptions<ApiTokenOptions> options)
    {
        _entries = Parse(options.Value).Select(e => (Hash(e.Token), e.Caller)).ToList();
    }

    public ApiCaller? Find(string presented)
    {
        var hash = Hash(presented);
        ApiCaller? found = null;
        foreach (var (entryHash, caller) in _entries)
        {
            if (CryptographicOperations.FixedTimeEquals(hash, entryHash)) found ??= caller;
        }
        return found;
    }

    private static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));

    /// <summary>Reads both settings; throws FormatException naming the setting on any bad entry.</summary>
    internal static List<(string Token, ApiCaller Caller)> Parse(ApiTokenOptions o)
    {
        var entries = new List<(string Token, ApiCaller Caller)>();
        if (!string.IsNullOrEmpty(o.AdminApiToken))
        {
            if (o.AdminApiToken.Length < ApiTokenOptions.MinimumTokenLength)
                throw new FormatException($"ADMIN_API_TOKEN: must be at least {ApiTokenOptions.MinimumTokenLength} characters");
            entries.Add((o.AdminApiToken, new ApiCaller("admin", Roles.Admin)));
        }

        foreach (var raw in (o.ApiTokens ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = raw.Split(':', 3);
            if (parts.Length != 3 || parts.Any(string.IsNullOrWhiteSpace))
                throw new FormatException("API_TOKENS: each entry must be name:role:token");
            var (name, role, token) = (parts[0].Trim(), parts[1].Trim().ToLowerInvariant(), parts[2]);
            if (!Roles.All.Contains(role))
                throw new FormatException($"API_TOKENS: entry '{name}' has unknown role '{parts[1]}' (roles: {string.Join(", ", Roles.All)})");
            if (token.Length < ApiTokenOptions.MinimumTokenLength)
                throw new FormatException($"API_TOKENS: the token of '{name}' must be at least {ApiTokenOptions.MinimumTokenLength} characters");
            if (entries.FirstOrDefault(e => StaffName.Same(e.Caller.Name, name)) is { Caller: { } same })
                throw new FormatException(same.Name == name
                    ? $"API_TOKENS: the name '{name}' is used twice"
                    : $"API_TOKENS: the names '{same.Name}' and '{name}' differ only in case, so they name one person");
            if (entries.Any(e => e.Token == token))
                throw new FormatException($"API_TOKENS: the token of '{name}' is already used by another entry");
            entries.Add((token, new ApiCaller(name, role)));
        }
        return entries;
    }
}

public sealed class ApiTokenOptionsValidator : IValidateOptions<ApiTokenOptions>
{
    public ValidateOptionsResult Validate(string? name, ApiTokenOptions o)
    {
        if (string.IsNullOrEmpty(o.AdminApiToken))
            return ValidateOptionsResult.Fail($"ADMIN_API_TOKEN: required, at least {ApiTokenOptions.MinimumTokenLength} characters");
        try
        {
            ApiTokens.Parse(o);
            return ValidateOptionsResult.Success;
        }
        catch (FormatException e)
        {
            return ValidateOptionsResult.Fail(e.Message);
        }
    }
}
