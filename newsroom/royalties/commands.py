"""Royalties and reports on the command line, for scheduled jobs and for the
accounting office's month end:

    portal report NAME --from DATE --to DATE --format csv|xlsx|pdf --out FILE
    portal royalty period open|list|collect|review|lock ...
    portal royalty export PERIOD --file NAME --out FILE
    portal royalty statement PERIOD CONTRIBUTOR

Grading works and keeping the register are editorial decisions made in the
admin; everything after that can run from here. Documents are written in
Vietnamese unless --lang says otherwise.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from appliance import i18n
from appliance.audit import acting_from_command_line
from appliance.db import transaction
from appliance.errors import UserError

from . import periods, register, wording
from .periods import Settings

FILES = ("payment-list.xlsx", "bank-transfers.csv", "signed-sheet.pdf", "statements.pdf")


def _site(args: argparse.Namespace):
    from appliance.cli import _open_site

    i18n.set_language(getattr(args, "lang", None) or "vi")
    # No staff user runs these: the audit log names the command line and the
    # operating system account instead.
    acting_from_command_line()
    return _open_site(args)


def _write(path: str, body: bytes) -> None:
    target = Path(path)
    if not target.parent.is_dir():
        raise UserError(f"no folder {target.parent} to write {target.name} into")
    target.write_bytes(body)


def _period_id(text: str) -> int:
    if not text.isascii() or not text.isdigit():
        raise UserError(f"a period is given by its number, not {text!r}")
    return int(text)


# -- reports -----------------------------------------------------------------------

def cmd_report(args: argparse.Namespace) -> int:
    from newsroom.reports import export, registry

    cfg, conn = _site(args)
    found = registry.run(conn, args.name, getattr(args, "from"), args.to)
    _write(args.out, export.render(found, args.format, cfg.site_name("vi")))
    print(f"{found.name} report, {found.starts} to {found.ends}: {args.out}")
    return 0


# -- periods -------------------------------------------------------------------------

def cmd_period_open(args: argparse.Namespace) -> int:
    cfg, conn = _site(args)
    period = transaction(conn, lambda db: periods.open_period(
        db, getattr(args, "from"), args.to, name=args.name or "",
        pay_on=args.pay_on or "", settings=Settings.from_config(cfg)))
    print(period.id)
    return 0


def cmd_period_list(args: argparse.Namespace) -> int:
    _cfg, conn = _site(args)
    print(f"{'id':>4}  {'state':<7}  {'first day':<10}  {'last day':<10}  {'net':>14}  name")
    for period in periods.list_periods(conn):
        # A period that cannot be worked out is listed with what stops it.
        problem = periods.problem(conn, period)
        net = "—" if problem else f"{periods.totals(conn, None, period).net:,}"
        print(f"{period.id:>4}  {period.status:<7}  {period.starts:<10}  "
              f"{period.ends:<10}  {net:>14}  {period.name}"
              + (f" — {problem}" if problem else ""))
    return 0


def cmd_period_collect(args: argparse.Namespace) -> int:
    cfg, conn = _site(args)
    found = transaction(conn, periods.collect, _period_id(args.period),
                        Settings.from_config(cfg), None)
    print(f"collected {len(found.added)} work(s); {len(found.to_grade)} published in the "
          "period wait for a grade")
    return 0


def cmd_period_review(args: argparse.Namespace) -> int:
    cfg, conn = _site(args)
    key = register.cipher(cfg.secrets["personal_key"])
    period = transaction(conn, periods.to_review, key, _period_id(args.period), None)
    totals = periods.totals(conn, key, period)
    print(f"{period.name} is under review: {totals.people} people, gross "
          f"{totals.gross:,}, tax {totals.tax:,}, net {totals.net:,} VND")
    return 0


def cmd_period_lock(args: argparse.Namespace) -> int:
    _cfg, conn = _site(args)
    period = transaction(conn, periods.lock, _period_id(args.period), None)
    print(f"{period.name} is locked")
    return 0


# -- files ---------------------------------------------------------------------------

def cmd_export(args: argparse.Namespace) -> int:
    from . import exports

    cfg, conn = _site(args)
    key = register.cipher(cfg.secrets["personal_key"])
    period_id = _period_id(args.period)
    period = periods.get_period(conn, period_id)
    found = periods.statements(conn, key, period_id)
    if not found:
        raise UserError(f"period {period_id} pays nobody yet: collect the works first")
    issuer = cfg.site_name("vi")
    if args.file == "payment-list.xlsx":
        body = exports.payment_list_xlsx(period, found, issuer)
    elif args.file == "bank-transfers.csv":
        body = exports.bank_transfer_csv(period, found)
    elif args.file == "signed-sheet.pdf":
        body = exports.signed_sheet_pdf(period, found, issuer)
    else:
        body = exports.statements_pdf(found, issuer)
    if args.file in ("payment-list.xlsx", "bank-transfers.csv"):
        transaction(conn, lambda db: register.record_export(db, None, period_id,
                                                            args.file.split(".")[0]))
    _write(args.out, body)
    print(f"{args.file} of {period.name}: {args.out}")
    return 0


def cmd_statement(args: argparse.Namespace) -> int:
    cfg, conn = _site(args)
    key = register.cipher(cfg.secrets["personal_key"])
    if not args.contributor.isascii() or not args.contributor.isdigit():
        raise UserError(f"a contributor is given by number, not {args.contributor!r}")
    found = periods.statement(conn, key, _period_id(args.period), int(args.contributor))
    sys.stdout.write(statement_text(found))
    return 0


def statement_text(found: periods.Statement) -> str:
    """A statement as plain text, for the terminal and for mail."""
    _ = i18n.gettext
    period, payment = found.period, found.payment
    lines = [_("Royalty statement").upper(),
             f"{period.name} ({wording.period_dates(period)}), "
             + _("paid on %(date)s", date=i18n.format_date(period.pay_on)),
             _("Name: %(name)s", name=found.contributor.label), ""]
    if not found.final:
        lines += [_("Provisional: the period is not locked yet."), ""]
    for number, line in enumerate(found.lines, start=1):
        detail = []
        if line.coefficient is not None:
            detail.append(f"{_('Coefficient')} {wording.coefficient(line.coefficient)}")
        if line.unit_value is not None:
            detail.append(f"{_('Unit value')} {wording.money(line.unit_value)}")
        if line.rate is not None:
            detail.append(f"{_('Adjustment')} {wording.rate(line.rate)}")
        if line.share != 10_000:
            detail.append(f"{_('Share')} {wording.rate(line.share)}")
        lines.append(f"{number:>2}. {wording.line_type(line.type)}: {wording.line_label(line)}")
        lines.append(f"    {' · '.join(detail)}".rstrip() + f"  →  {wording.money(line.amount)}")
    lines += ["", f"{_('Gross')}: {wording.money(payment.gross)}",
              f"{_('Tax withheld')}: {wording.money(payment.tax)}",
              f"{_('Net')}: {wording.money(payment.net)}",
              _("Net in words: %(words)s", words=found.words),
              wording.tax_note(payment, period.pay_on), wording.rounding_note(period)]
    return "\n".join(lines) + "\n"


# -- the parser -------------------------------------------------------------------------

def add_commands(command, commands) -> None:
    """Add `portal report` and `portal royalty ...` to the program's parser;
    `command` is appliance.cli's helper that makes one subcommand."""
    p = command("report", cmd_report,
                "write a report (production, royalties, ...) as CSV, XLSX or PDF")
    p.add_argument("name", metavar="NAME", help="production or royalties")
    _dates(p)
    p.add_argument("--format", required=True, choices=("csv", "xlsx", "pdf"))
    p.add_argument("--out", required=True, metavar="FILE")
    _lang(p)

    p = command("royalty", None, "payment periods and their files", data=False)
    royalty = p.add_subparsers(dest="action", metavar="ACTION", parser_class=type(p))
    royalty.required = True
    p = command("period", None, "open, list, collect, review and lock payment periods",
                data=False, sub=royalty)
    steps = p.add_subparsers(dest="step", metavar="STEP", parser_class=type(p))
    steps.required = True
    p = command("open", cmd_period_open, "open a payment period; prints its number",
                sub=steps)
    _dates(p)
    p.add_argument("--pay-on", metavar="DATE", help="payment date (default: the last day)")
    p.add_argument("--name", metavar="TEXT", help="default: Month MM/YYYY for a month")
    command("list", cmd_period_list, "list payment periods", sub=steps)
    for name, fn, text in (
            ("collect", cmd_period_collect, "collect the graded works of an open period"),
            ("review", cmd_period_review, "fix the payments of a period for review"),
            ("lock", cmd_period_lock, "lock a reviewed period; it never changes again")):
        p = command(name, fn, text, sub=steps)
        p.add_argument("period", metavar="PERIOD")
    p = command("export", cmd_export, "write a period's file for the accounting office",
                sub=royalty)
    p.add_argument("period", metavar="PERIOD")
    p.add_argument("--file", required=True, choices=FILES)
    p.add_argument("--out", required=True, metavar="FILE")
    _lang(p)
    p = command("statement", cmd_statement, "print one person's statement of a period",
                sub=royalty)
    p.add_argument("period", metavar="PERIOD")
    p.add_argument("contributor", metavar="CONTRIBUTOR")
    _lang(p)


def _dates(p) -> None:
    p.add_argument("--from", required=True, metavar="DATE", help="first day, YYYY-MM-DD")
    p.add_argument("--to", required=True, metavar="DATE", help="last day, YYYY-MM-DD")


def _lang(p) -> None:
    p.add_argument("--lang", choices=("vi", "en", "km"), default="vi",
                   help="language of the document (default vi)")
