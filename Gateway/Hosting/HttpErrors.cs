using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing.Template;

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

public static class StatusCodeProblems
{
    /// <summary>Bodiless 404/405/415 answers from routing become problem+json with a reason.</summary>
    public static IApplicationBuilder UseStatusCodeProblems(this IApplicationBuilder app) => app.UseStatusCodePages(async page =>
    {
        var context = page.HttpContext;
        var status = context.Response.StatusCode;
        var detail = status switch
        {
            StatusCodes.Status404NotFound => $"no route {context.Request.Method} {context.Request.Path}",
            StatusCodes.Status405MethodNotAllowed => $"{context.Request.Method} is not allowed on {context.Request.Path}",
            StatusCodes.Status415UnsupportedMediaType => AcceptedContentTypes(context) is { Count: > 0 } accepted
                ? $"Content-Type '{context.Request.ContentType}' is not accepted here; send {string.Join(" or ", accepted)}"
                : $"Content-Type '{context.Request.ContentType}' is not accepted here",
            _ => null,
        };
        await Results.Problem(statusCode: status, detail: detail).ExecuteAsync(context);
    });

    // Routing answers 415 from a stand-in endpoint, so look up what the real endpoints at this path accept.
    private static List<string> AcceptedContentTypes(HttpContext context) => context.RequestServices
        .GetRequiredService<EndpointDataSource>().Endpoints
        .OfType<RouteEndpoint>()
        .Where(e => new TemplateMatcher(TemplateParser.Parse(e.RoutePattern.RawText ?? ""), new RouteValueDictionary())
            .TryMatch(context.Request.Path, new RouteValueDictionary()))
        .SelectMany(e => e.Metadata.GetMetadata<IAcceptsMetadata>()?.ContentTypes ?? [])
        .Distinct()
        .ToList();
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
