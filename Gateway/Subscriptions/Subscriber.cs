namespace Gateway.Subscriptions;

/// <summary>A resident known to the gateway, by E.164 phone number.</summary>
public sealed record Subscriber(long Id, string Phone, string Language, string Status, string? Region, DateTime CreatedAt, DateTime? OptedOutAt)
{
    public const string Active = "active";
    public const string OptedOut = "opted_out";

    /// <summary>Imported from a list without the resident's recorded consent: sent one confirmation SMS, and nothing
    /// else until they reply YES / 是 (docs/imports.md).</summary>
    public const string Pending = "pending";

    public bool IsOptedOut => Status == OptedOut;

    public bool IsPending => Status == Pending;

    public bool IsActive => Status == Active;
}

/// <summary>Where a consent change came from, as written to the ledger.</summary>
public static class ConsentChannel
{
    public const string Sms = "sms";
    public const string Ussd = "ussd";
    public const string Api = "api";
    /// <summary>The carrier or provider told us (Twilio 21610): the resident opted out there.</summary>
    public const string Carrier = "carrier";
    /// <summary>A list an official imported records the resident's consent (Imports/).</summary>
    public const string Import = "import";
}
