"""`portal install`: run the appliance as a hardened systemd service.

It writes a unit that runs `portal serve` as its own unprivileged account,
with no way to gain privileges, the whole system read-only but the data
directory, and only the one capability it needs to bind ports 80 and 443.
Run as root on a new server it also creates that account and a site (HTTPS
with a self-signed certificate on ports 443 and 80, every address, IPv4
and IPv6), so one command sets the server up; it prints the commands that
enable and start the service.
"""

from __future__ import annotations

import argparse
import grp
import os
import pwd
import shutil
import socket
import subprocess
import sys
from pathlib import Path

from . import config as config_mod
from .build_info import frozen
from .db import require_database
from .errors import UserError

DEFAULT_UNIT = Path("/etc/systemd/system/portal.service")
DEFAULT_USER = "portal"
# What a site made by `portal install` listens on: everything, both families.
SERVER_SITE = {"server.host": ["0.0.0.0", "::"], "server.port": 80, "tls.port": 443}

UNIT = """\
# Written by `portal install`; run it again after moving the program or the data.
[Unit]
Description=Provincial portal appliance ({data})
After=network-online.target
Wants=network-online.target
# A service that keeps failing at start (a migration that cannot apply, a
# refused config) is given up after five starts in ten minutes, not
# restarted for ever; `systemctl reset-failed` and a start try again.
StartLimitIntervalSec=10min
StartLimitBurst=5

[Service]
Type=exec
User={user}
Group={group}
ExecStart={program} serve --data {data}
# `systemctl reload` loads a renewed certificate; requests are not dropped.
ExecReload=/bin/kill -HUP $MAINPID
Restart=on-failure
RestartSec=5s
TimeoutStopSec=30s

# Ports 80 and 443 without root: this one capability and no other.
AmbientCapabilities=CAP_NET_BIND_SERVICE
CapabilityBoundingSet=CAP_NET_BIND_SERVICE
NoNewPrivileges=yes
# The whole system read-only; the data directory is the only place it writes.
ProtectSystem=strict
ReadWritePaths={data}
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
PrivateMounts=yes
UMask=0077
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
ProtectProc=invisible
ProcSubset=pid
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
RemoveIPC=yes
SystemCallArchitectures=native
SystemCallFilter=@system-service
SystemCallFilter=~@privileged @resources
SystemCallErrorNumber=EPERM
# Not MemoryDenyWriteExecute: Python's ctypes makes a callback when it is
# imported, which needs such memory. Not PrivateUsers: it would void the
# capability above. Not PrivateNetwork or IPAddressDeny: connectors, mail
# and webhooks reach other servers.
LimitNOFILE=65536

[Install]
WantedBy=multi-user.target
"""


def program() -> str:
    """The command that runs this program, for ExecStart."""
    if frozen():
        # Keep the name it was called by (a link in /usr/local/bin, say), so
        # that pointing the link at a new release upgrades the service.
        called = shutil.which(sys.argv[0]) if sys.argv and sys.argv[0] else None
        if called and Path(called).resolve() == Path(sys.executable).resolve():
            return str(Path(called).absolute())
        return str(Path(sys.executable).absolute())
    script = Path(sys.executable).with_name("portal")  # the package's entry point
    if script.is_file() and os.access(script, os.X_OK):
        return str(script.absolute())
    return f"{Path(sys.executable).absolute()} -m appliance"


def render_unit(data_dir: Path, user: str, group: str, command: str) -> str:
    for value in (str(data_dir), command, user, group):
        if any(c in value for c in "\n\"'\\%$") or (" " in value and value != command):
            raise UserError(f"{value!r} cannot go into a systemd unit: use a plain path "
                            "or name")
    return UNIT.format(data=data_dir, user=user, group=group, program=command)


# Folders the unit's sandbox hides from the service: PrivateTmp=yes gives it
# an empty /tmp and /var/tmp of its own, ProtectHome=yes hides the rest.
HIDDEN_FOLDERS = {"/tmp": "PrivateTmp", "/var/tmp": "PrivateTmp", "/home": "ProtectHome",
                  "/root": "ProtectHome", "/run/user": "ProtectHome"}
# The kernel's overflow account: files of other services and NFS map to it,
# so a service running as it shares them.
OVERFLOW_ACCOUNTS = {"nobody", "nfsnobody"}
OVERFLOW_UID = 65534


def _check_visible(path: Path, what: str, hint: str) -> None:
    for folder, setting in HIDDEN_FOLDERS.items():
        if path == Path(folder) or Path(folder) in path.parents:
            raise UserError(f"{what} {path} is under {folder}, which the service cannot "
                            f"see ({setting}=yes in its unit): {hint}")


def _account(name: str, data_dir: Path) -> pwd.struct_passwd | None:
    """The service account, or None when it is missing and we are root
    (it is then made, after every check has passed)."""
    try:
        account = pwd.getpwnam(name)
    except KeyError:
        if os.geteuid() != 0:
            raise UserError(f"there is no account {name!r}: run portal install as root, "
                            "or create it first (useradd --system --user-group "
                            f"--home-dir {data_dir} --shell /usr/sbin/nologin {name})"
                            ) from None
        account = None
    if account is not None and account.pw_uid == 0:
        raise UserError("the service must not run as root: name an unprivileged "
                        "account with --user")
    if name in OVERFLOW_ACCOUNTS or (account is not None
                                     and account.pw_uid == OVERFLOW_UID):
        raise UserError(f"the service must not run as {name}, the account other "
                        f"services' files map to: name its own account with --user "
                        f"(portal install creates {DEFAULT_USER} when it is missing)")
    return account


