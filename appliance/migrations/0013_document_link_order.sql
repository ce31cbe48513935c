-- document_link again, with its key columns first. SQLite 3.40 (Debian 12's)
-- reports "NULL value in document_link.number" on integrity checks of a
-- WITHOUT ROWID table whose NOT NULL column stands before a key column, although
-- no value is NULL; backups check restored databases with quick_check, so the
-- false alarm refused every archive of a site whose documents link to others.

CREATE TABLE document_link_keyed (
    item_id    INTEGER NOT NULL REFERENCES item(id) ON DELETE CASCADE,
    relation   TEXT NOT NULL CHECK (relation IN ('amends', 'replaces')),
    number_key TEXT NOT NULL,
    number     TEXT NOT NULL,
    PRIMARY KEY (item_id, relation, number_key)
) WITHOUT ROWID;
INSERT INTO document_link_keyed (item_id, relation, number_key, number)
SELECT item_id, relation, number_key, number FROM document_link;
DROP TABLE document_link;
ALTER TABLE document_link_keyed RENAME TO document_link;
CREATE INDEX document_link_target ON document_link (number_key);
