"""The `portal` command: one program for every operator task.

Every command exits non-zero with a one-line reason on bad input; a fault
prints one line too, and its traceback only when PORTAL_DEBUG=1.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import logging
import os
import sqlite3
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

from . import __version__, audit, doctor, i18n, install, logs
from . import config as config_mod
from .errors import UserError

log = logging.getLogger("portal.cli")


class Parser(argparse.ArgumentParser):
    """argparse, but bad usage is one line, not a usage block."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"{self.prog}: error: {message} (see {self.prog} --help)\n")
        sys.exit(2)


def _data_dir(args: argparse.Namespace) -> Path:
    value = args.data or os.environ.get("PORTAL_DATA")
    if not value:
        raise UserError("no data directory: give --data DIR or set PORTAL_DATA")
    return Path(value).expanduser().resolve()


def _secret(flag_value: str | None, env_name: str, prompt: str | None) -> str | None:
    """A password from the flag, else the environment, else a prompt on a terminal."""
    if flag_value:
        return flag_value
    if os.environ.get(env_name):
        return os.environ[env_name]
    if prompt and sys.stdin.isatty():
        first = getpass.getpass(prompt)
        if first and getpass.getpass("Repeat: ") != first:
            raise UserError("the two passwords differ")
        return first or None
    return None


def _open_site(args: argparse.Namespace):
    from .db import open_sync

    cfg = config_mod.load(_data_dir(args))
    return cfg, open_sync(cfg.database_path)


# -- commands -----------------------------------------------------------------

