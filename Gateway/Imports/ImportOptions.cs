using Microsoft.Extensions.Options;

namespace Gateway.Imports;

/// <summary>How the import job writes a list. Keys as in .env.example.</summary>
public sealed class ImportOptions
{
    /// <summary>
    /// Database connections one import's job writes its chunks on at once ("lanes", each taking the next chunk nobody
    /// holds): the job is bound by the PostgreSQL backend that writes it, so about the database server's cores.
    /// </summary>
    [ConfigurationKeyName("IMPORT_CONNECTIONS")]
    public int Connections { get; set; } = Math.Min(2, Environment.ProcessorCount);
}

public sealed class ImportOptionsValidator : IValidateOptions<ImportOptions>
{
    public ValidateOptionsResult Validate(string? name, ImportOptions o) =>
        o.Connections is < 1 or > 16
            ? ValidateOptionsResult.Fail($"IMPORT_CONNECTIONS: {o.Connections} must be between 1 and 16")
            : ValidateOptionsResult.Success;
}
