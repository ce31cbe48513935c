"""Feedback and questions from the public, with a reference number, editors'
moderation and, when editors choose, a public answer.

Personal data is kept to the least: a name and an e-mail address are
optional, asked only so that editors can reply, and erased when a question
is closed or rejected, and in any case after `trust.contact_days`. Nothing
of the sender's connection (address, browser) is stored.
"""

from __future__ import annotations

import re
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta, UTC

from .audit import audit
from .db import utcnow
from .errors import NotFoundError, UserError
from .i18n import LANGUAGES, LOCAL_TZ
from .i18n import gettext as _
from .security import is_site_path
from .text import clean

TOPICS = ("question", "feedback", "error")
STATUSES = ("new", "answered", "rejected", "closed")
MAX_MESSAGE = 4000
MAX_NAME = 100
MAX_ANSWER = 8000
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s.]{2,63}")
_REF_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


@dataclass
class Feedback:
    id: int
    reference: str
    lang: str
    topic: str
    message: str
    name: str
    email: str
    page: str
    status: str
    answer: str
    public_question: str
    public: bool
    created_at: str
    answered_at: str | None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Feedback:
        return cls(row["id"], row["reference"], row["lang"], row["topic"],
                   row["message"], row["name"], row["email"], row["page"],
                   row["status"], row["answer"], row["public_question"],
                   bool(row["public"]), row["created_at"], row["answered_at"])


@dataclass
class Submission:
    lang: str
    topic: str
    message: str
    name: str = ""
    email: str = ""
    page: str = ""


def check(sub: Submission) -> dict[str, str]:
    """Problems by field name, in the user's language; empty when fine."""
    problems = {}
    if sub.topic not in TOPICS:
        problems["topic"] = _("Choose what your message is about.")
    message = clean(sub.message).strip()
    if len(message) < 10:
        problems["message"] = _("Write your message (at least 10 characters).")
    elif len(message) > MAX_MESSAGE:
        problems["message"] = _("The message may have at most %(n)s characters.",
                                n=MAX_MESSAGE)
    if len(sub.name) > MAX_NAME:
        problems["name"] = _("The name may have at most %(n)s characters.", n=MAX_NAME)
    if sub.email and not _EMAIL.fullmatch(sub.email.strip()):
        problems["email"] = _("The e-mail address looks wrong; check it or leave it empty.")
    return problems


def new_reference(now: datetime | None = None) -> str:
    day = (now or datetime.now(UTC)).astimezone(LOCAL_TZ).strftime("%Y%m%d")
    tail = "".join(secrets.choice(_REF_ALPHABET) for _ in range(5))
    return f"GY-{day}-{tail}"


def submit(conn: sqlite3.Connection, sub: Submission) -> Feedback:
    problems = check(sub)
    if problems:
        raise UserError(next(iter(problems.values())))
    lang = sub.lang if sub.lang in LANGUAGES else "vi"
    page = sub.page if is_site_path(sub.page) else ""
    while True:
        reference = new_reference()
        if conn.execute("SELECT 1 FROM feedback WHERE reference = ?",
                        (reference,)).fetchone() is None:
            break
    cur = conn.execute(
        "INSERT INTO feedback (reference, lang, topic, message, name, email, page,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (reference, lang, sub.topic, clean(sub.message).strip(),
         " ".join(clean(sub.name).split()), sub.email.strip(), page[:500], utcnow()))
    return get(conn, cur.lastrowid)


def get(conn: sqlite3.Connection, feedback_id: int) -> Feedback:
    row = conn.execute("SELECT * FROM feedback WHERE id = ?", (feedback_id,)).fetchone()
    if row is None:
        raise NotFoundError(_("No message with number %(id)s.", id=feedback_id))
    return Feedback.from_row(row)


def by_reference(conn: sqlite3.Connection, reference: str) -> Feedback | None:
    row = conn.execute("SELECT * FROM feedback WHERE reference = ?",
                       (reference.strip().upper(),)).fetchone()
    return Feedback.from_row(row) if row else None


def listing(conn: sqlite3.Connection, status: str | None, *, limit: int,
            offset: int) -> tuple[list[Feedback], int]:
    where, params = ("WHERE status = ?", [status]) if status in STATUSES else ("", [])
    total = conn.execute(f"SELECT count(*) FROM feedback {where}", params).fetchone()[0]
    rows = conn.execute(f"SELECT * FROM feedback {where} ORDER BY id DESC"
                        " LIMIT ? OFFSET ?", params + [limit, offset])
    return [Feedback.from_row(row) for row in rows], total


def counts(conn: sqlite3.Connection) -> dict[str, int]:
    found = dict.fromkeys(STATUSES, 0)
    for row in conn.execute("SELECT status, count(*) FROM feedback GROUP BY status"):
        found[row[0]] = row[1]
    return found


def answer(conn: sqlite3.Connection, feedback_id: int, text: str, *,
           public: bool, public_question: str, user_id: int | None) -> Feedback:
    item = get(conn, feedback_id)
    text = clean(text).strip()
    if not text:
        raise UserError(_("Write the answer."))
    if len(text) > MAX_ANSWER:
        raise UserError(_("The answer may have at most %(n)s characters.", n=MAX_ANSWER))
    question = clean(public_question).strip() or item.message
    conn.execute(
        "UPDATE feedback SET status = 'answered', answer = ?, public = ?,"
        " public_question = ?, answered_at = ?, answered_by = ? WHERE id = ?",
        (text, int(public), question if public else "", utcnow(), user_id, feedback_id))
    audit(conn, user_id, "feedback.answer", f"feedback:{feedback_id}",
          "public" if public else "private")
    return get(conn, feedback_id)


def close(conn: sqlite3.Connection, feedback_id: int, status: str,
          user_id: int | None) -> Feedback:
    """Reject or close a message; its contact details are erased either way."""
    if status not in ("rejected", "closed"):
        raise UserError(_("Unknown status “%(status)s”.", status=status))
    get(conn, feedback_id)
    public = "public" if status == "closed" else "0"
    conn.execute(f"UPDATE feedback SET status = ?, name = '', email = '', public = {public}"
                 " WHERE id = ?", (status, feedback_id))
    audit(conn, user_id, f"feedback.{status}", f"feedback:{feedback_id}")
    return get(conn, feedback_id)


def public_answers(conn: sqlite3.Connection, lang: str, *, limit: int,
                   offset: int) -> tuple[list[Feedback], int]:
    total = conn.execute("SELECT count(*) FROM feedback WHERE public = 1 AND lang = ?",
                         (lang,)).fetchone()[0]
    rows = conn.execute("SELECT * FROM feedback WHERE public = 1 AND lang = ?"
                        " ORDER BY answered_at DESC LIMIT ? OFFSET ?",
                        (lang, limit, offset))
    return [Feedback.from_row(row) for row in rows], total


def erase_old_contacts(conn: sqlite3.Connection, days: int) -> int:
    """Erase names and e-mail addresses older than `days`; how many rows."""
    cutoff = (datetime.now(UTC) - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")
    cur = conn.execute("UPDATE feedback SET name = '', email = '' WHERE created_at < ?"
                       " AND (name != '' OR email != '')", (cutoff,))
    return cur.rowcount
