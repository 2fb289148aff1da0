using Gateway.Audit;
using Gateway.Shell;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Gateway.Staff;

/// <summary>/signin: name and password; too many failures lock the account (<see cref="SignInStaff"/>).</summary>
[AllowAnonymous]
public sealed class SignInPage(SignInStaff signIn, ConsoleTexts texts, ConsoleFormats formats) : PageModel
{
    [BindProperty]
    public string? Name { get; set; }

    [BindProperty]
    public string? Password { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public string? Problem { get; private set; }

    private string Target => ConsoleShell.IsLocal(ReturnUrl) ? ReturnUrl! : "/";

    public IActionResult OnGet() => User.Identity?.IsAuthenticated == true ? LocalRedirect(Target) : Page();

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        var result = await signIn.HandleAsync(Name, Password, AuditLog.AddressOf(HttpContext), ct);
        switch (result.Outcome)
        {
            case SignInOutcome.SignedIn:
                await HttpContext.SignInAsync(StaffCookie.Scheme, StaffCookie.PrincipalOf(result.Member!), new AuthenticationProperties { IsPersistent = false });
                return LocalRedirect(Target);
            case SignInOutcome.Locked:
                Problem = texts["signin.locked", SignInStaff.MaxFailures, formats.Time(result.LockedUntil!.Value)];
                break;
            default:
                Problem = texts["signin.refused"];
                break;
        }
        Password = null;
        return Page();
    }
}
