using System.Security.Cryptography;
using Gateway.Admin;
using Gateway.Audit;
using Gateway.Data;

namespace Gateway.Staff;

/// <summary>
/// The run command's local mode only: once the database is migrated, and while nobody can sign in yet, creates the first
/// admin ("admin") with a password kept in .data/admin-password, and prints how to sign in, so that a newcomer is in the
/// console a minute after `dotnet run`. Later runs print the same reminder.
/// </summary>
public sealed class FirstAdmin(string passwordFile, DatabaseReadiness readiness, StaffAccounts accounts, ManageStaff manage,
    ILogger<FirstAdmin> log) : BackgroundService
{
    public const string Name = "admin";

    // No look-alike characters (0/O, 1/l/I): the password is read off a terminal and typed.
    private const string Alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await readiness.WaitAsync(stoppingToken);
        if (!File.Exists(passwordFile))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(passwordFile)!);
            await File.WriteAllTextAsync(passwordFile, RandomNumberGenerator.GetString(Alphabet, 16), stoppingToken);
        }
        var password = (await File.ReadAllTextAsync(passwordFile, stoppingToken)).Trim();

        if (await accounts.CountAsync(stoppingToken) == 0)
        {
            var change = await manage.CreateAsync(AuditActor.Gateway, new StaffDraft(Name, "Administrator", [Roles.Admin], [], password), stoppingToken);
            if (change.Outcome != StaffChangeOutcome.Done)
            {
                log.LogWarning("Could not create the first admin: {Outcome}", change.Outcome);
                return;
            }
        }
        Console.WriteLine($"[local] Console: sign in at the gateway's address (http://localhost:5080/) as '{Name}' with the password in {passwordFile}: {password}");
    }
}
