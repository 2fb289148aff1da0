using Gateway.Admin;
using Gateway.Staff;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Gateway.Hosting;

/// <summary>
/// How the OpenAPI document says who may call what: the two ways in (Authorization: Bearer &lt;token&gt;, and the staff
/// console's sign-in cookie) as security schemes, and on every operation that requires authorization, both as
/// alternatives with the 401 (no or an unknown token, or no sign-in) and 403 (a role that may not) it can answer.
/// Webhooks and anything anonymous carry neither: they are checked by signature or shared token in their own code.
/// </summary>
public static class OpenApiSecurity
{
    public const string BearerScheme = "bearer";
    public const string CookieScheme = "staffCookie";

    public static OpenApiOptions AddGatewaySecurity(this OpenApiOptions options)
    {
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "A token of ADMIN_API_TOKEN or API_TOKENS (name:role:token); its role decides what it may do.",
            };
            document.Components.SecuritySchemes[CookieScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey,
                In = ParameterLocation.Cookie,
                Name = StaffCookie.Name,
                Description = "A staff member's console sign-in (/signin); their roles decide what they may do.",
            };
            return Task.CompletedTask;
        });
        options.AddOperationTransformer(async (operation, context, ct) =>
        {
            if (!RequiresAuthorization(context.Description.ActionDescriptor.EndpointMetadata)) return;
            operation.Security ??= [];
            operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [] });
            operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(CookieScheme, context.Document)] = [] });
            operation.Responses ??= new OpenApiResponses();
            var problem = await context.GetOrCreateSchemaAsync(typeof(ProblemDetails), null, ct);
            operation.Responses.TryAdd("401", Problem("No Authorization: Bearer token, an unknown one, or no console sign-in; the detail says which.", problem));
            operation.Responses.TryAdd("403", Problem("The caller's role may not do this; the detail names the role.", problem));
        });
        return options;
    }

    /// <summary>An endpoint under an authorization policy (RequireAuthorization) that does not let anonymous callers in.</summary>
    public static bool RequiresAuthorization(IEnumerable<object> metadata)
    {
        var list = metadata as IList<object> ?? metadata.ToList();
        return list.Any(m => m is IAuthorizeData or AuthorizationPolicy) && !list.OfType<IAllowAnonymous>().Any();
    }

    private static OpenApiResponse Problem(string description, IOpenApiSchema schema) => new()
    {
        Description = description,
        Content = new Dictionary<string, OpenApiMediaType> { ["application/problem+json"] = new() { Schema = schema } },
    };
}
