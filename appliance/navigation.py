"""Getting around the site: the editable menus, the stories chosen for each
home page, and redirects from the old portal's addresses.

Data functions in the usual form (sync, a connection first); every change is
written to the audit trail. The public site reads menus and home blocks when
it renders a page and looks redirects up only for requests that would
otherwise be answered 404 (see web.redirects).
"""

from __future__ import annotations

import csv
import io
import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field

from yarl import URL

from . import content
from .audit import audit
from .db import utcnow
from .errors import ConflictError, NotFoundError, UserError
from .i18n import LANGUAGES
from .i18n import gettext as _
from .security import is_site_path
from .text import clean

MENUS = ("main", "footer")
SLOTS = ("featured", "highlighted")
SLOT_SIZES = {"featured": 5, "highlighted": 8}
MAX_MENU_LINKS = 12
MAX_LABEL = 80
MAX_ADDRESS = 2000
MAX_REDIRECT_HOPS = 10
MAX_IMPORT_LINES = 20_000
# First path segments the site answers itself: an old address there would
# never be reached, or would hide a page of ours.
OWN_SEGMENTS = frozenset({
    *LANGUAGES, "admin", "api", "media", "static", "s", "healthz", "sitemap.xml",
    "robots.txt", "sitemaps",
})
_UNSAFE = re.compile(r"[\s\x00-\x1f\x7f<>\"\\]")


# -- addresses ----------------------------------------------------------------

def check_link_address(text: str) -> str:
    """A menu address: a path on this site, or an http(s) address elsewhere."""
    address = text.strip()
    if not address:
        raise UserError(_("Give the link's address."))
    if len(address) > MAX_ADDRESS or _UNSAFE.search(address):
        raise UserError(_("The address “%(address)s” has spaces or characters an "
                          "address cannot hold.", address=address[:80]))
    if _is_local(address):
        return address
    url = URL(address)
    if url.scheme in ("http", "https") and url.host:
        return address
    raise UserError(_("The address must be a path on this site starting with “/” "
                      "(like /vi/tin-tuc/) or a full address starting with https://."))


def _is_local(address: str) -> bool:
    return is_site_path(address)


def is_own_address(path: str) -> bool:
    """True for paths the site serves itself (/, /vi/..., /admin, /api, ...)."""
    first = path.lstrip("/").split("/", 1)[0]
    return path == "/" or first in OWN_SEGMENTS


# -- menus --------------------------------------------------------------------

@dataclass(frozen=True)
class MenuLink:
    id: int
    menu: str
    lang: str
    label: str
    url: str
    position: int


def menu_links(conn: sqlite3.Connection, lang: str) -> dict[str, list[MenuLink]]:
    """Both menus of a language, in order; an empty list means "not set"."""
    found: dict[str, list[MenuLink]] = {menu: [] for menu in MENUS}
    rows = conn.execute(
        "SELECT id, menu, lang, label, url, position FROM menu_link WHERE lang = ?"
        " ORDER BY menu, position, id", (lang,))
    for row in rows:
        found[row["menu"]].append(MenuLink(*row))
    return found


def _check_menu(menu: str, lang: str) -> None:
    if menu not in MENUS:
        raise UserError(_("Unknown menu “%(menu)s”.", menu=menu))
    if lang not in LANGUAGES:
        raise UserError(_("Unknown language “%(lang)s”: use vi, en or km.", lang=lang))


def _check_label(label: str) -> str:
    label = " ".join(clean(label).split())
    if not label:
        raise UserError(_("Give the link's text."))
    if len(label) > MAX_LABEL:
        raise UserError(_("A link's text may have at most %(n)s characters.", n=MAX_LABEL))
    return label


