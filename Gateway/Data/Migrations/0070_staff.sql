-- Staff: the people who sign in to the console (officials, counsellors, admins). Machine clients keep their API tokens
-- (ADMIN_API_TOKEN, API_TOKENS); both reach the same authorisation rules (Admin/AdminAuth.cs).
-- name is what a person types to sign in: unique whatever its case. regions limits a person to residents of those
-- districts (subscribers.region); empty = no limit (admins always see all).
CREATE TABLE staff (
    id               bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name             text        NOT NULL CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._-]{1,39}$'),
    display_name     text        NOT NULL CHECK (display_name <> '' AND length(display_name) <= 100),
    roles            text[]      NOT NULL CHECK (cardinality(roles) > 0
                                     AND roles <@ ARRAY['admin', 'editor', 'approver', 'counsellor', 'viewer']::text[]),
    regions          text[]      NOT NULL DEFAULT '{}',
    -- ASP.NET Core Identity's PasswordHasher (PBKDF2, salted, versioned): never the password.
    password_hash    text        NOT NULL,
    -- Changes when the password is reset or the account is disabled: a cookie issued under another
    -- stamp stops working at its next request.
    stamp            uuid        NOT NULL,
    created_at       timestamptz NOT NULL,
    created_by       text        NOT NULL,
    disabled_at      timestamptz,
    last_sign_in_at  timestamptz,
    -- Failed sign-ins since the last good one; the fifth locks the account until locked_until.
    failed_sign_ins  int         NOT NULL DEFAULT 0,
    locked_until     timestamptz
);
CREATE UNIQUE INDEX staff_name ON staff (lower(name));
