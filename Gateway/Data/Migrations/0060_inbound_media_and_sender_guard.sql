-- MMS: the media a resident sent with a message (Twilio's MediaUrl0… and MediaContentType0…), kept with it so the
-- inbox and the conversation show them. NULL when there were none (almost every SMS).
ALTER TABLE inbound_messages ADD COLUMN media_urls text[], ADD COLUMN media_types text[];

-- The inbound fast path (Inbound/InboundFastPath.cs) decides a message from the sender's record as it remembered it,
-- then sends the message, its reply and its changes in one round trip whose first statement stores the message past
-- this guard (INSERT … SELECT … FROM inbound_sender_guard(…)): when the record is
-- no longer as remembered it fails the round trip with SQLSTATE GW001, rolling it all back, so the pipeline handles
-- the message the normal way instead. When the message changes the sender (p_lock), the guard first locks the
-- subscriber's row, so nothing else changes it until the round trip commits (every writer of a sender's record locks
-- that row first); the check then runs in a statement of its own, so it reads what a change that held the lock
-- committed. A message that changes nothing (most: HELP, questions) takes no lock: a concurrent change is then simply
-- later than it.
CREATE FUNCTION inbound_sender_guard(p_subscriber_id bigint, p_status text, p_language text, p_topics text[], p_lock boolean) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF p_lock THEN
        PERFORM 1 FROM subscribers WHERE id = p_subscriber_id FOR UPDATE;
    END IF;
    IF NOT EXISTS (SELECT FROM subscribers s
                    WHERE s.id = p_subscriber_id AND s.status = p_status AND s.language = p_language
                      AND ARRAY(SELECT t.topic FROM subscriptions t WHERE t.subscriber_id = s.id ORDER BY t.topic) = p_topics) THEN
        RAISE EXCEPTION 'inbound sender % changed since it was remembered', p_subscriber_id USING ERRCODE = 'GW001';
    END IF;
END $$;
