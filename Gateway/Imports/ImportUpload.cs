using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace Gateway.Imports;

/// <summary>Why an upload could not be read as a file: the status to answer and the reason.</summary>
public sealed record UploadProblem(int Status, string Detail);

/// <summary>
/// The file of an upload, as a stream straight from the request: the body itself (Content-Type text/csv), or the
/// <c>file</c> field of a multipart form, read section by section with <see cref="MultipartReader"/>, never buffered
/// (ASP.NET Core's form reading would keep the file in memory or on disk). A console form sends its antiforgery token
/// as a field before the file, checked before a byte of the file is read.
/// </summary>
public static class ImportUpload
{
    public const string FileField = "file";

    public static readonly string[] TextTypes = ["text/csv", "text/tab-separated-values", "text/plain"];

    /// <summary>The largest list accepted: about 3 million rows of a typical list.</summary>
    public const long MaxFileBytes = 256L * 1024 * 1024;

    /// <summary>Calls <paramref name="read"/> with the file and its name; null when there was none, or the problem.</summary>
    public static async Task<UploadProblem?> ReadAsync(HttpContext http, bool antiforgeryFirst, Func<Stream, string?, Task> read)
    {
        var request = http.Request;
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type))
            return new(415, $"send the list as the body (Content-Type: {string.Join(" or ", TextTypes)}) or as the '{FileField}' field of a multipart/form-data form");
        if (!type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            if (antiforgeryFirst || !TextTypes.Contains(type.MediaType.Value, StringComparer.OrdinalIgnoreCase))
                return new(415, $"Content-Type '{request.ContentType}' is not accepted here; send {string.Join(" or ", TextTypes)}, or multipart/form-data with a '{FileField}' field");
            await read(request.Body, null);
            return null;
        }

        var boundary = HeaderUtilities.RemoveQuotes(type.Boundary).Value;
        if (string.IsNullOrEmpty(boundary))
            return new(400, "multipart/form-data without a boundary");
        try
        {
            return await ReadSectionsAsync(http, new MultipartReader(boundary, request.Body), antiforgeryFirst, read);
        }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            // A multipart body cut short or without its closing boundary (Hosting/RequestBodyGuard leaves this streamed
            // body to this reader): the client's mistake, not the gateway's.
            return new(400, $"the multipart form cannot be read: {e.Message}");
        }
    }

    private static async Task<UploadProblem?> ReadSectionsAsync(HttpContext http, MultipartReader reader, bool antiforgeryFirst,
        Func<Stream, string?, Task> read)
    {
        var tokenChecked = !antiforgeryFirst;
        while (await reader.ReadNextSectionAsync(http.RequestAborted) is { } section)
        {
            if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                || !disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase))
                continue;
            var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value;
            if (!tokenChecked)
            {
                if (name != "__RequestVerificationToken")
                    return new(400, "the form's antiforgery token must come before the file");
                var token = await new StreamReader(section.Body).ReadToEndAsync(http.RequestAborted);
                if (!await TokenIsValidAsync(http, token))
                    return new(400, "the form's antiforgery token is missing or wrong: open the page again and send the file from there");
                tokenChecked = true;
                continue;
            }
            if (name == FileField)
            {
                var fileName = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value;
                await read(section.Body, string.IsNullOrWhiteSpace(fileName) ? null : Path.GetFileName(fileName));
                return null;
            }
        }
        return new(400, $"{FileField}: the form has no '{FileField}' field with the list");
    }

    // Antiforgery reads tokens from the form or a header; this form's token came as a field read by hand, so it is
    // checked as the header of a request that is otherwise this one (its cookies and user).
    private static async Task<bool> TokenIsValidAsync(HttpContext http, string token)
    {
        var antiforgery = http.RequestServices.GetRequiredService<IAntiforgery>();
        var options = http.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<AntiforgeryOptions>>().Value;
        var check = new DefaultHttpContext { RequestServices = http.RequestServices, User = http.User };
        check.Request.Method = HttpMethods.Post;
        check.Request.Scheme = http.Request.Scheme;
        check.Request.Headers.Cookie = http.Request.Headers.Cookie;
        check.Request.Headers[options.HeaderName ?? "RequestVerificationToken"] = token;
        return await antiforgery.IsRequestValidAsync(check);
    }
}
