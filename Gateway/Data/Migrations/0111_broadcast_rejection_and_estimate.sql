-- Approvers may reject a broadcast with a reason its creator reads (status 'rejected'); a rejection, like an approval,
-- is a second person's (Admin/StaffName.cs: names ignore case).
-- estimated_cost: the cost of one sending as estimated at approval (recipients × segments × price, Broadcasts/
-- PreviewBroadcast.cs): what an approved broadcast that has not started yet will take from SMS_MONTHLY_BUDGET.
ALTER TABLE broadcasts DROP CONSTRAINT broadcasts_status_check;
ALTER TABLE broadcasts ADD CONSTRAINT broadcasts_status_check CHECK (status IN (
    'pending_approval', 'approved', 'scheduled', 'sending', 'sent', 'canceled', 'failed', 'rejected'));

ALTER TABLE broadcasts
    ADD COLUMN rejected_by       text,
    ADD COLUMN rejected_at       timestamptz,
    ADD COLUMN rejection_reason  text,
    ADD COLUMN estimated_cost    numeric(14, 5),
    ADD CONSTRAINT broadcasts_rejected_by_another_person CHECK (rejected_by IS NULL OR lower(rejected_by) <> lower(created_by)),
    ADD CONSTRAINT broadcasts_rejected_with_reason CHECK ((status = 'rejected') = (rejection_reason IS NOT NULL));

-- The approvals page: what waits, oldest first.
CREATE INDEX broadcasts_pending ON broadcasts (created_at, id) WHERE status = 'pending_approval';
