-- A dispatcher pass's hold on the rows it claimed, one row per running pass (Delivery/DispatchLease.cs). The live pass
-- renews lease_until every few seconds and deletes its row with its outcomes; a row whose lease_until has passed
-- belongs to a worker that stopped (killed, frozen, cut off from the database), and reconciliation takes its rows
-- back. outbound_messages.pass_id names the pass holding a 'sending' row.
--
-- handed_priority/handed_id: how far, in the pass's hand-off order (priority, id), a hand-off to the provider may have
-- begun. The pass commits it before those messages go, so after a crash the rows past it are known never to have left
-- (queued again, nothing asked), and only the rows up to it are asked about at the provider.
CREATE SEQUENCE dispatch_pass_ids;

CREATE TABLE dispatch_passes (
    id               bigint      PRIMARY KEY,
    worker           text        NOT NULL,
    lease_until      timestamptz NOT NULL,
    handed_priority  smallint,
    handed_id        bigint,
    claimed_at       timestamptz NOT NULL
) WITH (fillfactor = 50);   -- a handful of rows, each updated in place every few seconds

ALTER TABLE outbound_messages ADD COLUMN pass_id bigint;

COMMENT ON COLUMN outbound_messages.claimed_until IS
    'reconciliation''s hold on an ambiguous row while it asks the provider (the dispatcher''s lease until 0080; now pass_id)';

-- Rows a dispatcher of an earlier version held at the upgrade: in doubt, asked about once that lease has ended.
-- claimed_until stays, so such a dispatcher still running can record its outcome over this.
UPDATE outbound_messages
   SET status = 'ambiguous', status_at = coalesce(claimed_until, now()),
       note = 'claimed by a dispatcher of an earlier version at the upgrade'
 WHERE status = 'sending';

-- Rows given up after an ambiguous hand-off and an ambiguous resend (Delivery/ReconcileDeliveries.cs): few, and
-- counted on /health/ready over the last day.
CREATE INDEX outbound_messages_unconfirmed ON outbound_messages (status_at) WHERE error_code = 'ambiguous_after_resend';
