namespace Gateway.Providers.Kannel;

/// <summary>What <see cref="KannelIncomingSms.Parse"/> made of a request.</summary>
public abstract record KannelMoRequest
{
    public sealed record Parsed(KannelIncomingSms Sms) : KannelMoRequest;

    /// <summary>Without the right token: 403, nothing stored.</summary>
    public sealed record Refused(string Reason) : KannelMoRequest;

    /// <summary>The request is not what Kannel sends: 400 with the reason.</summary>
    public sealed record Invalid(string Reason) : KannelMoRequest;
}
