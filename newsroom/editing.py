"""The newsroom's writes, each run in one database transaction.

Permissions are checked here, against the item as stored inside the same
transaction, so what is checked is what is changed. Every function takes the
acting user and leaves its trace in the audit trail through the content store.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Sequence

from appliance import content, media_store
from appliance.content import Item, Media
from appliance.db import utcnow
from appliance.errors import ConflictError, NotFoundError, UserError
from appliance.i18n import gettext as _
from appliance.users import User

from . import locks, workflow
from .forms import EDITABLE_KINDS, ArticleForm, SectionForm
from .labels import N_
from .media import Picture
from .pages import as_id
from .permissions import require, require_placement


MISSING_REVISION = N_(
    "The form does not say which revision of the item it changes, so saving "
    "it could erase someone else's work. Copy your changes, reload the page "
    "and make them again."
)


def save_article(
    conn: sqlite3.Connection,
    form: ArticleForm,
    item_id: int | None,
    user: User,
    then: str = "",
) -> Item:
    """Create or update an article; link it as a translation, and take the
    workflow transition `then` (submit, send for approval, ...) when asked."""
    current = content.get_item(conn, item_id) if item_id is not None else None
    if current is None:
        require(user, "item.create")
        source = translation_source(conn, form.translation_of, form.lang, user)
    else:
        require(user, "item.edit", current)
        check_editable(current)
        locks.check_free(conn, current.id, user)
        source = None
    image_id = as_id(form.lead_image)
    if image_id is not None and content.get_media(conn, image_id) is None:
        raise UserError(_("The chosen image no longer exists. Choose another one."))
    data = form.to_input(current)
    check_placement(conn, data, current, user)
    check_dating(data, current)

    item = content.save_item(
        conn,
        data,
        item_id=item_id,
        user_id=user.id,
        expected_revision=_expected_revision(form, current),
    )
    if source is not None:
        content.link_translations(conn, item.id, source.id, user.id)
        content.mark_translated(conn, item.id, source.id, user.id)
    elif current is not None and form.source_current and current.source_item_id:
        content.mark_translated(conn, item.id, current.source_item_id, user.id)
    # A save keeps the saver's lock alive but takes none: the edit page takes
    # its own when it opens again, and a program saving through the API
    # leaves nothing behind that would block the editors.
    locks.refresh(conn, item.id, user)
    if then:
        item = workflow.transition(conn, item.id, then, user)
    return content.get_item(conn, item.id)


def check_placement(
    conn: sqlite3.Connection, data: content.ItemInput, current: Item | None, user: User
) -> None:
    """Staff limited to some sections create items there and move them only
    between those sections."""
    if current is not None and data.section_key == current.section_key:
        return
    section = content.get_section(conn, data.section_key) if data.section_key else None
    require_placement(user, section.id if section else None)


def check_dating(data: content.ItemInput, current: Item | None) -> None:
    """A live story dated into the future would silently leave the site:
    taking it down is a step of its own (unpublish), so refuse it here."""
    if current is None or current.status != "published":
        return
    moment = content.parse_time(data.published_at, _("Publication time"))
    if moment and moment > utcnow():
        raise UserError(_(
            "This item is on the site now, so its publication time cannot be in "
            "the future. To publish it again later, unpublish it first, then have "
            "it approved and scheduled."))


def _expected_revision(form: ArticleForm, current: Item | None) -> int | None:
    """The revision the editor started from; the content store refuses the
    save when someone else saved in between."""
    if current is None:
        return None
    revision = as_id(form.revision)
    if revision is None:
        raise UserError(_(MISSING_REVISION))
    return revision


def check_editable(current: Item) -> None:
    if current.kind not in EDITABLE_KINDS:
        raise UserError(
            _(
                "This kind of item is kept up to date by import and "
                "cannot be edited here."
            )
        )


def translation_source(
    conn: sqlite3.Connection, raw_id: str, lang: str, user: User
) -> Item | None:
    """The item a new article translates (None when it translates none),
    after checking the user may add a version to its story."""
    source_id = as_id(raw_id)
    if source_id is None:
        return None
    try:
        source = content.get_item(conn, source_id)
    except NotFoundError:
        raise UserError(_("The item to translate no longer exists.")) from None
    require_story_rights(conn, user, source)
    if source.lang == lang:
        raise UserError(_("A translation must be in another language."))
    return source


def check_translation_rights(conn: sqlite3.Connection, raw_id: str, user: User) -> None:
    """Refuse a translation of a story the user may not change, before any
    upload is stored; other problems with the source are reported on saving."""
    source_id = as_id(raw_id)
    if source_id is None:
        return
    with contextlib.suppress(NotFoundError):
        require_story_rights(conn, user, content.get_item(conn, source_id))


def story(conn: sqlite3.Connection, item: Item) -> list[Item]:
    """The item and its other language versions."""
    others = content.translations_of(conn, item, published_only=False)
    return [item, *others.values()]


def require_story_rights(conn: sqlite3.Connection, user: User, *items: Item) -> None:
    """Linking or unlinking changes which versions every item of the stories
    involved shows, so the user needs the right to link each one of them."""
    for item in items:
        for member in story(conn, item):
            require(user, "item.link", member)


def add_media(
    conn: sqlite3.Connection,
    path: str,
    picture: Picture,
    original_name: str,
    alt: str,
    credit: str,
    user: User,
    digest: str | None = None,
    variants: Sequence[media_store.Variant] = (),
) -> Media:
    require(user, "media.upload")
    media = content.add_media(
        conn,
        path=path,
        mime=picture.mime,
        size=len(picture.data),
        width=picture.width,
        height=picture.height,
        original_name=original_name[:200],
        alt=alt[:500],
        credit=credit[:200],
        user_id=user.id,
    )
    media_store.record_upload(conn, media.id, digest, list(variants))
    return media


def move(
    conn: sqlite3.Connection,
    item_id: int,
    names: list[str],
    user: User,
    **details: object,
) -> Item:
    """Take one or more transitions in one transaction (approve, then
    schedule); each is checked on its own."""
    item = content.get_item(conn, item_id)
    locks.clear_for_step(conn, item, user)
    for name in names:
        item = workflow.transition(conn, item_id, name, user, **details)
        details.pop("expected_revision", None)
    return item


def link(conn: sqlite3.Connection, item_id: int, other_id: int, user: User) -> None:
    item = content.get_item(conn, item_id)
    require(user, "item.link", item)
    if other_id == item_id:
        raise UserError(_("An item cannot be a translation of itself."))
    try:
        other = content.get_item(conn, other_id)
    except NotFoundError:
        raise UserError(_("There is no item number %(id)s.", id=other_id)) from None
    require_story_rights(conn, user, item, other)
    content.link_translations(conn, item_id, other_id, user.id)


def unlink(conn: sqlite3.Connection, item_id: int, user: User) -> None:
    item = content.get_item(conn, item_id)
    require_story_rights(conn, user, item)
    content.unlink_translation(conn, item_id, user.id)


# -- sections -----------------------------------------------------------------


def add_section(conn: sqlite3.Connection, form: SectionForm, user: User) -> None:
    require(user, "section.manage")
    if content.get_section(conn, form.key) is not None:
        raise ConflictError(
            _("A section with the key “%(key)s” already exists.", key=form.key)
        )
    content.save_section(conn, form.key, form.names, user_id=user.id)


def rename_section(conn: sqlite3.Connection, form: SectionForm, user: User) -> None:
    require(user, "section.manage")
    if content.get_section(conn, form.key) is None:
        raise NotFoundError(_("There is no section “%(key)s”.", key=form.key))
    content.save_section(conn, form.key, form.names, user_id=user.id)


def move_section(
    conn: sqlite3.Connection, key: str, direction: str, user: User
) -> None:
    """Swap a section with its neighbour above or below."""
    require(user, "section.manage")
    keys = [section.key for section in content.list_sections(conn)]
    if key not in keys:
        raise NotFoundError(_("There is no section “%(key)s”.", key=key))
    if direction not in ("up", "down"):
        raise UserError(_("Move a section up or down."))
    index = keys.index(key)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(keys):
        keys[index], keys[other] = keys[other], keys[index]
        content.reorder_sections(conn, keys, user.id)
