using Gateway.Hosting;
using Microsoft.Extensions.Options;

namespace Gateway.Ussd;

/// <summary>
/// Outside local mode the web process does not start with USSD on and no USSD_CALLBACK_TOKEN: Africa's Talking signs
/// nothing, so an open callback lets anyone who knows a number act for its resident (read their record, change their
/// subscriptions, delete their data, have SMS sent to them). Registered by the web process only: workers take no callbacks.
/// </summary>
public sealed class UssdCallbackTokenRequired(IConfiguration configuration) : IValidateOptions<UssdOptions>
{
    public ValidateOptionsResult Validate(string? name, UssdOptions o) =>
        o.Enabled && string.IsNullOrEmpty(o.CallbackToken) && !LocalMode.IsOn(configuration)
            ? ValidateOptionsResult.Fail("USSD_CALLBACK_TOKEN: required outside local mode while USSD is on, or anyone could act for any number " +
                $"(a secret of at least {UssdOptionsValidator.MinTokenLength} characters, or USSD_ENABLED=false for SMS only)")
            : ValidateOptionsResult.Success;
}
