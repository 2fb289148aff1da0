using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Gateway.Tests.Support;

/// <summary>
/// Every log line a host writes, at every level, as the console would format its message: for tests of what
/// reaches the logs. Add it with <see cref="AddTo"/>.
/// </summary>
public sealed class CapturedLogs : ILoggerProvider
{
    /// <param name="EventId">The line's event id: a source-generated ([LoggerMessage]) line has its own, LogInformation's are 0.</param>
    public sealed record Line(string Category, LogLevel Level, string Message, int EventId = 0);

    private readonly ConcurrentQueue<Line> _lines = new();

    public IReadOnlyList<Line> Lines => _lines.ToList();

    public void AddTo(ILoggingBuilder logging)
    {
        logging.AddProvider(this);
        logging.AddFilter<CapturedLogs>(null, LogLevel.Trace);
    }

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

    public void Dispose() { }

    private sealed class Logger(string category, ConcurrentQueue<Line> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue(new Line(category, logLevel, formatter(state, exception), eventId.Id));
    }
}
