-- ASP.NET Core Data Protection's key ring (it signs staff cookies and antiforgery tokens). In the database, not in a
-- local folder, so that a sign-in stays valid across restarts and on every web process. The XML is Data Protection's
-- own; anyone who can read this table can forge cookies, so it is as secret as the database password.
CREATE TABLE data_protection_keys (
    id             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    friendly_name  text        NOT NULL UNIQUE,
    xml            text        NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now()
);
