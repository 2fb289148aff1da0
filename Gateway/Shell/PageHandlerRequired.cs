using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;

namespace Gateway.Shell;

/// <summary>
/// A page asked with a method or handler it has no handler for (PATCH /, POST / on the dashboard, ?handler=nothing)
/// would otherwise render without its handler having run, its model empty: a 500. It is answered 405 (a method the
/// page does not take) or 404 (a handler it does not have) instead.
/// </summary>
public sealed class PageHandlerRequired : IAsyncPageFilter
{
    public Task OnPageHandlerSelectionAsync(PageHandlerSelectedContext context) => Task.CompletedTask;

    public async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        if (context.HandlerMethod is null && context.ActionDescriptor.HandlerMethods.Count > 0)
        {
            var request = context.HttpContext.Request;
            var method = request.Method;
            var named = context.HttpContext.GetRouteValue("handler") ?? request.Query["handler"].FirstOrDefault();
            var takesMethod = context.ActionDescriptor.HandlerMethods.Any(h => string.Equals(h.HttpMethod, method, StringComparison.OrdinalIgnoreCase)
                || (h.HttpMethod == "Get" && HttpMethods.IsHead(method)));
            context.Result = takesMethod
                ? new ObjectResult(new ProblemDetails { Status = 404, Detail = $"this page has no '{Hosting.LogSanitiser.Clean(named?.ToString())}' action" }) { StatusCode = 404 }
                : new ObjectResult(new ProblemDetails { Status = 405, Detail = $"{method} is not allowed on {request.Path}" }) { StatusCode = 405 };
            return;
        }
        await next();
    }
}
