-- More everyday names for residence papers, as citizens type them ("nhập hộ
-- khẩu" for registering permanent residence). Rows editors already made for
-- the same words are kept as they are.

WITH seeds (term, expansions, two_way) AS (VALUES
    ('nhập hộ khẩu', '["đăng ký thường trú"]', 0),
    ('chuyển hộ khẩu', '["đăng ký thường trú"]', 0),
    ('cắt hộ khẩu', '["xóa đăng ký thường trú"]', 0),
    ('xóa hộ khẩu', '["xóa đăng ký thường trú"]', 0),
    ('sổ tạm trú', '["đăng ký tạm trú"]', 0),
    ('KT3', '["đăng ký tạm trú"]', 0))
INSERT OR IGNORE INTO search_synonym (term, term_key, expansions, two_way, updated_at)
SELECT term, fold_lower(term), expansions, two_way, strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
FROM seeds;
