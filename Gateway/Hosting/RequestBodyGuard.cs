using System.Text;
using System.Text.Json;
using System.Web;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;

namespace Gateway.Hosting;

/// <summary>An endpoint that takes residents' messages: a NUL in what it receives is the resident's text to keep
/// (made storable by the endpoint, Inbound/InboundReader.Storable), not a reason to refuse it.</summary>
public sealed class KeepsResidentsTextMetadata
{
    public static readonly KeepsResidentsTextMetadata Instance = new();
}

/// <summary>An endpoint that reads a form whatever the request (Hangfire's dashboard): one that came without a form reads as empty.</summary>
public sealed class ReadsAFormAnywayMetadata
{
    public static readonly ReadsAFormAnywayMetadata Instance = new();
}

/// <summary>An endpoint that reads its own (large) body as it streams, checking it itself: the guard leaves the body alone.</summary>
public sealed class StreamsItsBodyMetadata
{
    public static readonly StreamsItsBodyMetadata Instance = new();
}

/// <summary>
/// Every request body, before any endpoint, filter or page reads it (issue 20, "Hostile input reaches a 500"). A body that
/// is over the endpoint's limit (<see cref="RequestSizeGuard.WithRequestSizeLimit"/>, 1 MB by default) is answered 413
/// with Connection: close, after reading what was sent (up to <see cref="DrainBytes"/> more), so the client gets the
/// answer instead of a reset. A body needs a Content-Type with a charset .NET knows; a form (urlencoded or multipart) must
/// be readable: at most 1,024 fields, keys of at most 2,048 characters, a multipart body whole; each answered 415 or 400
/// with the reason. A NUL (U+0000) in a query, form or JSON value, which PostgreSQL text cannot hold (22021, 22P05), is
/// refused with 400 and where it was, except on endpoints marked <see cref="KeepsResidentsText{TBuilder}"/>: a resident's
/// message is kept, its NULs made storable. Endpoints marked <see cref="StreamsItsBody{TBuilder}"/> (list uploads) read
/// their bodies themselves. Bodies checked here are held in memory (they are at most the endpoint's limit), so the
/// endpoint reads the same bytes again.
/// </summary>
public static class RequestBodyGuard
{
    /// <summary>How much of an oversized body is read (and dropped) so that the 413 reaches the client cleanly; a body
    /// larger still is cut off, and its client may see the connection reset instead of the answer.</summary>
    public const long DrainBytes = 4 * 1024 * 1024;

    /// <summary>Kestrel's limit for an endpoint that declares none (GatewayWeb).</summary>
    public const long DefaultMaxBodyBytes = 1024 * 1024;

    public static TBuilder KeepsResidentsText<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(KeepsResidentsTextMetadata.Instance);

    public static TBuilder StreamsItsBody<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(StreamsItsBodyMetadata.Instance);

    public static TBuilder ReadsAFormAnyway<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(ReadsAFormAnywayMetadata.Instance);

