using Gateway.Audit;
using Gateway.Broadcasts;
using Gateway.Dashboard;
using Gateway.Data;
using Gateway.Delivery;
using Gateway.Imports;
using Gateway.Inbound;
using Gateway.Lessons;
using Gateway.Subscriptions;
using Gateway.Providers.Kannel;
using Gateway.Providers.Simulator;
using Gateway.Providers.Twilio;
using Gateway.Staff;
using Gateway.Support;
using Gateway.Templates;
using Gateway.Ussd;
using Hangfire;
using Hangfire.AspNetCore;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Microsoft.Extensions.Options;

namespace Gateway.Hosting;

/// <summary>What both processes need: the web app (Program.cs) and the worker (Gateway.Worker) call this.</summary>
public static class GatewayServices
{
    public static IHostApplicationBuilder AddGatewayCore(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddValidatedOptions<GatewayOptions, GatewayOptionsValidator>();
        services.AddValidatedOptions<DatabaseOptions, DatabaseOptionsValidator>();
        services.AddSingleton(TimeProvider.System);

        // Read here too, so that a LOCAL_MODE that is not a boolean stops the worker as well as the web app.
        LocalMode.IsOn(builder.Configuration);
        var connectionString = ConnectionStringFrom(builder.Configuration);
        services.AddGatewayDatabase(connectionString);
        services.AddGatewayJobs(connectionString);

        services.AddContent();
        services.AddSmsProviders();
        services.AddDelivery();
        services.AddSubscriptions();
        services.AddInbound();
        services.AddSupport();
        services.AddUssd();
        services.AddLessons();
        services.AddBroadcasts();
        services.AddImports();
        services.AddAudit();
        services.AddStaff();
        services.AddDashboard();
        services.AddSingleton<WorkerLiveness>();
        return builder;
    }

    /// <summary>The Hangfire server and everything else that runs jobs: in Gateway.Worker, or in the web process when asked.</summary>
    public static IServiceCollection AddGatewayWorker(this IServiceCollection services)
    {
        services.AddHostedService<JobServer>();
        services.AddHostedService<DispatcherService>();
        services.AddHostedService<FanOutWatch>();
        return services;
    }

    /// <summary>Every provider, behind <see cref="ISmsProvider"/> keyed by its name; SMS_ROUTES (else SMS_PROVIDER) says which send. Each lives in Providers/&lt;Name&gt;/.</summary>
    private static IServiceCollection AddSmsProviders(this IServiceCollection services)
    {
        services.AddValidatedOptions<DeliveryOptions, DeliveryOptionsValidator>();
        services.AddValidatedOptions<TwilioOptions, TwilioOptionsValidator>();
        services.AddValidatedOptions<SimulatorOptions, SimulatorOptionsValidator>();
        services.AddSingleton<SimulatorSmsProvider>();
        services.AddSingleton<ReadConversation>();
        services.AddTwilioSms();
        services.AddKannelSms();
        services.AddKeyedSingleton<ISmsProvider>(DeliveryOptions.Simulator, (sp, _) => sp.GetRequiredService<SimulatorSmsProvider>());
        services.AddKeyedSingleton<ISmsProvider>(DeliveryOptions.Twilio, (sp, _) => sp.GetRequiredService<TwilioSmsProvider>());
        services.AddKeyedSingleton<ISmsProvider>(DeliveryOptions.Kannel, (sp, _) => sp.GetRequiredService<KannelSmsProvider>());
        // The default route's provider ('*' in SMS_ROUTES, else SMS_PROVIDER); each route's dispatcher takes its own by name.
        services.AddSingleton(sp => sp.GetRequiredKeyedService<ISmsProvider>(sp.GetRequiredService<IOptions<DeliveryOptions>>().Value.SmsRoutes.DefaultProvider));
        return services;
    }

    /// <summary>
    /// Checks every setting at once, right after Build: before anything reads one (the route table does), and before
    /// the host would, which logs a stack trace first. A bad setting throws for Program's one-line-per-setting report.
    /// </summary>
    public static void CheckSettings(this IServiceProvider services) => services.GetService<IStartupValidator>()?.Validate();

    public static IServiceCollection AddValidatedOptions<TOptions, TValidator>(this IServiceCollection services)
        where TOptions : class where TValidator : class, IValidateOptions<TOptions>
    {
        services.AddOptions<TOptions>().BindConfiguration("").ValidateOnStart();
        services.AddSingleton<IValidateOptions<TOptions>, TValidator>();
        return services;
    }

    private static string ConnectionStringFrom(IConfiguration configuration)
    {
        var url = configuration["DATABASE_URL"];
        if (string.IsNullOrWhiteSpace(url))
            throw new SettingsException($"DATABASE_URL: required, a PostgreSQL connection string or postgres:// URL (only {LocalMode.Setting}=true, for development, starts a private PostgreSQL instead)");
        try
        {
            return DatabaseOptions.ToConnectionString(url);
        }
        catch (FormatException e)
        {
            throw new SettingsException($"DATABASE_URL: {e.Message}");
        }
    }

    // Our own storage and activator instances (registered before AddHangfire, which only adds missing ones) keep
    // Hangfire off its static JobStorage.Current, so several hosts in one process (the tests) never share a database.
    private static IServiceCollection AddGatewayJobs(this IServiceCollection services, string connectionString)
    {
        services.AddSingleton<JobStorage>(_ =>
        {
            var options = new PostgreSqlStorageOptions
            {
                SchemaName = DatabaseMigrator.HangfireSchema,
                // The migrator installs Hangfire's schema under the same advisory lock as ours.
                PrepareSchemaIfNecessary = false,
                // A crashed worker's job runs again after 2 minutes, not the default 30 (performance.md §2.4).
                UseSlidingInvisibilityTimeout = true,
                InvisibilityTimeout = TimeSpan.FromMinutes(2),
                DistributedLockTimeout = TimeSpan.FromMinutes(1),
                // Other worker processes notice new jobs within a second; same-process workers are woken at once.
                QueuePollInterval = TimeSpan.FromSeconds(1),
                AllowDegradedModeWithoutStorage = false,
            };
            return new PostgreSqlStorage(new NpgsqlConnectionFactory(connectionString, options), options);
        });
        services.AddSingleton<JobActivator>(sp => new AspNetCoreJobActivator(sp.GetRequiredService<IServiceScopeFactory>()));
        JobTracing.AddOnce();
        services.AddHangfire(config => config
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings());
        return services;
    }
}
