using System.Text.Json;
using Gateway.Hosting;
using Gateway.Phones;
using Microsoft.Extensions.Options;

namespace Gateway.Inbound;

/// <summary>
/// The residents' messages this web process took while the database was unreachable, on local disk until they are
/// replayed (<see cref="InboundSpoolReplay"/>). One file per process, <c>&lt;intake name&gt;.spool</c> under
/// INBOUND_SPOOL_PATH, one JSON line per message, each flushed to disk (fsync) before the provider is answered.
/// <para>
/// A process holds its own file open with an exclusive lock (<c>flock</c>, which .NET takes for
/// <see cref="FileShare.None"/>); the kernel drops the lock when the process ends, however it ends. So any file
/// in the folder this process can lock belongs to a process that is gone, even a <c>kill -9</c>'ed one: it adopts it
/// (keeps it locked, so no other live process takes it too), replays it and deletes it. Files of live processes sharing
/// the folder are locked and left alone.
/// </para>
/// While anything waits here, new messages join the end of the queue instead of overtaking it (<see cref="InboundIntake"/>):
/// oldest first, adopted files before this process's own.
/// </summary>
public sealed class InboundSpool : IDisposable
{
    public const string Extension = ".spool";
    private const string FailedExtension = ".failed";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly string _folder;
    private readonly ILogger<InboundSpool> _log;
    private readonly SemaphoreSlim _gate = new(1, 1);   // appends, and emptying this process's file once replayed
    private readonly List<SpoolFile> _adopted = [];      // touched by the replay loop only
    private SpoolFile? _own;
    private int _depth;

    public InboundSpool(IOptions<InboundSpoolOptions> options, IHostEnvironment environment, ILogger<InboundSpool> log)
    {
        _folder = options.Value.FullPath(environment);
        _log = log;
        Name = $"{new string(Environment.MachineName.Where(char.IsAsciiLetterOrDigit).Take(30).ToArray())}-{Environment.ProcessId}-{Guid.NewGuid():N}"[..^20];
    }

    /// <summary>This process as an intake: its spool file's name and its row in inbound_intakes.</summary>
    public string Name { get; }

    public string Folder => _folder;

    /// <summary>Messages taken and not replayed yet, in this process's file and in the files it adopted.</summary>
    public int Depth => Volatile.Read(ref _depth);

