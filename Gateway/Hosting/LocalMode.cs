using System.Security.Cryptography;
using Gateway.Data;

namespace Gateway.Hosting;

/// <summary>
/// The run command's embedded default, switched on only by LOCAL_MODE=true (the launch profile of
/// `dotnet run --project Gateway` sets it): start (or reuse) a private PostgreSQL under .data/ when DATABASE_URL is
/// empty, run the worker in-process, make up an admin token if none is set, create the console's first admin
/// (Staff/FirstAdmin.cs), and leave the simulator and the USSD callback open. Without it nothing local ever happens: a
/// missing setting stops start-up instead.
/// </summary>
public static class LocalMode
{
    public const string Setting = "LOCAL_MODE";

    /// <summary>Whether LOCAL_MODE=true. A value that is not a boolean stops start-up naming the setting.</summary>
    public static bool IsOn(IConfiguration configuration)
    {
        var value = configuration[Setting];
        if (string.IsNullOrWhiteSpace(value)) return false;
        return bool.TryParse(value.Trim(), out var on) ? on : throw new SettingsException($"{Setting}: '{value}' must be true or false");
    }

    /// <summary>Applies local mode's defaults when it is on; returns whether it is.</summary>
    public static async Task<bool> UseLocalModeWhenOnAsync(this WebApplicationBuilder builder)
    {
        if (!IsOn(builder.Configuration)) return false;
        Console.WriteLine($"[local] {Setting}=true: development defaults on (never set it in production; see docs/production.md)");

        var dataRoot = Path.Combine(RepositoryRoot(builder.Environment.ContentRootPath), ".data");
        if (string.IsNullOrWhiteSpace(builder.Configuration["DATABASE_URL"]))
        {
            var dataDirectory = builder.Configuration["LOCAL_POSTGRES_DIR"] is { Length: > 0 } configured
                ? configured
                : Path.Combine(dataRoot, "postgres");
            var pg = await LocalPostgres.StartAsync(dataDirectory, message => Console.WriteLine($"[local postgres] {message}"));
            await pg.CreateDatabaseIfMissingAsync("gateway");
            builder.Configuration["DATABASE_URL"] = pg.ConnectionString("gateway");
            builder.Services.AddHostedService(_ => new LocalPostgresLifetime(pg));
        }

        if (string.IsNullOrWhiteSpace(builder.Configuration["INBOUND_SPOOL_PATH"]))
            builder.Configuration["INBOUND_SPOOL_PATH"] = Path.Combine(dataRoot, "inbound-spool");

        if (string.IsNullOrEmpty(builder.Configuration["ADMIN_API_TOKEN"]))
        {
            var tokenFile = Path.Combine(dataRoot, "admin-token");
            if (!File.Exists(tokenFile))
            {
                Directory.CreateDirectory(dataRoot);
                await File.WriteAllTextAsync(tokenFile, Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant());
            }
            builder.Configuration["ADMIN_API_TOKEN"] = (await File.ReadAllTextAsync(tokenFile)).Trim();
            Console.WriteLine($"[local] ADMIN_API_TOKEN not set: using the token in {tokenFile}");
        }
        // The first admin, once the database is migrated: its password is kept beside the admin token.
        var passwordFile = Path.Combine(dataRoot, "admin-password");
        builder.Services.AddHostedService(sp => ActivatorUtilities.CreateInstance<Staff.FirstAdmin>(sp, passwordFile));
        return true;
    }

    private static string RepositoryRoot(string contentRoot)
    {
        for (var dir = new DirectoryInfo(contentRoot); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Gateway.sln"))) return dir.FullName;
        }
        return contentRoot;
    }

    /// <summary>Registered first, so stopped last: the cluster goes down after everything using it.</summary>
    private sealed class LocalPostgresLifetime(LocalPostgres pg) : IHostedService
    {
        public Task StartAsync(CancellationToken ct) => Task.CompletedTask;

        public Task StopAsync(CancellationToken ct) => pg.StopAsync();
    }
}
