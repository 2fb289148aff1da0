using Gateway.Admin;
using Gateway.Hosting;
using Gateway.Shell;

namespace Gateway.Imports;

/// <summary>
/// POST /imports/upload, the console's upload: a plain endpoint rather than a page handler, because a page binds its
/// form first, and reading a form keeps the file (in memory or on disk); here the file streams from the request into
/// PostgreSQL (<see cref="ImportUpload"/>, antiforgery token first). The list is checked, not imported: its report
/// waits on /imports/{id} for the person to confirm it.
/// </summary>
public static class ImportUploadEndpoint
{
    public static void MapImportUpload(this IEndpointRouteBuilder app) =>
        app.MapPost("/imports/upload", UploadAsync)
            .RequireAuthorization(AdminPolicies.Edit)
            .WithRequestSizeLimit(ImportUpload.MaxFileBytes)
            .StreamsItsBody()
            .WithMetadata(ConsoleEndpoint.Instance)
            .ExcludeFromDescription();

    private static async Task<IResult> UploadAsync(HttpContext http, StageImport stage, CancellationToken ct)
    {
        var caller = http.User.Caller();
        long? id = null;
        string? refused;
        try
        {
            var problem = await ImportUpload.ReadAsync(http, antiforgeryFirst: true, async (file, fileName) =>
                (id, _) = await stage.StageAsync(file, caller.Regions, caller.Name, fileName, confirmed: false, ct));
            refused = problem?.Detail;
        }
        catch (ImportFileProblem e)
        {
            refused = e.Message;
        }
        catch (CsvHelper.CsvFormatException)
        {
            refused = "a row is too long to be a line of a list (an unclosed quote?)";
        }
        return id is { } checkedId
            ? Results.Redirect($"/imports/{checkedId}", permanent: false, preserveMethod: false)
            : Results.Redirect($"/imports?problem={Uri.EscapeDataString(refused ?? "no file")}");
    }
}
