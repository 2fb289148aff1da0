using Hangfire;
using Hangfire.Logging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.Tests.Support;

/// <summary>
/// Hangfire logs through one static provider, and every host that configures Hangfire points it at its own
/// LoggerFactory. Test hosts run in parallel and are disposed at any time; a host still running would then create
/// Hangfire loggers (enqueueing a job, starting a server) from a disposed factory and throw. Test hosts therefore
/// leave Hangfire a provider that lives as long as the test process. Hangfire's own log lines are not asserted on.
/// </summary>
public static class HangfireLogging
{
    private static readonly ILogProvider ProcessWide = new Hangfire.AspNetCore.AspNetCoreLogProvider(NullLoggerFactory.Instance);

    /// <summary>Wraps the registration AddHangfire made, so that configuring Hangfire ends with the process-wide provider.</summary>
    public static void KeepProcessWide(IServiceCollection services)
    {
        var registration = services.LastOrDefault(d => d.ServiceType == typeof(IGlobalConfiguration) && d.ImplementationFactory is not null)
            ?? throw new InvalidOperationException("AddHangfire no longer registers IGlobalConfiguration through a factory: revisit HangfireLogging");
        var configure = registration.ImplementationFactory!;
        services.Remove(registration);
        services.AddSingleton<IGlobalConfiguration>(sp =>
        {
            var configuration = (IGlobalConfiguration)configure(sp);
            configuration.UseLogProvider(ProcessWide);
            return configuration;
        });
    }
}