def add_link(conn: sqlite3.Connection, menu: str, lang: str, label: str, url: str,
             user_id: int | None) -> MenuLink:
    _check_menu(menu, lang)
    label, url = _check_label(label), check_link_address(url)
    count, last = conn.execute(
        "SELECT count(*), coalesce(max(position), -1) FROM menu_link"
        " WHERE menu = ? AND lang = ?", (menu, lang)).fetchone()
    if count >= MAX_MENU_LINKS:
        raise UserError(_("A menu holds at most %(n)s links; remove one first.",
                          n=MAX_MENU_LINKS))
    cur = conn.execute(
        "INSERT INTO menu_link (menu, lang, label, url, position, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?)", (menu, lang, label, url, last + 1, utcnow()))
    audit(conn, user_id, "menu.add", f"menu:{menu}:{lang}", f"{label} -> {url}")
    return _link(conn, cur.lastrowid)


def update_link(conn: sqlite3.Connection, link_id: int, label: str, url: str,
                user_id: int | None) -> MenuLink:
    link = _link(conn, link_id)
    label, url = _check_label(label), check_link_address(url)
    conn.execute("UPDATE menu_link SET label = ?, url = ?, updated_at = ? WHERE id = ?",
                 (label, url, utcnow(), link_id))
    audit(conn, user_id, "menu.update", f"menu:{link.menu}:{link.lang}",
          f"{label} -> {url}")
    return _link(conn, link_id)


def delete_link(conn: sqlite3.Connection, link_id: int, user_id: int | None) -> MenuLink:
    link = _link(conn, link_id)
    conn.execute("DELETE FROM menu_link WHERE id = ?", (link_id,))
    audit(conn, user_id, "menu.delete", f"menu:{link.menu}:{link.lang}",
          f"{link.label} -> {link.url}")
    return link


def move_link(conn: sqlite3.Connection, link_id: int, direction: str,
              user_id: int | None) -> MenuLink:
    link = _link(conn, link_id)
    ids = [row[0] for row in conn.execute(
        "SELECT id FROM menu_link WHERE menu = ? AND lang = ? ORDER BY position, id",
        (link.menu, link.lang))]
    _reorder(ids, link_id, direction)
    conn.executemany("UPDATE menu_link SET position = ? WHERE id = ?",
                     [(position, each) for position, each in enumerate(ids)])
    audit(conn, user_id, "menu.reorder", f"menu:{link.menu}:{link.lang}",
          ",".join(map(str, ids)))
    return link


def _reorder(ids: list[int], moved: int, direction: str) -> None:
    """Swap `moved` with its neighbour, in place; the ends stay put."""
    if direction not in ("up", "down"):
        raise UserError(_("Move up or down."))
    at = ids.index(moved)
    other = at - 1 if direction == "up" else at + 1
    if 0 <= other < len(ids):
        ids[at], ids[other] = ids[other], ids[at]


def _link(conn: sqlite3.Connection, link_id: int) -> MenuLink:
    row = conn.execute("SELECT id, menu, lang, label, url, position FROM menu_link"
                       " WHERE id = ?", (link_id,)).fetchone()
    if row is None:
        raise NotFoundError(_("No menu link with number %(id)s.", id=link_id))
    return MenuLink(*row)


# -- home-page blocks ---------------------------------------------------------

def home_blocks(conn: sqlite3.Connection, lang: str, *,
                public: bool = True) -> dict[str, list[content.Item]]:
    """The chosen stories of a language's home page by slot, in order, with
    their lead images. Public pages get only what is published now."""
    rows = conn.execute("SELECT item_id, slot FROM home_block WHERE lang = ?"
                        " ORDER BY slot, position", (lang,)).fetchall()
    items = content.items_by_id(conn, [row["item_id"] for row in rows])
    images = content.get_media_many(conn, {i.lead_image_id for i in items.values()})
    found: dict[str, list[content.Item]] = {slot: [] for slot in SLOTS}
    for row in rows:
        item = items.get(row["item_id"])
        if item is None or (public and not item.is_published):
            continue
        item.lead_image = images.get(item.lead_image_id)
        found[row["slot"]].append(item)
    return found


