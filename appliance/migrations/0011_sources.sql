-- Unified search over every source: facets, outside sources kept in sync by
-- connectors, synonyms editors maintain, pinned results, query counts, and
-- the links between legal documents (which one amends or replaces which).

-- Facet values (section, issuing body, document type, field, year, legal
-- status), each once; a document's values are tokens `f<id>` in the full-text
-- indexes, so narrowing by a facet is a doclist intersection inside FTS5.
CREATE TABLE search_facet_value (
    id    INTEGER PRIMARY KEY,
    facet TEXT NOT NULL,
    value TEXT NOT NULL,
    UNIQUE (facet, value)
);

-- One narrow row per search document (same id): its date, for sorting by
-- date; and one row per document and facet value. Counting facets and
-- sorting read these small rows, never the wide search_doc rows with bodies.
CREATE TABLE search_facet (
    id  INTEGER PRIMARY KEY,               -- search_doc.id
    day INTEGER                            -- the document's date, days since 1970-01-01
);
CREATE TABLE search_facet_token (
    doc_id   INTEGER NOT NULL,             -- search_doc.id
    value_id INTEGER NOT NULL,             -- search_facet_value.id
    PRIMARY KEY (doc_id, value_id)
) WITHOUT ROWID;

-- Facets of the documents already indexed, from the content tables.
INSERT OR IGNORE INTO search_facet_value (facet, value)
SELECT 'section', section.key FROM search_doc
JOIN item ON item.id = search_doc.item_id JOIN section ON section.id = item.section_id;
INSERT OR IGNORE INTO search_facet_value (facet, value)
SELECT 'issuer', document.issuer FROM search_doc
JOIN document ON document.item_id = search_doc.item_id WHERE document.issuer IS NOT NULL;
INSERT OR IGNORE INTO search_facet_value (facet, value)
SELECT 'doc_type', document.doc_type FROM search_doc
JOIN document ON document.item_id = search_doc.item_id WHERE document.doc_type IS NOT NULL;
INSERT OR IGNORE INTO search_facet_value (facet, value)
SELECT 'year', CAST(coalesce(document.year, substr(document.issued_at, 1, 4)) AS TEXT)
FROM search_doc JOIN document ON document.item_id = search_doc.item_id
WHERE coalesce(document.year, document.issued_at) IS NOT NULL;
INSERT OR IGNORE INTO search_facet_value (facet, value)
SELECT 'status', document.legal_status FROM search_doc
JOIN document ON document.item_id = search_doc.item_id
WHERE document.legal_status IS NOT NULL;
INSERT OR IGNORE INTO search_facet_value (facet, value)
SELECT 'field', procedure.field FROM search_doc
JOIN procedure ON procedure.item_id = search_doc.item_id WHERE procedure.field IS NOT NULL;
INSERT OR IGNORE INTO search_facet_value (facet, value)
SELECT 'year', substr(search_doc.date, 1, 4) FROM search_doc
LEFT JOIN document ON document.item_id = search_doc.item_id
WHERE document.item_id IS NULL AND search_doc.date IS NOT NULL;

INSERT INTO search_facet (id, day)
SELECT id, CAST(julianday(substr(date, 1, 10)) - 2440587.5 AS INTEGER) FROM search_doc;

INSERT OR IGNORE INTO search_facet_token (doc_id, value_id)
SELECT search_doc.id, v.id
FROM search_doc
LEFT JOIN item ON item.id = search_doc.item_id
LEFT JOIN section ON section.id = item.section_id
LEFT JOIN document ON document.item_id = search_doc.item_id
LEFT JOIN procedure ON procedure.item_id = search_doc.item_id
JOIN search_facet_value AS v
  ON (v.facet = 'section' AND v.value = section.key)
  OR (v.facet = 'issuer' AND v.value = document.issuer)
  OR (v.facet = 'doc_type' AND v.value = document.doc_type)
  OR (v.facet = 'status' AND v.value = document.legal_status)
  OR (v.facet = 'field' AND v.value = procedure.field)
  OR (v.facet = 'year' AND v.value = CASE
        WHEN document.item_id IS NOT NULL THEN
          CAST(coalesce(document.year, substr(document.issued_at, 1, 4)) AS TEXT)
        ELSE substr(search_doc.date, 1, 4) END);

