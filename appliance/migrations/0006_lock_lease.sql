-- Each edit page holds its lock under a lease of its own, so the page being
-- left gives back only the lock it took, never the one the next page (after
-- a save or a reload) has just taken.
ALTER TABLE item_lock ADD COLUMN lease TEXT;
