using System.IO.Compression;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using Gateway.Admin;
using Gateway.Data;
using Gateway.Hosting;
using Gateway.Staff;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.Localization;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.ResponseCompression;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.WebEncoders;
using Npgsql;

namespace Gateway.Shell;

/// <summary>
/// The staff console's shell: Razor Pages rendered by the server (each slice keeps its pages in its own folder, with
/// an absolute @page route), the layout and navigation, texts in both languages, sign-in cookies and antiforgery
/// tokens signed with a key ring kept in PostgreSQL, compression, and HTML status pages. docs/console.md tells how to
/// add a page.
/// </summary>
public static class ConsoleShell
{
    /// <summary>The language cookie: "c=zh|uic=zh" (ASP.NET Core's format), a year long.</summary>
    public const string LanguageCookie = "gateway.lang";

    public const string AntiforgeryCookie = "gateway.antiforgery";

    public static IServiceCollection AddConsole(this IServiceCollection services)
    {
        services.AddRazorPages(o =>
        {
            // Pages live in their slice's folder (Staff/StaffPage.cshtml), not under Pages/.
            o.RootDirectory = "/";
            // Every page needs a signed-in person with some role unless it says otherwise ([AllowAnonymous]).
            o.Conventions.AuthorizeFolder("/", AdminPolicies.View);
        }).AddMvcOptions(o =>
        {
            o.Filters.Add(new PageHandlerRequired());
            // The console's forms repeat a name for a list (Roles=a&Roles=b); jQuery's key syntax (Roles[]) is never used,
            // and its reader throws on a key with an unclosed bracket: a 500 for any hostile form.
            o.ValueProviderFactories.RemoveType<JQueryFormValueProviderFactory>();
            o.ValueProviderFactories.RemoveType<JQueryQueryStringValueProviderFactory>();
        });
        services.AddSingleton(new ConsoleTexts());
        // Razor escapes every character outside Basic Latin by default: 中文 would travel as &#x4E2D;&#x6587;, six times the bytes.
        services.Configure<WebEncoderOptions>(o => o.TextEncoderSettings = new TextEncoderSettings(UnicodeRanges.All));
        services.AddSingleton<ConsoleFormats>();

        services.AddDataProtection().SetApplicationName("outreach-gateway");
        services.AddOptions<KeyManagementOptions>().Configure<NpgsqlDataSource>((o, db) => o.XmlRepository = new DataProtectionKeys(db));

        // Secure whenever the request came over https. Not "Always" like the sign-in cookie: antiforgery then refuses every
        // request Kestrel sees as http, which is every request behind a proxy that ends TLS (and Hangfire's dashboard uses it too).
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = AntiforgeryCookie;
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });

        // Tokens in a page are encrypted afresh for every response, so compressing over https gives BREACH nothing to learn.
        services.AddResponseCompression(o =>
        {
            o.EnableForHttps = true;
            o.Providers.Add<BrotliCompressionProvider>();
            o.Providers.Add<GzipCompressionProvider>();
            o.MimeTypes = ["text/html", "text/css", "text/javascript", "text/csv"];
        });
        services.Configure<BrotliCompressionProviderOptions>(o => o.Level = CompressionLevel.Fastest);
        services.Configure<GzipCompressionProviderOptions>(o => o.Level = CompressionLevel.Fastest);

        services.AddOptions<RequestLocalizationOptions>().Configure<IOptions<GatewayOptions>>((o, gateway) =>
        {
            string[] languages = [ConsoleTexts.Zh, ConsoleTexts.En];
            o.SetDefaultCulture(gateway.Value.DefaultLanguage).AddSupportedCultures(languages).AddSupportedUICultures(languages);
            // A choice made with the switch first, then the browser's Accept-Language (zh-CN, zh-TW → zh; en-GB → en).
            o.RequestCultureProviders = [new CookieRequestCultureProvider { CookieName = LanguageCookie }, new AcceptLanguageHeaderRequestCultureProvider()];
        });
        return services;
    }

    /// <summary>Middleware for console endpoints only (the API and webhooks are untouched). Goes before authentication.</summary>
    public static IApplicationBuilder UseConsole(this IApplicationBuilder app) => app.UseWhen(ConsoleEndpoint.Is, console =>
    {
        console.UseResponseCompression();
        console.UseRequestLocalization();
        console.Use(async (http, next) =>
        {
            var headers = http.Response.Headers;
            // Nothing loads from anywhere but the gateway, and no script but the gateway's own file (no inline script):
            // pages work without it, it only enhances them (live counters, progress).
            headers.ContentSecurityPolicy = "default-src 'none'; style-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "same-origin";
            if (!ConsoleAsset.All.Any(a => http.Request.Path.StartsWithSegments(a.Path))) headers.CacheControl = "no-store";
            await next(http);
        });
        console.Use(StatusPage.ShowForEmptyErrorsAsync);
    });

    public static void MapConsole(this IEndpointRouteBuilder app)
    {
        app.MapRazorPages().WithMetadata(ConsoleEndpoint.Instance);
        foreach (var asset in ConsoleAsset.All)
            app.MapGet(asset.Path, asset.Serve).AllowAnonymous().WithMetadata(ConsoleEndpoint.Instance).ExcludeFromDescription();
        app.MapGet("/language/{language}", SwitchLanguage).AllowAnonymous().WithMetadata(ConsoleEndpoint.Instance).ExcludeFromDescription();
    }

    /// <summary>The language switch: remembers the choice for a year and goes back to the page it was clicked on.</summary>
    private static IResult SwitchLanguage(string language, string? returnUrl, HttpContext http, IOptions<GatewayOptions> gateway)
    {
        if (language is not (ConsoleTexts.Zh or ConsoleTexts.En))
            return Results.NotFound();
        http.Response.Cookies.Append(LanguageCookie, CookieRequestCultureProvider.MakeCookieValue(new RequestCulture(language)), new CookieOptions
        {
            MaxAge = TimeSpan.FromDays(365),
            HttpOnly = true,
            SameSite = SameSiteMode.Lax,
            Secure = StaffCookie.IsHttps(gateway.Value),
            IsEssential = true,
        });
        return Results.LocalRedirect(IsLocal(returnUrl) ? returnUrl! : "/");
    }

    /// <summary>A path on this site ("/staff?x=1"), never another host ("//evil", "/\evil").</summary>
    public static bool IsLocal(string? url) =>
        !string.IsNullOrEmpty(url) && url[0] == '/' && (url.Length == 1 || url[1] is not ('/' or '\\'));

    /// <summary>The html lang attribute of the current request's language.</summary>
    public static string HtmlLanguage => ConsoleTexts.CurrentLanguage == ConsoleTexts.Zh ? "zh-CN" : "en";
}
