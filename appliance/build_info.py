"""What the build stamped into the executable: its date.

build.spec writes `build.json` into the bundle beside this module; run from
source there is none."""

from __future__ import annotations

import json
import sys
from importlib import resources

BUILD_FILE = "build.json"


def build_date() -> str | None:
    """The build's date (YYYY-MM-DD), or None when run from source."""
    try:
        text = resources.files("appliance").joinpath(BUILD_FILE).read_text(encoding="utf-8")
        return str(json.loads(text)["date"])
    except (OSError, ValueError, KeyError):
        return None


def frozen() -> bool:
    """Whether this is the built executable (PyInstaller) rather than the package."""
    return bool(getattr(sys, "frozen", False))