def cmd_init(args: argparse.Namespace) -> int:
    from .site import create_site

    data_dir = _data_dir(args)
    password = _secret(args.admin_password, "PORTAL_ADMIN_PASSWORD", None)
    generated = create_site(data_dir, args.admin_user, password, url=args.url,
                            self_signed=args.self_signed)
    print(f"created a site in {data_dir}")
    print(f"administrator: {args.admin_user}")
    if generated:
        print(f"password (shown once, change it after the first login): {generated}")
    if args.self_signed:
        print("HTTPS with a self-signed certificate (browsers will warn until it is "
              "replaced): see tls.certificate in portal.toml")
    print(f"start it with: portal serve --data {data_dir}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from .server import serve

    cfg = config_mod.load(_data_dir(args))
    serve(cfg, host=args.host, port=args.port)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    run_demo(port=args.port, host=args.host, data=args.data)
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from .importer import import_files

    _cfg, conn = _open_site(args)
    paths = [Path(p) for p in args.files]
    summary = import_files(conn, paths,
                           on_reject=lambda r: print(str(r), file=sys.stderr))
    conn.close()
    print(f"imported {len(paths)} file(s): {summary.line()}")
    return 1 if summary.rejected and not (summary.created or summary.updated) else 0


def cmd_user_add(args: argparse.Namespace) -> int:
    from .db import transaction
    from .users import add_user, check_role, check_username, generate_password

    check_username(args.name)
    check_role(args.role)
    password = _secret(args.password, "PORTAL_PASSWORD", "Password: ")
    generated = None if password else generate_password()
    _cfg, conn = _open_site(args)
    user = transaction(conn, add_user, args.name, args.role, password or generated,
                       args.display_name or "")
    print(f"added {user.username} ({user.role})")
    if generated:
        print(f"password (shown once): {generated}")
    return 0


def cmd_user_list(args: argparse.Namespace) -> int:
    from .users import list_users

    _cfg, conn = _open_site(args)
    users = list_users(conn)
    width = max([len(u.username) for u in users] + [8])
    print(f"{'username':<{width}}  {'role':<15}  {'state':<8}  last login")
    for user in users:
        state = "disabled" if user.disabled else "active"
        print(f"{user.username:<{width}}  {user.role:<15}  {state:<8}  "
              f"{user.last_login_at or '-'}")
    return 0


def cmd_user_disable(args: argparse.Namespace) -> int:
    from .db import transaction
    from .users import disable_user

    _cfg, conn = _open_site(args)
    user = transaction(conn, disable_user, args.name)
    print(f"disabled {user.username}")
    return 0


def cmd_user_enable(args: argparse.Namespace) -> int:
    from .db import transaction
    from .users import enable_user

    _cfg, conn = _open_site(args)
    user = transaction(conn, enable_user, args.name)
    print(f"enabled {user.username}")
    return 0


def cmd_user_role(args: argparse.Namespace) -> int:
    from .db import transaction
    from .users import check_role, set_user_role

    check_role(args.role)
    _cfg, conn = _open_site(args)
    user = transaction(conn, set_user_role, args.name, args.role)
    print(f"{user.username} is now {user.role}")
    return 0


def cmd_user_token(args: argparse.Namespace) -> int:
    from .db import transaction
    from .tokens import create_token
    from .users import find_user

    _cfg, conn = _open_site(args)
    user = find_user(conn, args.name)
    if user.disabled:
        raise UserError(f"{user.username} is disabled: a token would not work")
    # The secret is the only line printed, so scripts can capture it.
    print(transaction(conn, create_token, user.id, args.label))
    return 0


def cmd_version(args: argparse.Namespace) -> int:
    from .build_info import build_date
    from .db import latest_schema

    built = build_date()
    print(f"portal {__version__} (schema {latest_schema()}, "
          f"{f'built {built}' if built else 'run from source, not a build'})")
    return 0


# -- parser -------------------------------------------------------------------

def port_number(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid port {text!r}") from None
    if not 0 < port < 65536:
        raise argparse.ArgumentTypeError(f"port {port} is not between 1 and 65535")
    return port


def build_parser() -> Parser:
    parser = Parser(prog="portal", description="The provincial portal appliance.")
    parser.add_argument("--version", action="version", version=f"portal {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    commands.required = True

    def command(name: str, fn: Callable, help: str, data: bool = True, sub=commands):
        p = sub.add_parser(name, help=help, description=help)
        if data:
            p.add_argument("--data", metavar="DIR",
                           help="the site's data directory (or set PORTAL_DATA)")
        p.set_defaults(func=fn)
        return p

    p = command("init", cmd_init, "create a site: config, database, keys, first administrator")
    p.add_argument("--admin-user", default="admin", metavar="NAME")
    p.add_argument("--admin-password", metavar="PW",
                   help="or set PORTAL_ADMIN_PASSWORD; generated and printed when absent")
    p.add_argument("--url", metavar="URL", help="the public address (site.base_url)")
    p.add_argument("--self-signed", action="store_true",
                   help="serve HTTPS with a self-signed certificate made now")

    p = command("serve", cmd_serve, "serve the site")
    p.add_argument("--host", action="append",
                   help="address to listen on, may repeat (default from the config)")
    p.add_argument("--port", type=port_number, help="port to listen on (default 8080)")

    p = command("demo", cmd_demo, "run the built-in sample site, no set-up", data=False)
    p.add_argument("--host", default="localhost")
    p.add_argument("--port", type=port_number, default=8080)
    p.add_argument("--data", metavar="DIR",
                   help="keep the demo site here instead of a temporary directory")

    p = command("import", None, "import content", data=False)
    formats = p.add_subparsers(dest="format", metavar="FORMAT", parser_class=Parser)
    formats.required = True
    p = command("jsonl", cmd_import, "import JSON Lines files (plain or gzip)", sub=formats)
    p.add_argument("files", nargs="+", metavar="FILE")

    p = command("user", None, "manage staff accounts", data=False)
    users = p.add_subparsers(dest="action", metavar="ACTION", parser_class=Parser)
    users.required = True
    p = command("add", cmd_user_add, "add a staff account", sub=users)
    p.add_argument("name")
    p.add_argument("--role", required=True,
                   help="contributor, reporter, editor, section-editor, editor-in-chief or admin")
    p.add_argument("--password", metavar="PW",
                   help="or set PORTAL_PASSWORD, or type it at the prompt; "
                        "generated and printed when absent")
    p.add_argument("--display-name", metavar="TEXT")
    command("list", cmd_user_list, "list staff accounts", sub=users)
    p = command("disable", cmd_user_disable, "disable a staff account", sub=users)
    p.add_argument("name")
    p = command("enable", cmd_user_enable, "enable a disabled staff account", sub=users)
    p.add_argument("name")
    p = command("role", cmd_user_role, "change the role of a staff account", sub=users)
    p.add_argument("name")
    p.add_argument("role", metavar="ROLE",
                   help="contributor, reporter, editor, section-editor, editor-in-chief or admin")
    p = command("token", cmd_user_token,
                "print a new personal API token for a staff account", sub=users)
    p.add_argument("name")
    p.add_argument("--name", dest="label", metavar="LABEL", default="command line",
                   help="what the token is for, shown in the profile (default: command line)")

    from backup.cli import add_commands as add_backup_commands
    from feeds.commands import add_commands as add_partner_commands
    from newsroom.royalties.commands import add_commands as add_royalty_commands
    from search.cli import add_commands as add_source_commands

    add_backup_commands(commands, command)
    add_partner_commands(command, commands)
    add_royalty_commands(command, commands)
    add_source_commands(commands, command)
    install.add_command(command)
    doctor.add_command(command)

    command("version", cmd_version, "print the version, schema and build date", data=False)
    return parser


def _cli_language() -> str:
    lang = (os.environ.get("LC_ALL") or os.environ.get("LANG") or "en")[:2].lower()
    return lang if lang in i18n.LANGUAGES else "en"


def main(argv: list[str] | None = None) -> int:
    # The data directory holds personal data and keys: nothing in it is
    # readable by other accounts on the server.
    os.umask(0o077)
    args = build_parser().parse_args(argv)
    logs.setup(os.environ.get("PORTAL_LOG_LEVEL", "WARNING")
               if args.command not in ("serve", "demo") else "INFO")
    i18n.set_language(_cli_language())
    # Audit entries a command writes name the account that ran it; the
    # server's requests record their own addresses.
    trail = audit.command_line() if args.command not in ("serve", "demo") \
        else contextlib.nullcontext()
    try:
        with trail:
            return args.func(args)
    except UserError as exc:
        print(f"portal: error: {exc}", file=sys.stderr)
    except sqlite3.Error as exc:
        print(f"portal: database error: {exc}", file=sys.stderr)
    except OSError as exc:  # a path or port the system refused
        where = f": {exc.filename}" if exc.filename else ""
        print(f"portal: error: {exc.strerror or exc}{where}", file=sys.stderr)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a fault: one line, traceback only on request
        if os.environ.get("PORTAL_DEBUG") == "1":
            traceback.print_exc()
        print(f"portal: internal error: {type(exc).__name__}: {exc} "
              "(set PORTAL_DEBUG=1 for details)", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
