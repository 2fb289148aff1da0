-- Each web process taking residents' SMS (Inbound/InboundSpoolReplay.cs) says here, about once a second, that it is
-- alive and how many messages wait in its local spool (kept while the database was unreachable, not replayed yet).
-- The dispatcher claims nothing while any of them may still hold a message the database has not seen (Delivery/
-- Dispatcher.cs, InboundSpoolHold.NoneWaitingSql): a STOP that waited in a spool takes effect before the next bulk
-- message to that number is handed to the provider. A process that stops cleanly deletes its row; a process that
-- took over a dead process's spool file replays it and deletes that process's row.
CREATE TABLE inbound_intakes (
    name      text        PRIMARY KEY,   -- host-pid-random, also the name of its spool file
    alive_at  timestamptz NOT NULL,      -- the database's clock: now() at its last heartbeat
    spooled   integer     NOT NULL       -- messages waiting in its spool at that heartbeat
) WITH (fillfactor = 50);                -- a handful of rows, each updated in place every second
