"""The issue's worked examples, with their known answers, through the data
layer the admin and the command line share."""

from __future__ import annotations

import sqlite3

import pytest

from appliance.db import transaction
from appliance.i18n import set_language
from appliance.errors import ConflictError, UserError
from newsroom.royalties import periods, rules
from newsroom.royalties.grading import Author, GradeInput
from newsroom.royalties.periods import Settings

ALL = 10_000  # 100% in hundredths of a percent


def grade(conn, item_id, kind, coefficient, authors, adjustments=None, unpaid=False):
    data = GradeInput(kind_code=kind, coefficient=coefficient * 100,
                      authors=[Author(cid, share) for cid, share in authors],
                      adjustments=adjustments or {}, unpaid=unpaid)
    return transaction(conn, periods.grade_work, item_id, data, None)


def month(conn, starts, ends, **settings):
    period = transaction(conn, lambda db: periods.open_period(
        db, starts, ends, settings=Settings(**settings)))
    transaction(conn, periods.collect, period.id, Settings(**settings), None)
    return period


def run(conn, key, period):
    transaction(conn, periods.to_review, key, period.id, None)
    return transaction(conn, periods.lock, period.id, None)


def test_a_news_item_graded_8_in_november_2026_pays_8_times_253000(conn, key, publish,
                                                                     add_contributor):
    writer = add_contributor("Nguyễn Văn An")
    item = publish("Lúa Thu Đông được mùa", "2026-11-10T09:00")
    grade(conn, item.id, "news", 8, [(writer.id, ALL)])

    period = month(conn, "2026-11-01", "2026-11-30")
    found = transaction(conn, periods.statement, key, period.id, writer.id)

    assert [line.amount for line in found.lines] == [2_024_000]
    assert found.lines[0].unit_value == 253_000
    assert (found.payment.gross, found.payment.tax, found.payment.net) == (
        2_024_000, 0, 2_024_000)
    assert found.payment.basis == "below_threshold"  # under 5,000,000 from July 2026
    assert found.words == "Hai triệu không trăm hai mươi bốn nghìn đồng"


def test_a_30_coefficient_reportage_earning_7590000_has_759000_withheld(
        conn, key, publish, add_contributor):
    reporter = add_contributor("Trần Thị Bình")
    item = publish("Phóng sự: mùa nước nổi", "2026-11-12T08:00")
    grade(conn, item.id, "reportage", 30, [(reporter.id, ALL)])

    period = run(conn, key, month(conn, "2026-11-01", "2026-11-30"))
    found = transaction(conn, periods.statement, key, period.id, reporter.id)

    assert found.payment.gross == 7_590_000
    assert found.payment.tax == 759_000
    assert found.payment.net == 6_831_000
    assert found.payment.basis == "withheld"
    assert found.words == "Sáu triệu tám trăm ba mươi mốt nghìn đồng"


def test_tax_counts_everything_one_person_is_paid_in_one_run(conn, key, publish,
                                                              add_contributor):
    # Two items of 3,036,000 each: neither reaches 5,000,000, together they do.
    writer = add_contributor("Lê Văn Cường")
    for day in ("05", "20"):
        item = publish(f"Tin ngày {day}", f"2026-11-{day}T08:00")
        grade(conn, item.id, "news", 10, [(writer.id, ALL)])
    extra = publish("Ảnh hội chợ", "2026-11-21T08:00")
    grade(conn, extra.id, "photo", 2, [(writer.id, ALL)])

    period = month(conn, "2026-11-01", "2026-11-30")
    payment = transaction(conn, periods.payments, key, period)[writer.id]

    assert payment.gross == 2 * 2_530_000 + 506_000
    assert payment.tax == 556_600


@pytest.mark.parametrize(("fields", "basis"), [
    ({"long_contract": True}, "long_contract"),
    ({"commitment_year": 2026}, "commitment"),
])
def test_no_tax_is_withheld_from_staff_on_contract_or_with_a_commitment(
        conn, key, publish, add_contributor, fields, basis):
    person = add_contributor("Phạm Thu Dung", **fields)
    item = publish("Phóng sự dài kỳ", "2026-11-12T08:00")
    grade(conn, item.id, "reportage", 30, [(person.id, ALL)])

    period = month(conn, "2026-11-01", "2026-11-30")
    payment = transaction(conn, periods.payments, key, period)[person.id]

    assert (payment.tax, payment.basis) == (0, basis)


