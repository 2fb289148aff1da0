using Microsoft.AspNetCore.Http.HttpResults;

namespace Gateway.Hosting;

/// <summary>
/// One bad field of a request: the field as the API names it ("title", "content.zh", "roles", "dryRun"), the reason
/// ("field: reason"), and the status it calls for: 422 for a value the gateway understood and refuses, 400 for one it
/// cannot read at all (a malformed number, a missing required parameter).
/// </summary>
public sealed record FieldProblem(string Field, string Detail, int Status = StatusCodes.Status422UnprocessableEntity);

/// <summary>
/// The API's answer to a request refused for its fields, every field at once: an RFC 7807 validation problem
/// ("errors": field → reasons), its detail the reasons together. 400 when any field could not be read at all, else 422.
/// Every endpoint that checks fields answers through this, so a client reads one shape everywhere.
/// </summary>
public static class FieldProblems
{
    public static HttpValidationProblemDetails ValidationProblem(IReadOnlyCollection<FieldProblem> problems) =>
        new(problems.GroupBy(p => p.Field, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Select(p => p.Detail).ToArray(), StringComparer.Ordinal))
        {
            Status = problems.Any(p => p.Status == StatusCodes.Status400BadRequest) ? StatusCodes.Status400BadRequest : StatusCodes.Status422UnprocessableEntity,
            Detail = string.Join("; ", problems.Select(p => p.Detail)),
        };

    /// <summary>The typed answer of <see cref="ValidationProblem"/>.</summary>
    public static ProblemHttpResult Answer(IReadOnlyCollection<FieldProblem> problems) => TypedResults.Problem(ValidationProblem(problems));
}
