-- SMS_ROUTES (issue 19): each outbound row's provider is chosen when it is queued, and each provider's dispatcher
-- claims only its own rows. outbound_route(recipient) gives the provider for a number and outbound_route_price its
-- price per segment; both are rewritten at every start-up from the process's SMS_ROUTES (Delivery/OutboundRoutes.cs),
-- as one CASE expression that the planner inlines into the set-based INSERT of a broadcast. Until then they give NULL.
CREATE FUNCTION outbound_route(recipient text) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE AS $$ SELECT NULL::text $$;

CREATE FUNCTION outbound_route_price(recipient text) RETURNS numeric
    LANGUAGE sql STABLE PARALLEL SAFE AS $$ SELECT NULL::numeric $$;

-- The claim is per provider now: its due rows by priority, then due time.
DROP INDEX outbound_messages_due;
CREATE INDEX outbound_messages_due ON outbound_messages (provider, priority, not_before, id) WHERE status = 'queued';
