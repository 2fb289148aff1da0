using Microsoft.Extensions.Options;
using Npgsql;

namespace Gateway.Data;

public sealed class DatabaseOptions
{
    /// <summary>An Npgsql connection string or a postgres:// URL. Required; empty starts a private PostgreSQL in local mode only.</summary>
    [ConfigurationKeyName("DATABASE_URL")]
    public string? Url { get; set; }

    /// <summary>Where the private local PostgreSQL keeps its data (local mode with DATABASE_URL empty).</summary>
    [ConfigurationKeyName("LOCAL_POSTGRES_DIR")]
    public string? LocalPostgresDirectory { get; set; }

    public bool UsesLocalPostgres => string.IsNullOrWhiteSpace(Url);

    /// <summary>Turns DATABASE_URL into an Npgsql connection string, or explains why it can't.</summary>
    public static string ToConnectionString(string url)
    {
        url = url.Trim();
        if (url.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) ||
            url.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
            return FromUrl(url);

        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(url);
        }
        catch (ArgumentException e)
        {
            throw new FormatException($"not a valid Npgsql connection string ({e.Message})");
        }
        if (string.IsNullOrWhiteSpace(builder.Host))
            throw new FormatException("the connection string names no Host");
        return builder.ConnectionString;
    }

    // postgres://user:password@host:port/database?sslmode=require, the form Heroku-style platforms hand out.
    private static string FromUrl(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
            throw new FormatException("not a valid postgres:// URL");

        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.IsDefaultPort || uri.Port <= 0 ? 5432 : uri.Port,
            Database = Uri.UnescapeDataString(uri.AbsolutePath.Trim('/')) is { Length: > 0 } db ? db : null,
        };
        if (uri.UserInfo.Length > 0)
        {
            var parts = uri.UserInfo.Split(':', 2);
            builder.Username = Uri.UnescapeDataString(parts[0]);
            if (parts.Length == 2) builder.Password = Uri.UnescapeDataString(parts[1]);
        }
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = pair.Split('=', 2);
            var key = Uri.UnescapeDataString(kv[0]);
            var value = kv.Length == 2 ? Uri.UnescapeDataString(kv[1]) : "";
            try
            {
                builder[key.Equals("sslmode", StringComparison.OrdinalIgnoreCase) ? "SSL Mode" : key] = value;
            }
            catch (ArgumentException)
            {
                throw new FormatException($"unknown parameter '{key}' in the URL");
            }
        }
        return builder.ConnectionString;
    }
}

public sealed class DatabaseOptionsValidator : IValidateOptions<DatabaseOptions>
{
    public ValidateOptionsResult Validate(string? name, DatabaseOptions o)
    {
        if (o.UsesLocalPostgres) return ValidateOptionsResult.Success;
        try
        {
            DatabaseOptions.ToConnectionString(o.Url!);
            return ValidateOptionsResult.Success;
        }
        catch (FormatException e)
        {
            return ValidateOptionsResult.Fail($"DATABASE_URL: {e.Message}");
        }
    }
}
