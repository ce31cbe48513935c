"""Trusted: anonymous ratings with flood protection and their report tables,
the feedback form with its reference number and moderation, the downtime
banner with its seven-working-day warning, the administrator's outside
snippets with a policy widened for exactly them, and the portal's own pages."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from urllib.parse import quote

from web_support import get_page

from appliance import notices, ratings
from appliance.app import DB
from appliance.security import PUBLIC_CSP
from web import trust

ORIGIN = {"Origin": "http://localhost:8080"}


async def rate(client, lang: str, target: str, score: int, headers=ORIGIN, **kwargs):
    return await client.post(f"/{lang}/rate", data={"target": target, "score": str(score)},
                             headers=headers, allow_redirects=False, **kwargs)


async def test_ratings_are_counted_anonymously_once_per_page_and_day(client, conn, site):
    story = site.urls["story-km"]
    response = await rate(client, "km", story, 5)
    assert response.status == 303
    assert response.headers["Location"].startswith("/km/thanks?back=")
    assert (await rate(client, "km", story, 1)).status == 303  # counted once only
    assert (await rate(client, "vi", "portal", 4)).status == 303
    assert "Set-Cookie" not in response.headers
    await trust.save_ratings(client.app)

    rows = conn.execute("SELECT * FROM rating_count ORDER BY target").fetchall()
    assert [tuple(row) for row in rows] == [
        (ratings.today(), story, "km", 5, 1), (ratings.today(), "portal", "vi", 4, 1)]
    columns = [c[1] for c in conn.execute("PRAGMA table_info(rating_count)")]
    assert columns == ["day", "target", "lang", "score", "n"]  # nothing of the rater

    tables = {t.name: t for t in ratings.rating_tables(conn, date.today() - timedelta(1),
                                                       date.today() + timedelta(1))}
    assert tables["ratings_by_page"].rows[0][:3] == ["portal", 1, 4.0]
    assert tables["ratings_by_page"].rows[1] == [story, 1, 5.0, 0, 0, 0, 0, 1]
    assert tables["ratings_by_day"].rows == [[ratings.today(), 1, 4.0, 2, 4.5]]


async def test_ratings_refuse_other_sites_bad_scores_unknown_pages_and_floods(
        client, config, site):
    story = site.urls["story-vi"]
    assert (await rate(client, "vi", story, 3, headers={})).status == 403
    assert (await rate(client, "vi", story, 3,
                       headers={"Origin": "https://evil.example"})).status == 403
    assert (await rate(client, "vi", story, 9)).status == 400
    assert (await rate(client, "vi", "/vi/tin-tuc/khong-co", 3)).status == 400
    assert (await rate(client, "vi", site.urls["draft"], 3)).status == 400
    limit = config["trust.rating_limit"]
    for _ in range(limit):
        await rate(client, "vi", "portal", 3)
    assert (await rate(client, "vi", "portal", 3)).status == 429


async def _send(client, lang="vi", **fields):
    data = {"topic": "question", "message": "Xin hỏi thủ tục cấp giấy phép xây dựng?",
            "name": "Nguyễn Văn A", "email": "a@example.vn", "website": ""} | fields
    return await client.post(f"/{lang}/feedback", data=data, headers=ORIGIN,
                             allow_redirects=False)


async def test_feedback_gets_a_reference_and_editors_answer_it_in_public(
        client, conn, site, sign_in):
    form = await get_page(client, "/en/feedback")
    assert form.find(".//form[@action='/en/feedback']") is not None
    assert "/en/about/privacy" in form.links()
    response = await _send(client, "en")
    assert response.status == 200
    page = await response.text()
    reference = conn.execute("SELECT reference FROM feedback").fetchone()[0]
    assert reference in page and reference.startswith("GY-")
    assert "Set-Cookie" not in response.headers

    status = await get_page(client, f"/en/feedback/status?ref={reference.lower()}")
    assert "Received, waiting for an answer" in status.text
    admin = await sign_in()
    listing = await admin.text("/admin/feedback")
    assert reference in listing
    feedback_id = conn.execute("SELECT id FROM feedback").fetchone()[0]
    response = await admin.post(f"/admin/feedback/{feedback_id}/answer", {
        "answer": "The Construction Department handles it.", "public": "1",
        "public_question": "How do I get a building permit?"})
    assert response.status == 303
    questions = await get_page(client, "/en/questions")
    assert "How do I get a building permit?" in questions.text
    assert "Nguyễn Văn A" not in questions.text and "a@example.vn" not in questions.text
    await admin.post(f"/admin/feedback/{feedback_id}/close", {"status": "closed"})
    row = conn.execute("SELECT name, email, status, public FROM feedback").fetchone()
    assert tuple(row) == ("", "", "closed", 1)


async def test_feedback_form_checks_input_and_refuses_robots_and_floods(
        client, conn, config, site):
    response = await _send(client, message="ngắn", email="not-an-address")
    assert response.status == 400
    text = await response.text()
    assert 'aria-invalid="true"' in text and "ngắn" in text  # nothing typed is lost
    assert (await _send(client, website="http://spam")).status == 200
    assert conn.execute("SELECT count(*) FROM feedback").fetchone()[0] == 0
    response = await client.post("/vi/feedback", data={"topic": "question",
                                 "message": "Một câu hỏi đủ dài"}, allow_redirects=False)
    assert response.status == 403
    for _ in range(config["trust.feedback_limit"]):
        assert (await _send(client)).status == 200
    assert (await _send(client)).status == 429


def _local(moment: datetime) -> str:
    return moment.astimezone(notices.LOCAL_TZ).strftime("%Y-%m-%dT%H:%M")


async def test_downtime_banner_shows_on_every_page_and_warns_of_short_notice(
        client, site, sign_in):
    admin = await sign_in()
    soon = datetime.now(UTC) + timedelta(days=3)
    response = await admin.post("/admin/downtime", {
        "starts_at": _local(soon), "ends_at": _local(soon + timedelta(hours=4)),
        "message_vi": "Nâng cấp máy chủ.", "message_en": "", "message_km": ""})
    assert response.status == 303
    page = await admin.text("/admin/downtime")
    assert "callout-warning" in page  # less than seven working days
    for path in ("/vi/", "/en/documents/", quote(site.urls["story-km"])):
        shown = await get_page(client, path)
        banner = shown.find(".//div[@class='downtime-banner']")
        assert banner is not None, path
    assert "Nâng cấp máy chủ." in (await get_page(client, "/en/")).text

    notice_id = client.app[trust.EXTRAS].notices[0].id
    await admin.post(f"/admin/downtime/{notice_id}/cancel", {})
    assert (await get_page(client, "/vi/")).find(".//div[@class='downtime-banner']") is None


async def test_banner_appears_when_its_time_comes_on_a_cached_page(client, site):
    await get_page(client, "/vi/")
    start = datetime.now(UTC) + timedelta(days=20)
    shown_from = datetime.now(UTC) + timedelta(seconds=1)

    def later(db):
        return notices.schedule(db, start.isoformat(), (start + timedelta(hours=1))
                                .isoformat(), {}, None, shown_from.isoformat())

    notice = await client.app[DB].write(later)
    assert not notice.short_notice
    await trust.refresh(client.app)
    assert (await get_page(client, "/vi/")).find(".//div[@class='downtime-banner']") is None
    await asyncio.sleep(1.2)
    # The page is still cached: the refresh job (every 30 s) notices the
    # notice's time came and empties the cache.
    await trust.refresh(client.app)
    assert (await get_page(client, "/vi/")).find(".//div[@class='downtime-banner']") \
        is not None


def test_working_days_count_monday_to_friday():
    friday, next_monday = date(2026, 12, 4), date(2026, 12, 14)
    assert notices.working_days_between(friday, next_monday) == 5
    assert notices.working_days_between(friday, date(2026, 12, 16)) == 7


async def test_snippets_widen_the_policy_for_exactly_what_is_configured(
        client, site, sign_in):
    assert (await client.get("/vi/")).headers["Content-Security-Policy"] == PUBLIC_CSP
    admin = await sign_in()
    form = await admin.text("/admin/snippets")
    for slot in ("monitoring", "trust_badge", "analytics"):
        assert f'action="/admin/snippets/{slot}"' in form, slot
    assert "<script>" not in form.split("</head>", 1)[1].replace(
        '<script src="', "")  # labels are text, never markup
    response = await admin.post("/admin/snippets/monitoring", {
        "script_url": "https://emc.gov.vn/tracking/emc.js?site=angiang",
        "inline_code": "window.emcSite = 'angiang';",
        "connect_origins": "https://emc.gov.vn", "enabled": "1"})
    assert response.status == 303
    response = await admin.post("/admin/snippets/trust_badge", {
        "link_url": "https://tinnhiemmang.vn/danh-ba-tin-nhiem/angiang",
        "image_url": "https://tinnhiemmang.vn/handle_cert?id=angiang.gov.vn",
        "alt": "Chứng nhận Tín nhiệm mạng", "enabled": "1"})
    assert response.status == 303
    page = await client.get("/vi/")
    policy = dict(part.strip().split(" ", 1) for part in
                  page.headers["Content-Security-Policy"].split(";"))
    assert policy["script-src"] == ("'self' https://emc.gov.vn/tracking/emc.js "
                                    "'sha256-"
                                    + trust.slots.Slot("m", inline_code="window.emcSite"
                                                       " = 'angiang';").inline_hash[8:])
    assert policy["img-src"] == "'self' data: https://tinnhiemmang.vn/handle_cert"
    assert policy["connect-src"] == "'self' https://emc.gov.vn"
    assert policy["default-src"] == "'self'" and policy["frame-ancestors"] == "'none'"
    html = await page.text()
    assert 'src="https://emc.gov.vn/tracking/emc.js?site=angiang"' in html
    assert "<script data-slot=\"monitoring\">window.emcSite = 'angiang';</script>" in html
    assert 'alt="Chứng nhận Tín nhiệm mạng"' in html
    # The admin keeps its own policy.
    assert "emc.gov.vn" not in (await admin.get("/admin/")).headers[
        "Content-Security-Policy"]

    refused = await admin.post("/admin/snippets/analytics", {
        "script_url": "http://insecure.example/a.js", "enabled": "1"})
    assert refused.status == 400
    refused = await admin.post("/admin/snippets/analytics", {
        "inline_code": "</script><script>alert(1)", "enabled": "1"})
    assert refused.status == 400
    for address in ("https://*.gov.vn/a.js", "https://%2A.gov.vn/a.js",
                    "https://emc.gov.vn", "https://emc.gov.vn/"):
        refused = await admin.post("/admin/snippets/analytics", {
            "script_url": address, "enabled": "1"})
        assert refused.status == 400, address
    await admin.post("/admin/snippets/monitoring", {"script_url": "", "enabled": ""})
    await admin.post("/admin/snippets/trust_badge", {"enabled": ""})
    assert (await client.get("/vi/")).headers["Content-Security-Policy"] == PUBLIC_CSP


async def test_only_administrators_configure_snippets_and_downtime(client, site, sign_in,
                                                                    add_staff):
    add_staff("editor")
    editor = await sign_in("editor")
    assert (await editor.get("/admin/snippets")).status == 403
    assert (await editor.get("/admin/downtime")).status == 403
    assert (await editor.get("/admin/feedback")).status == 200
    writer = add_staff("contributor")
    contributor = await sign_in(writer.username)
    assert (await contributor.get("/admin/ratings")).status == 403


async def test_editors_keep_the_portals_own_pages(client, site, sign_in):
    admin = await sign_in()
    for fields in ({"name": "Ủy ban nhân dân tỉnh", "head": "Chủ tịch UBND tỉnh"},
                   {"name": "Văn phòng UBND tỉnh", "parent": "Ủy ban nhân dân tỉnh",
                    "phone": "0297 3862 001"}):
        response = await admin.post("/admin/about", {"page": "organisation",
                                                      "lang": "vi"} | fields)
        assert response.status == 303
    page = await get_page(client, "/vi/about/organisation")
    top = page.find(".//ul[@class='org-chart']/li")
    assert "Ủy ban nhân dân tỉnh" in "".join(top.itertext())
    assert top.find(".//ul[@class='org-children']/li") is not None
    english = await get_page(client, "/en/about/organisation")
    assert "Văn phòng UBND tỉnh" in english.text  # shown in Vietnamese, and said so
    response = await admin.post("/admin/about", {"page": "channels", "lang": "en",
                                                 "name": "Facebook", "kind": "social",
                                                 "url": "javascript:alert(1)"})
    assert response.status == 400
    privacy = await get_page(client, "/km/about/privacy")
    assert "90" in privacy.text  # the default notice names the erasure delay


async def test_the_thank_you_page_links_back_only_to_this_site(client):
    for back, expected in (("/km/tin-tuc/", "/km/tin-tuc/"), ("//evil.example/x", "/vi/"),
                           ("/\\evil.example/x", "/vi/"), ("/\t/evil.example/x", "/vi/"),
                           ("https://evil.example/", "/vi/")):
        html = await (await client.get("/vi/thanks", params={"back": back})).text()
        assert f'href="{expected}"' in html, back
        assert "evil.example" not in html, back


async def test_a_malformed_origin_is_a_foreign_one(client, site):
    story = site.urls["story-vi"]
    for header in ({"Origin": "http://localhost:8080.evil.example"},
                   {"Origin": "http://localhost:99999"}, {"Origin": "http://[::1"},
                   {"Referer": "http://localhost:8080:x/vi/"}):
        assert (await rate(client, "vi", story, 3, headers=header)).status == 403, header
        response = await client.post("/km/feedback", headers=header,
                                     data={"topic": "question", "message": "x" * 20})
        assert response.status == 403, header


async def test_a_body_that_is_not_a_form_is_refused_in_words(client, conn, site):
    garbled = "score=5&target=portal\xff".encode("latin-1")
    response = await client.post("/km/rate", data=garbled, headers=ORIGIN | {
        "Content-Type": "application/x-www-form-urlencoded"})
    assert response.status == 400
    page = await response.text()
    assert 'lang="km"' in page and "Traceback" not in page
    response = await client.post("/vi/feedback", data=b"message=x", headers=ORIGIN | {
        "Content-Type": "multipart/form-data; boundary=zzz"})
    assert response.status == 400
    assert conn.execute("SELECT count(*) FROM feedback").fetchone()[0] == 0


async def test_public_forms_take_a_few_kilobytes_not_megabytes(client, conn, site):
    longest = "ស" * 4000  # the longest message, in the script that costs most
    assert (await _send(client, "km", message=longest)).status == 200
    response = await _send(client, "vi", message="a" * (trust.PUBLIC_FORM_BYTES + 1))
    assert response.status == 413
    assert len(await response.read()) < 50_000  # nothing of it sent back
    assert conn.execute("SELECT count(*) FROM feedback").fetchone()[0] == 1
