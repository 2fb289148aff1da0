using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Web;

namespace Gateway.Tests.Support;

/// <summary>
/// One message Kannel sent to the fake SMSC link (an MT), as its wire line "&lt;from&gt; &lt;to&gt; &lt;type&gt; &lt;payload&gt;":
/// <c>text</c> (the text as is), <c>ucs-2</c> (URL-encoded UTF-16BE), <c>data</c> (URL-encoded bytes), and for each part of
/// a long message <c>udh &lt;URL-encoded UDH&gt; data &lt;URL-encoded bytes&gt;</c>.
/// </summary>
public sealed record FakeSmscMessage(string From, string To, string Type, byte[] Udh, byte[] Payload)
{
    /// <summary>The text of a whole message: UTF-8 for <c>text</c>, UTF-16BE for <c>ucs-2</c>.</summary>
    public string Text => Type switch
    {
        "text" => Encoding.UTF8.GetString(Payload),
        "ucs-2" => Encoding.BigEndianUnicode.GetString(Payload),
        _ => throw new InvalidOperationException($"a '{Type}' message has no text of its own; decode its payload"),
    };

    /// <summary>Concatenation header (UDH 05 00 03 ref total seq) of one part, or null.</summary>
    public (int Reference, int Total, int Sequence)? Part => Udh is [5, 0, 3, var reference, var total, var sequence] ? (reference, total, sequence) : null;

    public static FakeSmscMessage Parse(string line)
    {
        var words = line.Split(' ', 4);
        if (words.Length < 4) throw new FormatException($"not a fake SMSC line: '{line}'");
        var (from, to, type, rest) = (words[0], words[1], words[2], words[3]);
        if (type == "udh")
        {
            var udh = rest.Split(' ', 3);
            return new FakeSmscMessage(from, to, type, Decode(udh[0]), udh.Length == 3 && udh[1] == "text" ? Encoding.UTF8.GetBytes(udh[2]) : Decode(udh[^1]));
        }
        return new FakeSmscMessage(from, to, type, [], type == "text" ? Encoding.UTF8.GetBytes(rest) : Decode(rest));
    }

    private static byte[] Decode(string urlEncoded) => HttpUtility.UrlDecodeToBytes(urlEncoded, Encoding.ASCII);
}

/// <summary>
/// A client of Kannel's fake SMSC link (<c>smsc = fake</c>), speaking the one-line-per-message wire of
/// /usr/lib/kannel/test/fakesmsc over TCP: it writes residents' messages (MO) and collects what Kannel sends (MT).
/// Unlike the fakesmsc binary it has no 256-byte line limit. Bearerbox serves one client at a time.
/// </summary>
public sealed class FakeSmsc : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private readonly Task _reading;
    private readonly List<FakeSmscMessage> _received = [];
    private readonly CancellationTokenSource _stop = new();

    private FakeSmsc(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
        _reading = Task.Run(ReadAsync);
    }

    public static async Task<FakeSmsc> ConnectAsync(int port)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
        return new FakeSmsc(tcp);
    }

    /// <summary>Everything Kannel has sent so far, in arrival order.</summary>
    public IReadOnlyList<FakeSmscMessage> Received { get { lock (_received) return _received.ToArray(); } }

    public IReadOnlyList<FakeSmscMessage> ReceivedBy(string to) => Received.Where(m => m.To == to).ToArray();

    /// <summary>Waits until <paramref name="count"/> messages (parts count one each) have reached <paramref name="to"/>.</summary>
    public async Task<IReadOnlyList<FakeSmscMessage>> WaitForAsync(string to, int count = 1, TimeSpan? timeout = null)
    {
        var clock = Stopwatch.StartNew();
        while (ReceivedBy(to) is var got && got.Count < count)
        {
            if (clock.Elapsed > (timeout ?? TimeSpan.FromSeconds(15)))
                throw new TimeoutException($"{got.Count} of {count} messages reached {to} at the fake SMSC; it received: "
                    + string.Join(" | ", Received.Select(m => $"{m.To} {m.Type}")));
            await Task.Delay(20);
        }
        return ReceivedBy(to);
    }

    /// <summary>A resident's plain-text message (type <c>text</c>: arrives as coding 0).</summary>
    public Task SendTextAsync(string from, string to, string text) => WriteLineAsync($"{from} {to} text {text}");

    /// <summary>A resident's UCS-2 message (type <c>ucs2</c>, URL-encoded UTF-16BE: arrives as coding 2).</summary>
    public Task SendUcs2Async(string from, string to, string text) =>
        WriteLineAsync($"{from} {to} ucs2 {HttpUtility.UrlEncode(Encoding.BigEndianUnicode.GetBytes(text))}");

    private async Task WriteLineAsync(string line)
    {
        if (line.Contains('\n')) throw new ArgumentException("one message is one line", nameof(line));
        await _stream.WriteAsync(Encoding.UTF8.GetBytes(line + "\n"));
    }

    private async Task ReadAsync()
    {
        using var reader = new StreamReader(_stream, Encoding.UTF8, leaveOpen: true);
        try
        {
            while (await reader.ReadLineAsync(_stop.Token) is { } line)
                lock (_received) _received.Add(FakeSmscMessage.Parse(line));
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The link closed: Kannel stopped, or this client was disposed.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _tcp.Dispose();
        await _reading;
        _stop.Dispose();
    }
}
