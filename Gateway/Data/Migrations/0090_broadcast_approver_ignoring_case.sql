-- Staff names are one person whatever their case (Admin/StaffName.cs): "Ed" must not approve what "ed" created.
-- The gateway refuses it first; this is the database's backstop, in step with it. A broadcast already approved that
-- way makes this migration fail and names the constraint: look at it before deploying.
ALTER TABLE broadcasts DROP CONSTRAINT broadcasts_check;
ALTER TABLE broadcasts ADD CONSTRAINT broadcasts_approved_by_another_person
    CHECK (approved_by IS NULL OR lower(approved_by) <> lower(created_by));
