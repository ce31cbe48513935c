-- The search index: one row per searchable document (published items, later
-- also documents from outside sources, so no foreign key to item), and two
-- FTS5 indexes over its search form. Dossiers are never indexed.
--
-- The low six bits of search_doc.id hold the language (bits 4-5) and the
-- kind (bits 0-3), codes in search/index.py; the bits above count up, so the
-- highest ids are the newest documents. FTS5 returns rowids for free: counting
-- matches per kind and filtering by kind or language never read a row here.
CREATE TABLE search_doc (
    id          INTEGER PRIMARY KEY,
    ref         TEXT NOT NULL UNIQUE,      -- "item:<id>" or "<source>:<id>"
    item_id     INTEGER,
    kind        TEXT NOT NULL,
    lang        TEXT NOT NULL,
    date        TEXT,                      -- ISO 8601 date or UTC date-time
    number      TEXT,                      -- document number or procedure code
    number_key  TEXT,                      -- appliance.text.number_key(number)
    external_id TEXT,
    url         TEXT NOT NULL,
    -- Small columns above are read while ranking; big text stays last so
    -- reading them never walks overflow pages.
    title       TEXT NOT NULL,
    summary     TEXT NOT NULL DEFAULT '',
    body        TEXT NOT NULL DEFAULT ''
);

CREATE INDEX search_doc_number_key ON search_doc (number_key)
    WHERE number_key IS NOT NULL;

CREATE INDEX search_doc_item ON search_doc (item_id) WHERE item_id IS NOT NULL;

-- The search form (sx(): NFC, đ as d, Khmer clusters), computed on the fly
-- so the text is stored once.
CREATE VIEW search_doc_sx AS
SELECT id, sx(title) AS title, sx(summary) AS summary, sx(body) AS body,
       sx(number) AS number
FROM search_doc;

-- Every word of every document, for ranking by bm25.
CREATE VIRTUAL TABLE search_fts USING fts5(
    title, summary, body, number,
    content = 'search_doc_sx', content_rowid = 'id',
    tokenize = "unicode61 remove_diacritics 2 categories 'L* N* Co Mn Mc'"
);

-- Titles and numbers alone: a few percent of the text, so finding every
-- document whose title holds the query stays cheap on the commonest words.
CREATE VIRTUAL TABLE search_title_fts USING fts5(
    title, number,
    content = 'search_doc_sx', content_rowid = 'id',
    tokenize = "unicode61 remove_diacritics 2 categories 'L* N* Co Mn Mc'"
);

CREATE TRIGGER search_doc_insert AFTER INSERT ON search_doc BEGIN
    INSERT INTO search_fts (rowid, title, summary, body, number)
    VALUES (new.id, sx(new.title), sx(new.summary), sx(new.body), sx(new.number));
    INSERT INTO search_title_fts (rowid, title, number)
    VALUES (new.id, sx(new.title), sx(new.number));
END;

CREATE TRIGGER search_doc_delete AFTER DELETE ON search_doc BEGIN
    INSERT INTO search_fts (search_fts, rowid, title, summary, body, number)
    VALUES ('delete', old.id, sx(old.title), sx(old.summary), sx(old.body),
            sx(old.number));
    INSERT INTO search_title_fts (search_title_fts, rowid, title, number)
    VALUES ('delete', old.id, sx(old.title), sx(old.number));
END;

-- Only text changes re-index: a metadata update (date, url) leaves the index.
CREATE TRIGGER search_doc_update AFTER UPDATE OF title, summary, body, number
ON search_doc BEGIN
    INSERT INTO search_fts (search_fts, rowid, title, summary, body, number)
    VALUES ('delete', old.id, sx(old.title), sx(old.summary), sx(old.body),
            sx(old.number));
    INSERT INTO search_fts (rowid, title, summary, body, number)
    VALUES (new.id, sx(new.title), sx(new.summary), sx(new.body), sx(new.number));
    INSERT INTO search_title_fts (search_title_fts, rowid, title, number)
    VALUES ('delete', old.id, sx(old.title), sx(old.number));
    INSERT INTO search_title_fts (rowid, title, number)
    VALUES (new.id, sx(new.title), sx(new.number));
END;

-- Which version of sx() built the index; search.index.ensure_form() rebuilds
-- the index when the program's version differs.
CREATE TABLE search_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

INSERT INTO search_meta (key, value) VALUES ('form_version', '1');
