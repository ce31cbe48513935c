"""The backup commands: `portal backup keygen|run|list|verify` and
`portal restore`. Each prints a few lines; a failure is one line and a
non-zero exit (appliance.cli does that for every UserError)."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from appliance import config as config_mod
from appliance.errors import UserError

from .archive import ARCHIVE_SUFFIX, archive_time, manifest_name, parse_sidecar
from .retention import LOCAL_TZ

PASSPHRASE_ENV = "PORTAL_BACKUP_PASSPHRASE"


def passphrase_prompt(confirm: bool = False) -> Callable[[], str]:
    """The passphrase from PORTAL_BACKUP_PASSPHRASE, else from a prompt."""

    def ask() -> str:
        if os.environ.get(PASSPHRASE_ENV):
            return os.environ[PASSPHRASE_ENV]
        if not sys.stdin.isatty():
            raise UserError(f"no passphrase: set {PASSPHRASE_ENV} or run the command "
                            "on a terminal")
        first = getpass.getpass("Passphrase for the backup key: ")
        if confirm and getpass.getpass("Repeat it: ") != first:
            raise UserError("the two passphrases differ")
        return first

    return ask


def _size(count: int) -> str:
    if count >= 10**9:
        return f"{count / 10**9:,.2f} GB"
    return f"{count / 10**6:,.1f} MB"


def _local(when: datetime | None) -> str:
    return when.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M:%S") if when else "-"


def _config(args: argparse.Namespace) -> config_mod.Config:
    value = args.data or os.environ.get("PORTAL_DATA")
    if not value:
        raise UserError("no data directory: give --data DIR or set PORTAL_DATA")
    return config_mod.load(Path(value).expanduser().resolve())


# -- commands -----------------------------------------------------------------

def cmd_keygen(args: argparse.Namespace) -> int:
    from .keys import keygen

    out = Path(args.out).expanduser().absolute()
    pair = keygen(out, passphrase_prompt(confirm=True)())
    print(f"private key: {pair.private} (protected by the passphrase; keep it and the "
          "passphrase offline, apart, and never on the server)")
    print(f"public key:  {pair.public}")
    print("put the public key in portal.toml, under [backup]:")
    print(f'recipient = "{pair.recipient}"')
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from .run import run_backup

    result = run_backup(_config(args))
    print(f"backup {result.archive}: {result.files:,} files, "
          f"{_size(result.content_bytes)} in {_size(result.size)}, "
          f"{result.seconds:.1f} s ({result.throughput / 10**6:,.0f} MB/s)")
    print(f"at {result.destination}")
    print(f"test restore: {result.test_restore}")
    if result.removed:
        print(f"removed {len(result.removed)} old archive(s): {', '.join(result.removed)}")
    if result.warning:
        print(f"warning: {result.warning}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from .destinations import open_destination
    from .status import backup_status

    cfg = _config(args)
    prefix = str(cfg["backup.prefix"])
    destination = open_destination(cfg)
    try:
        entries = {entry.name: entry for entry in destination.entries()}
    finally:
        destination.close()
    archives = sorted((name for name in entries if archive_time(prefix, name)),
                      reverse=True)
    print(f"{len(archives)} archive(s) at {destination.label}")
    if archives:
        width = max(len(name) for name in archives)
        print(f"{'archive':<{width}}  {'made (Asia/Ho_Chi_Minh)':<23}  {'size':>11}  manifest")
    for name in archives:
        has_manifest = "yes" if manifest_name(name) in entries else "missing"
        print(f"{name:<{width}}  {_local(archive_time(prefix, name)):<23}  "
              f"{_size(entries[name].size):>11}  {has_manifest}")
    status = backup_status(cfg)
    print(f"last backup: {_local(status.last_success_at)}"
          + (f"; {status.problem}" if status.problem else ""))
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from .restore import load_identities, verify_file

    path = Path(args.archive).expanduser()
    identities = (load_identities(Path(args.key).expanduser(), passphrase_prompt())
                  if args.key else None)
    if path.is_file():
        result = verify_file(path, identities)
    else:
        result = _verify_at_destination(args, identities)
    name = path.name
    if result.with_key:
        contents = result.contents
        assert contents is not None
        print(f"{name}: good: every chunk, every file's checksum and the manifest check "
              f"out ({contents.files:,} files, {_size(contents.content_bytes)}, made "
              f"{_local(_parse(result.created_at))})")
    else:
        print(f"{name}: structure and SHA-256 match its manifest ({_size(result.size)}, "
              f"made {_local(_parse(result.created_at))}); with --key FILE, verify "
              "also decrypts it and checks every file")
    return 0


def _parse(text: str | None) -> datetime | None:
    from .status import _time

    return _time(text)


def _verify_at_destination(args: argparse.Namespace, identities):
    import tempfile

    from .destinations import open_destination
    from .restore import verify_source

    name = Path(args.archive).name
    if not name.endswith(ARCHIVE_SUFFIX) or not (args.data or os.environ.get("PORTAL_DATA")):
        raise UserError(f"no archive {args.archive}: give a file, or with --data DIR a "
                        "name that `portal backup list` shows")
    destination = open_destination(_config(args))
    try:
        if name not in {entry.name for entry in destination.entries()}:
            raise UserError(f"no archive {name} at {destination.label}")
        sidecar = parse_sidecar(destination.read_small(manifest_name(name)))
        with tempfile.TemporaryDirectory(prefix="portal-verify-") as scratch:
            return verify_source(destination.open(name), name, sidecar, identities,
                                 Path(scratch))
    finally:
        destination.close()


def cmd_restore(args: argparse.Namespace) -> int:
    from .restore import restore_file

    archive = Path(args.archive).expanduser()
    if not archive.is_file():
        raise UserError(f"no archive at {archive}")
    target = Path(args.to).expanduser().absolute()
    restored = restore_file(archive, Path(args.key).expanduser(), target,
                            passphrase_prompt())
    contents = restored.contents
    print(f"restored {contents.files:,} files ({_size(contents.content_bytes)}) from "
          f"{archive.name}, made {_local(_parse(contents.info.get('created_at')))}")
    print(f"start it with: portal serve --data {target}")
    return 0


# -- the parser ---------------------------------------------------------------

def add_commands(commands, command: Callable) -> None:
    """Add `backup ...` and `restore` to the `portal` parser."""
    p = command("backup", None, "encrypted backups: keys, runs, archives", data=False)
    actions = p.add_subparsers(dest="action", metavar="ACTION", parser_class=type(p))
    actions.required = True
    p = command("keygen", cmd_keygen, "write a backup key pair; the private key is "
                "protected by a passphrase", data=False, sub=actions)
    p.add_argument("--out", metavar="DIR", required=True,
                   help="folder for portal-backup.key and portal-backup.pub")
    command("run", cmd_run, "back the site up now", sub=actions)
    command("list", cmd_list, "list the archives at the destination", sub=actions)
    p = command("verify", cmd_verify, "check an archive: with --key, decrypt and check "
                "everything; without, its structure and checksum", sub=actions)
    p.add_argument("archive", metavar="ARCHIVE",
                   help="an archive file, or with --data a name at the destination")
    p.add_argument("--key", metavar="FILE", help="the private key file")
    p = command("restore", cmd_restore, "restore an archive into a new data folder",
                data=False)
    p.add_argument("archive", metavar="ARCHIVE")
    p.add_argument("--key", metavar="FILE", required=True, help="the private key file")
    p.add_argument("--to", metavar="DIR", required=True,
                   help="the new data folder (must not exist or be empty)")
