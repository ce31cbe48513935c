-- Contributors, royalties (nhuận bút) and page views.
--
-- Money is whole đồng (INTEGER). Coefficients are kept in hundredths (850 =
-- 8.5) and percentages and shares in hundredths of a percent (5000 = 50%),
-- so every stored figure is an integer. Rules change by the date they take
-- effect: each rule table keeps every version, and the one in force on a day
-- is the newest whose effective_from is not after it.

-- The base salary (lương cơ sở); one royalty coefficient unit is unit_rate
-- of it (10% under Decree 18/2014/NĐ-CP, Art. 7).
CREATE TABLE base_salary (
    effective_from TEXT PRIMARY KEY,            -- YYYY-MM-DD
    amount         INTEGER NOT NULL CHECK (amount > 0),
    unit_rate      INTEGER NOT NULL DEFAULT 1000 CHECK (unit_rate > 0),
    note           TEXT NOT NULL DEFAULT '',
    created_at     TEXT NOT NULL,
    created_by     INTEGER REFERENCES user(id)
);
INSERT INTO base_salary (effective_from, amount, unit_rate, note, created_at) VALUES
    ('2024-07-01', 2340000, 1000, 'Nghị định 73/2024/NĐ-CP', '2026-12-01T00:00:00Z'),
    ('2026-07-01', 2530000, 1000, 'Nghị định 161/2026/NĐ-CP', '2026-12-01T00:00:00Z');

-- Kinds of work and the coefficients a work of the kind may be graded
-- within. A version with retired = 1 withdraws the kind from its date.
-- (The Khmer names seeded here await review by a Khmer speaker.)
CREATE TABLE work_kind (
    code            TEXT NOT NULL,
    effective_from  TEXT NOT NULL,
    names           TEXT NOT NULL DEFAULT '{}',  -- JSON {"vi": ..., "en": ..., "km": ...}
    min_coefficient INTEGER NOT NULL CHECK (min_coefficient >= 0),
    max_coefficient INTEGER NOT NULL CHECK (max_coefficient >= min_coefficient),
    position        INTEGER NOT NULL DEFAULT 0,
    retired         INTEGER NOT NULL DEFAULT 0,
    note            TEXT NOT NULL DEFAULT '',
    created_at      TEXT NOT NULL,
    created_by      INTEGER REFERENCES user(id),
    PRIMARY KEY (code, effective_from)
);
-- The framework for print and electronic press, Decree 18/2014/NĐ-CP Art. 7 k1.
INSERT INTO work_kind (code, effective_from, names, min_coefficient, max_coefficient,
                       position, note, created_at) VALUES
    ('news', '2014-04-01', '{"vi": "Tin", "en": "News item", "km": "ព័ត៌មានខ្លី"}', 100, 1000, 1, 'Nghị định 18/2014/NĐ-CP, nhóm 1', '2026-12-01T00:00:00Z'),
    ('drawing', '2014-04-01', '{"vi": "Tranh", "en": "Drawing", "km": "គំនូរ"}', 100, 1000, 2, 'Nghị định 18/2014/NĐ-CP, nhóm 2', '2026-12-01T00:00:00Z'),
    ('photo', '2014-04-01', '{"vi": "Ảnh", "en": "Photo", "km": "រូបថត"}', 100, 1000, 3, 'Nghị định 18/2014/NĐ-CP, nhóm 3', '2026-12-01T00:00:00Z'),
    ('commentary', '2014-04-01', '{"vi": "Chính luận", "en": "Commentary", "km": "អត្ថាធិប្បាយ"}', 100, 3000, 4, 'Nghị định 18/2014/NĐ-CP, nhóm 4', '2026-12-01T00:00:00Z'),
    ('reportage', '2014-04-01', '{"vi": "Phóng sự, ký, phỏng vấn", "en": "Reportage, feature or interview", "km": "របាយការណ៍ ឬបទសម្ភាសន៍"}', 100, 3000, 5, 'Nghị định 18/2014/NĐ-CP, nhóm 5', '2026-12-01T00:00:00Z'),
    ('literary', '2014-04-01', '{"vi": "Văn học", "en": "Literary work", "km": "ស្នាដៃអក្សរសិល្ប៍"}', 100, 3000, 6, 'Nghị định 18/2014/NĐ-CP, nhóm 6', '2026-12-01T00:00:00Z'),
    ('research', '2014-04-01', '{"vi": "Nghiên cứu", "en": "Research", "km": "ការស្រាវជ្រាវ"}', 100, 3000, 7, 'Nghị định 18/2014/NĐ-CP, nhóm 7', '2026-12-01T00:00:00Z'),
    ('multimedia', '2014-04-01', '{"vi": "Trực tuyến, đa phương tiện", "en": "Online or multimedia", "km": "អនឡាញ ឬពហុមេឌៀ"}', 100, 5000, 8, 'Nghị định 18/2014/NĐ-CP, nhóm 8', '2026-12-01T00:00:00Z');

