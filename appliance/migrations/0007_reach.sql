-- Reach and trust: short links, old addresses of items, citizen ratings,
-- feedback and questions, planned-downtime notices, the administrator's
-- outside snippets, and the structured pages the law expects.

-- One short code per item (/s/{code}), made when it is first published and
-- kept for ever: posters and QR codes carry it.
CREATE TABLE short_link (
    code       TEXT PRIMARY KEY,
    item_id    INTEGER NOT NULL UNIQUE REFERENCES item(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO short_link (code, item_id, created_at)
SELECT lower(hex(randomblob(4))), id, strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
FROM item WHERE status = 'published';

-- Addresses an item had before an editor changed its slug or section; they
-- answer 301 with the item's address now.
CREATE TABLE item_address (
    path       TEXT PRIMARY KEY,
    item_id    INTEGER NOT NULL REFERENCES item(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX item_address_item ON item_address (item_id);

-- Citizen satisfaction, anonymous by design: only counts per day, page and
-- score are kept, never a time of day, an address or anything of the rater.
-- target is "portal" for the portal as a whole, else a page's path.
CREATE TABLE rating_count (
    day    TEXT NOT NULL,               -- YYYY-MM-DD, Asia/Ho_Chi_Minh
    target TEXT NOT NULL,
    lang   TEXT NOT NULL,
    score  INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
    n      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, target, lang, score)
) WITHOUT ROWID;
CREATE INDEX rating_count_target ON rating_count (target, day);

-- Feedback and questions from the public. Contact details are optional,
-- only for a reply, and erased when the question is closed.
CREATE TABLE feedback (
    id          INTEGER PRIMARY KEY,
    reference   TEXT NOT NULL UNIQUE,
    lang        TEXT NOT NULL,
    topic       TEXT NOT NULL,
    message     TEXT NOT NULL,
    name        TEXT NOT NULL DEFAULT '',
    email       TEXT NOT NULL DEFAULT '',
    page        TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL DEFAULT 'new'
                CHECK (status IN ('new', 'answered', 'rejected', 'closed')),
    answer      TEXT NOT NULL DEFAULT '',
    -- The question as published, edited by the editor (no personal details).
    public_question TEXT NOT NULL DEFAULT '',
    public      INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL,
    answered_at TEXT,
    answered_by INTEGER REFERENCES user(id)
);
CREATE INDEX feedback_status ON feedback (status, created_at DESC);
CREATE INDEX feedback_public ON feedback (lang, answered_at DESC) WHERE public = 1;

-- Planned downtime, announced on every public page from shown_from until
-- the expected restore time (ends_at).
CREATE TABLE downtime_notice (
    id         INTEGER PRIMARY KEY,
    starts_at  TEXT NOT NULL,
    ends_at    TEXT NOT NULL,
    shown_from TEXT NOT NULL,
    messages   TEXT NOT NULL DEFAULT '{}',   -- JSON {"vi": ..., "en": ..., "km": ...}
    created_at TEXT NOT NULL,
    created_by INTEGER REFERENCES user(id),
    cancelled  INTEGER NOT NULL DEFAULT 0
);

-- The outside snippets an administrator configures (monitoring, trust badge,
-- analytics): one row per slot, its fields as JSON.
CREATE TABLE site_slot (
    name       TEXT PRIMARY KEY CHECK (name IN ('monitoring', 'trust_badge', 'analytics')),
    fields     TEXT NOT NULL DEFAULT '{}',
    enabled    INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL,
    updated_by INTEGER REFERENCES user(id)
) WITHOUT ROWID;

-- The pages the law expects (leaders, organisation, contacts, spokesperson,
-- official channels, privacy notice) as structured entries per language.
CREATE TABLE about_entry (
    id         INTEGER PRIMARY KEY,
    page       TEXT NOT NULL CHECK (page IN ('leaders', 'organisation', 'contacts',
                   'press', 'channels', 'privacy')),
    lang       TEXT NOT NULL CHECK (lang IN ('vi', 'en', 'km')),
    position   INTEGER NOT NULL DEFAULT 0,
    fields     TEXT NOT NULL DEFAULT '{}',
    updated_at TEXT NOT NULL,
    updated_by INTEGER REFERENCES user(id)
);
CREATE INDEX about_entry_order ON about_entry (page, lang, position, id);
