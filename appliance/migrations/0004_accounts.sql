-- Staff accounts: the second factor (an authenticator app), its single-use
-- recovery codes, and personal API tokens. Secrets are never stored as they
-- were shown: the authenticator secret is encrypted with the site's
-- totp_key (secrets.toml), codes and tokens are kept as SHA-256 hashes.

-- One authenticator per account. A row without confirmed_at is an enrolment
-- in progress and does not guard the login yet. last_step is the newest
-- 30-second time step accepted, so no code can be used twice.
CREATE TABLE user_totp (
    user_id      INTEGER PRIMARY KEY REFERENCES user(id) ON DELETE CASCADE,
    secret       TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    confirmed_at TEXT,
    last_step    INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE recovery_code (
    user_id   INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at   TEXT,
    PRIMARY KEY (user_id, code_hash)
) WITHOUT ROWID;

-- Personal API tokens for /api/v1/admin/; they act as their owner.
CREATE TABLE api_token (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at   TEXT
);
CREATE INDEX api_token_user ON api_token (user_id, id);
