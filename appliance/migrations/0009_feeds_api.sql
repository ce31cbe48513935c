-- Feeds and APIs: partners who push content in (their keys kept as hashes),
-- answers kept for retries that carry an Idempotency-Key, webhook
-- subscribers, the events that changes to published content raise, and the
-- deliveries of those events with every attempt.

-- A department, a commune or another system that holds API keys. Scopes say
-- what it may write: content kinds, "section:KEY", or "read" (nothing).
CREATE TABLE partner (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE COLLATE NOCASE,
    scopes     TEXT NOT NULL DEFAULT '[]',   -- JSON list of scopes
    trusted    INTEGER NOT NULL DEFAULT 0,   -- its items publish without review
    created_at TEXT NOT NULL,
    revoked_at TEXT                          -- once set, none of its keys works
);

-- Only a SHA-256 hash of each key is kept; the hint (its last characters)
-- tells keys apart in lists.
CREATE TABLE partner_key (
    id           INTEGER PRIMARY KEY,
    partner_id   INTEGER NOT NULL REFERENCES partner(id) ON DELETE CASCADE,
    key_hash     TEXT NOT NULL UNIQUE,
    hint         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at   TEXT
);
CREATE INDEX partner_key_partner ON partner_key (partner_id, id);

-- The answer given to a push with an Idempotency-Key, so that a retry of the
-- same request gets the same answer and changes nothing; kept a day.
CREATE TABLE inbound_request (
    partner_id  INTEGER NOT NULL REFERENCES partner(id) ON DELETE CASCADE,
    key         TEXT NOT NULL,
    fingerprint TEXT NOT NULL,               -- SHA-256 of the method, path and body
    status      INTEGER NOT NULL,
    body        TEXT NOT NULL,
    location    TEXT,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (partner_id, key)
) WITHOUT ROWID;
CREATE INDEX inbound_request_age ON inbound_request (created_at);

-- Who is told about changes (the mobile app, a component site, the open data
-- portal), about which events, and with which filters. The signing secret is
-- encrypted with the site's webhook_key (secrets.toml).
CREATE TABLE webhook (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    url        TEXT NOT NULL,
    events     TEXT NOT NULL DEFAULT '[]',   -- JSON list of event types
    filters    TEXT NOT NULL DEFAULT '{}',   -- JSON {"lang": [...], "kind": [...], "section": [...]}
    secret     TEXT NOT NULL,
    active     INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- A change to public content, written by the triggers below in the writer's
-- own transaction, whoever the writer is (the newsroom, the scheduler, the
-- importer, a partner). The data is what the public could see of the item
-- then, so a deleted item's event can still say what went.
CREATE TABLE content_event (
    id      INTEGER PRIMARY KEY,
    at      TEXT NOT NULL,
    type    TEXT NOT NULL,
    item_id INTEGER NOT NULL,                -- no foreign key: deleted items keep theirs
    data    TEXT NOT NULL,
    fanned  INTEGER NOT NULL DEFAULT 0       -- deliveries made for it
);
CREATE INDEX content_event_new ON content_event (id) WHERE fanned = 0;

-- One event for one subscriber. The message id (webhook-id) stays the same
-- on every attempt and re-send, so receivers can drop what they already have.
CREATE TABLE webhook_delivery (
    id              INTEGER PRIMARY KEY,
    webhook_id      INTEGER NOT NULL REFERENCES webhook(id) ON DELETE CASCADE,
    event_id        INTEGER NOT NULL REFERENCES content_event(id) ON DELETE CASCADE,
    message_id      TEXT NOT NULL,
    state           TEXT NOT NULL DEFAULT 'pending'
                        CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_status     INTEGER,
    last_error      TEXT,
    delivered_at    TEXT,
    created_at      TEXT NOT NULL
);
CREATE INDEX webhook_delivery_pending ON webhook_delivery (webhook_id, id)
    WHERE state = 'pending';
CREATE INDEX webhook_delivery_log ON webhook_delivery (webhook_id, id DESC);
CREATE INDEX webhook_delivery_event ON webhook_delivery (event_id);

CREATE TABLE webhook_attempt (
    id          INTEGER PRIMARY KEY,
    delivery_id INTEGER NOT NULL REFERENCES webhook_delivery(id) ON DELETE CASCADE,
    at          TEXT NOT NULL,
    status      INTEGER,                     -- the HTTP status; null when none came
    error       TEXT,
    ms          INTEGER NOT NULL
);
CREATE INDEX webhook_attempt_delivery ON webhook_attempt (delivery_id, id);

-- The events. Nothing is written while no subscriber is active, so a bulk
-- import on a site without webhooks costs nothing. An item becomes public
-- only as "published" (scheduled and embargoed items are not), so an event
-- never announces anything before its time. A change of the take-down time
-- alone changes nothing the public sees and raises nothing.
CREATE TRIGGER item_event_insert AFTER INSERT ON item
WHEN new.status = 'published' AND EXISTS (SELECT 1 FROM webhook WHERE active = 1)
BEGIN
    INSERT INTO content_event (at, type, item_id, data)
    VALUES (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), 'content.published', new.id,
            json_object('id', new.id, 'kind', new.kind, 'lang', new.lang,
                        'slug', new.slug, 'title', new.title,
                        'section', (SELECT key FROM section WHERE id = new.section_id),
                        'external_id', new.external_id,
                        'published_at', new.published_at,
                        'updated_at', new.updated_at, 'revision', new.revision));
END;

CREATE TRIGGER item_event_update AFTER UPDATE ON item
WHEN (old.status = 'published' OR new.status = 'published')
     AND new.revision != old.revision
     AND (old.status != new.status OR new.unpublish_at IS old.unpublish_at)
     AND EXISTS (SELECT 1 FROM webhook WHERE active = 1)
BEGIN
    INSERT INTO content_event (at, type, item_id, data)
    VALUES (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'),
            CASE WHEN old.status != 'published' THEN 'content.published'
                 WHEN new.status != 'published' THEN 'content.unpublished'
                 ELSE 'content.updated' END,
            new.id,
            json_object('id', new.id, 'kind', new.kind, 'lang', new.lang,
                        'slug', new.slug, 'title', new.title,
                        'section', (SELECT key FROM section WHERE id = new.section_id),
                        'external_id', new.external_id,
                        'published_at', new.published_at,
                        'updated_at', new.updated_at, 'revision', new.revision));
END;

CREATE TRIGGER item_event_delete AFTER DELETE ON item
WHEN old.status = 'published' AND EXISTS (SELECT 1 FROM webhook WHERE active = 1)
BEGIN
    INSERT INTO content_event (at, type, item_id, data)
    VALUES (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), 'content.deleted', old.id,
            json_object('id', old.id, 'kind', old.kind, 'lang', old.lang,
                        'slug', old.slug, 'title', old.title,
                        'section', (SELECT key FROM section WHERE id = old.section_id),
                        'external_id', old.external_id,
                        'published_at', old.published_at,
                        'updated_at', strftime('%Y-%m-%dT%H:%M:%SZ', 'now'),
                        'revision', old.revision));
END;

-- Partners' items are found by their source ("partner:<id>") and external_id
-- through the existing unique index item_source_external.

-- The read API's listings in their order (feeds.read_api, content.list_public):
-- newest first, scanned backwards, so a page reads its rows and stops, with no
-- sort of every published item; the same for the order of change.
CREATE INDEX item_public_order ON item (status, published_at, id);
CREATE INDEX item_public_changes ON item (status, updated_at, id);
