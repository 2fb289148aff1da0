using Gateway.Tests.Support;

namespace Gateway.Tests.Hosting;

/// <summary>A bad setting stops start-up (exit code 2) with a message that names the setting: checked on the real process.</summary>
public sealed class OptionsValidationTests
{
    public sealed record Case(string Label, Dictionary<string, string> Settings, string Expected)
    {
        public override string ToString() => Label;
    }

    private const string TwilioSid = "AC11111111111111111111111111111111";

    public static TheoryData<Case> BadSettings => new()
    {
        new("unknown provider", new() { ["SMS_PROVIDER"] = "carrier-pigeon" }, "SMS_PROVIDER: 'carrier-pigeon' must be"),
        new("unknown time zone", new() { ["TIME_ZONE"] = "Mars/Olympus_Mons" }, "TIME_ZONE: 'Mars/Olympus_Mons' is not a known IANA time zone"),
        new("unsupported language", new() { ["DEFAULT_LANGUAGE"] = "fr" }, "DEFAULT_LANGUAGE: 'fr' must be one of: zh, en"),
        new("unknown region", new() { ["DEFAULT_REGION"] = "XX" }, "DEFAULT_REGION: 'XX'"),
        new("relative base url", new() { ["PUBLIC_BASE_URL"] = "gateway.example.org/sms" }, "PUBLIC_BASE_URL"),
        new("base url with query", new() { ["PUBLIC_BASE_URL"] = "https://gateway.example.org/?x=1" }, "PUBLIC_BASE_URL"),
        new("worker flag not a boolean", new() { ["WORKER_IN_PROCESS"] = "sometimes" }, "WORKER_IN_PROCESS"),
        new("missing templates folder", new() { ["TEMPLATES_PATH"] = "/nonexistent/templates" }, "TEMPLATES_PATH: folder '/nonexistent/templates' does not exist"),
        new("short admin token", new() { ["ADMIN_API_TOKEN"] = "short" }, "ADMIN_API_TOKEN: must be at least 16 characters"),
        new("api token with unknown role", new() { ["API_TOKENS"] = "lin:superuser:0123456789abcdef0123" }, "API_TOKENS: entry 'lin' has unknown role 'superuser'"),
        new("api token not name:role:token", new() { ["API_TOKENS"] = "lin-0123456789abcdef0123" }, "API_TOKENS: each entry must be name:role:token"),
        new("api token too short", new() { ["API_TOKENS"] = "lin:editor:short" }, "API_TOKENS: the token of 'lin' must be at least 16 characters"),
        new("api token name twice", new() { ["API_TOKENS"] = "lin:editor:0123456789abcdef0123,lin:viewer:abcdef0123456789abcd" }, "API_TOKENS: the name 'lin' is used twice"),
        new("api token names differing only in case", new() { ["API_TOKENS"] = "Ed:editor:0123456789abcdef0123,ed:approver:abcdef0123456789abcd" },
            "API_TOKENS: the names 'Ed' and 'ed' differ only in case, so they name one person"),
        new("api token named like the bootstrap admin", new() { ["API_TOKENS"] = "Admin:approver:abcdef0123456789abcd" },
            "API_TOKENS: the names 'admin' and 'Admin' differ only in case"),
        new("database url not a url", new() { ["DATABASE_URL"] = "postgres://" }, "DATABASE_URL: not a valid postgres:// URL"),
        new("database url with unknown keyword", new() { ["DATABASE_URL"] = "Host=localhost;Flavour=mint" }, "DATABASE_URL: not a valid Npgsql connection string"),
        new("twilio without account", new() { ["SMS_PROVIDER"] = "twilio", ["TWILIO_AUTH_TOKEN"] = "x", ["TWILIO_FROM_NUMBER"] = "+15017122661" }, "TWILIO_ACCOUNT_SID: required when SMS_PROVIDER=twilio"),
        new("twilio without sender", new() { ["SMS_PROVIDER"] = "twilio", ["TWILIO_ACCOUNT_SID"] = TwilioSid, ["TWILIO_AUTH_TOKEN"] = "x" }, "TWILIO_MESSAGING_SERVICE_SID or TWILIO_FROM_NUMBER: one is required"),
        new("twilio with malformed service sid", new() { ["SMS_PROVIDER"] = "twilio", ["TWILIO_ACCOUNT_SID"] = TwilioSid, ["TWILIO_AUTH_TOKEN"] = "x", ["TWILIO_MESSAGING_SERVICE_SID"] = "MG123" }, "TWILIO_MESSAGING_SERVICE_SID: 'MG' followed by 32 hex digits"),
        new("twilio with a national from number", new() { ["SMS_PROVIDER"] = "twilio", ["TWILIO_ACCOUNT_SID"] = TwilioSid, ["TWILIO_AUTH_TOKEN"] = "x", ["TWILIO_FROM_NUMBER"] = "5017122661" }, "TWILIO_FROM_NUMBER: '5017122661' is not an E.164 number"),
        new("kannel without its settings", new() { ["SMS_PROVIDER"] = "kannel", ["KANNEL_FROM"] = "12356" }, "KANNEL_SENDSMS_URL: required when SMS_PROVIDER=kannel"),
        new("short ussd callback token", new() { ["USSD_CALLBACK_TOKEN"] = "secret" }, "USSD_CALLBACK_TOKEN: at least 16 characters"),
        new("crisis hotlines without a number", new() { ["CRISIS_HOTLINES"] = "call the hotline" }, "CRISIS_HOTLINES: 'call the hotline' has no phone number"),
        new("on-call number not E.164", new() { ["COUNSELLOR_ONCALL_PHONES"] = "+8613911112222, 13911113333" }, "COUNSELLOR_ONCALL_PHONES: '139111****3333' is not an E.164 number"),
        new("crisis claim limit not a duration", new() { ["CRISIS_CLAIM_WITHIN"] = "ten minutes" }, "CRISIS_CLAIM_WITHIN: 'ten minutes' must be a duration"),
        new("support claim limit over a week", new() { ["SUPPORT_CLAIM_WITHIN"] = "169:00:00" }, "SUPPORT_CLAIM_WITHIN: '169:00:00' must be a duration"),
        new("crisis hotlines too long", new() { ["CRISIS_HOTLINES"] = "12356 " + new string('x', 300) }, "CRISIS_HOTLINES: 306 characters"),
        new("rate not a number", new() { ["SMS_RATE_PER_SECOND"] = "fast" }, "Failed to convert configuration value 'fast' at 'SMS_RATE_PER_SECOND'"),
        new("negative rate", new() { ["SMS_RATE_PER_SECOND"] = "-1" }, "SMS_RATE_PER_SECOND: -1 must be between 0"),
        new("quiet hours not HH:mm-HH:mm", new() { ["QUIET_HOURS"] = "9pm-8am" }, "QUIET_HOURS: '9pm-8am' must be a local time window HH:mm-HH:mm"),
        new("quiet hours leaving no hour to send at", new() { ["QUIET_HOURS"] = "00:00-23:59" }, "QUIET_HOURS: '00:00-23:59' must leave at least one whole hour"),
        new("spool folder that cannot be made", new() { ["INBOUND_SPOOL_PATH"] = "/dev/null/spool" }, "INBOUND_SPOOL_PATH: folder '/dev/null/spool' cannot be written"),
        new("two bad settings at once", new() { ["TIME_ZONE"] = "Nowhere/Land", ["DEFAULT_LANGUAGE"] = "fr" }, "DEFAULT_LANGUAGE: 'fr'"),
        new("bad settings of two kinds at once", new() { ["TIME_ZONE"] = "Nowhere/Land", ["USSD_CALLBACK_TOKEN"] = "" }, "  - USSD_CALLBACK_TOKEN: required"),
    };

    [Theory, MemberData(nameof(BadSettings))]
    public async Task StartUp_Stops_NamingTheSetting(Case c)
    {
        // Validation fails before any connection is tried.
        var environment = GatewayProcess.ProductionSettings();
        foreach (var (key, value) in c.Settings) environment[key] = value;

        await using var gateway = GatewayProcess.Start("Gateway", environment);
        var exitCode = await gateway.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(2, exitCode);
        Assert.StartsWith("The gateway cannot start", gateway.OutputLines[0]);
        Assert.Contains(c.Expected, gateway.Output);
        Assert.DoesNotContain("   at ", gateway.Output);
    }
}