def _make_account(name: str, data_dir: Path) -> pwd.struct_passwd:
    useradd = shutil.which("useradd") or "/usr/sbin/useradd"
    subprocess.run([useradd, "--system", "--user-group", "--no-create-home",
                    "--home-dir", str(data_dir), "--shell", "/usr/sbin/nologin",
                    name], check=True, capture_output=True, text=True)
    return pwd.getpwnam(name)


def _unit_path(value: str) -> Path:
    """Where the unit goes, checked before anything is made."""
    path = Path(value).expanduser().absolute()
    if path.is_dir():
        raise UserError(f"--unit {path} is a folder: give the unit file's path, such "
                        f"as {path / DEFAULT_UNIT.name}")
    if path.suffix != ".service":
        raise UserError(f"--unit {path}: a service unit's name ends in .service, such "
                        f"as {DEFAULT_UNIT.name}")
    folder = path.parent
    while not folder.exists():
        folder = folder.parent
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK) or (
            path.exists() and not os.access(path, os.W_OK)):
        raise UserError(f"cannot write {path}: run portal install as root, or give "
                        "--unit a path you may write")
    return path


def _check_new_site(data_dir: Path, url: str, admin_user: str) -> None:
    """What create_site would refuse, checked before anything is made."""
    from .site import check_url
    from .users import check_username

    if data_dir.exists() and not data_dir.is_dir():
        raise UserError(f"{data_dir} is not a directory")
    if data_dir.is_dir() and any(data_dir.iterdir()):
        raise UserError(f"{data_dir} is not empty: choose a new or empty directory")
    check_url(url)
    check_username(admin_user)


def _chown_tree(root: Path, uid: int, gid: int) -> None:
    os.chown(root, uid, gid)
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            os.chown(os.path.join(folder, name), uid, gid, follow_symlinks=False)


def cmd_install(args: argparse.Namespace) -> int:
    from .cli import _data_dir
    from .site import create_site

    data_dir = _data_dir(args)
    command = program()
    # Everything is checked before anything is made: a refusal leaves no
    # account, no site (and no password shown for it) and no unit behind.
    _check_visible(Path(command.split()[0]), "the program",
                   "install the program in /usr/local/bin first")
    _check_visible(data_dir, "the data directory",
                   "choose one such as /var/lib/portal")
    account = _account(args.user, data_dir)
    # A missing account is made with a group of its own name.
    group = grp.getgrgid(account.pw_gid).gr_name if account else args.user
    unit = render_unit(data_dir, args.user, group, command)
    unit_path = _unit_path(args.unit)
    new_site = not (data_dir / config_mod.CONFIG_FILE).exists()
    url = args.url or f"https://{socket.getfqdn()}"
    if new_site:
        _check_new_site(data_dir, url, args.admin_user)
    else:
        # A service for a site whose database is gone would fail every start.
        require_database(data_dir / config_mod.DATABASE_FILE)

    if account is None:
        account = _make_account(args.user, data_dir)
        print(f"created the system account {account.pw_name}")
    if new_site:
        # Folders above the data directory must let the service through.
        old_umask = os.umask(0o022)
        try:
            data_dir.parent.mkdir(parents=True, exist_ok=True)
        finally:
            os.umask(old_umask)
        generated = create_site(data_dir, args.admin_user, None, dict(SERVER_SITE),
                                url=url, self_signed=True)
        if os.geteuid() == 0:
            _chown_tree(data_dir, account.pw_uid, account.pw_gid)
        print(f"created a site in {data_dir} for {url}, HTTPS on port 443 with a "
              "self-signed certificate (replace it: see docs/operations.md)")
        print(f"administrator: {args.admin_user}")
        print(f"password (shown once, change it after the first login): {generated}")
    elif data_dir.stat().st_uid != account.pw_uid:
        print(f"warning: {data_dir} belongs to another account than {account.pw_name}; "
              f"give it to the service: chown -R {account.pw_name}: {data_dir}")

    unit_path.parent.mkdir(parents=True, exist_ok=True)
    unit_path.write_text(unit, encoding="utf-8")
    unit_path.chmod(0o644)
    name = unit_path.name
    print(f"wrote {unit_path}")
    print("enable and start it:")
    print("  systemctl daemon-reload")
    print(f"  systemctl enable --now {name}")
    print("then check it:")
    print(f"  systemctl status {name}")
    print(f"  sudo -u {account.pw_name} {command} doctor --data {data_dir}")
    return 0


def add_command(command) -> None:
    p = command("install", cmd_install,
                "write the systemd unit; as root, also create the account and site")
    p.add_argument("--user", default=DEFAULT_USER, metavar="NAME",
                   help=f"the service account (default {DEFAULT_USER}; created when missing)")
    p.add_argument("--unit", default=str(DEFAULT_UNIT), metavar="FILE",
                   help=f"where to write the unit (default {DEFAULT_UNIT})")
    p.add_argument("--url", metavar="URL",
                   help="the public address of a new site (default https://<this host>)")
    p.add_argument("--admin-user", default="admin", metavar="NAME",
                   help="the first administrator of a new site")