def test_a_commitment_for_another_year_does_not_count(conn, key, publish,
                                                      add_contributor):
    person = add_contributor("Phạm Thu Dung", commitment_year=2025)
    item = publish("Phóng sự dài kỳ", "2026-11-12T08:00")
    grade(conn, item.id, "reportage", 30, [(person.id, ALL)])

    period = month(conn, "2026-11-01", "2026-11-30")

    assert transaction(conn, periods.payments, key, period)[person.id].tax == 759_000


def test_a_khmer_translation_at_50_percent(conn, key, publish, add_contributor):
    writer = add_contributor("Nguyễn Văn An")
    translator = add_contributor("Thạch Sô Phal", pen_name="Sô Phal")
    original = publish("Lễ hội Ok Om Bok", "2026-11-15T08:00")
    grade(conn, original.id, "news", 8, [(writer.id, ALL)])
    khmer = publish("ពិធីបុណ្យអកអំបុក", "2026-11-16T08:00", lang="km",
                    source_item_id=original.id)
    grade(conn, khmer.id, "news", 8, [(translator.id, ALL)], {"translation": 5000})

    period = month(conn, "2026-11-01", "2026-11-30")
    found = transaction(conn, periods.statement, key, period.id, translator.id)

    assert [(line.type, line.rate, line.amount) for line in found.lines] == [
        ("royalty", 5000, 1_012_000)]
    assert found.lines[0].title == "ពិធីបុណ្យអកអំបុក"
    assert transaction(conn, periods.payments, key, period)[writer.id].gross == 2_024_000


def test_writing_directly_in_khmer_adds_a_supplement_line(conn, key, publish,
                                                          add_contributor):
    writer = add_contributor("Nguyễn Văn An")
    item = publish("ព័ត៌មានខេត្ត", "2026-11-15T08:00", lang="km")
    grade(conn, item.id, "news", 10, [(writer.id, ALL)], {"direct_language": 3000})

    period = month(conn, "2026-11-01", "2026-11-30")
    found = transaction(conn, periods.statement, key, period.id, writer.id)

    assert [(line.type, line.amount) for line in found.lines] == [
        ("royalty", 2_530_000), ("supplement", 759_000)]
    assert found.payment.gross == 3_289_000


def test_a_co_authored_piece_is_split_60_40(conn, key, publish, add_contributor):
    first = add_contributor("Nguyễn Văn An")
    second = add_contributor("Trần Thị Bình")
    item = publish("Phỏng vấn Chủ tịch UBND tỉnh", "2026-11-18T08:00")
    grade(conn, item.id, "reportage", 25, [(first.id, 6000), (second.id, 4000)])

    period = month(conn, "2026-11-01", "2026-11-30")
    worked_out = transaction(conn, periods.payments, key, period)

    assert worked_out[first.id].gross == 3_795_000
    assert worked_out[second.id].gross == 2_530_000
    assert worked_out[first.id].gross + worked_out[second.id].gross == 25 * 253_000


def test_shares_that_do_not_divide_evenly_still_add_up_to_the_whole(
        conn, key, publish, add_contributor):
    people = [add_contributor(name) for name in ("An", "Bình", "Cường")]
    item = publish("Ảnh phóng sự", "2026-11-18T08:00")
    # 7 × 253,000 = 1,771,000 in thirds: 590,333.33 each.
    grade(conn, item.id, "photo", 7, [(p.id, share) for p, share in
                                      zip(people, (3334, 3333, 3333), strict=True)])

    period = month(conn, "2026-11-01", "2026-11-30")
    worked_out = transaction(conn, periods.payments, key, period)
    parts = [worked_out[p.id].gross for p in people]

    assert sum(parts) == 1_771_000
    assert max(parts) - min(parts) <= 200  # a 0.01% difference in shares, not more


def test_the_base_salary_changing_in_the_middle_of_a_period(conn, key, publish,
                                                             add_contributor):
    writer = add_contributor("Nguyễn Văn An")
    june = publish("Tin cuối tháng Sáu", "2026-06-30T23:30")
    july = publish("Tin đầu tháng Bảy", "2026-07-01T00:30")
    for item in (june, july):
        grade(conn, item.id, "news", 10, [(writer.id, ALL)])

    period = month(conn, "2026-06-16", "2026-07-15")
    found = transaction(conn, periods.statement, key, period.id, writer.id)

    assert [(line.title, line.amount) for line in found.lines] == [
        ("Tin cuối tháng Sáu", 2_340_000), ("Tin đầu tháng Bảy", 2_530_000)]
    # Paid on 15 July: the rule from July applies to the payment's total.
    assert found.payment.threshold == 5_000_000
    assert found.payment.tax == 0


