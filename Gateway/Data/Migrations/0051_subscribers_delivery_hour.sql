-- The local hour (city time zone) at which a subscriber wants the daily tip. Chosen on the USSD menu;
-- the Lessons slice's daily planner reads the same column. IF NOT EXISTS: another slice may add it first.
ALTER TABLE subscribers ADD COLUMN IF NOT EXISTS delivery_hour smallint NOT NULL DEFAULT 8 CHECK (delivery_hour BETWEEN 0 AND 23);