    public static IApplicationBuilder UseRequestBodyGuard(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (await RefusalAsync(context) is { } refusal)
        {
            // Whatever of the body is still coming is read and dropped first, and the connection closes after the answer:
            // otherwise Kestrel would try to read it after the answer, give up past the endpoint's limit and close the
            // connection unannounced, under the client's next request.
            if (context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == true)
            {
                context.Response.Headers.Connection = "close";
                await DrainAsync(context);
            }
            await Results.Problem(statusCode: refusal.StatusCode, detail: refusal.Detail).ExecuteAsync(context);
            return;
        }
        await next(context);
    });

    private sealed record Refusal(int StatusCode, string Detail);

    private static async Task<Refusal?> RefusalAsync(HttpContext context)
    {
        var endpoint = context.GetEndpoint();
        var keepsText = endpoint?.Metadata.GetMetadata<KeepsResidentsTextMetadata>() is not null;
        var request = context.Request;
        if (endpoint?.Metadata.GetMetadata<ReadsAFormAnywayMetadata>() is not null && !request.HasFormContentType)
            context.Features.Set<IFormFeature>(new FormFeature(FormCollection.Empty));
        if (!keepsText && Nul(request.Query) is { } inQuery)
            return new(400, $"query: {inQuery}");

        var limit = Limit(context);
        if (request.ContentLength > limit + DrainBytes)
            return new(413, $"request body is {request.ContentLength} bytes; the limit is {limit}");
        if (context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody != true || request.ContentLength == 0)
            return null;
        if (endpoint?.Metadata.GetMetadata<StreamsItsBodyMetadata>() is not null)
            return request.ContentLength > limit ? new(413, $"request body is {request.ContentLength} bytes; the limit is {limit}") : null;

        if (string.IsNullOrWhiteSpace(request.ContentType))
            return new(415, "a request body needs a Content-Type: " + Accepted(endpoint));
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType) || !mediaType.MediaType.HasValue)
            return new(415, $"Content-Type '{request.ContentType}' cannot be read: " + Accepted(endpoint));
        if (mediaType.Charset is { HasValue: true } charset && !KnownCharset(charset.Value!.Trim('"')))
            return new(415, $"Content-Type charset '{charset}' is not known; send UTF-8");

        if (await BufferAsync(context, limit) is { } tooLarge)
            return tooLarge;

        if (keepsText && mediaType.MediaType.Equals("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
        {
            // ASP.NET's form reader refuses a value with a NUL ("The form value contains invalid characters"): the
            // resident's message would be lost. Read as sent; the endpoint makes the text storable.
            var buffered = (MemoryStream)request.Body;
            if (ResidentsForm(new ArraySegment<byte>(buffered.GetBuffer(), 0, (int)buffered.Length)) is not { } form)
                return new(400, $"form: more than {MaxFields} fields, or a key over {MaxKeyLength} characters");
            context.Features.Set<IFormFeature>(new FormFeature(form));
            return null;
        }
        if (request.HasFormContentType)
        {
            IFormCollection form;
            try
            {
                form = await request.ReadFormAsync(context.RequestAborted);
            }
            catch (Exception e) when (e is InvalidDataException or IOException or InvalidOperationException)
            {
                // Over 1,024 fields, a key over 2,048 characters, a multipart body without its boundary or cut short.
                return new(400, $"form: {e.Message}");
            }
            if (!keepsText && Nul(form) is { } inForm)
                return new(400, $"form: {inForm}");
            return null;
        }
        if (!keepsText && IsJson(mediaType) && JsonNul(request) is { } inJson)
            return new(400, $"JSON: {inJson}");
        return null;
    }

    private static async Task DrainAsync(HttpContext context)
    {
        var request = context.Request;
        if (request.ContentLength > Limit(context) + DrainBytes) return;
        var sizeFeature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeFeature is { IsReadOnly: false }) sizeFeature.MaxRequestBodySize = Limit(context) + DrainBytes;
        using var patience = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        patience.CancelAfter(DrainTime);
        var buffer = new byte[16 * 1024];
        try
        {
            while (await request.Body.ReadAsync(buffer, patience.Token) > 0)
            {
            }
        }
        catch (Exception e) when (e is BadHttpRequestException or IOException or OperationCanceledException)
        {
            // More than can be drained, or too slow: the connection closes anyway.
        }
    }

    /// <summary>How long a refused body may take to arrive before the connection is closed under it.</summary>
    private static readonly TimeSpan DrainTime = TimeSpan.FromSeconds(10);

    private static long Limit(HttpContext context) =>
        context.GetEndpoint()?.Metadata.GetMetadata<IRequestSizeLimitMetadata>()?.MaxRequestBodySize ?? DefaultMaxBodyBytes;

    /// <summary>
    /// Reads the whole body into memory, where the endpoint reads it again. Over the limit: reads on (up to
    /// <see cref="DrainBytes"/>) and dropped, then 413, so the client has sent everything before the answer comes and the
    /// connection closes.
    /// </summary>
    private static async Task<Refusal?> BufferAsync(HttpContext context, long limit)
    {
        var sizeFeature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeFeature is { IsReadOnly: false }) sizeFeature.MaxRequestBodySize = limit + DrainBytes;

        var body = new MemoryStream(context.Request.ContentLength is { } length && length <= limit ? (int)length : 4096);
        // Rented: a fresh 16-kB buffer per request was a quarter of what a webhook allocated (webhook --diagnose).
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(16 * 1024);
        long total = 0;
        try
        {
            int read;
            while ((read = await context.Request.Body.ReadAsync(buffer, context.RequestAborted)) > 0)
            {
                total += read;
                if (total <= limit) body.Write(buffer, 0, read);
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return new(413, $"request body is over {limit + DrainBytes} bytes; the limit is {limit}");
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
        if (total > limit)
            return new(413, $"request body is {total} bytes; the limit is {limit}");
        body.Position = 0;
        context.Request.Body = body;
        context.Response.RegisterForDispose(body);
        return null;
    }

    /// <summary>ASP.NET's own limits on a form, kept for residents' forms too.</summary>
    private const int MaxFields = 1024, MaxKeyLength = 2048;

    /// <summary>An application/x-www-form-urlencoded body read as sent: '+' is a space, %XX a byte, the bytes UTF-8 (what is
    /// not UTF-8 becomes U+FFFD, as ASP.NET reads it), every character kept. Null over the limits.</summary>
    internal static FormCollection? ResidentsForm(ArraySegment<byte> body)
    {
        // Sized for its fields at once: growing it was a tenth of what a webhook allocated.
        var fields = new Dictionary<string, Microsoft.Extensions.Primitives.StringValues>(Math.Min(body.AsSpan().Count((byte)'&') + 1, MaxFields), StringComparer.OrdinalIgnoreCase);
        var count = 0;
        for (var start = 0; start < body.Count;)
        {
            var end = body.AsSpan(start).IndexOf((byte)'&');
            end = end < 0 ? body.Count : start + end;
            if (end > start)
            {
                if (++count > MaxFields) return null;
                var equals = body.AsSpan(start, end - start).IndexOf((byte)'=');
                var key = Decode(body, start, equals < 0 ? end - start : equals);
                if (key.Length > MaxKeyLength) return null;
                var value = equals < 0 ? "" : Decode(body, start + equals + 1, end - start - equals - 1);
                fields[key] = fields.TryGetValue(key, out var before) ? Microsoft.Extensions.Primitives.StringValues.Concat(before, value) : value;
            }
            start = end + 1;
        }
        return new FormCollection(fields);
    }

    // Straight from the body's bytes (%XX and raw bytes alike are UTF-8), in place: a part with nothing encoded, most
    // names and many values, is only UTF-8 to read.
    private static string Decode(ArraySegment<byte> body, int offset, int count) =>
        body.AsSpan(offset, count).IndexOfAny((byte)'%', (byte)'+') < 0
            ? Encoding.UTF8.GetString(body.AsSpan(offset, count))
            : HttpUtility.UrlDecode(body.Array!, body.Offset + offset, count, Encoding.UTF8);

    private static string Accepted(Endpoint? endpoint) =>
        endpoint?.Metadata.GetMetadata<IAcceptsMetadata>()?.ContentTypes is { Count: > 0 } types
            ? "send " + string.Join(" or ", types)
            : "send application/json or application/x-www-form-urlencoded, as the endpoint documents";

    private static bool KnownCharset(string charset)
    {
        try
        {
            Encoding.GetEncoding(charset);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static bool IsJson(MediaTypeHeaderValue mediaType) =>
        mediaType.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
        || mediaType.Suffix.Equals("json", StringComparison.OrdinalIgnoreCase);

    private static string? Nul(IEnumerable<KeyValuePair<string, Microsoft.Extensions.Primitives.StringValues>> fields)
    {
        foreach (var (key, values) in fields)
        {
            if (key.Contains('\0'))
                return $"a field name with a NUL character (U+0000): not accepted";
            foreach (var value in values)
                if (value?.Contains('\0') == true)
                    return $"'{LogSanitiser.Clean(key)}' has a NUL character (U+0000), which cannot be stored";
        }
        return null;
    }

    /// <summary>Where a JSON body carries a NUL in a string or property name (\u0000), or null. Malformed JSON is left to
    /// the endpoint's binding, which names the problem (<see cref="BadRequestExceptionHandler"/>).</summary>
    private static string? JsonNul(HttpRequest request)
    {
        var bytes = ((MemoryStream)request.Body).GetBuffer().AsSpan(0, (int)request.Body.Length);
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, MaxDepth = 64 });
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType is not (JsonTokenType.String or JsonTokenType.PropertyName) || !reader.ValueIsEscaped) continue;
                string text;
                try
                {
                    text = reader.GetString()!;
                }
                catch (InvalidOperationException)
                {
                    return $"a string at byte {reader.TokenStartIndex} is not valid text (half a surrogate pair?)";
                }
                if (text.Contains('\0'))
                    return $"a {(reader.TokenType == JsonTokenType.String ? "string" : "property name")} at byte {reader.TokenStartIndex} has a NUL character (\\u0000), which cannot be stored";
            }
        }
        catch (JsonException)
        {
        }
        return null;
    }
}
