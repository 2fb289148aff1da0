using Gateway.Hosting;

namespace Gateway.Imports;

public static class ImportServices
{
    /// <summary>Lists of residents brought in: reading, staging and checking a file, the job that writes it, and the console's steps.</summary>
    public static IServiceCollection AddImports(this IServiceCollection services)
    {
        services.AddValidatedOptions<ImportOptions, ImportOptionsValidator>();
        services.AddSingleton<ReadImportFile>();
        services.AddSingleton<StageImport>();
        services.AddSingleton<ImportRecords>();
        services.AddSingleton<ManageImports>();
        services.AddTransient<ApplyImport>();
        services.AddTransient<DiscardStaleImports>();
        return services;
    }
}