def add_block(conn: sqlite3.Connection, lang: str, item_id: int, slot: str,
              user_id: int | None) -> None:
    if slot not in SLOTS:
        raise UserError(_("Unknown home-page block “%(slot)s”.", slot=slot))
    item = content.get_item(conn, item_id)
    if item.lang != lang:
        raise UserError(_("Only stories in the page's own language can be chosen."))
    if not item.is_published:
        raise UserError(_("Only published stories can be put on the home page."))
    chosen = conn.execute("SELECT slot FROM home_block WHERE lang = ? AND item_id = ?",
                          (lang, item_id)).fetchone()
    if chosen is not None:
        raise ConflictError(_("“%(title)s” is already on the home page.", title=item.title))
    count, last = conn.execute(
        "SELECT count(*), coalesce(max(position), -1) FROM home_block"
        " WHERE lang = ? AND slot = ?", (lang, slot)).fetchone()
    if count >= SLOT_SIZES[slot]:
        raise UserError(_("This block holds at most %(n)s stories; remove one first.",
                          n=SLOT_SIZES[slot]))
    conn.execute("INSERT INTO home_block (lang, item_id, slot, position)"
                 " VALUES (?, ?, ?, ?)", (lang, item_id, slot, last + 1))
    audit(conn, user_id, "home.add", f"item:{item_id}", f"{lang} {slot}")


def remove_block(conn: sqlite3.Connection, lang: str, item_id: int,
                 user_id: int | None) -> None:
    slot = _block_slot(conn, lang, item_id)
    conn.execute("DELETE FROM home_block WHERE lang = ? AND item_id = ?", (lang, item_id))
    audit(conn, user_id, "home.remove", f"item:{item_id}", f"{lang} {slot}")


def move_block(conn: sqlite3.Connection, lang: str, item_id: int, direction: str,
               user_id: int | None) -> None:
    slot = _block_slot(conn, lang, item_id)
    ids = [row[0] for row in conn.execute(
        "SELECT item_id FROM home_block WHERE lang = ? AND slot = ? ORDER BY position",
        (lang, slot))]
    _reorder(ids, item_id, direction)
    conn.executemany("UPDATE home_block SET position = ? WHERE lang = ? AND item_id = ?",
                     [(position, lang, each) for position, each in enumerate(ids)])
    audit(conn, user_id, "home.reorder", f"home:{lang}:{slot}", ",".join(map(str, ids)))


def _block_slot(conn: sqlite3.Connection, lang: str, item_id: int) -> str:
    row = conn.execute("SELECT slot FROM home_block WHERE lang = ? AND item_id = ?",
                       (lang, item_id)).fetchone()
    if row is None:
        raise NotFoundError(_("That story is not on the home page."))
    return row["slot"]


# -- redirects ----------------------------------------------------------------

@dataclass(frozen=True)
class Redirect:
    id: int
    old_path: str
    old_query: str
    target: str
    hits: int
    last_hit_at: str | None
    updated_at: str

    @property
    def old(self) -> str:
        return self.old_path + (f"?{self.old_query}" if self.old_query else "")


@dataclass
class ImportReport:
    added: int = 0
    rejects: list[tuple[int, str, str]] = field(default_factory=list)


def split_old_address(text: str) -> tuple[str, str]:
    """An old address as (path, query), decoded the way requests are; a full
    address is taken for its path, since the old portal had this domain."""
    address = text.strip()
    if not address:
        raise UserError(_("Give the old address."))
    if len(address) > MAX_ADDRESS or _UNSAFE.search(address):
        raise UserError(_("The address “%(address)s” has spaces or characters an "
                          "address cannot hold.", address=address[:80]))
    url = URL(address)
    if url.scheme or url.host:
        if url.scheme not in ("http", "https"):
            raise UserError(_("The old address must be a path starting with “/”."))
        url = URL(url.raw_path_qs) if url.raw_path_qs else URL("/")
    elif not _is_local(address):
        raise UserError(_("The old address must be a path starting with “/”."))
    path, query = url.path, url.query_string
    if is_own_address(path):
        raise UserError(_("“%(address)s” is an address of this site itself; a redirect "
                          "from it would hide a page. Redirect only old addresses.",
                          address=address[:200]))
    return path, query


