using Gateway.Audit;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Gateway.Staff;

/// <summary>/signout: the layout's "Sign out" button posts here (a GET only shows the button: a link cannot sign anyone out).</summary>
[AllowAnonymous]
public sealed class SignOutPage(AuditLog audit) : PageModel
{
    public IActionResult OnGet() => User.Identity?.IsAuthenticated == true ? Page() : Redirect("/signin");

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        if (User.Identity?.IsAuthenticated == true)
        {
            await audit.RecordAsync(HttpContext, AuditActions.SignOut, ct: ct);
            await HttpContext.SignOutAsync(StaffCookie.Scheme);
        }
        return Redirect("/signin");
    }
}
