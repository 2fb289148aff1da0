using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace Gateway.Tests.Support;

/// <summary>How a test's Kannel is set up.</summary>
public sealed record KannelSetup
{
    /// <summary>Where the sms-service sends residents' messages: the gateway's base URL; the path and query are the contract's.</summary>
    public string GatewayBaseUrl { get; init; } = "http://127.0.0.1:9";

    /// <summary>KANNEL_CALLBACK_TOKEN, put into the sms-service URL as operators do.</summary>
    public string CallbackToken { get; init; } = "kannel-callback-token-for-tests";

    /// <summary>smsbox turns UCS-2 MO into UTF-8 (the documented setting); false shows what Kannel sends without it.</summary>
    public bool MoRecode { get; init; } = true;

    /// <summary>Kannel's log-level: 0 debug … 4 panic. Benchmarks raise it: at level 1 Kannel writes a line per message.</summary>
    public int LogLevel { get; init; } = 1;

    /// <summary>Connect a <see cref="FakeSmsc"/> client at start-up (false: the caller brings its own, e.g. the fakesmsc binary).</summary>
    public bool ConnectFakeSmsc { get; init; } = true;
}

/// <summary>
/// A real Kannel 1.4.5 from Debian's packages (installed with apt when absent, as root or through sudo -n, as
/// LocalPostgres installs PostgreSQL): bearerbox and smsbox on free loopback ports with a throwaway kannel.conf
/// (one sendsms-user, one sms-service calling the gateway, one <c>smsc = fake</c> link), and a <see cref="FakeSmsc"/>
/// client on that link that injects residents' messages and reads what Kannel sends. Each box runs under a small
/// shell in a process group of its own, which kills the group when the test host is gone: no Kannel outlives the run.
/// Numbers starting +999 are not routable (the fake link denies them) and +998 are black-listed for the
/// sendsms-user: the tests' way to make Kannel itself refuse a message.
/// </summary>
public sealed class LocalKannel : IAsyncDisposable
{
    public const string Username = "gateway";
    public const string Password = "kannel-test-password";
    public const string Sender = "12345";
    public const string NotRoutablePrefix = "+999";
    public const string BlackListedPrefix = "+998";
    private const string AdminPassword = "kannel-admin-password";
    private const string Bearerbox = "/usr/sbin/bearerbox";
    private const string Smsbox = "/usr/sbin/smsbox";
    private const string FakeSmscBinary = "/usr/lib/kannel/test/fakesmsc";

    private static readonly Lazy<Task> Installed = new(InstallAsync);
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private static readonly List<int> LiveGroups = [];
    private static int _instances;

    private readonly KannelSetup _setup;
    private readonly int _adminPort, _boxPort, _smscPort, _sendSmsPort;
    private Process? _bearerbox, _smsbox;
    private int _smsboxPid;

    private LocalKannel(KannelSetup setup, string directory, int[] ports)
    {
        _setup = setup;
        Directory = directory;
        (_adminPort, _boxPort, _smscPort, _sendSmsPort) = (ports[0], ports[1], ports[2], ports[3]);
    }

    /// <summary>The folder with kannel.conf and Kannel's logs.</summary>
    public string Directory { get; }

    /// <summary>smsbox's sendsms URL: KANNEL_SENDSMS_URL.</summary>
    public Uri SendSmsUrl => new($"http://127.0.0.1:{_sendSmsPort}/cgi-bin/sendsms");

    /// <summary>The port of the fake SMSC link, where a fake SMSC client connects.</summary>
    public int SmscPort => _smscPort;

    /// <summary>The connected fake SMSC client (null with <see cref="KannelSetup.ConnectFakeSmsc"/> off, or while disconnected).</summary>
    public FakeSmsc? Smsc { get; private set; }

    public static async Task<LocalKannel> StartAsync(KannelSetup? setup = null)
    {
        await Installed.Value;
        RemoveFoldersOfEndedRuns();
        var directory = Path.Combine(Path.GetTempPath(), $"gateway-kannel-{Environment.ProcessId}-{Interlocked.Increment(ref _instances)}");
        System.IO.Directory.CreateDirectory(directory);
        var kannel = new LocalKannel(setup ?? new KannelSetup(), directory, FreePorts(4));
        File.WriteAllText(kannel.ConfigPath, kannel.Config());
        try
        {
            await kannel.StartBoxesAsync();
        }
        catch
        {
            await kannel.DisposeAsync();
            throw;
        }
        return kannel;
    }

    private string ConfigPath => Path.Combine(Directory, "kannel.conf");