-- Adjustments a grader may apply to a work, within a range of percentages.
-- "share": the work is paid that share of the original's royalty (a
-- translation); "supplement": that percentage of the royalty is added, as a
-- line of its own.
CREATE TABLE adjustment_rule (
    code           TEXT NOT NULL,
    effective_from TEXT NOT NULL,
    names          TEXT NOT NULL DEFAULT '{}',
    mode           TEXT NOT NULL CHECK (mode IN ('share', 'supplement')),
    min_rate       INTEGER NOT NULL CHECK (min_rate >= 0),
    max_rate       INTEGER NOT NULL CHECK (max_rate >= min_rate),
    position       INTEGER NOT NULL DEFAULT 0,
    retired        INTEGER NOT NULL DEFAULT 0,
    note           TEXT NOT NULL DEFAULT '',
    created_at     TEXT NOT NULL,
    created_by     INTEGER REFERENCES user(id),
    PRIMARY KEY (code, effective_from)
);
-- Decree 18/2014/NĐ-CP Art. 7 k4.
INSERT INTO adjustment_rule (code, effective_from, names, mode, min_rate, max_rate,
                             position, note, created_at) VALUES
    ('translation', '2014-04-01', '{"vi": "Dịch sang hoặc từ tiếng Khmer, tiếng nước ngoài", "en": "Translation into or out of Khmer or a foreign language", "km": "ការបកប្រែទៅ ឬពីភាសាខ្មែរ ឬភាសាបរទេស"}', 'share', 4000, 6500, 1, 'Nghị định 18/2014/NĐ-CP, Điều 7 khoản 4', '2026-12-01T00:00:00Z'),
    ('direct_language', '2014-04-01', '{"vi": "Viết trực tiếp bằng tiếng Khmer, tiếng nước ngoài", "en": "Written directly in Khmer or a foreign language", "km": "សរសេរដោយផ្ទាល់ជាភាសាខ្មែរ ឬភាសាបរទេស"}', 'supplement', 3000, 5000, 2, 'Nghị định 18/2014/NĐ-CP, Điều 7 khoản 4', '2026-12-01T00:00:00Z'),
    ('children_minorities', '2014-04-01', '{"vi": "Tác phẩm cho thiếu nhi, đồng bào dân tộc thiểu số", "en": "For children or ethnic minorities", "km": "សម្រាប់កុមារ ឬជនជាតិភាគតិច"}', 'supplement', 1000, 2000, 3, 'Nghị định 18/2014/NĐ-CP, Điều 7 khoản 4', '2026-12-01T00:00:00Z'),
    ('hard_conditions', '2014-04-01', '{"vi": "Điều kiện khó khăn, nguy hiểm", "en": "Hard or dangerous conditions", "km": "លក្ខខណ្ឌលំបាក ឬគ្រោះថ្នាក់"}', 'supplement', 100, 10000, 4, 'Nghị định 18/2014/NĐ-CP, Điều 7 khoản 4', '2026-12-01T00:00:00Z');

-- Personal income tax withheld from people without a labour contract of
-- three months or more: `rate` of a payment of `threshold` or more.
CREATE TABLE tax_rule (
    effective_from TEXT PRIMARY KEY,
    threshold      INTEGER NOT NULL CHECK (threshold >= 0),
    rate           INTEGER NOT NULL CHECK (rate BETWEEN 0 AND 10000),
    note           TEXT NOT NULL DEFAULT '',
    created_at     TEXT NOT NULL,
    created_by     INTEGER REFERENCES user(id)
);
INSERT INTO tax_rule (effective_from, threshold, rate, note, created_at) VALUES
    ('2013-09-01', 2000000, 1000, 'Thông tư 111/2013/TT-BTC, Điều 25', '2026-12-01T00:00:00Z'),
    ('2026-07-01', 5000000, 1000, 'Nghị định 253/2026/NĐ-CP, Điều 50', '2026-12-01T00:00:00Z');