-- The full-text indexes gain the facet tokens (searched only through the
-- `facets` column filter, never by the words people type), and the title
-- index gains prefix indexes for suggestions as people type.
DROP TRIGGER search_doc_insert;
DROP TRIGGER search_doc_delete;
DROP TRIGGER search_doc_update;
DROP TABLE search_fts;
DROP TABLE search_title_fts;
DROP VIEW search_doc_sx;

CREATE VIEW search_doc_sx AS
SELECT id, sx(title) AS title, sx(summary) AS summary, sx(body) AS body,
       sx(number) AS number,
       (SELECT coalesce(group_concat('f' || value_id, ' '), '')
        FROM search_facet_token WHERE doc_id = search_doc.id) AS facets
FROM search_doc;

CREATE VIRTUAL TABLE search_fts USING fts5(
    title, summary, body, number, facets,
    content = 'search_doc_sx', content_rowid = 'id',
    tokenize = "unicode61 remove_diacritics 2 categories 'L* N* Co Mn Mc'"
);

CREATE VIRTUAL TABLE search_title_fts USING fts5(
    title, number, facets,
    content = 'search_doc_sx', content_rowid = 'id', prefix = '2 3',
    tokenize = "unicode61 remove_diacritics 2 categories 'L* N* Co Mn Mc'"
);

-- search.index writes a document's facet rows before its search_doc row,
-- and changes facets by deleting and re-inserting the document (same id), so
-- the tokens each trigger reads are the ones the index holds.
CREATE TRIGGER search_doc_insert AFTER INSERT ON search_doc BEGIN
    INSERT INTO search_fts (rowid, title, summary, body, number, facets)
    VALUES (new.id, sx(new.title), sx(new.summary), sx(new.body), sx(new.number),
            (SELECT coalesce(group_concat('f' || value_id, ' '), '') FROM search_facet_token WHERE doc_id = new.id));
    INSERT INTO search_title_fts (rowid, title, number, facets)
    VALUES (new.id, sx(new.title), sx(new.number),
            (SELECT coalesce(group_concat('f' || value_id, ' '), '') FROM search_facet_token WHERE doc_id = new.id));
END;

CREATE TRIGGER search_doc_delete AFTER DELETE ON search_doc BEGIN
    INSERT INTO search_fts (search_fts, rowid, title, summary, body, number, facets)
    VALUES ('delete', old.id, sx(old.title), sx(old.summary), sx(old.body),
            sx(old.number), (SELECT coalesce(group_concat('f' || value_id, ' '), '') FROM search_facet_token WHERE doc_id = old.id));
    INSERT INTO search_title_fts (search_title_fts, rowid, title, number, facets)
    VALUES ('delete', old.id, sx(old.title), sx(old.number),
            (SELECT coalesce(group_concat('f' || value_id, ' '), '') FROM search_facet_token WHERE doc_id = old.id));
    DELETE FROM search_facet WHERE id = old.id;
    DELETE FROM search_facet_token WHERE doc_id = old.id;
END;

CREATE TRIGGER search_doc_update AFTER UPDATE OF title, summary, body, number
ON search_doc BEGIN
    INSERT INTO search_fts (search_fts, rowid, title, summary, body, number, facets)
    VALUES ('delete', old.id, sx(old.title), sx(old.summary), sx(old.body),
            sx(old.number), (SELECT coalesce(group_concat('f' || value_id, ' '), '') FROM search_facet_token WHERE doc_id = old.id));
    INSERT INTO search_fts (rowid, title, summary, body, number, facets)
    VALUES (new.id, sx(new.title), sx(new.summary), sx(new.body), sx(new.number),
            (SELECT coalesce(group_concat('f' || value_id, ' '), '') FROM search_facet_token WHERE doc_id = new.id));
    INSERT INTO search_title_fts (search_title_fts, rowid, title, number, facets)
    VALUES ('delete', old.id, sx(old.title), sx(old.number),
            (SELECT coalesce(group_concat('f' || value_id, ' '), '') FROM search_facet_token WHERE doc_id = old.id));
    INSERT INTO search_title_fts (rowid, title, number, facets)
    VALUES (new.id, sx(new.title), sx(new.number),
            (SELECT coalesce(group_concat('f' || value_id, ' '), '') FROM search_facet_token WHERE doc_id = new.id));
