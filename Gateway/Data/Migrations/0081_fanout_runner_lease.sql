-- Who is fanning an occurrence out, and until when: the run renews runner_until every few seconds while it writes
-- (Broadcasts/FanOutBroadcast.cs). A live worker's FanOutWatch carries on an occurrence whose lease has ended, within
-- seconds, instead of waiting for Hangfire to give the killed worker's job to another (its invisibility timeout).
-- runner stays set after a run ends, so the next run can say whose work it carries on.
ALTER TABLE broadcast_occurrences ADD COLUMN runner text, ADD COLUMN runner_until timestamptz;

CREATE INDEX broadcast_occurrences_fanning_out ON broadcast_occurrences (id) WHERE status = 'fanning_out';
