using Gateway.Admin;
using Gateway.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Gateway.Imports;

/// <summary>
/// The import API (admins and editors; docs/imports.md): POST a list with ?dryRun=true for its report (nothing written),
/// or ?dryRun=false to import it (202: the job writes it; GET the import for its progress). A person limited to
/// districts imports only rows of their districts (the others are reported invalid).
/// </summary>
public static class ImportEndpoints
{
    public const int MaxList = 100;

    public static void MapImports(this IEndpointRouteBuilder app)
    {
        var edit = app.MapGroup("/api/subscribers/imports").RequireAuthorization(AdminPolicies.Edit);
        edit.MapPost("", Import).WithRequestSizeLimit(ImportUpload.MaxFileBytes).StreamsItsBody();
        edit.MapGet("", List);
        edit.MapGet("/{id:long}", Get);
    }

    private static async Task<Results<Ok<ImportResponse>, Accepted<ImportResponse>, ProblemHttpResult>> Import(string? dryRun, HttpContext http,
        StageImport stage, ManageImports manage, ImportRecords records, CancellationToken ct)
    {
        // A request refused for dryRun is still read as far as the file's header, so that one answer names every bad field.
        var problems = new List<FieldProblem>();
        if (dryRun is null || !bool.TryParse(dryRun, out var dry))
        {
            problems.Add(new FieldProblem("dryRun", "dryRun: required, true (report only, nothing written) or false (import)", StatusCodes.Status400BadRequest));
            dry = true;
        }
        var caller = http.User.Caller();
        try
        {
            ImportReport? report = null;
            long? id = null;
            var upload = await ImportUpload.ReadAsync(http, antiforgeryFirst: false, async (file, fileName) =>
            {
                if (problems.Count > 0)
                    await ReadImportFile.CheckHeaderAsync(file, ct);
                else if (dry)
                    report = await stage.CheckAsync(file, caller.Regions, ct);
                else
                    (id, report) = await stage.StageAsync(file, caller.Regions, caller.Name, fileName, confirmed: true, ct);
            });
            if (upload is not null && problems.Count == 0)
                return TypedResults.Problem(statusCode: upload.Status, detail: upload.Detail);
            if (upload is not null)
                problems.Add(new FieldProblem("file", upload.Detail.StartsWith("file:", StringComparison.Ordinal) ? upload.Detail : $"file: {upload.Detail}",
                    StatusCodes.Status400BadRequest));
            if (problems.Count > 0)
                return FieldProblems.Answer(problems);
            if (id is not { } imported)
                return TypedResults.Ok(ImportResponse.Of(report!, null, ImportResponse.DryRunStatus, null));
            await manage.QueueAsync(http, imported, report!, ct);
            var record = await records.FindAsync(imported, ct);
            return TypedResults.Accepted($"/api/subscribers/imports/{imported}", ImportResponse.Of(record!));
        }
        catch (ImportFileProblem e)
        {
            problems.AddRange(e.Reasons.Select(reason => new FieldProblem("file", $"file: {reason}")));
            return FieldProblems.Answer(problems);
        }
        catch (CsvHelper.CsvFormatException)
        {
            problems.Add(new FieldProblem("file", "file: a row is too long to be a line of a list (an unclosed quote?)"));
            return FieldProblems.Answer(problems);
        }
    }

    private static async Task<Results<Ok<ImportResponse>, ProblemHttpResult>> Get(long id, HttpContext http, ManageImports manage, CancellationToken ct) =>
        await manage.FindAsync(http.User.Caller(), id, ct) is { } import
            ? TypedResults.Ok(ImportResponse.Of(import))
            : TypedResults.Problem(statusCode: 404, detail: $"id: no import {id} of yours");

    /// <summary>The newest imports: every one for admins, one's own for others.</summary>
    private static async Task<Ok<List<ImportResponse>>> List(HttpContext http, ImportRecords records, CancellationToken ct)
    {
        var caller = http.User.Caller();
        var imports = await records.ListAsync(caller.IsInRole(Roles.Admin) ? null : caller.Name, MaxList, ct);
        return TypedResults.Ok(imports.Select(ImportResponse.Of).ToList());
    }
}
