using System.Net.Sockets;

namespace Gateway.Delivery;

/// <summary>
/// A hand-off that got no HTTP answer, in the gateway's terms, for any provider reached over HTTP. A connection that
/// could not even be opened carried nothing: safe to send again. Anything later (timeout, reset after the request
/// left) may have created the message: ambiguous.
/// </summary>
public static class TransportFailure
{
    /// <param name="provider">The provider's name as operators read it in last_error ("Twilio", "Kannel").</param>
    public static SendOutcome ToOutcome(string provider, Exception e)
    {
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError })
                return new SendOutcome.RetryLater($"{provider} unreachable: {inner.Message}");
            if (inner is SocketException { SocketErrorCode: SocketError.ConnectionRefused or SocketError.HostNotFound or SocketError.NetworkUnreachable or SocketError.HostUnreachable })
                return new SendOutcome.RetryLater($"{provider} unreachable: {inner.Message}");
            if (inner is TimeoutException or TaskCanceledException)
                return new SendOutcome.Ambiguous($"no answer from {provider} in time: {inner.Message}");
        }
        return new SendOutcome.Ambiguous($"connection to {provider} failed mid-request: {e.Message}");
    }
}
