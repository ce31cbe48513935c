"""Documentation kept true by tests: every command is documented."""

from pathlib import Path

from appliance.cli import build_parser

DOCS = Path(__file__).resolve().parent.parent / "docs"


def _commands(parser, prefix="portal"):
    for action in parser._subparsers._group_actions if parser._subparsers else []:
        for name, sub in action.choices.items():
            if sub._subparsers:
                yield from _commands(sub, f"{prefix} {name}")
            else:
                yield f"{prefix} {name}"


def test_every_command_is_documented():
    text = (DOCS / "operations.md").read_text(encoding="utf-8")
    commands = list(_commands(build_parser()))
    assert len(commands) >= 8
    missing = [c for c in commands if f"`{c}" not in text]
    assert not missing, f"undocumented in docs/operations.md: {missing}"
