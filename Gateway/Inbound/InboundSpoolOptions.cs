using Microsoft.Extensions.Options;

namespace Gateway.Inbound;

/// <summary>Where a web process keeps the residents' messages it took while the database was unreachable (<see cref="InboundSpool"/>).</summary>
public sealed class InboundSpoolOptions
{
    public const string DefaultPath = ".data/inbound-spool";

    /// <summary>A folder on the machine's own persistent disk (not a network share: the files are locked with flock).
    /// A relative path is read from the content root (the working directory of <c>dotnet Gateway.dll</c>).</summary>
    [ConfigurationKeyName("INBOUND_SPOOL_PATH")]
    public string SpoolPath { get; set; } = DefaultPath;

    public string FullPath(IHostEnvironment environment) =>
        Path.GetFullPath(string.IsNullOrWhiteSpace(SpoolPath) ? DefaultPath : SpoolPath, environment.ContentRootPath);
}

/// <summary>The folder must exist (it is created when missing) and take a file written and flushed to disk: a spool
/// that cannot be written would be found out only when the database is already down.</summary>
public sealed class InboundSpoolOptionsValidator(IHostEnvironment environment) : IValidateOptions<InboundSpoolOptions>
{
    public ValidateOptionsResult Validate(string? name, InboundSpoolOptions o)
    {
        string folder;
        try
        {
            folder = o.FullPath(environment);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            return ValidateOptionsResult.Fail($"INBOUND_SPOOL_PATH: '{o.SpoolPath}' is not a folder path ({e.Message})");
        }
        try
        {
            Directory.CreateDirectory(folder);
            var probe = Path.Combine(folder, $"probe-{Environment.ProcessId}-{Guid.NewGuid():N}.tmp");
            using (var file = new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                file.WriteByte(1);
                file.Flush(flushToDisk: true);
            }
            File.Delete(probe);
            return ValidateOptionsResult.Success;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return ValidateOptionsResult.Fail($"INBOUND_SPOOL_PATH: folder '{folder}' cannot be written ({e.Message}); residents' SMS taken while the database is down are kept there");
        }
    }
}