-- Everyone who can be paid: staff (linked to their account, so they see
-- their own works and statements) and outside contributors. The personal
-- ID number, tax code and bank account are encrypted (Fernet, key
-- personal_key in secrets.toml); nothing else here is secret.
CREATE TABLE contributor (
    id              INTEGER PRIMARY KEY,
    full_name       TEXT NOT NULL,
    pen_name        TEXT NOT NULL DEFAULT '',
    email           TEXT NOT NULL DEFAULT '',
    phone           TEXT NOT NULL DEFAULT '',
    address         TEXT NOT NULL DEFAULT '',
    user_id         INTEGER UNIQUE REFERENCES user(id) ON DELETE SET NULL,
    long_contract   INTEGER NOT NULL DEFAULT 0,  -- labour contract of 3 months or more
    commitment_year INTEGER,                     -- year of a filed commitment (cam kết)
    id_number       TEXT,
    tax_code        TEXT,
    bank_account    TEXT,
    bank_name       TEXT NOT NULL DEFAULT '',
    active          INTEGER NOT NULL DEFAULT 1,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX contributor_name ON contributor (full_name);

-- How a published work is graded: its kind and coefficient, who wrote it
-- in which shares, and the adjustments that apply. `unpaid` marks a work
-- that earns no royalty (written within a quota, for instance).
CREATE TABLE work_grade (
    item_id     INTEGER PRIMARY KEY REFERENCES item(id) ON DELETE CASCADE,
    kind_code   TEXT NOT NULL,
    coefficient INTEGER NOT NULL CHECK (coefficient >= 0),
    unpaid      INTEGER NOT NULL DEFAULT 0,
    note        TEXT NOT NULL DEFAULT '',
    graded_by   INTEGER REFERENCES user(id),
    graded_at   TEXT NOT NULL
);
CREATE TABLE work_author (
    item_id        INTEGER NOT NULL REFERENCES work_grade(item_id) ON DELETE CASCADE,
    contributor_id INTEGER NOT NULL REFERENCES contributor(id),
    share          INTEGER NOT NULL CHECK (share > 0),  -- hundredths of a percent
    PRIMARY KEY (item_id, contributor_id)
) WITHOUT ROWID;
CREATE INDEX work_author_contributor ON work_author (contributor_id);
CREATE TABLE work_adjustment (
    item_id INTEGER NOT NULL REFERENCES work_grade(item_id) ON DELETE CASCADE,
    code    TEXT NOT NULL,
    rate    INTEGER NOT NULL CHECK (rate >= 0),
    PRIMARY KEY (item_id, code)
) WITHOUT ROWID;

-- The works the newsroom itself published (imported items are paid elsewhere),
-- by date: the 60-day warning and "works to grade" read only these.
CREATE INDEX item_newsroom_works ON item (published_at) WHERE source = 'local';

-- Payment periods (kỳ chi trả): open (works are collected), review (the
-- figures are fixed for checking), locked (paid; never changes again).
-- The rules a period was worked out with are kept on it.
CREATE TABLE payment_period (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL,
    starts        TEXT NOT NULL,
    ends          TEXT NOT NULL CHECK (ends >= starts),
    pay_on        TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'review', 'locked')),
    salary_date   TEXT NOT NULL CHECK (salary_date IN ('publication', 'approval', 'payment')),
    rounding      TEXT NOT NULL,
    rounding_unit INTEGER NOT NULL,
    created_at    TEXT NOT NULL,
    created_by    INTEGER REFERENCES user(id),
    locked_at     TEXT,
    locked_by     INTEGER REFERENCES user(id)
);

-- The works a period pays, as graded when collected; a work is paid once.
-- No foreign key to item: what was paid stays on record whatever happens
-- to the item later.
CREATE TABLE period_work (
    period_id      INTEGER NOT NULL REFERENCES payment_period(id),
    item_id        INTEGER NOT NULL UNIQUE,
    title          TEXT NOT NULL,
    lang           TEXT NOT NULL,
    section_key    TEXT,
    published_at   TEXT NOT NULL,
    kind_code      TEXT NOT NULL,
    kind_name      TEXT NOT NULL,
    coefficient    INTEGER NOT NULL,
    salary_on      TEXT NOT NULL,       -- the date that chose the base salary
    base_salary    INTEGER NOT NULL,
    unit_rate      INTEGER NOT NULL,
    PRIMARY KEY (period_id, item_id)
);

-- What each person is paid, line by line: a royalty (or a share of one), a
-- supplement, remuneration (thù lao), or a correction of a locked period.
-- line_amount is the whole line once rounded; amount is this person's part
-- of it (co-authors split a line by their shares, to the đồng).
CREATE TABLE period_line (
    id             INTEGER PRIMARY KEY,
    period_id      INTEGER NOT NULL REFERENCES payment_period(id),
    contributor_id INTEGER NOT NULL REFERENCES contributor(id),
    item_id        INTEGER,
    type           TEXT NOT NULL CHECK (type IN ('royalty', 'supplement', 'remuneration', 'correction')),
    code           TEXT NOT NULL DEFAULT '',   -- the adjustment of a supplement
    description    TEXT NOT NULL DEFAULT '',
    coefficient    INTEGER,
    base_salary    INTEGER,
    unit_rate      INTEGER,
    rate           INTEGER,                    -- share of the original, or supplement
    line_amount    INTEGER NOT NULL,
    share          INTEGER NOT NULL DEFAULT 10000,
    amount         INTEGER NOT NULL,
    corrects       INTEGER REFERENCES payment_period(id),
    created_at     TEXT NOT NULL,
    created_by     INTEGER REFERENCES user(id)
);
CREATE INDEX period_line_period ON period_line (period_id, contributor_id);
CREATE INDEX period_line_item ON period_line (item_id) WHERE item_id IS NOT NULL;
CREATE INDEX period_line_contributor ON period_line (contributor_id);

