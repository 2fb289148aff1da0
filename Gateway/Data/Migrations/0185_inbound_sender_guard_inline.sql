-- The inbound fast path's guard, inline (issue 16, the webhook's speed). The fast path's statement now checks the
-- sender itself (Inbound/StoreInboundMessage.cs: the same conditions as inbound_sender_guard of migration 0121), and
-- when the message changes something the sender's row is locked by a statement of its own just before, so the check
-- reads what a change that held the lock committed. PostgreSQL plans the check with the insert, instead of running two
-- statements of a PL/pgSQL function on every message. This function is called only when the check fails: it fails the
-- round trip with SQLSTATE GW001, so nothing it carried is written and the message takes the normal path.
CREATE FUNCTION inbound_sender_changed(p_subscriber_id bigint) RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    RAISE EXCEPTION 'inbound sender % changed since it was remembered', p_subscriber_id USING ERRCODE = 'GW001';
END $$;

-- A web process still on the previous code while the new one starts finds no guard: its fast path fails, and it
-- handles the message the normal way (InboundFastPath's fallback), as for any failure of that round trip.
DROP FUNCTION inbound_sender_guard(bigint, text, text, text[], bigint, boolean);