def check_target(text: str) -> str:
    """A new address: a path on this site or a full https address."""
    address = text.strip()
    if not address:
        raise UserError(_("Give the new address."))
    if len(address) > MAX_ADDRESS or _UNSAFE.search(address):
        raise UserError(_("The address “%(address)s” has spaces or characters an "
                          "address cannot hold.", address=address[:80]))
    if _is_local(address):
        return address
    url = URL(address)
    if url.scheme == "https" and url.host:
        return address
    raise UserError(_("The new address must be a path on this site starting with “/” "
                      "or a full address starting with https://."))


def find_redirect(conn: sqlite3.Connection, path: str,
                  query: str) -> tuple[int, str] | None:
    """The redirect for an address: path and query exactly, else the path alone."""
    for wanted in ((query, "") if query else ("",)):
        row = conn.execute("SELECT id, target FROM redirect WHERE old_path = ?"
                           " AND old_query = ?", (path, wanted)).fetchone()
        if row is not None:
            return row["id"], row["target"]
    return None


def _check_no_loop(conn: sqlite3.Connection, path: str, query: str, target: str,
                   ignore_id: int | None = None) -> None:
    """Follow the new address through other redirects; coming back to the old
    one would send browsers round for ever."""
    current = target
    for _hop in range(MAX_REDIRECT_HOPS):
        if not _is_local(current):
            return
        url = URL(current)
        step_path, step_query = url.path, url.query_string
        # The lookup falls back to the path alone, so a path-only redirect
        # also catches the same path with any query.
        if step_path == path and (step_query == query or not query):
            raise _loop(path, query)
        found = find_redirect(conn, step_path, step_query)
        if found is None or found[0] == ignore_id:
            return
        current = found[1]
    raise _loop(path, query)


def _loop(path: str, query: str) -> UserError:
    old = path + (f"?{query}" if query else "")
    return UserError(_("The new address leads back to “%(old)s”, so browsers would go "
                       "round in a loop. Choose another new address.", old=old[:200]))


def add_redirect(conn: sqlite3.Connection, old: str, new: str,
                 user_id: int | None) -> Redirect:
    path, query = split_old_address(old)
    target = check_target(new)
    if _redirect_at(conn, path, query) is not None:
        raise ConflictError(_("“%(old)s” already has a redirect; change that one "
                              "instead.", old=old.strip()[:200]))
    _check_no_loop(conn, path, query, target)
    now = utcnow()
    cur = conn.execute(
        "INSERT INTO redirect (old_path, old_query, target, created_at, created_by,"
        " updated_at) VALUES (?, ?, ?, ?, ?, ?)", (path, query, target, now, user_id, now))
    audit(conn, user_id, "redirect.add", f"redirect:{cur.lastrowid}",
          f"{_joined(path, query)} -> {target}")
    return get_redirect(conn, cur.lastrowid)


def update_redirect(conn: sqlite3.Connection, redirect_id: int, old: str, new: str,
                    user_id: int | None) -> Redirect:
    get_redirect(conn, redirect_id)
    path, query = split_old_address(old)
    target = check_target(new)
    clash = _redirect_at(conn, path, query)
    if clash is not None and clash != redirect_id:
        raise ConflictError(_("“%(old)s” already has a redirect; change that one "
                              "instead.", old=old.strip()[:200]))
    _check_no_loop(conn, path, query, target, ignore_id=redirect_id)
    conn.execute("UPDATE redirect SET old_path = ?, old_query = ?, target = ?,"
                 " updated_at = ? WHERE id = ?", (path, query, target, utcnow(),
                                                   redirect_id))
    audit(conn, user_id, "redirect.update", f"redirect:{redirect_id}",
          f"{_joined(path, query)} -> {target}")
    return get_redirect(conn, redirect_id)


def delete_redirect(conn: sqlite3.Connection, redirect_id: int,
                    user_id: int | None) -> Redirect:
    redirect = get_redirect(conn, redirect_id)
    conn.execute("DELETE FROM redirect WHERE id = ?", (redirect_id,))
    audit(conn, user_id, "redirect.delete", f"redirect:{redirect_id}",
          f"{redirect.old} -> {redirect.target}")
    return redirect