def test_the_setting_may_pick_the_payment_date_instead(conn, key, publish,
                                                        add_contributor):
    writer = add_contributor("Nguyễn Văn An")
    june = publish("Tin cuối tháng Sáu", "2026-06-30T23:30")
    grade(conn, june.id, "news", 10, [(writer.id, ALL)])

    period = month(conn, "2026-06-16", "2026-07-15", salary_date="payment")

    assert transaction(conn, periods.statement, key, period.id,
                       writer.id).lines[0].amount == 2_530_000


def test_before_july_2026_a_payment_of_2000000_is_taxed(conn, key, publish,
                                                        add_contributor):
    writer = add_contributor("Nguyễn Văn An")
    item = publish("Tin tháng Năm", "2026-05-10T08:00")
    grade(conn, item.id, "news", 9, [(writer.id, ALL)])  # 9 × 234,000 = 2,106,000

    period = month(conn, "2026-05-01", "2026-05-31")
    payment = transaction(conn, periods.payments, key, period)[writer.id]

    assert (payment.gross, payment.tax, payment.threshold) == (2_106_000, 210_600,
                                                                2_000_000)


def test_a_correction_after_a_locked_period(conn, key, publish, add_contributor):
    set_language("en")
    writer = add_contributor("Nguyễn Văn An")
    item = publish("Lúa Thu Đông được mùa", "2026-11-10T09:00")
    grade(conn, item.id, "news", 8, [(writer.id, ALL)])
    november = run(conn, key, month(conn, "2026-11-01", "2026-11-30"))

    with pytest.raises(ConflictError):
        grade(conn, item.id, "news", 10, [(writer.id, ALL)])
    december = transaction(conn, periods.open_period, "2026-12-01", "2026-12-31")
    correction = GradeInput("news", 1000, [Author(writer.id, ALL)])
    transaction(conn, periods.correct_work, december.id, item.id, correction, None)
    found = transaction(conn, periods.statement, key, december.id, writer.id)

    assert [(line.type, line.amount, line.corrects) for line in found.lines] == [
        ("correction", 506_000, november.id)]
    # November's figures are as they were locked.
    assert transaction(conn, periods.statement, key, november.id,
                       writer.id).payment.gross == 2_024_000
    # Correcting again to the same grade owes nothing more.
    transaction(conn, periods.correct_work, december.id, item.id, correction, None)
    assert len(transaction(conn, periods.statement, key, december.id,
                           writer.id).lines) == 1
    assert "coefficient 8, now 10" in found.lines[0].description


def test_a_correction_of_shares_alone_says_so(conn, key, publish, add_contributor):
    set_language("en")
    an, binh = add_contributor("Nguyễn Văn An"), add_contributor("Trần Thị Bình")
    item = publish("Phóng sự biên giới", "2026-11-10T09:00")
    grade(conn, item.id, "reportage", 15, [(an.id, 6_000), (binh.id, 4_000)])
    run(conn, key, month(conn, "2026-11-01", "2026-11-30"))
    december = transaction(conn, periods.open_period, "2026-12-01", "2026-12-31")
    transaction(conn, periods.correct_work, december.id, item.id,
                GradeInput("reportage", 1500, [Author(an.id, 5_000), Author(binh.id, 5_000)]),
                None)
    lines = [line for who in (an, binh) for line in transaction(
        conn, periods.statement, key, december.id, who.id).lines]
    # 15 × 253,000 = 3,795,000: a tenth of it moves from An to Bình.
    assert sorted(line.amount for line in lines) == [-379_500, 379_500]
    assert all("same coefficient, 15, with other shares" in line.description
               for line in lines)


def test_a_locked_period_never_changes_even_by_hand(conn, key, publish, add_contributor):
    writer = add_contributor("Nguyễn Văn An")
    item = publish("Tin", "2026-11-10T09:00")
    grade(conn, item.id, "news", 8, [(writer.id, ALL)])
    period = run(conn, key, month(conn, "2026-11-01", "2026-11-30"))

    for sql in (
        "UPDATE period_line SET amount = 1",
        "DELETE FROM period_line",
        "UPDATE period_payment SET net = 1",
        "DELETE FROM period_payment",
        "DELETE FROM period_work",
        "UPDATE payment_period SET name = 'changed'",
        "UPDATE payment_period SET status = 'open'",
        "DELETE FROM payment_period",
        f"INSERT INTO period_line (period_id, contributor_id, type, line_amount, amount,"
        f" created_at) VALUES ({period.id}, {writer.id}, 'correction', 5, 5, 'now')",
    ):
        with pytest.raises(sqlite3.IntegrityError, match="locked|only|never"):
            conn.execute(sql)
    assert transaction(conn, periods.statement, key, period.id,
                       writer.id).payment.net == 2_024_000


