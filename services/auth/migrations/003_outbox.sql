-- Transactional outbox (API.md section 5: no event is lost once its change is committed).
-- Every user-changing transaction bumps users.version and inserts the user.* event here;
-- the relay (relay.c) publishes the rows to JetStream and deletes them. version lets a
-- consumer refuse an event older than one it already applied (redelivery, two consumers).
ALTER TABLE users ADD COLUMN version bigint NOT NULL DEFAULT 0;

CREATE TABLE outbox (
    id         bigserial PRIMARY KEY,
    subject    text NOT NULL,
    payload    jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
