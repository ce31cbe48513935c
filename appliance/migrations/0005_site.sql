-- Site tools: the media library, redirects from the old portal's addresses,
-- editable menus and the home page's chosen stories.

-- The library's fields of an upload: a digest of the bytes as uploaded (the
-- same file is stored once), a caption, the resized WebP copies made beside
-- the original, and the page count of a PDF.
ALTER TABLE media ADD COLUMN sha256 TEXT;
ALTER TABLE media ADD COLUMN caption TEXT NOT NULL DEFAULT '';
ALTER TABLE media ADD COLUMN variants TEXT NOT NULL DEFAULT '[]';  -- JSON [{path, width, height}]
ALTER TABLE media ADD COLUMN pages INTEGER;
CREATE INDEX media_sha256 ON media (sha256) WHERE sha256 IS NOT NULL;

-- Which items use which file, as a lead image or by its address in the
-- body, kept by triggers so every writer (newsroom, importer, restore of a
-- revision) keeps it true. It answers "where used" without reading bodies.
CREATE TABLE media_use (
    media_id INTEGER NOT NULL REFERENCES media(id) ON DELETE CASCADE,
    item_id  INTEGER NOT NULL REFERENCES item(id) ON DELETE CASCADE,
    PRIMARY KEY (media_id, item_id)
) WITHOUT ROWID;
CREATE INDEX media_use_item ON media_use (item_id);

CREATE TRIGGER item_media_use_insert AFTER INSERT ON item
BEGIN
    INSERT OR IGNORE INTO media_use (media_id, item_id)
    SELECT id, NEW.id FROM media WHERE id = NEW.lead_image_id;
    -- The first test is the same for every row: SQLite checks it once, so a
    -- body without any /media/ address costs no scan of the media table.
    INSERT OR IGNORE INTO media_use (media_id, item_id)
    SELECT id, NEW.id FROM media
    WHERE instr(NEW.body, '/media/') > 0 AND instr(NEW.body, '/media/' || path) > 0;
END;

CREATE TRIGGER item_media_use_update AFTER UPDATE OF body, lead_image_id ON item
BEGIN
    DELETE FROM media_use WHERE item_id = NEW.id;
    INSERT OR IGNORE INTO media_use (media_id, item_id)
    SELECT id, NEW.id FROM media WHERE id = NEW.lead_image_id;
    INSERT OR IGNORE INTO media_use (media_id, item_id)
    SELECT id, NEW.id FROM media
    WHERE instr(NEW.body, '/media/') > 0 AND instr(NEW.body, '/media/' || path) > 0;
END;

INSERT OR IGNORE INTO media_use (media_id, item_id)
SELECT media.id, item.id FROM item JOIN media ON media.id = item.lead_image_id;
INSERT OR IGNORE INTO media_use (media_id, item_id)
SELECT media.id, item.id FROM item JOIN media
  ON instr(item.body, '/media/') > 0 AND instr(item.body, '/media/' || media.path) > 0;

-- Old addresses (path and optional query, as the old portal printed them)
-- that answer 301 with a new address. Hits are counted in memory and
-- written now and then, so a busy old link does not empty the page cache.
CREATE TABLE redirect (
    id          INTEGER PRIMARY KEY,
    old_path    TEXT NOT NULL,
    old_query   TEXT NOT NULL DEFAULT '',
    target      TEXT NOT NULL,
    hits        INTEGER NOT NULL DEFAULT 0,
    last_hit_at TEXT,
    created_at  TEXT NOT NULL,
    created_by  INTEGER REFERENCES user(id),
    updated_at  TEXT NOT NULL,
    UNIQUE (old_path, old_query)
);

-- The public main menu and footer links, per language, in order.
CREATE TABLE menu_link (
    id         INTEGER PRIMARY KEY,
    menu       TEXT NOT NULL CHECK (menu IN ('main', 'footer')),
    lang       TEXT NOT NULL CHECK (lang IN ('vi', 'en', 'km')),
    label      TEXT NOT NULL,
    url        TEXT NOT NULL,
    position   INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL
);
CREATE INDEX menu_link_order ON menu_link (menu, lang, position, id);

-- Stories chosen for the home page of a language: featured (the lead
-- story area) and highlighted (a strip below it), in order.
CREATE TABLE home_block (
    lang     TEXT NOT NULL CHECK (lang IN ('vi', 'en', 'km')),
    item_id  INTEGER NOT NULL REFERENCES item(id) ON DELETE CASCADE,
    slot     TEXT NOT NULL CHECK (slot IN ('featured', 'highlighted')),
    position INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (lang, item_id)
) WITHOUT ROWID;
CREATE INDEX home_block_order ON home_block (lang, slot, position);
