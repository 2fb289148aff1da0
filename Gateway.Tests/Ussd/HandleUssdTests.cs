using Gateway.Delivery;
using Gateway.Hosting;
using Gateway.Lessons;
using Gateway.Subscriptions;
using Gateway.Support;
using Gateway.Tests.Support;
using Gateway.Ussd;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Gateway.Tests.Ussd;

public sealed class HandleUssdTests
{
    [Fact]
    public async Task DatabaseUnreachable_GetsThePoliteBusyScreen_NotAnError()
    {
        // Port 1 on loopback: refused at once.
        await using var db = NpgsqlDataSource.Create("Host=127.0.0.1;Port=1;Timeout=2;Pooling=false");
        var clock = new FakeTimeProvider();
        var options = Options.Create(new GatewayOptions { DefaultLanguage = "en" });
        var consent = new ChangeConsent(clock);
        var subscribers = new Subscribers(db, consent, clock);
        var courses = new CourseCatalog(RepoPaths.Templates);
        var enrolments = new Enrolments(courses, new Outbox(clock, Options.Create(new DeliveryOptions())),
            new DailySchedule(Lessons.QuietHoursTests.Default, options), clock);
        var handle = new HandleUssd(UssdTestMenus.Real, new UssdSessions(db, clock, options),
            new UssdActions(db, subscribers, consent, new SubscriberPreferences(),
                new DeleteSubscriberData(db, consent, clock, NullLogger<DeleteSubscriberData>.Instance),
                new OpenSupportRequest(clock, NullLogger<OpenSupportRequest>.Instance), courses, enrolments,
                Options.Create(new LessonOptions()), NullLogger<UssdActions>.Instance),
            options, NullLogger<HandleUssd>.Instance);

        var reply = await handle.HandleAsync(new UssdRequest("ATUid_busy", "+8613800000501", "*384*123#", null, ""), CancellationToken.None);

        Assert.True(reply.End);
        Assert.Equal(UssdTestMenus.Real.Menus.Words.Busy!.En, reply.Text);
    }
}
