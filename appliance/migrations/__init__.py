"""Numbered schema migrations, applied in order at start-up (see appliance.db).

A migration is `NNNN_name.sql` (statements run one by one) or `NNNN_name.py`
(a module with `migrate(conn)`). Every pending migration of an upgrade runs
in one transaction, after a backup of the database, so a migration must not
BEGIN, COMMIT or ROLLBACK, VACUUM, or change `PRAGMA foreign_keys`;
references are checked at the end of the upgrade (`defer_foreign_keys`), so
a table may be rebuilt under its old name.
"""
