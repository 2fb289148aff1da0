-- The audit log: every staff action (sign-ins, failed sign-ins, lockouts, staff changes, and what later slices add:
-- broadcasts approved, conversations claimed, exports, numbers unmasked). Who (actor, and whether by console sign-in,
-- API token or the gateway itself), what (action), on what (target), when, from which address.
-- Written through Audit/AuditLog.cs only. Never a full phone number or a message body: numbers masked.
CREATE TABLE audit_events (
    id       bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at       timestamptz NOT NULL,
    actor    text        NOT NULL,
    via      text        NOT NULL CHECK (via IN ('console', 'token', 'system')),
    action   text        NOT NULL CHECK (action ~ '^[a-z][a-z_]*(\.[a-z][a-z_]*)*$'),
    target   text,
    detail   text,
    address  text
);

-- Nobody edits or deletes it through the gateway: any UPDATE, DELETE or TRUNCATE fails, whoever sends it. (A database
-- superuser can still drop the trigger; keeping the log from them is the database operator's business.)
CREATE FUNCTION audit_events_are_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_events_kept BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_are_kept();