    /// <summary>Creates (and locks) this process's own file, empty: so that, if the process is killed, the next process on
    /// the folder finds the file and knows this intake is gone, even when it kept nothing.</summary>
    public async Task OpenAsync()
    {
        await _gate.WaitAsync();
        try
        {
            _own ??= SpoolFile.Create(Path.Combine(_folder, Name + Extension), Name);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _log.LogError("Inbound spool folder {Folder} cannot be written: {Error}", _folder, e.Message);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Files of gone processes taken over and not finished yet (some may hold no message: still to delete).</summary>
    public bool HasAdopted => _adopted.Count > 0;

    /// <summary>Keeps <paramref name="message"/> on disk (flushed before this returns).</summary>
    /// <exception cref="SpoolUnavailableException">the file cannot be written: the provider must be told to try elsewhere.</exception>
    public async Task AppendAsync(InboundMessage message)
    {
        await _gate.WaitAsync();
        try
        {
            AppendLocked(message);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Appends <paramref name="message"/> only when messages already wait here, so that it does not overtake them.</summary>
    public async Task<bool> AppendIfWaitingAsync(InboundMessage message)
    {
        if (Depth == 0) return false;
        await _gate.WaitAsync();
        try
        {
            if (Depth == 0) return false;
            AppendLocked(message);
            return true;
        }
        finally
        {
            _gate.Release();
        }
    }

    private void AppendLocked(InboundMessage message)
    {
        var line = JsonSerializer.SerializeToUtf8Bytes(SpooledMessage.Of(message), Json);
        var bytes = new byte[line.Length + 1];
        line.CopyTo(bytes, 0);
        bytes[^1] = (byte)'\n';
        try
        {
            _own ??= SpoolFile.Create(Path.Combine(_folder, Name + Extension), Name);
            // A file removed under us (its folder deleted, the disk unmounted) still takes writes through the handle we
            // hold, and would answer 200 for a message no other process could ever find: refuse instead.
            if (!_own.IsAtItsPath)
                throw new IOException($"its file {_own.Path} was removed");
            // At the end the previous append reached: a write that failed half-way is written over.
            RandomAccess.Write(_own.Stream.SafeFileHandle, bytes, _own.Length);
            _own.Stream.Flush(flushToDisk: true);
            _own.Length += bytes.Length;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SpoolUnavailableException($"inbound spool '{_folder}' cannot be written: {e.Message}", e);
        }
        Interlocked.Increment(ref _depth);
    }

    /// <summary>Takes over the spool files of processes that are gone (their lock is free); returns how many messages they hold.</summary>
    public int AdoptOrphans()
    {
        var found = 0;
        IEnumerable<string> paths;
        try
        {
            paths = Directory.EnumerateFiles(_folder, "*" + Extension).Order(StringComparer.Ordinal).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _log.LogWarning("Inbound spool folder {Folder} cannot be listed: {Error}", _folder, e.Message);
            return 0;
        }
        foreach (var path in paths)
        {
            if (path == _own?.Path || _adopted.Any(f => f.Path == path)) continue;
            if (SpoolFile.TryAdopt(path, Path.GetFileNameWithoutExtension(path)) is not { } file) continue;
            // Its owner is gone, so it no longer grows: read once.
            var pending = ReadPending(file);
            file.Adopted = pending;
            _adopted.Add(file);
            Interlocked.Add(ref _depth, pending.Count);
            found += pending.Count;
            _log.LogWarning("Inbound spool: took over {File} of a process that is gone: {Count} message(s) to replay", Path.GetFileName(path), pending.Count);
        }
        // Oldest first: the file whose first message is oldest goes first.
        _adopted.Sort((a, b) => a.FirstReceivedAt.CompareTo(b.FirstReceivedAt));
        return found;
    }

    /// <summary>The files to replay, in order: adopted files (oldest first), then this process's own.</summary>
    public IReadOnlyList<SpoolFile> Files() => _own is null ? [.. _adopted] : [.. _adopted, _own];

    /// <summary>The messages of <paramref name="file"/> not replayed yet, oldest first. Only the replay loop calls this.</summary>
    public IReadOnlyList<SpoolEntry> Pending(SpoolFile file) =>
        file.Adopted is { } adopted ? adopted.Where(e => e.End > file.ReplayedTo).ToList() : ReadPending(file);

    private List<SpoolEntry> ReadPending(SpoolFile file)
    {
        var from = file.ReplayedTo;
        var to = file.Length;
        var entries = new List<SpoolEntry>();
        if (to <= from) return entries;
        var bytes = new byte[to - from];
        var read = 0;
        while (read < bytes.Length)
        {
            var n = RandomAccess.Read(file.Stream.SafeFileHandle, bytes.AsSpan(read), from + read);
            if (n == 0) break;
            read += n;
        }
        var start = 0;
        for (var i = 0; i < read; i++)
        {
            if (bytes[i] != (byte)'\n') continue;
            var end = from + i + 1;
            var raw = bytes[start..i];
            entries.Add(new SpoolEntry(Parse(file, raw), raw, file, end));
            start = i + 1;
        }
        if (start < read)
        {
            // A last line without its end: its write never finished, so it was never acknowledged (nothing to replay).
            _log.LogWarning("Inbound spool {File}: an unfinished last record of {Bytes} bytes is ignored (it was never acknowledged)",
                Path.GetFileName(file.Path), read - start);
            file.Length = from + start;
        }
        if (entries.FirstOrDefault(e => e.Message is not null) is { } first && file.FirstReceivedAt == DateTimeOffset.MaxValue)
            file.FirstReceivedAt = first.Message!.ReceivedAt;
        return entries;
    }

    private SpooledMessage? Parse(SpoolFile file, byte[] line)
    {
        try
        {
            return JsonSerializer.Deserialize<SpooledMessage>(line, Json);
        }
        catch (JsonException e)
        {
            _log.LogError("Inbound spool {File}: a record cannot be read ({Error})", Path.GetFileName(file.Path), e.Message);
            return null;
        }
    }

    /// <summary>The entry is in the database (or kept aside as failed): it no longer counts.</summary>
    public void MarkReplayed(SpoolEntry entry)
    {
        entry.File.ReplayedTo = entry.End;
        Interlocked.Decrement(ref _depth);
    }

    /// <summary>A record that cannot be read, or that the pipeline refused for a reason other than the database: kept
    /// aside in <c>&lt;name&gt;.failed</c> for a person to look at (logged as an error, counted as
    /// gateway.inbound.spool.failed, and shown on /health/ready), never dropped.</summary>
    /// <exception cref="SpoolUnavailableException">the .failed file cannot be written: the record stays in the spool
    /// (not marked replayed) and is tried again at the next round.</exception>
    public void KeepFailed(SpoolEntry entry, Exception? error)
    {
        var path = Path.Combine(_folder, Name + FailedExtension);
        try
        {
            using var failed = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
            failed.Write(entry.Raw);
            failed.WriteByte((byte)'\n');
            failed.Flush(flushToDisk: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SpoolUnavailableException($"a record that cannot be replayed cannot be kept aside in {path} either: {e.Message}", e);
        }
        InboundTelemetry.SpoolFailed.Add(1);
        _log.LogError(error, "Inbound spool: message {MessageSid} from {From} could not be replayed; kept in {Failed}",
            LogSanitiser.Clean(entry.Message?.MessageId ?? "(unreadable)"), entry.Message?.From is { } from ? Phone.Mask(from) : "?", path);
    }

    /// <summary>Records kept aside in the folder's <c>.failed</c> files (this process's and any other's): each waits for a person.</summary>
    public int FailedRecords()
    {
        try
        {
            return Directory.EnumerateFiles(_folder, "*" + FailedExtension).Sum(f => File.ReadLines(f).Count(l => l.Length > 0));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    /// <summary>False when a message could not be kept here now: this process's file was removed (or its folder), or
    /// never created.</summary>
    public bool Writable => _own is { } own ? own.IsAtItsPath : Directory.Exists(_folder);

    /// <summary>
    /// After every message of <paramref name="file"/> was replayed: an adopted file is deleted; this process's own is
    /// emptied, unless a message was appended meanwhile (false: replay again).
    /// </summary>
    public async Task<bool> FinishAsync(SpoolFile file)
    {
        if (!file.Own)
        {
            if (file.ReplayedTo < file.Length) return false;
            File.Delete(file.Path);
            file.Dispose();
            _adopted.Remove(file);
            return true;
        }
        await _gate.WaitAsync();
        try
        {
            if (file.ReplayedTo < file.Length) return false;
            file.Stream.SetLength(0);
            file.Stream.Flush(flushToDisk: true);
            file.Length = 0;
            file.ReplayedTo = 0;
            return true;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>A clean stop: an empty own file goes; one still holding messages stays for the next process on this folder.</summary>
    public void Dispose()
    {
        if (_own is { } own)
        {
            if (own.Length == 0 || own.ReplayedTo >= own.Length)
                try { File.Delete(own.Path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            own.Dispose();
        }
        foreach (var file in _adopted) file.Dispose();
        _adopted.Clear();
        _gate.Dispose();
    }
}

/// <summary>One spool file, held open and locked by this process. <see cref="Length"/> is how far it holds complete
/// records; <see cref="ReplayedTo"/> how far they are in the database.</summary>
public sealed class SpoolFile : IDisposable
{
    private SpoolFile(FileStream stream, string path, string intake, bool own)
    {
        Stream = stream;
        Path = path;
        Intake = intake;
        Own = own;
    }

    public FileStream Stream { get; }
    public string Path { get; }

    /// <summary>The file is still where it was opened: not deleted (or its folder) while this process held it open.</summary>
    public bool IsAtItsPath => File.Exists(Path);

    /// <summary>The name of the process that wrote it (its inbound_intakes row).</summary>
    public string Intake { get; }

    public bool Own { get; }
    public long Length { get; set; }
    public long ReplayedTo { get; set; }
    /// <summary>An adopted file's records, read once (its owner is gone, so it no longer grows).</summary>
    public IReadOnlyList<SpoolEntry>? Adopted { get; set; }
    public DateTimeOffset FirstReceivedAt { get; set; } = DateTimeOffset.MaxValue;

    // FileShare.None: .NET takes flock(LOCK_EX | LOCK_NB) on the file (the lock that tells live owners from dead ones).
    public static SpoolFile Create(string path, string intake) =>
        new(new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, bufferSize: 0), path, intake, own: true);

    /// <summary>Opens and locks the file of a process that is gone; null when its owner still holds it, or it went meanwhile.</summary>
    public static SpoolFile? TryAdopt(string path, string intake)
    {
        try
        {
            var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None, bufferSize: 0);
            return new SpoolFile(stream, path, intake, own: false) { Length = stream.Length };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public void Dispose() => Stream.Dispose();
}

/// <summary>A record of a spool file (null when it cannot be read: then kept aside) and where it ends.</summary>
public sealed record SpoolEntry(SpooledMessage? Message, byte[] Raw, SpoolFile File, long End);

/// <summary>One message as kept in a spool file: what the endpoint received, with its original time.</summary>
public sealed record SpooledMessage(string Provider, string MessageId, string From, string? To, string Body, DateTimeOffset ReceivedAt,
    IReadOnlyList<InboundMedia>? Media, string? ProviderKeyword)
{
    public static SpooledMessage Of(InboundMessage m) =>
        new(m.Provider, m.ProviderMessageId, m.From, m.To, m.Body, m.ReceivedAt, m.Media, m.ProviderKeyword);

    public InboundMessage ToMessage() => new(Provider, MessageId, From, To, Body, ReceivedAt)
    {
        Media = Media ?? [],
        ProviderKeyword = ProviderKeyword,
    };
}

/// <summary>The database is unreachable and the spool cannot be written either: the provider gets 503 and should try
/// its fallback URL (Twilio does) or again later.</summary>
public sealed class SpoolUnavailableException(string message, Exception inner) : Exception(message, inner);
