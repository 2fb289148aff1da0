namespace Gateway.Admin;

// The admin API's answers, one record per shape (property names are camelCased in JSON), so that the OpenAPI document
// describes exactly what is sent.

/// <summary>GET /api/subscribers/{phone}.</summary>
public sealed record SubscriberResponse(string Phone, string Status, string Language, IReadOnlyList<string> Topics, string? Region,
    DateTime CreatedAt, DateTime? OptedOutAt, IReadOnlyList<CoursePositionResponse> Courses);

/// <summary>A subscriber's place in one course.</summary>
public sealed record CoursePositionResponse(string Course, int? Number, int? NextLesson, int? Lessons, int? LastLesson, string? LastLessonStatus,
    string Channel, DateTime EnrolledAt, DateTime? CompletedAt);

/// <summary>One entry of GET /api/subscribers/{phone}/consent.</summary>
public sealed record ConsentEventResponse(string Action, string Scope, string? Keyword, string Channel, DateTime OccurredAt);

/// <summary>One course of GET /api/courses.</summary>
public sealed record CourseResponse(string Key, int Number, BilingualText Title, int Lessons, int Enrolments, int Completed,
    double? CompletionRate, IReadOnlyList<int> Reached);

public sealed record BilingualText(string Zh, string En);

/// <summary>POST /api/subscribers/{phone}/enrolments: the enrolment as it stands.</summary>
public sealed record EnrolmentResponse(string Course, int Number, int NextLesson, int Lessons, string Channel, DateTime EnrolledAt);

/// <summary>GET /api/inbox: a page of messages, and the next page's URL (null on the last).</summary>
public sealed record InboxPageResponse(IReadOnlyList<InboxMessageResponse> Messages, string? Next);

public sealed record InboxMessageResponse(long Id, string Phone, string Body, DateTime ReceivedAt, string? Intent, string? Reply,
    DateTime? HandledAt, string Provider, IReadOnlyList<InboxMediaResponse> Media);

public sealed record InboxMediaResponse(string Url, string? ContentType);
