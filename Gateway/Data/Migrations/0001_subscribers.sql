-- Residents who text or dial the gateway. The phone number is E.164, normalised at the edge.
CREATE TABLE subscribers (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    phone         text        NOT NULL UNIQUE CHECK (phone ~ '^\+[1-9][0-9]{6,14}$'),
    language      text        NOT NULL CHECK (language IN ('zh', 'en')),
    status        text        NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'opted_out')),
    region        text,
    created_at    timestamptz NOT NULL,
    opted_out_at  timestamptz,
    CHECK ((status = 'opted_out') = (opted_out_at IS NOT NULL))
);
