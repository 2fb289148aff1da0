using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing.Template;
using Npgsql;

namespace Gateway.Hosting;

/// <summary>
/// Turns bad input into 400/413/415 answers that say what was wrong, never a 500:
/// malformed JSON names the field, a wrong content type names the expected one.
/// </summary>
public sealed class BadRequestExceptionHandler(ILogger<BadRequestExceptionHandler> log) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken ct)
    {
        if (exception is PostgresException { SqlState: PostgresErrorCodes.CharacterNotInRepertoire or PostgresErrorCodes.UntranslatableCharacter } text)
            return await RefuseUnstorableTextAsync(context, text);
        if (exception is not BadHttpRequestException bad) return false;
        if (bad.StatusCode == StatusCodes.Status413PayloadTooLarge)
            context.Response.Headers.Connection = "close";

        var detail = bad.InnerException switch
        {
            JsonException { Path: { Length: > 0 } path } json => $"malformed JSON at {path}: {FirstSentence(json.Message)}",
            JsonException json => $"malformed JSON: {FirstSentence(json.Message)}",
            _ => bad.Message,
        };
        await Results.Problem(statusCode: bad.StatusCode, detail: detail).ExecuteAsync(context);
        return true;
    }

    /// <summary>
    /// A value PostgreSQL cannot store (a NUL in text, 22021; \u0000 in jsonb, 22P05) that got past
    /// <see cref="RequestBodyGuard"/>: 400, not 500. And the pool is cleared: a statement that fails at Bind in the
    /// execution that prepares it leaves its connection misreading the next result (Data/Database.cs), so no pooled
    /// connection is used again after one.
    /// </summary>
    private async ValueTask<bool> RefuseUnstorableTextAsync(HttpContext context, PostgresException e)
    {
        log.LogWarning("{Method} {Path}: PostgreSQL refused a value ({SqlState}: {Message}); answered 400 and cleared the connection pool",
            context.Request.Method, LogSanitiser.CleanPath(context.Request.Path.Value), e.SqlState, LogSanitiser.Clean(e.MessageText));
        context.RequestServices.GetRequiredService<NpgsqlDataSource>().Clear();
        await Results.Problem(statusCode: StatusCodes.Status400BadRequest,
            detail: "a value has a character the database cannot store (a NUL, U+0000)").ExecuteAsync(context);
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
    /// <summary>The endpoint's body limit: Kestrel holds a streamed body to it, and <see cref="RequestBodyGuard"/> answers 413
    /// (with Connection: close) for anything larger before the endpoint reads it.</summary>
    public static TBuilder WithRequestSizeLimit<TBuilder>(this TBuilder builder, long maxBytes) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RequestSizeLimitAttribute(maxBytes));
}
