using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;

namespace Gateway.Hosting;

/// <summary>
/// Turns bad input into 400/413/415 answers that say what was wrong, never a 500:
/// malformed JSON names the field, a wrong content type names the expected one.
/// </summary>
public sealed class BadRequestExceptionHandler : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken ct)
    {
        if (exception is not BadHttpRequestException bad) return false;

        var detail = bad.InnerException switch
        {
            JsonException { Path: { Length: > 0 } path } json => $"malformed JSON at {path}: {FirstSentence(json.Message)}",
            JsonException json => $"malformed JSON: {FirstSentence(json.Message)}",
            _ => bad.Message,
        };
        await Results.Problem(statusCode: bad.StatusCode, detail: detail).ExecuteAsync(context);
        return true;
    }

    private static string FirstSentence(string message) => message.Split(". ")[0].TrimEnd('.');
}

public static class RequestSizeGuard
{
    /// <summary>
    /// Answers 413 before anything reads a body whose Content-Length is over the endpoint's limit
    /// (declared with .WithRequestSizeLimit). Kestrel enforces the same limit on chunked bodies as they stream.
    /// </summary>
    public static IApplicationBuilder UseRequestSizeGuard(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<IRequestSizeLimitMetadata>() is { MaxRequestBodySize: { } max }
            && context.Request.ContentLength > max)
        {
            await Results.Problem(statusCode: StatusCodes.Status413PayloadTooLarge,
                detail: $"request body is {context.Request.ContentLength} bytes; the limit is {max}").ExecuteAsync(context);
            return;
        }
        await next(context);
    });

    public static TBuilder WithRequestSizeLimit<TBuilder>(this TBuilder builder, long maxBytes) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RequestSizeLimitAttribute(maxBytes));
}
