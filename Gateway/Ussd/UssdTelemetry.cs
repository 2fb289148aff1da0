using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Gateway.Ussd;

/// <summary>The USSD slice's meter and activity source: every step answered, and every session that ends, by how.</summary>
public static class UssdTelemetry
{
    public const string Name = "Gateway.Ussd";

    public static readonly ActivitySource Source = new(Name);

    public static readonly Meter Meter = new(Name);

    /// <summary>gateway_ussd_steps_total{outcome}: requests answered (outcome: screen, retry, malformed, busy).</summary>
    public static readonly Counter<long> Steps = Meter.CreateCounter<long>("gateway.ussd.steps", "{step}",
        "USSD requests answered, by outcome");

    /// <summary>gateway_ussd_session_ends_total{reason}: sessions the gateway ended (menu: a final screen; malformed; busy).</summary>
    public static readonly Counter<long> SessionEnds = Meter.CreateCounter<long>("gateway.ussd.session_ends", "{session}",
        "USSD sessions ended by the gateway, by reason");

    public static void Step(string outcome) => Steps.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public static void Ended(string reason) => SessionEnds.Add(1, new KeyValuePair<string, object?>("reason", reason));
}
