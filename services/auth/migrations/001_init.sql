-- Users, roles, sessions (keystore) and API keys. UUIDs come from gen_random_uuid(), core
-- since PostgreSQL 13, so no extension is needed.
CREATE TABLE users (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email           text NOT NULL UNIQUE CHECK (email = lower(email)),
    name            text NOT NULL,
    profile_pic_url text,
    password_hash   text NOT NULL,
    verified        boolean NOT NULL DEFAULT false,
    status          boolean NOT NULL DEFAULT true,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE roles (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    code       text NOT NULL UNIQUE,
    status     boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE user_roles (
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role_id uuid NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, role_id)
);

-- One row per sign-in: primary_key is the access token's jti, secondary_key the refresh
-- token's jti.
CREATE TABLE keystore (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    primary_key   text NOT NULL UNIQUE,
    secondary_key text NOT NULL UNIQUE,
    status        boolean NOT NULL DEFAULT true,
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL
);
CREATE INDEX keystore_user_id_idx ON keystore (user_id);
CREATE INDEX keystore_expires_at_idx ON keystore (expires_at);

-- Only the SHA-256 of a key is stored; the key itself is shown once when created.
CREATE TABLE api_keys (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    key_hash    text NOT NULL UNIQUE CHECK (key_hash ~ '^[0-9a-f]{64}$'),
    version     integer NOT NULL DEFAULT 1,
    permissions text[] NOT NULL DEFAULT '{GENERAL}',
    comments    text[] NOT NULL DEFAULT '{}',
    status      boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
