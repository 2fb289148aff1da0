-- The W3C traceparent of whatever queued the message (an inbound SMS's activity, a request, a job), so that the
-- dispatcher's provider call continues that trace in another process (docs/operating.md#traces). NULL when nothing
-- was being traced, and for set-based producers (broadcasts, lessons, tips), whose rows share their job's trace.
ALTER TABLE outbound_messages ADD COLUMN trace_parent text;