    // A blank line ends a group in kannel.conf, so optional lines are left out rather than left empty.
    private string Config()
    {
        var level = _setup.LogLevel.ToString(CultureInfo.InvariantCulture);
        var accessLogs = _setup.LogLevel <= 1;
        var moUrl = $"{_setup.GatewayBaseUrl.TrimEnd('/')}/webhooks/kannel/sms?token={_setup.CallbackToken}"
            + "&from=%p&to=%P&text=%a&ts=%T&id=%I&coding=%c&charset=%C";
        string?[][] groups =
        [
            [
                "group = core", $"admin-port = {_adminPort}", "admin-interface = 127.0.0.1", $"admin-password = {AdminPassword}",
                $"smsbox-port = {_boxPort}", "smsbox-interface = 127.0.0.1", "box-allow-ip = 127.0.0.1",
                $"log-file = \"{Directory}/bearerbox.log\"", $"log-level = {level}",
                accessLogs ? $"access-log = \"{Directory}/access.log\"" : null, "dlr-storage = internal",
            ],
            [
                "group = smsc", "smsc = fake", "smsc-id = fake", $"port = {_smscPort}", "our-host = 127.0.0.1",
                "connect-allow-ip = 127.0.0.1", $"denied-prefix = \"{NotRoutablePrefix}\"",
            ],
            [
                "group = smsbox", "bearerbox-host = 127.0.0.1", $"bearerbox-port = {_boxPort}", $"sendsms-port = {_sendSmsPort}",
                "sendsms-interface = 127.0.0.1", $"log-file = \"{Directory}/smsbox.log\"", $"log-level = {level}",
                accessLogs ? $"access-log = \"{Directory}/smsbox-access.log\"" : null, $"mo-recode = {(_setup.MoRecode ? "true" : "false")}",
            ],
            [
                // Without max-messages Kannel cuts a long text to one part and still answers "Accepted".
                "group = sendsms-user", $"username = {Username}", $"password = {Password}", "max-messages = 30", "concatenation = true",
                $"black-list-regex = \"^\\{BlackListedPrefix}\"",
            ],
            [
                // max-messages = 0: whatever the gateway answers would otherwise go back to the phone as an SMS.
                "group = sms-service", "keyword = default", "catch-all = true", $"get-url = \"{moUrl}\"", "max-messages = 0",
            ],
        ];
        return string.Join("\n\n", groups.Select(g => string.Join('\n', g.OfType<string>()))) + "\n";
    }

    /// <summary>bearerbox, then smsbox (which exits at once without a bearerbox), then the fake SMSC client: about a second.</summary>
    private async Task StartBoxesAsync()
    {
        _bearerbox = StartBox(Bearerbox, out _);
        await WaitForAsync(async () => (await StatusAsync()).Contains("Status: running", StringComparison.Ordinal), "bearerbox to answer on its admin port");
        _smsbox = StartBox(Smsbox, out _smsboxPid);
        await WaitForAsync(async () => (await StatusAsync()).Contains("smsbox:", StringComparison.Ordinal) && await AnswersAsync(_sendSmsPort),
            "smsbox to connect and open its sendsms port");
        if (_setup.ConnectFakeSmsc) await ConnectSmscAsync();
    }

    /// <summary>Connects a fake SMSC client and waits until bearerbox has the link online (before that, sends are queued).</summary>
    public async Task ConnectSmscAsync()
    {
        Smsc = await FakeSmsc.ConnectAsync(_smscPort);
        await WaitForSmscOnlineAsync();
    }

    public Task WaitForSmscOnlineAsync() =>
        WaitForAsync(async () => (await StatusAsync()).Contains($"FAKE:{_smscPort} (online", StringComparison.Ordinal), "the fake SMSC link to come online");

    /// <summary>Drops the fake SMSC client: the link goes down and Kannel queues what it is sent ("3: Queued for later delivery").</summary>
    public async Task DisconnectSmscAsync()
    {
        if (Smsc is { } smsc) await smsc.DisposeAsync();
        Smsc = null;
        await WaitForAsync(async () => !(await StatusAsync()).Contains($"FAKE:{_smscPort} (online", StringComparison.Ordinal), "the fake SMSC link to go down");
    }

    /// <summary>Kills both boxes (as a crash or a power cut would): the sendsms port refuses connections; what Kannel held is gone.</summary>
    public async Task StopAsync()
    {
        if (Smsc is { } smsc) await smsc.DisposeAsync();
        Smsc = null;
        await KillAsync(_smsbox);
        await KillAsync(_bearerbox);
        _smsbox = _bearerbox = null;
    }

    /// <summary>Starts both boxes again on the same ports and configuration.</summary>
    public Task StartAgainAsync() => StartBoxesAsync();

    /// <summary>Freezes smsbox (SIGSTOP): connections are still accepted by the kernel, but nothing answers.</summary>
    public void PauseSmsbox() => Signal(_smsboxPid, SigStop);

    public void ResumeSmsbox() => Signal(_smsboxPid, SigCont);

    /// <summary>bearerbox's status page (/status.txt): links, queues, counters.</summary>
    public async Task<string> StatusAsync()
    {
        try
        {
            return await Http.GetStringAsync($"http://127.0.0.1:{_adminPort}/status.txt?password={AdminPassword}");
        }
        catch (HttpRequestException)
        {
            return "";
        }
    }

    /// <summary>The end of Kannel's logs, for a failing test's message.</summary>
    public string LogTail(int lines = 30)
    {
        var text = new StringBuilder();
        foreach (var name in new[] { "bearerbox.log", "smsbox.log" })
        {
            var path = Path.Combine(Directory, name);
            if (!File.Exists(path)) continue;
            text.AppendLine($"--- {name}");
            foreach (var line in File.ReadLines(path).TakeLast(lines)) text.AppendLine(line);
        }
        return text.ToString();
    }

