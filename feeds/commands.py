"""`portal partner ...`: partners' API keys from the command line.

    portal partner add NAME --scopes SCOPE[,SCOPE] [--trusted] --data DIR
    portal partner list --data DIR
    portal partner rotate NAME --data DIR
    portal partner revoke NAME --data DIR

`add` and `rotate` print the new key and nothing else, so a script can
capture it; the portal keeps only its hash.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from . import partners


def _site(args: argparse.Namespace):
    from appliance.cli import _open_site  # the CLI imports this module

    return _open_site(args)


def cmd_partner_add(args: argparse.Namespace) -> int:
    from appliance.db import transaction

    _cfg, conn = _site(args)
    _partner, key = transaction(conn, partners.add_partner, args.name, args.scopes,
                                args.trusted)
    print(key)
    return 0


def cmd_partner_list(args: argparse.Namespace) -> int:
    _cfg, conn = _site(args)
    found = partners.list_partners(conn)
    width = max([len(p.name) for p, _keys in found] + [7])
    print(f"{'partner':<{width}}  {'review':<9}  {'state':<7}  keys  scopes")
    for partner, keys in found:
        state = "revoked" if partner.revoked_at else "active"
        review = "trusted" if partner.trusted else "reviewed"
        live = sum(1 for key in keys if key.revoked_at is None)
        print(f"{partner.name:<{width}}  {review:<9}  {state:<7}  {live:>4}  "
              f"{','.join(partner.scopes)}")
    return 0


def cmd_partner_rotate(args: argparse.Namespace) -> int:
    from appliance.db import transaction

    _cfg, conn = _site(args)
    partner = partners.find_partner(conn, args.name)
    print(transaction(conn, partners.rotate_key, partner.id))
    return 0


def cmd_partner_revoke(args: argparse.Namespace) -> int:
    from appliance.db import transaction

    _cfg, conn = _site(args)
    partner = partners.find_partner(conn, args.name)
    transaction(conn, partners.revoke_partner, partner.id)
    print(f"revoked {partner.name}: its keys no longer work")
    return 0


def add_commands(command: Callable, commands) -> None:
    """`portal partner ...`, added to the program's parser (appliance.cli)."""
    p = command("partner", None, "manage partners' API keys", data=False)
    actions = p.add_subparsers(dest="action", metavar="ACTION",
                               parser_class=type(p))
    actions.required = True
    p = command("add", cmd_partner_add,
                "add a partner and print its first API key", sub=actions)
    p.add_argument("name")
    p.add_argument("--scopes", required=True, metavar="SCOPE[,SCOPE]",
                   help="content kinds it may push (article, directive, ...), "
                        "section:KEY, or read")
    p.add_argument("--trusted", action="store_true",
                   help="publish what it pushes without review")
    command("list", cmd_partner_list, "list partners and their scopes", sub=actions)
    p = command("rotate", cmd_partner_rotate,
                "print a new API key for a partner; its old keys stop", sub=actions)
    p.add_argument("name")
    p = command("revoke", cmd_partner_revoke, "stop every key of a partner",
                sub=actions)
    p.add_argument("name")
