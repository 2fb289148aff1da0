using Gateway.Tests.Support;

namespace Gateway.Tests.Hosting;

/// <summary>A bad setting stops start-up with a message that names the setting.</summary>
public sealed class OptionsValidationTests
{
    public sealed record Case(string Label, Dictionary<string, string?> Settings, string Expected)
    {
        public override string ToString() => Label;
    }

    public static TheoryData<Case> BadSettings => new()
    {
        new("unknown provider", new() { ["SMS_PROVIDER"] = "carrier-pigeon" }, "SMS_PROVIDER"),
        new("unknown time zone", new() { ["TIME_ZONE"] = "Mars/Olympus_Mons" }, "TIME_ZONE"),
        new("unsupported language", new() { ["DEFAULT_LANGUAGE"] = "fr" }, "DEFAULT_LANGUAGE"),
        new("unknown region", new() { ["DEFAULT_REGION"] = "XX" }, "DEFAULT_REGION"),
        new("relative base url", new() { ["PUBLIC_BASE_URL"] = "gateway.example.org/sms" }, "PUBLIC_BASE_URL"),
        new("base url with query", new() { ["PUBLIC_BASE_URL"] = "https://gateway.example.org/?x=1" }, "PUBLIC_BASE_URL"),
        new("worker flag not a boolean", new() { ["WORKER_IN_PROCESS"] = "sometimes" }, "WORKER_IN_PROCESS"),
        new("missing templates folder", new() { ["TEMPLATES_PATH"] = "/nonexistent/templates" }, "TEMPLATES_PATH"),
        new("short admin token", new() { ["ADMIN_API_TOKEN"] = "short" }, "ADMIN_API_TOKEN"),
        new("empty admin token", new() { ["ADMIN_API_TOKEN"] = "" }, "ADMIN_API_TOKEN"),
        new("api token with unknown role", new() { ["API_TOKENS"] = "lin:superuser:0123456789abcdef0123" }, "API_TOKENS"),
        new("api token not name:role:token", new() { ["API_TOKENS"] = "lin-0123456789abcdef0123" }, "API_TOKENS"),
        new("api token too short", new() { ["API_TOKENS"] = "lin:editor:short" }, "API_TOKENS"),
        new("api token name twice", new() { ["API_TOKENS"] = "lin:editor:0123456789abcdef0123,lin:viewer:abcdef0123456789abcd" }, "API_TOKENS"),
        new("database url not a url", new() { ["DATABASE_URL"] = "postgres://" }, "DATABASE_URL"),
        new("database url with unknown keyword", new() { ["DATABASE_URL"] = "Host=localhost;Flavour=mint" }, "DATABASE_URL"),
        new("twilio without account", new() { ["SMS_PROVIDER"] = "twilio", ["TWILIO_AUTH_TOKEN"] = "x", ["TWILIO_FROM_NUMBER"] = "+15017122661" }, "TWILIO_ACCOUNT_SID"),
        new("twilio without sender", new() { ["SMS_PROVIDER"] = "twilio", ["TWILIO_ACCOUNT_SID"] = "AC" + new string('a', 32), ["TWILIO_AUTH_TOKEN"] = "x" }, "TWILIO_MESSAGING_SERVICE_SID or TWILIO_FROM_NUMBER"),
        new("twilio with malformed service sid", new() { ["SMS_PROVIDER"] = "twilio", ["TWILIO_ACCOUNT_SID"] = "AC" + new string('a', 32), ["TWILIO_AUTH_TOKEN"] = "x", ["TWILIO_MESSAGING_SERVICE_SID"] = "MG123" }, "TWILIO_MESSAGING_SERVICE_SID"),
        new("twilio with a national from number", new() { ["SMS_PROVIDER"] = "twilio", ["TWILIO_ACCOUNT_SID"] = "AC" + new string('a', 32), ["TWILIO_AUTH_TOKEN"] = "x", ["TWILIO_FROM_NUMBER"] = "5017122661" }, "TWILIO_FROM_NUMBER"),
    };

    private sealed class MisconfiguredApp(Dictionary<string, string?> overrides) : GatewayApp
    {
        protected override void Configure(Dictionary<string, string?> settings)
        {
            // Validation fails before any connection is tried; an empty URL would start the local cluster instead.
            settings["DATABASE_URL"] = "Host=127.0.0.1;Port=1;Username=postgres;Database=none";
            foreach (var (key, value) in overrides) settings[key] = value;
        }
    }

    [Theory, MemberData(nameof(BadSettings))]
    public async Task StartUp_Fails_NamingTheSetting(Case c)
    {
        await using var app = new MisconfiguredApp(c.Settings);
        var error = Record.Exception(() => app.CreateClient());

        Assert.NotNull(error);
        Assert.Contains(c.Expected, error.Message);
    }

    [Fact]
    public async Task StartUp_ReportsEveryBadSettingAtOnce()
    {
        await using var app = new MisconfiguredApp(new() { ["TIME_ZONE"] = "Nowhere/Land", ["DEFAULT_LANGUAGE"] = "fr" });
        var error = Record.Exception(() => app.CreateClient());

        Assert.NotNull(error);
        Assert.Contains("TIME_ZONE", error.Message);
        Assert.Contains("DEFAULT_LANGUAGE", error.Message);
    }
}
