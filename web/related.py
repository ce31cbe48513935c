"""Related stories: those sharing the most tags with a story come first,
then the newest of its section, in its language."""

from __future__ import annotations

import sqlite3

from appliance import content


def related_to(conn: sqlite3.Connection, item: content.Item, limit: int) -> list[content.Item]:
    tag_ids = [tag.id for tag in item.tags]
    chosen: list[int] = []
    if tag_ids:
        marks = ",".join("?" * len(tag_ids))
        rows = conn.execute(
            "SELECT item.id FROM item_tag JOIN item ON item.id = item_tag.item_id"
            f" WHERE item_tag.tag_id IN ({marks}) AND item.id != ?"
            " AND item.status = 'published' AND item.lang = ?"
            " GROUP BY item.id ORDER BY count(*) DESC, item.published_at DESC LIMIT ?",
            [*tag_ids, item.id, item.lang, limit]).fetchall()
        chosen = [row[0] for row in rows]
    found = content.items_by_id(conn, chosen)
    related = [found[i] for i in chosen if i in found]
    if len(related) < limit and item.section_id is not None:
        related += content.list_items(
            conn, lang=item.lang, section_id=item.section_id,
            exclude_ids=[item.id, *chosen], limit=limit - len(related),
            with_images=False)
    return related
