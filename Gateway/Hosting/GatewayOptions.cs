using System.Globalization;
using Microsoft.Extensions.Options;

namespace Gateway.Hosting;

/// <summary>Settings every slice reads. Keys are the environment variable names documented in .env.example.</summary>
public sealed class GatewayOptions
{
    /// <summary>The URL Twilio and aggregators call; webhook signatures are computed over it.</summary>
    [ConfigurationKeyName("PUBLIC_BASE_URL")]
    public string PublicBaseUrl { get; set; } = "http://localhost:5080";

    /// <summary>Region used to read phone numbers written without a country code.</summary>
    [ConfigurationKeyName("DEFAULT_REGION")]
    public string DefaultRegion { get; set; } = "CN";

    /// <summary>The city's IANA time zone: delivery hours, quiet hours and recurring broadcasts are local to it.</summary>
    [ConfigurationKeyName("TIME_ZONE")]
    public string TimeZone { get; set; } = "Asia/Shanghai";

    /// <summary>Language for new subscribers and the fallback for content (zh or en).</summary>
    [ConfigurationKeyName("DEFAULT_LANGUAGE")]
    public string DefaultLanguage { get; set; } = "zh";

    /// <summary>auto, true or false. auto runs the worker in this process only in local mode (LOCAL_MODE=true).</summary>
    [ConfigurationKeyName("WORKER_IN_PROCESS")]
    public string WorkerInProcess { get; set; } = "auto";

    /// <summary>Folder with message content and menus; empty means the templates/ folder shipped with the app.</summary>
    [ConfigurationKeyName("TEMPLATES_PATH")]
    public string? TemplatesPath { get; set; }

    public TimeZoneInfo CityTimeZone => TimeZoneInfo.FindSystemTimeZoneById(TimeZone);

    public Uri PublicBaseUri => new(PublicBaseUrl.TrimEnd('/') + "/");

    public static readonly string[] Languages = ["zh", "en"];
}

public sealed class GatewayOptionsValidator : IValidateOptions<GatewayOptions>
{
    public ValidateOptionsResult Validate(string? name, GatewayOptions o)
    {
        var errors = new List<string>();

        if (!Uri.TryCreate(o.PublicBaseUrl, UriKind.Absolute, out var baseUri) || baseUri.Scheme is not ("http" or "https")
            || !string.IsNullOrEmpty(baseUri.Query) || !string.IsNullOrEmpty(baseUri.Fragment))
            errors.Add($"PUBLIC_BASE_URL: '{o.PublicBaseUrl}' must be an absolute http(s) URL without query or fragment, e.g. https://sms.example.org");

        if (string.IsNullOrWhiteSpace(o.DefaultRegion) || !PhoneNumbers.PhoneNumberUtil.GetInstance().GetSupportedRegions().Contains(o.DefaultRegion.ToUpperInvariant()))
            errors.Add($"DEFAULT_REGION: '{o.DefaultRegion}' is not a two-letter region libphonenumber knows (e.g. CN, US, KE)");

        if (!TimeZoneInfo.TryFindSystemTimeZoneById(o.TimeZone ?? "", out _))
            errors.Add($"TIME_ZONE: '{o.TimeZone}' is not a known IANA time zone (e.g. Asia/Shanghai)");

        if (!GatewayOptions.Languages.Contains(o.DefaultLanguage))
            errors.Add($"DEFAULT_LANGUAGE: '{o.DefaultLanguage}' must be one of: {string.Join(", ", GatewayOptions.Languages)}");

        if (o.WorkerInProcess.ToLower(CultureInfo.InvariantCulture) is not ("auto" or "true" or "false"))
            errors.Add($"WORKER_IN_PROCESS: '{o.WorkerInProcess}' must be auto, true or false");

        if (!string.IsNullOrWhiteSpace(o.TemplatesPath) && !Directory.Exists(o.TemplatesPath))
            errors.Add($"TEMPLATES_PATH: folder '{o.TemplatesPath}' does not exist");

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
