-- The first schema: staff accounts, sections, content items of every kind,
-- their kind-specific fields, tags, media and an audit trail.
-- Times are UTC in ISO 8601 with a Z suffix; dates are YYYY-MM-DD.

CREATE TABLE user (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE COLLATE NOCASE,
    display_name  TEXT NOT NULL DEFAULT '',
    email         TEXT,
    role          TEXT NOT NULL CHECK (role IN ('contributor', 'reporter', 'editor',
                      'section-editor', 'editor-in-chief', 'admin')),
    password_hash TEXT NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0,
    -- Bumped to end every session of the account (sign-out, disable).
    session_version INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL,
    last_login_at TEXT
);

CREATE TABLE section (
    id         INTEGER PRIMARY KEY,
    key        TEXT NOT NULL UNIQUE,
    names      TEXT NOT NULL DEFAULT '{}',   -- JSON {"vi": ..., "en": ..., "km": ...}
    position   INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE media (
    id            INTEGER PRIMARY KEY,
    path          TEXT NOT NULL UNIQUE,       -- relative to the data directory's media/
    original_name TEXT NOT NULL DEFAULT '',
    mime          TEXT NOT NULL,
    width         INTEGER,
    height        INTEGER,
    bytes         INTEGER NOT NULL,
    alt           TEXT NOT NULL DEFAULT '',
    credit        TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL,
    created_by    INTEGER REFERENCES user(id)
);

-- Every content kind shares this table; kind-specific fields live in
-- document and procedure, and anything else in `extra` (JSON).
CREATE TABLE item (
    id                INTEGER PRIMARY KEY,
    kind              TEXT NOT NULL CHECK (kind IN ('article', 'disclosure', 'directive',
                          'legal_document', 'procedure', 'public_service')),
    lang              TEXT NOT NULL CHECK (lang IN ('vi', 'en', 'km')),
    status            TEXT NOT NULL DEFAULT 'draft',
    revision          INTEGER NOT NULL DEFAULT 1,    -- +1 on every change (stale-edit check)
    published_at      TEXT,
    featured          INTEGER NOT NULL DEFAULT 0,
    section_id        INTEGER REFERENCES section(id) ON DELETE SET NULL,
    slug              TEXT NOT NULL,
    translation_group TEXT,
    external_id       TEXT,
    source            TEXT NOT NULL DEFAULT 'local',
    author_id         INTEGER REFERENCES user(id),
    lead_image_id     INTEGER REFERENCES media(id) ON DELETE SET NULL,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    title             TEXT NOT NULL,
    summary           TEXT NOT NULL DEFAULT '',
    byline            TEXT NOT NULL DEFAULT '',
    source_url        TEXT,
    attribution       TEXT,
    extra             TEXT NOT NULL DEFAULT '{}',
    body              TEXT NOT NULL DEFAULT ''    -- sanitised HTML, kept last (large)
);
CREATE UNIQUE INDEX item_lang_slug ON item (lang, slug);
CREATE UNIQUE INDEX item_source_external ON item (source, external_id)
    WHERE external_id IS NOT NULL;
CREATE INDEX item_listing ON item (status, lang, kind, published_at DESC);
CREATE INDEX item_section ON item (section_id, status, lang, published_at DESC);
CREATE INDEX item_translation ON item (translation_group) WHERE translation_group IS NOT NULL;
CREATE INDEX item_updated ON item (updated_at DESC);
-- Newest first across kinds (home page, feeds), and the few featured items.
CREATE INDEX item_recent ON item (status, lang, published_at DESC);
CREATE INDEX item_featured ON item (status, lang, published_at DESC) WHERE featured = 1;

CREATE TABLE document (
    item_id      INTEGER PRIMARY KEY REFERENCES item(id) ON DELETE CASCADE,
    number       TEXT,
    number_key   TEXT,
    doc_type     TEXT,
    issuer       TEXT,
    signer       TEXT,
    issued_at    TEXT,
    effective_at TEXT,
    legal_status TEXT CHECK (legal_status IS NULL OR legal_status IN ('not_yet_in_force',
                     'in_force', 'amended', 'replaced', 'expired')),
    year         INTEGER
);
CREATE INDEX document_number_key ON document (number_key) WHERE number_key IS NOT NULL;
CREATE INDEX document_issued ON document (issued_at DESC);

CREATE TABLE procedure (
    item_id      INTEGER PRIMARY KEY REFERENCES item(id) ON DELETE CASCADE,
    code         TEXT NOT NULL,
    agency       TEXT,
    authority    TEXT,
    ministry     TEXT,
    field        TEXT,
    level        TEXT,
    applicants   TEXT,
    steps        TEXT NOT NULL DEFAULT '[]',     -- JSON list of strings
    channels     TEXT NOT NULL DEFAULT '[]',     -- JSON list of {channel, processing_time, fee}
    requirements TEXT,
    result       TEXT,
    legal_basis  TEXT NOT NULL DEFAULT '[]'      -- JSON list of document numbers
);
CREATE INDEX procedure_code ON procedure (code);
CREATE INDEX procedure_field ON procedure (field);

CREATE TABLE tag (
    id   INTEGER PRIMARY KEY,
    lang TEXT NOT NULL,
    name TEXT NOT NULL,
    slug TEXT NOT NULL,
    UNIQUE (lang, slug)
);

CREATE TABLE item_tag (
    item_id INTEGER NOT NULL REFERENCES item(id) ON DELETE CASCADE,
    tag_id  INTEGER NOT NULL REFERENCES tag(id) ON DELETE CASCADE,
    PRIMARY KEY (item_id, tag_id)
) WITHOUT ROWID;
CREATE INDEX item_tag_tag ON item_tag (tag_id, item_id);

-- Who did what, for staff accountability; never holds passwords or tokens.
CREATE TABLE audit (
    id      INTEGER PRIMARY KEY,
    at      TEXT NOT NULL,
    user_id INTEGER REFERENCES user(id),
    action  TEXT NOT NULL,
    target  TEXT,
    detail  TEXT
);
CREATE INDEX audit_at ON audit (at);