    // $1 the box, $2 kannel.conf, $3 the test host's pid. The shell leads its own process group (setsid); when the
    // host or the box is gone it kills the whole group, so a box that forks (smsbox restarts itself) goes too.
    private const string WatchdogScript = """
        "$1" -v 4 "$2" &
        child=$!
        echo "$child"
        trap 'kill -KILL 0' EXIT
        while kill -0 "$3" 2>/dev/null && kill -0 "$child" 2>/dev/null; do sleep 1; done
        """;

    private Process StartBox(string box, out int pid)
    {
        var psi = new ProcessStartInfo("setsid") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "/bin/sh", "-c", WatchdogScript, "kannel-watchdog", box, ConfigPath, Environment.ProcessId.ToString(CultureInfo.InvariantCulture) })
            psi.ArgumentList.Add(a);
        var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {box}");
        lock (LiveGroups)
        {
            if (LiveGroups.Count == 0) AppDomain.CurrentDomain.ProcessExit += (_, _) => KillLiveGroups();
            LiveGroups.Add(process.Id);
        }
        pid = int.Parse(process.StandardOutput.ReadLine() ?? throw new InvalidOperationException($"{box} did not start: {process.StandardError.ReadToEnd()}"),
            CultureInfo.InvariantCulture);
        _ = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        return process;
    }

    private static async Task KillAsync(Process? group)
    {
        if (group is null) return;
        Signal(-group.Id, SigKill);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await group.WaitForExitAsync(timeout.Token);
        lock (LiveGroups) LiveGroups.Remove(group.Id);
        group.Dispose();
    }

    private static void KillLiveGroups()
    {
        lock (LiveGroups)
            foreach (var group in LiveGroups) Signal(-group, SigKill);
    }

    private async Task WaitForAsync(Func<Task<bool>> ready, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!await ready())
        {
            if (_bearerbox is { HasExited: true } || _smsbox is { HasExited: true })
                throw new InvalidOperationException($"Kannel stopped while waiting for {what}:\n{LogTail()}");
            if (clock.Elapsed > TimeSpan.FromSeconds(30))
                throw new TimeoutException($"Kannel: waited 30 s for {what}:\n{LogTail()}");
            await Task.Delay(50);
        }
    }

    private static async Task<bool> AnswersAsync(int port)
    {
        try
        {
            using var response = await Http.GetAsync($"http://127.0.0.1:{port}/");
            return true;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    // A test host killed before its clean-up leaves its folder behind; its processes went with their watchdogs.
    private static void RemoveFoldersOfEndedRuns()
    {
        foreach (var dir in System.IO.Directory.GetDirectories(Path.GetTempPath(), "gateway-kannel-*"))
        {
            if (int.TryParse(Path.GetFileName(dir).Split('-')[2], out var pid) && pid != Environment.ProcessId && !IsRunning(pid))
                try { System.IO.Directory.Delete(dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private static bool IsRunning(int pid)
    {
        try { return !Process.GetProcessById(pid).HasExited; }
        catch (ArgumentException) { return false; }
    }

    private static async Task InstallAsync()
    {
        if (File.Exists(Bearerbox) && File.Exists(Smsbox) && File.Exists(FakeSmscBinary)) return;
        var root = Environment.UserName == "root";
        string[] Apt(params string[] args) => root ? ["apt-get", .. args] : ["sudo", "-n", "-E", "apt-get", .. args];
        // A fresh machine may have stale package lists: update once and retry before giving up.
        if ((await RunAsync(Apt("install", "-y", "-q", "kannel", "kannel-extras"))).ExitCode != 0)
        {
            await RunAsync(Apt("update", "-q"));
            var (exitCode, output) = await RunAsync(Apt("install", "-y", "-q", "kannel", "kannel-extras"));
            if (exitCode != 0)
                throw new InvalidOperationException($"Kannel is not installed and 'apt-get install kannel kannel-extras' failed (run as root or with sudo -n): {output}");
        }
        if (!File.Exists(Bearerbox) || !File.Exists(Smsbox) || !File.Exists(FakeSmscBinary))
            throw new FileNotFoundException($"kannel and kannel-extras were installed, but {Bearerbox}, {Smsbox} or {FakeSmscBinary} is missing");
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string[] command)
    {
        var psi = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in command[1..]) psi.ArgumentList.Add(a);
        psi.Environment["DEBIAN_FRONTEND"] = "noninteractive";
        try
        {
            using var process = Process.Start(psi)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
            await process.WaitForExitAsync(timeout.Token);
            return (process.ExitCode, (await stdout + await stderr).Trim());
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, e.Message);
        }
    }

    /// <summary>Free loopback ports, all held at once while choosing so that no two are the same.</summary>
    public static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        listeners.ForEach(l => l.Start());
        var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        listeners.ForEach(l => l.Stop());
        return ports;
    }

    private const int SigKill = 9;
    private const int SigCont = 18;
    private const int SigStop = 19;

    private static void Signal(int pid, int signal) => _ = kill(pid, signal);

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}
