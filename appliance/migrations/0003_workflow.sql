-- The editorial workflow: review states, who may take which transition (data
-- an administrator changes), section-limited staff, revisions, locks, notes,
-- notifications and the mail that carries them, review links for outside
-- reviewers, and an audit trail that records the address and cannot be
-- rewritten.

-- When to publish or take down an item on its own (UTC); the scheduler acts
-- on these. A translation remembers the source version it was made from, so
-- a later change to the source marks it outdated.
ALTER TABLE item ADD COLUMN publish_at TEXT;
ALTER TABLE item ADD COLUMN unpublish_at TEXT;
ALTER TABLE item ADD COLUMN content_revision INTEGER NOT NULL DEFAULT 1;
ALTER TABLE item ADD COLUMN source_item_id INTEGER REFERENCES item(id) ON DELETE SET NULL;
ALTER TABLE item ADD COLUMN source_revision INTEGER;
CREATE INDEX item_publish_at ON item (publish_at) WHERE publish_at IS NOT NULL;
CREATE INDEX item_unpublish_at ON item (unpublish_at) WHERE unpublish_at IS NOT NULL;
CREATE INDEX item_author ON item (author_id, status);
CREATE INDEX item_status ON item (status, updated_at DESC);

-- Staff limited to some sections act only there; staff with no row act in
-- every section.
CREATE TABLE user_section (
    user_id    INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
    section_id INTEGER NOT NULL REFERENCES section(id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, section_id)
) WITHOUT ROWID;

-- Which role may take which workflow transition.
CREATE TABLE workflow_rule (
    transition TEXT NOT NULL,
    role       TEXT NOT NULL,
    PRIMARY KEY (transition, role)
) WITHOUT ROWID;

INSERT INTO workflow_rule (transition, role) VALUES
    ('submit', 'contributor'), ('submit', 'reporter'), ('submit', 'editor'),
    ('submit', 'section-editor'), ('submit', 'editor-in-chief'), ('submit', 'admin'),
    ('take', 'editor'), ('take', 'section-editor'), ('take', 'editor-in-chief'),
    ('take', 'admin'),
    ('send_for_approval', 'editor'), ('send_for_approval', 'section-editor'),
    ('send_for_approval', 'editor-in-chief'), ('send_for_approval', 'admin'),
    ('return', 'editor'), ('return', 'section-editor'), ('return', 'editor-in-chief'),
    ('return', 'admin'),
    ('approve', 'section-editor'), ('approve', 'editor-in-chief'), ('approve', 'admin'),
    ('schedule', 'section-editor'), ('schedule', 'editor-in-chief'), ('schedule', 'admin'),
    ('unschedule', 'section-editor'), ('unschedule', 'editor-in-chief'),
    ('unschedule', 'admin'),
    ('publish', 'section-editor'), ('publish', 'editor-in-chief'), ('publish', 'admin'),
    ('publish_now', 'editor-in-chief'), ('publish_now', 'admin'),
    ('unpublish', 'section-editor'), ('unpublish', 'editor-in-chief'), ('unpublish', 'admin'),
    ('archive', 'editor-in-chief'), ('archive', 'admin'),
    ('reopen', 'editor'), ('reopen', 'section-editor'), ('reopen', 'editor-in-chief'),
    ('reopen', 'admin');

-- Every save of an item, as it was saved.
CREATE TABLE item_revision (
    item_id  INTEGER NOT NULL REFERENCES item(id) ON DELETE CASCADE,
    revision INTEGER NOT NULL,
    saved_at TEXT NOT NULL,
    user_id  INTEGER REFERENCES user(id),
    status   TEXT NOT NULL,
    title    TEXT NOT NULL,
    summary  TEXT NOT NULL DEFAULT '',
    fields   TEXT NOT NULL DEFAULT '{}',   -- JSON: the other editable fields
    body     TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (item_id, revision)
);

-- Who is editing an item now; a lock without a heartbeat lapses.
CREATE TABLE item_lock (
    item_id      INTEGER PRIMARY KEY REFERENCES item(id) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL REFERENCES user(id),
    taken_at     TEXT NOT NULL,
    heartbeat_at TEXT NOT NULL
);

-- Editorial notes on an item, and the reasons given for returning it.
CREATE TABLE item_note (
    id      INTEGER PRIMARY KEY,
    item_id INTEGER NOT NULL REFERENCES item(id) ON DELETE CASCADE,
    user_id INTEGER REFERENCES user(id),
    at      TEXT NOT NULL,
    kind    TEXT NOT NULL DEFAULT 'note' CHECK (kind IN ('note', 'return', 'takeover')),
    body    TEXT NOT NULL
);
CREATE INDEX item_note_item ON item_note (item_id, id);

-- Something happened that a member of staff should know about.
CREATE TABLE notification (
    id       INTEGER PRIMARY KEY,
    user_id  INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
    at       TEXT NOT NULL,
    event    TEXT NOT NULL,      -- submitted, returned, approved, published, ...
    item_id  INTEGER REFERENCES item(id) ON DELETE CASCADE,
    actor_id INTEGER REFERENCES user(id),
    detail   TEXT NOT NULL DEFAULT '',
    read_at  TEXT
);
CREATE INDEX notification_user ON notification (user_id, read_at, id DESC);

-- Mail waiting for the SMTP server; kept a while after sending.
CREATE TABLE mail_outbox (
    id         INTEGER PRIMARY KEY,
    created_at TEXT NOT NULL,
    recipient  TEXT NOT NULL,
    subject    TEXT NOT NULL,
    body       TEXT NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    sent_at    TEXT,
    last_error TEXT
);
CREATE INDEX mail_outbox_pending ON mail_outbox (id) WHERE sent_at IS NULL;

-- Links that let someone outside the newsroom read an unpublished item.
-- Only a hash of the secret is kept.
CREATE TABLE review_link (
    id         INTEGER PRIMARY KEY,
    item_id    INTEGER NOT NULL REFERENCES item(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_by INTEGER REFERENCES user(id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT,
    views      INTEGER NOT NULL DEFAULT 0,
    last_view_at TEXT
);
CREATE INDEX review_link_item ON review_link (item_id);

-- The audit trail records the client address and is append-only.
ALTER TABLE audit ADD COLUMN address TEXT;
CREATE INDEX audit_user ON audit (user_id, id);
CREATE INDEX audit_action ON audit (action, id);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;

-- Every existing item starts its history with the version it has now.
INSERT INTO item_revision (item_id, revision, saved_at, user_id, status, title, summary,
                           fields, body)
SELECT id, revision, updated_at, author_id, status, title, summary, '{}', body FROM item;
UPDATE item SET content_revision = revision;