END;

INSERT INTO search_fts (search_fts) VALUES ('rebuild');
INSERT INTO search_title_fts (search_title_fts) VALUES ('rebuild');

-- The words of titles with how many titles hold each, for "did you mean".
CREATE VIRTUAL TABLE search_title_vocab USING fts5vocab(search_title_fts, row);

-- Legal documents name the documents they amend or replace, by number; the
-- reverse ("amended by", "replaced by") is a look-up on number_key.
CREATE TABLE document_link (
    item_id    INTEGER NOT NULL REFERENCES item(id) ON DELETE CASCADE,
    relation   TEXT NOT NULL CHECK (relation IN ('amends', 'replaces')),
    number     TEXT NOT NULL,
    number_key TEXT NOT NULL,
    PRIMARY KEY (item_id, relation, number_key)
) WITHOUT ROWID;
CREATE INDEX document_link_target ON document_link (number_key);

-- Outside sources the connectors keep in sync (search/sources.py).
CREATE TABLE source (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL UNIQUE COLLATE NOCASE,
    kind            TEXT NOT NULL CHECK (kind IN ('rss', 'json', 'csv', 'xlsx', 'sitemap')),
    url             TEXT NOT NULL,
    every_minutes   INTEGER NOT NULL DEFAULT 60,
    -- Silent or failing for longer than this raises the alarm in the admin.
    alarm_minutes   INTEGER NOT NULL DEFAULT 1440,
    item_kind       TEXT NOT NULL DEFAULT 'article',
    lang            TEXT NOT NULL DEFAULT 'vi',
    section_key     TEXT,
    mapping         TEXT NOT NULL DEFAULT '{}',   -- JSON: the field mapping
    enabled         INTEGER NOT NULL DEFAULT 1,
    -- What the next request sends to be told "nothing changed".
    etag            TEXT,
    last_modified   TEXT,
    cursor          TEXT,                         -- the updated-since mark
    next_sync_at    TEXT,
    last_attempt_at TEXT,
    last_success_at TEXT,
    last_error      TEXT,                         -- JSON {"code": ..., ...}
    last_error_at   TEXT,
    failures        INTEGER NOT NULL DEFAULT 0,   -- in a row
    last_counts     TEXT NOT NULL DEFAULT '{}',   -- JSON: added, updated, ...
    last_seconds    REAL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);

-- Each record a source holds, and the item it became. Records of several
-- sources with the same identity (document number, procedure code, address
-- of origin) share one item: it is stored once.
CREATE TABLE source_record (
    source_id INTEGER NOT NULL REFERENCES source(id) ON DELETE CASCADE,
    record_id TEXT NOT NULL,
    identity  TEXT NOT NULL,
    item_id   INTEGER REFERENCES item(id) ON DELETE SET NULL,
    digest    TEXT NOT NULL,           -- of the mapped record: unchanged ones are skipped
    stamp     TEXT,                    -- a sitemap's lastmod
    origin    TEXT,                    -- the record's address at its source
    seen_at   TEXT NOT NULL,
    PRIMARY KEY (source_id, record_id)
) WITHOUT ROWID;
CREATE INDEX source_record_identity ON source_record (identity);
CREATE INDEX source_record_item ON source_record (item_id);

-- Words people type and what else to search for them: abbreviations and
-- everyday names of official papers. Kept by editors in the admin.
CREATE TABLE search_synonym (
    id         INTEGER PRIMARY KEY,
    term       TEXT NOT NULL,
    term_key   TEXT NOT NULL UNIQUE,        -- folded, lower case
    expansions TEXT NOT NULL,               -- JSON list of phrases
    two_way    INTEGER NOT NULL DEFAULT 0,  -- the phrases also find the term
    updated_at TEXT NOT NULL,
    updated_by INTEGER REFERENCES user(id) ON DELETE SET NULL
);