def test_a_work_is_paid_once_and_late_grades_go_to_the_next_period(
        conn, key, publish, add_contributor):
    writer = add_contributor("Nguyễn Văn An")
    early = publish("Tin tháng Mười", "2026-10-30T09:00")
    october = month(conn, "2026-10-01", "2026-10-31")
    assert [item.id for item in
            transaction(conn, periods.works_to_grade, october)] == [early.id]
    run_empty = transaction(conn, periods.payments, key, october)
    assert run_empty == {}

    grade(conn, early.id, "news", 5, [(writer.id, ALL)])
    november = month(conn, "2026-11-01", "2026-11-30")
    again = transaction(conn, periods.collect, november.id, Settings(), None)

    assert again.added == []  # collected once, when November's period opened
    assert transaction(conn, periods.payments, key, november)[writer.id].gross == 1_265_000


def test_grades_outside_the_kinds_range_are_refused(conn, publish, add_contributor):
    writer = add_contributor("Nguyễn Văn An")
    item = publish("Tin", "2026-11-10T09:00")

    with pytest.raises(UserError, match="1"):
        grade(conn, item.id, "news", 12, [(writer.id, ALL)])
    with pytest.raises(UserError):
        grade(conn, item.id, "news", 8, [(writer.id, 6000)])  # shares short of 100%
    with pytest.raises(UserError):
        grade(conn, item.id, "news", 8, [(writer.id, ALL)], {"translation": 7000})


def test_rules_are_chosen_by_the_date_they_take_effect(conn):
    transaction(conn, rules.save_base_salary, "2027-07-01", 2_800_000, 1000, "", None)

    assert rules.base_salary_on(conn, "2026-06-30").amount == 2_340_000
    assert rules.base_salary_on(conn, "2026-07-01").amount == 2_530_000
    assert rules.base_salary_on(conn, "2027-07-01").amount == 2_800_000
    assert rules.tax_rule_on(conn, "2026-06-30").threshold == 2_000_000
    assert rules.tax_rule_on(conn, "2026-07-01").threshold == 5_000_000
    assert rules.kinds_on(conn, "2026-11-01")["multimedia"].max_coefficient == 5000


def test_rounding_is_applied_once_per_line_by_the_setting(conn, key, publish,
                                                          add_contributor):
    writer = add_contributor("Nguyễn Văn An")
    item = publish("Tin", "2026-11-10T09:00")
    # 1.55 × 253,000 = 392,150; 45% of that is 176,467.5
    data = GradeInput("news", 155, [Author(writer.id, ALL)], {"translation": 4500})
    transaction(conn, periods.grade_work, item.id, data, None)

    nearest = month(conn, "2026-11-01", "2026-11-30")
    assert transaction(conn, periods.payments, key, nearest)[writer.id].gross == 176_468
    transaction(conn, periods.delete_period, nearest.id, None)
    down = month(conn, "2026-11-01", "2026-11-30", rounding="down", rounding_unit=1000)
    assert transaction(conn, periods.payments, key, down)[writer.id].gross == 176_000


def test_the_setting_may_pick_the_approval_date(conn, key, publish, add_contributor):
    writer = add_contributor("Nguyễn Văn An")
    item = publish("Duyệt tháng Sáu, đăng tháng Bảy", "2026-07-02T08:00")
    conn.execute(
        "INSERT INTO item_revision (item_id, revision, saved_at, status, title)"
        " VALUES (?, 99, '2026-06-29T03:00:00Z', 'approved', 'x')", (item.id,))
    grade(conn, item.id, "news", 10, [(writer.id, ALL)])

    by_approval = month(conn, "2026-06-16", "2026-07-15", salary_date="approval")
    assert transaction(conn, periods.statement, key, by_approval.id,
                       writer.id).lines[0].amount == 2_340_000
    transaction(conn, periods.delete_period, by_approval.id, None)
    by_publication = month(conn, "2026-06-16", "2026-07-15")
    assert transaction(conn, periods.statement, key, by_publication.id,
                       writer.id).lines[0].amount == 2_530_000
