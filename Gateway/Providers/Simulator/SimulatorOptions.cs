using Gateway.Delivery;
using Gateway.Hosting;
using Microsoft.Extensions.Options;

namespace Gateway.Providers.Simulator;

public sealed class SimulatorOptions
{
    /// <summary>
    /// Outside local mode, SMS_PROVIDER=simulator must be asked for explicitly with this: a staging gateway whose
    /// messages must never reach real phones. A production process that forgot SMS_PROVIDER stops instead of
    /// quietly "sending" into the simulator's table. Its routes then need a token of any role or a staff sign-in.
    /// </summary>
    [ConfigurationKeyName("SIMULATOR_ENABLED")]
    public bool Enabled { get; set; }

    /// <summary>Whether the simulator's routes are mapped, and whether they are open to anyone (local mode only).</summary>
    public static (bool Mapped, bool Open) Access(IServiceProvider services)
    {
        var delivery = services.GetRequiredService<IOptions<DeliveryOptions>>().Value;
        var local = LocalMode.IsOn(services.GetRequiredService<IConfiguration>());
        var enabled = services.GetRequiredService<IOptions<SimulatorOptions>>().Value.Enabled;
        return (delivery.Uses(DeliveryOptions.Simulator) && (local || enabled), local);
    }
}

public sealed class SimulatorOptionsValidator(IOptions<DeliveryOptions> delivery, IConfiguration configuration) : IValidateOptions<SimulatorOptions>
{
    public ValidateOptionsResult Validate(string? name, SimulatorOptions o)
    {
        var provider = delivery.Value.SmsProvider;
        var used = delivery.Value.Uses(DeliveryOptions.Simulator);
        if (o.Enabled && !used)
            return ValidateOptionsResult.Fail($"SIMULATOR_ENABLED: true needs SMS_PROVIDER={DeliveryOptions.Simulator} (it is '{provider}')");
        if (used && !o.Enabled && !LocalMode.IsOn(configuration))
            return ValidateOptionsResult.Fail($"SMS_PROVIDER: '{DeliveryOptions.Simulator}' outside local mode needs SIMULATOR_ENABLED=true, " +
                $"for a staging gateway that must never reach real phones (to reach phones, set SMS_PROVIDER={DeliveryOptions.Twilio})");
        return ValidateOptionsResult.Success;
    }
}