WITH seeds (term, expansions, two_way) AS (VALUES
    ('UBND', '["Ủy ban nhân dân"]', 1),
    ('HĐND', '["Hội đồng nhân dân"]', 1),
    ('TTHC', '["thủ tục hành chính"]', 1),
    ('DVC', '["dịch vụ công"]', 1),
    ('DVCTT', '["dịch vụ công trực tuyến"]', 1),
    ('NĐ-CP', '["Nghị định"]', 0),
    ('NĐ', '["Nghị định"]', 0),
    ('QĐ', '["Quyết định"]', 0),
    ('NQ', '["Nghị quyết"]', 0),
    ('CT', '["Chỉ thị"]', 0),
    ('TT', '["Thông tư"]', 0),
    ('BHYT', '["bảo hiểm y tế"]', 1),
    ('BHXH', '["bảo hiểm xã hội"]', 1),
    ('CMND', '["chứng minh nhân dân", "căn cước"]', 0),
    ('CCCD', '["căn cước công dân", "căn cước"]', 0),
    ('căn cước công dân', '["căn cước"]', 0),
    ('chứng minh nhân dân', '["căn cước"]', 0),
    ('chứng minh thư', '["chứng minh nhân dân", "căn cước"]', 0),
    ('hộ khẩu', '["thường trú"]', 0),
    ('sổ hộ khẩu', '["thường trú"]', 0),
    ('tạm vắng', '["khai báo tạm vắng"]', 0),
    ('giấy khai sinh', '["khai sinh"]', 0),
    ('giấy đăng ký kết hôn', '["đăng ký kết hôn"]', 0),
    ('bằng lái', '["giấy phép lái xe"]', 0),
    ('bằng lái xe', '["giấy phép lái xe"]', 0),
    ('GPLX', '["giấy phép lái xe"]', 1),
    ('sổ đỏ', '["giấy chứng nhận quyền sử dụng đất"]', 0),
    ('sổ hồng', '["giấy chứng nhận quyền sở hữu nhà ở", "giấy chứng nhận quyền sử dụng đất"]', 0),
    ('GCN QSDĐ', '["giấy chứng nhận quyền sử dụng đất"]', 1),
    ('giấy phép xây nhà', '["giấy phép xây dựng"]', 0),
    ('xây nhà', '["xây dựng nhà ở"]', 0),
    ('lý lịch tư pháp', '["Phiếu lý lịch tư pháp"]', 0),
    ('ĐKKD', '["đăng ký kinh doanh"]', 1),
    ('MST', '["mã số thuế"]', 1),
    ('giấy phép kinh doanh', '["đăng ký kinh doanh"]', 0),
    ('mở công ty', '["thành lập doanh nghiệp", "đăng ký doanh nghiệp"]', 0),
    ('mở cửa hàng', '["thành lập hộ kinh doanh", "đăng ký hộ kinh doanh"]', 0),
    ('mở quán', '["thành lập hộ kinh doanh", "đăng ký hộ kinh doanh"]', 0),
    ('hộ chiếu bị mất', '["mất hộ chiếu"]', 0))
INSERT INTO search_synonym (term, term_key, expansions, two_way, updated_at)
SELECT term, fold_lower(term), expansions, two_way, strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
FROM seeds;

-- Results editors pin to the top for a query.
CREATE TABLE search_pin (
    id         INTEGER PRIMARY KEY,
    query      TEXT NOT NULL,
    query_key  TEXT NOT NULL,            -- folded, lower case, single spaces
    ref        TEXT NOT NULL,            -- search_doc.ref
    position   INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    created_by INTEGER REFERENCES user(id) ON DELETE SET NULL,
    UNIQUE (query_key, ref)
);

-- How often each query was searched per day, and how often it found
-- nothing. Nothing about who searched is kept: no address, account or time
-- finer than the day.
CREATE TABLE search_query_stat (
    query_key TEXT NOT NULL,
    day       TEXT NOT NULL,            -- YYYY-MM-DD, Asia/Ho_Chi_Minh
    query     TEXT NOT NULL,            -- one way it was typed
    searches  INTEGER NOT NULL DEFAULT 0,
    empty     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (query_key, day)
) WITHOUT ROWID;
CREATE INDEX search_query_stat_day ON search_query_stat (day);