-- Each person's payment in a period, fixed when it goes to review: gross,
-- the tax withheld under the rule in force on the payment date, and net.
CREATE TABLE period_payment (
    period_id      INTEGER NOT NULL REFERENCES payment_period(id),
    contributor_id INTEGER NOT NULL REFERENCES contributor(id),
    gross          INTEGER NOT NULL,
    tax            INTEGER NOT NULL,
    net            INTEGER NOT NULL,
    tax_rate       INTEGER NOT NULL,
    tax_threshold  INTEGER NOT NULL,
    tax_basis      TEXT NOT NULL,   -- withheld, below_threshold, long_contract, commitment
    PRIMARY KEY (period_id, contributor_id)
) WITHOUT ROWID;

-- A locked period never changes: not its row, its works, its lines or its
-- payments. Lines and works change only while the period is open, and
-- payments are written only as it goes to review (and dropped when it goes
-- back to open).
CREATE TRIGGER payment_period_locked_update BEFORE UPDATE ON payment_period
WHEN OLD.status = 'locked'
BEGIN
    SELECT RAISE(ABORT, 'a locked payment period never changes');
END;
CREATE TRIGGER payment_period_locked_delete BEFORE DELETE ON payment_period
WHEN OLD.status <> 'open'
BEGIN
    SELECT RAISE(ABORT, 'only an open payment period may be deleted');
END;
CREATE TRIGGER period_work_insert BEFORE INSERT ON period_work
WHEN (SELECT status FROM payment_period WHERE id = NEW.period_id) IS NOT 'open'
BEGIN
    SELECT RAISE(ABORT, 'works are added only to an open payment period');
END;
CREATE TRIGGER period_work_update BEFORE UPDATE ON period_work
BEGIN
    SELECT RAISE(ABORT, 'a collected work is removed and collected again, never changed');
END;
CREATE TRIGGER period_work_delete BEFORE DELETE ON period_work
WHEN (SELECT status FROM payment_period WHERE id = OLD.period_id) IS NOT 'open'
BEGIN
    SELECT RAISE(ABORT, 'works are removed only from an open payment period');
END;
CREATE TRIGGER period_line_insert BEFORE INSERT ON period_line
WHEN (SELECT status FROM payment_period WHERE id = NEW.period_id) IS NOT 'open'
BEGIN
    SELECT RAISE(ABORT, 'lines are added only to an open payment period');
END;
CREATE TRIGGER period_line_update BEFORE UPDATE ON period_line
BEGIN
    SELECT RAISE(ABORT, 'a payment line is removed and added again, never changed');
END;
CREATE TRIGGER period_line_delete BEFORE DELETE ON period_line
WHEN (SELECT status FROM payment_period WHERE id = OLD.period_id) IS NOT 'open'
BEGIN
    SELECT RAISE(ABORT, 'lines are removed only from an open payment period');
END;
CREATE TRIGGER period_payment_insert BEFORE INSERT ON period_payment
WHEN (SELECT status FROM payment_period WHERE id = NEW.period_id) IS NOT 'review'
BEGIN
    SELECT RAISE(ABORT, 'payments are worked out only as a period goes to review');
END;
CREATE TRIGGER period_payment_update BEFORE UPDATE ON period_payment
BEGIN
    SELECT RAISE(ABORT, 'a payment is worked out again, never changed');
END;
CREATE TRIGGER period_payment_delete BEFORE DELETE ON period_payment
WHEN (SELECT status FROM payment_period WHERE id = OLD.period_id) IS NOT 'review'
BEGIN
    SELECT RAISE(ABORT, 'payments are dropped only from a period under review');
END;

-- Page views: one row per day (Asia/Ho_Chi_Minh) and public address,
-- counted once per visitor, address and day without storing anything about
-- the visitor. item_id is the item the address showed, when it was one.
CREATE TABLE page_view (
    day     TEXT NOT NULL,
    path    TEXT NOT NULL,
    item_id INTEGER,
    views   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, path)
) WITHOUT ROWID;
CREATE INDEX page_view_item ON page_view (item_id, day) WHERE item_id IS NOT NULL;
