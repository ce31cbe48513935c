"""The backup part's check for `portal doctor`: whether a recent archive
exists and the last run (and its test restore) succeeded."""

from __future__ import annotations

from collections.abc import Iterable

from appliance.config import Config
from appliance.doctor import ERROR, OK, WARNING, Finding

from .status import backup_status


def check_backups(cfg: Config) -> Iterable[Finding]:
    status = backup_status(cfg)
    problem = status.problem
    if problem is None:
        assert status.last_success_at is not None
        yield Finding(OK, "backup", f"last archive {status.last_archive} made "
                      f"{status.last_success_at:%Y-%m-%d %H:%M} UTC to "
                      f"{status.destination}")
    elif status.configured and status.failing:
        # The last run failed, whether or not one ever succeeded.
        yield Finding(ERROR, "backup", problem,
                      "run `portal backup run --data DIR` and read its error; the "
                      "earlier archives are untouched")
    elif not status.configured or status.last_success_at is None:
        yield Finding(WARNING, "backup", problem,
                      "set up nightly backups (docs/operations.md, Backups), then "
                      "run `portal backup run` once to check them")
    else:
        yield Finding(ERROR, "backup", problem,
                      "run `portal backup run --data DIR` and read its error; the "
                      "earlier archives are untouched")
