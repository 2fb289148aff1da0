-- The inbound fast path's guard (migration 0060) also checks the sender's counselling conversation: while one is
-- claimed and open, a message goes to it instead of keyword handling, so a claim or a close since the sender was
-- remembered must send the message the normal way. p_conversation is the id of the conversation the decision
-- assumed (the newest open claimed request of the subscriber), NULL for none. Claiming and closing lock the
-- subscriber's row first, as every writer of what this guard checks does.
DROP FUNCTION inbound_sender_guard(bigint, text, text, text[], boolean);

CREATE FUNCTION inbound_sender_guard(p_subscriber_id bigint, p_status text, p_language text, p_topics text[],
                                     p_conversation bigint, p_lock boolean) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF p_lock THEN
        PERFORM 1 FROM subscribers WHERE id = p_subscriber_id FOR UPDATE;
    END IF;
    IF NOT EXISTS (SELECT FROM subscribers s
                    WHERE s.id = p_subscriber_id AND s.status = p_status AND s.language = p_language
                      AND ARRAY(SELECT t.topic FROM subscriptions t WHERE t.subscriber_id = s.id ORDER BY t.topic) = p_topics
                      AND (SELECT max(r.id) FROM support_requests r
                            WHERE r.subscriber_id = s.id AND r.status = 'open' AND r.claimed_by IS NOT NULL) IS NOT DISTINCT FROM p_conversation) THEN
        RAISE EXCEPTION 'inbound sender % changed since it was remembered', p_subscriber_id USING ERRCODE = 'GW001';
    END IF;
END $$;
