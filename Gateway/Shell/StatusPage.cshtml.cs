using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Gateway.Shell;

/// <summary>What a console page answers for 400, 403 and 404 (re-executed by the status-code middleware), with the
/// original status kept. Asked for directly, it shows the same text with 200.</summary>
[AllowAnonymous]
[IgnoreAntiforgeryToken]
public sealed class StatusPage : PageModel
{
    public int Code { get; private set; }

    public string TextKey => Code is 400 or 403 or 404 ? $"status.{Code}" : "status.other";

    public IActionResult OnGet(int code) => Show(code);

    public IActionResult OnPost(int code) => Show(code);

    private IActionResult Show(int code)
    {
        Code = code;
        if (HttpContext.Features.Get<IStatusCodeReExecuteFeature>() is not null) Response.StatusCode = code;
        return Page();
    }
}
