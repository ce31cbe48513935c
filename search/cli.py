"""`portal source add|list|sync|remove`: outside sources from the command line.

    portal source add KIND URL --name NAME [--every MINUTES] --data DIR
    portal source list --data DIR
    portal source sync [NAME] --data DIR
    portal source remove NAME --data DIR

`sync` reads and writes in this process (the server, if it runs, notices
the new content within a second); without a name it syncs every enabled
source.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from appliance.content import KINDS
from appliance.db import transaction
from appliance.errors import UserError
from appliance.i18n import current_language, set_language

from . import sources, sync
from .service import limits

SOURCE_HELP = "KIND: rss (RSS or Atom), json, csv, xlsx or sitemap"


def cmd_source_add(args: argparse.Namespace) -> int:
    from appliance.cli import _open_site

    mapping = ""
    if args.mapping:
        path = Path(args.mapping)
        try:
            mapping = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise UserError(f"cannot read the mapping file {path}: {exc}") from None
    _cfg, conn = _open_site(args)
    data = sources.SourceInput(
        name=args.name, kind=args.kind, url=args.url, every_minutes=args.every,
        alarm_minutes=args.alarm, item_kind=args.content_kind, lang=args.lang,
        section_key=args.section, mapping=mapping)
    source = transaction(conn, sources.add_source, data)
    print(f"added {source.name} ({source.kind}, every {source.every_minutes} min): "
          f"{source.url}")
    print(f"sync it now with: portal source sync {source.name} --data {args.data or '$PORTAL_DATA'}")
    return 0


def cmd_source_list(args: argparse.Namespace) -> int:
    from appliance.cli import _open_site

    _cfg, conn = _open_site(args)
    found = sources.list_sources(conn)
    if not found:
        print("no sources yet: add one with portal source add KIND URL --name NAME")
        return 0
    width = max(len(s.name) for s in found)
    print(f"{'name':<{width}}  kind     every  items  last success          state")
    for s in found:
        state = "disabled" if not s.enabled else "ALARM" if s.alarm else \
            "failing" if s.failing else "ok"
        print(f"{s.name:<{width}}  {s.kind:<7}  {s.every_minutes:>5}  {s.item_count:>5}  "
              f"{s.last_success_at or '-':<20}  {state}")
        if s.last_error:
            print(f"{'':<{width}}  last error: {sources.error_text(s.last_error)}")
    return 0


def cmd_source_sync(args: argparse.Namespace) -> int:
    from appliance.cli import _open_site

    cfg, conn = _open_site(args)
    if args.name:
        chosen = [sources.get_source(conn, args.name)]
    else:
        chosen = [s for s in sources.list_sources(conn) if s.enabled]
        if not chosen:
            print("no enabled sources to sync")
            return 0
    speaking = current_language()
    set_language(cfg.default_language)  # the words kept for the admin
    store = sync.ConnectionStore(conn)
    try:
        outcomes = asyncio.run(sync.sync_many(
            store, [s.id for s in chosen], limits(cfg),
            deadline=cfg["sources.sync_minutes"] * 60, concurrency=1))
    finally:
        set_language(speaking)  # what this command prints
    for outcome in outcomes:
        print(outcome.line())
    conn.close()
    return 0 if all(o.ok for o in outcomes) else 1


def cmd_source_remove(args: argparse.Namespace) -> int:
    from appliance.cli import _open_site

    _cfg, conn = _open_site(args)
    removed = transaction(conn, sync.remove_source, args.name)
    print(f"removed {args.name} and {removed} item(s) no other source holds")
    return 0


def add_commands(commands, command) -> None:
    """The `source` command group, added to the main parser."""
    p = command("source", None, "manage outside sources kept in sync", data=False)
    actions = p.add_subparsers(dest="action", metavar="ACTION",
                               parser_class=type(p))
    actions.required = True
    p = command("add", cmd_source_add, "add an outside source", sub=actions)
    p.add_argument("kind", metavar="KIND", choices=sources.SOURCE_KINDS, help=SOURCE_HELP)
    p.add_argument("url", metavar="URL")
    p.add_argument("--name", required=True, metavar="NAME")
    p.add_argument("--every", type=int, default=sources.DEFAULT_EVERY, metavar="MINUTES",
                   help=f"how often to sync (default {sources.DEFAULT_EVERY})")
    p.add_argument("--alarm", type=int, metavar="MINUTES",
                   help="raise the alarm after this long without a good sync "
                        "(default: three times --every, at least 60)")
    p.add_argument("--content-kind", default="article", choices=KINDS, metavar="KIND",
                   help="what the records are unless they say (default article)")
    p.add_argument("--lang", default="vi", choices=("vi", "en", "km"))
    p.add_argument("--section", metavar="KEY", help="section of news records")
    p.add_argument("--mapping", metavar="FILE", help="the field mapping, a JSON file")
    command("list", cmd_source_list, "list outside sources and their health", sub=actions)
    p = command("sync", cmd_source_sync, "sync one source, or every enabled one",
                sub=actions)
    p.add_argument("name", nargs="?", metavar="NAME")
    p = command("remove", cmd_source_remove,
                "remove a source and the items only it held", sub=actions)
    p.add_argument("name", metavar="NAME")
