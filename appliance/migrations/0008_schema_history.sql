-- Upgrades: which program brought the database to each schema, from which
-- schema, and the backup it made first. An older program that finds a newer
-- database reads it to say which release is needed.
CREATE TABLE schema_history (
    id          INTEGER PRIMARY KEY,
    schema      INTEGER NOT NULL,
    from_schema INTEGER NOT NULL,
    program     TEXT NOT NULL,      -- the appliance's version, e.g. 0.2.0
    applied_at  TEXT NOT NULL,
    backup      TEXT                -- file name beside the database, when one was made
);
