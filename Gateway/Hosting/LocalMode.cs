using System.Security.Cryptography;
using Gateway.Data;

namespace Gateway.Hosting;

/// <summary>
/// The embedded default of the run command: with DATABASE_URL empty, start (or reuse) a private PostgreSQL
/// under .data/ in the checkout, run the worker in-process, and make up an admin token if none is set.
/// </summary>
public static class LocalMode
{
    public static async Task<bool> UseLocalPostgresWhenNoDatabaseUrlAsync(this WebApplicationBuilder builder)
    {
        if (!string.IsNullOrWhiteSpace(builder.Configuration["DATABASE_URL"])) return false;

        var dataRoot = Path.Combine(RepositoryRoot(builder.Environment.ContentRootPath), ".data");
        var dataDirectory = builder.Configuration["LOCAL_POSTGRES_DIR"] is { Length: > 0 } configured
            ? configured
            : Path.Combine(dataRoot, "postgres");

        var pg = await LocalPostgres.StartAsync(dataDirectory, message => Console.WriteLine($"[local postgres] {message}"));
        await pg.CreateDatabaseIfMissingAsync("gateway");
        builder.Configuration["DATABASE_URL"] = pg.ConnectionString("gateway");
        builder.Services.AddHostedService(_ => new LocalPostgresLifetime(pg));

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
