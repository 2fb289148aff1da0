using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Gateway.Shell;

/// <summary>What a console page answers for 400, 403 and 404 without a body of its own (a form without its antiforgery
/// token, a person without the role, an unknown name), with the original status kept. Asked for directly, it shows the
/// same text with 200.</summary>
[AllowAnonymous]
[IgnoreAntiforgeryToken]
public sealed class StatusPage : PageModel
{
    /// <summary>The page's route, as in StatusPage.cshtml.</summary>
    public const string Route = "/status/{code:int}";

    private const string OriginalStatus = "gateway:original-status";

    /// <summary>
    /// Console middleware: an empty 400, 403 or 404 is answered with this page, run in place (the path stays what the
    /// person asked for). ASP.NET Core's UseStatusCodePagesWithReExecute cannot find the page from inside the console's
    /// branch of the pipeline, so the endpoint is run directly.
    /// </summary>
    public static async Task ShowForEmptyErrorsAsync(HttpContext http, RequestDelegate next)
    {
        await next(http);
        var response = http.Response;
        if (response.StatusCode is not (400 or 403 or 404) || response.HasStarted || response.ContentLength.HasValue || !string.IsNullOrEmpty(response.ContentType))
            return;
        var page = http.RequestServices.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .First(e => e.RoutePattern.RawText?.TrimStart('/') == Route[1..]);
        var (endpoint, routeValues) = (http.GetEndpoint(), http.Request.RouteValues);
        http.Items[OriginalStatus] = response.StatusCode;
        http.SetEndpoint(page);
        http.Request.RouteValues = new RouteValueDictionary { ["code"] = response.StatusCode };
        try
        {
            await page.RequestDelegate!(http);
        }
        finally
        {
            http.SetEndpoint(endpoint);
            http.Request.RouteValues = routeValues;
        }
    }

    public int Code { get; private set; }

    public string TextKey => Code is 400 or 403 or 404 ? $"status.{Code}" : "status.other";

    public IActionResult OnGet(int code) => Show(code);

    public IActionResult OnPost(int code) => Show(code);

    private IActionResult Show(int code)
    {
        Code = code;
        if (HttpContext.Items[OriginalStatus] is int original) Response.StatusCode = original;
        return Page();
    }
}
