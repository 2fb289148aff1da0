using Gateway.Admin;
using Gateway.Hosting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace Gateway.Subscriptions;

/// <summary>
/// /residents (everyone signed in): find a resident by number, written any way people write it (138 1234 5678,
/// +86-138…, 0086…, full-width digits), read as GET /api/subscribers/{phone} reads it. The search is a POST, so the number
/// stays out of addresses, browser history and server logs; the answer is the resident's page, by id.
/// </summary>
public sealed class ResidentsPage(GetSubscriber get, IOptions<GatewayOptions> options) : PageModel
{
    [BindProperty] public string? Phone { get; set; }

    /// <summary>Why nothing was found: a text key "residents.problem.…" and the number as masked.</summary>
    public (string Key, string Masked)? Problem { get; private set; }

    public void OnGet() { }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        var phone = Phones.Phone.Normalise(Phone, options.Value.DefaultRegion);
        if (!phone.IsValid)
        {
            Problem = ("unreadable", "");
            return Page();
        }
        // A resident outside the caller's regions is not found, as if absent: a district office sees its own residents.
        if (await get.HandleAsync(phone.E164!, ct) is { } resident && User.Caller().Regions.Includes(resident.Region))
            return Redirect($"/residents/{resident.Id}");
        Problem = ("not_found", Phones.Phone.Mask(phone.E164));
        return Page();
    }
}
