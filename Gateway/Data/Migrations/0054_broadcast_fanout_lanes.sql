-- The fan-out writes an occurrence's messages on several connections at once (FANOUT_CONNECTIONS), each a "lane"
-- taking every lanes-th range of subscriber ids: range 0 is (base_id, base_id + first_width], range r the width ids
-- after range r - 1. A lane's row is its cursor: the transaction that writes a range holds the row's lock and
-- advances next_range with the range's messages, so a crash or a second run never writes a range twice.
-- base_id is the occurrence's last_subscriber_id when its lanes were made (an occurrence begun before lanes goes on
-- from its cursor); the ranges' widths are kept so that every run of the occurrence agrees on them.
CREATE TABLE broadcast_fanout_lanes (
    occurrence_id  bigint  NOT NULL REFERENCES broadcast_occurrences (id),
    lane           int     NOT NULL,
    lanes          int     NOT NULL CHECK (lanes > 0 AND lane >= 0 AND lane < lanes),
    base_id        bigint  NOT NULL,
    first_width    bigint  NOT NULL CHECK (first_width > 0),
    width          bigint  NOT NULL CHECK (width > 0),
    next_range     bigint  NOT NULL,
    PRIMARY KEY (occurrence_id, lane)
);

COMMENT ON COLUMN broadcast_occurrences.last_subscriber_id IS
    'fan-out progress before lanes (0054); now where its lanes started';