def _joined(path: str, query: str) -> str:
    return path + (f"?{query}" if query else "")


def _redirect_at(conn: sqlite3.Connection, path: str, query: str) -> int | None:
    row = conn.execute("SELECT id FROM redirect WHERE old_path = ? AND old_query = ?",
                       (path, query)).fetchone()
    return row[0] if row else None


_REDIRECT_COLUMNS = "id, old_path, old_query, target, hits, last_hit_at, updated_at"


def get_redirect(conn: sqlite3.Connection, redirect_id: int) -> Redirect:
    row = conn.execute(f"SELECT {_REDIRECT_COLUMNS} FROM redirect WHERE id = ?",
                       (redirect_id,)).fetchone()
    if row is None:
        raise NotFoundError(_("No redirect with number %(id)s.", id=redirect_id))
    return Redirect(*row)


def list_redirects(conn: sqlite3.Connection, *, words: str = "", limit: int,
                   offset: int) -> tuple[list[Redirect], int]:
    """Redirects whose old or new address holds the words, newest first."""
    where, params = "", []
    if words:
        pattern = words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        where = (" WHERE old_path || '?' || old_query LIKE ? ESCAPE '\\'"
                 " OR target LIKE ? ESCAPE '\\'")
        params = [f"%{pattern}%"] * 2
    total = conn.execute(f"SELECT count(*) FROM redirect{where}", params).fetchone()[0]
    rows = conn.execute(f"SELECT {_REDIRECT_COLUMNS} FROM redirect{where}"
                        " ORDER BY id DESC LIMIT ? OFFSET ?", params + [limit, offset])
    return [Redirect(*row) for row in rows], total


def import_redirects(conn: sqlite3.Connection, text: str,
                     user_id: int | None) -> ImportReport:
    """Add redirects from CSV text, one "old,new" per line. Good lines are
    added; each bad one is reported with its line number and the reason."""
    report = ImportReport()
    lines = text.splitlines()
    if len(lines) > MAX_IMPORT_LINES:
        raise UserError(_("The file has more than %(n)s lines; split it and import "
                          "the parts one after the other.", n=MAX_IMPORT_LINES))
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        cells = [cell.strip() for cell in row]
        if not any(cells) or _is_header(number, cells):
            continue
        if len(cells) != 2:
            report.rejects.append((number, ",".join(row)[:200], _(
                "A line needs two values, the old address and the new one, "
                "separated by a comma.")))
            continue
        try:
            _add_quietly(conn, cells[0], cells[1], user_id)
        except UserError as exc:
            report.rejects.append((number, ",".join(row)[:200], str(exc)))
        else:
            report.added += 1
    audit(conn, user_id, "redirect.import", None,
          f"added {report.added}, rejected {len(report.rejects)}")
    return report


def _is_header(number: int, cells: list[str]) -> bool:
    return number == 1 and [cell.lower() for cell in cells[:2]] == ["old", "new"]


def _add_quietly(conn: sqlite3.Connection, old: str, new: str,
                 user_id: int | None) -> None:
    """One imported line; the import as a whole is the audit entry."""
    path, query = split_old_address(old)
    target = check_target(new)
    if _redirect_at(conn, path, query) is not None:
        raise ConflictError(_("“%(old)s” already has a redirect; change that one "
                              "instead.", old=old[:200]))
    _check_no_loop(conn, path, query, target)
    now = utcnow()
    conn.execute(
        "INSERT INTO redirect (old_path, old_query, target, created_at, created_by,"
        " updated_at) VALUES (?, ?, ?, ?, ?, ?)", (path, query, target, now, user_id, now))


def record_hits(conn: sqlite3.Connection,
                hits: Iterable[tuple[int, int, str]]) -> None:
    """Add counted hits: (redirect id, how many, the last one's time)."""
    conn.executemany(
        "UPDATE redirect SET hits = hits + ?, last_hit_at = max(coalesce(last_hit_at,"
        " ''), ?) WHERE id = ?", [(count, at, redirect_id) for redirect_id, count, at
                                  in hits])
