"""The in-process scheduler: jobs that run every so often while the
appliance is up, such as publishing what editors scheduled.

Each job runs once as soon as the database is open, so work that fell due
while the appliance was stopped is done at start-up, and then again every
`seconds`. A failing run is logged and retried at the next turn; it never
stops the job or the server. The time of each job's last finished run is
kept, so the dashboard can raise an alarm when a job has stalled.

Daily jobs (`daily`, such as the nightly backup) run at a local time of day
(Asia/Ho_Chi_Minh) instead, not at start-up; a failed run is tried again
a few times, `retry_after` seconds apart, before the next day's turn.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as time_of_day
from zoneinfo import ZoneInfo

from aiohttp import web

from .errors import PortalError

log = logging.getLogger("portal.scheduler")

Job = Callable[[web.Application], Awaitable[None]]
LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
# A daily job sleeps in steps no longer than this, so a clock set forward or
# back (NTP after a boot) moves its run with it.
DAILY_STEP = 60.0


@dataclass(frozen=True)
class Daily:
    at: time_of_day
    job: Job
    retry_after: float
    retries: int


def next_daily(now: datetime, at: time_of_day, tz: ZoneInfo = LOCAL_TZ) -> datetime:
    """The next moment (UTC) after `now` that is `at` o'clock in `tz`."""
    local = now.astimezone(tz)
    when = datetime.combine(local.date(), at, tzinfo=tz)
    if when <= local:
        when = datetime.combine(local.date() + timedelta(days=1), at, tzinfo=tz)
    return when.astimezone(UTC)


@dataclass
class Scheduler:
    jobs: dict[str, tuple[float, Job]] = field(default_factory=dict)
    # Job name -> time.time() of its last finished run.
    last_run: dict[str, float] = field(default_factory=dict)
    daily_jobs: dict[str, Daily] = field(default_factory=dict)
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    # Set by `hold`: the jobs wait for `release` before their first run.
    _gate: asyncio.Event | None = None

    def hold(self) -> None:
        """Keep the jobs from starting until `release`: `portal serve` holds
        them until it listens, so a server that cannot bind its port
        publishes nothing and sends no mail on its way out."""
        self._gate = asyncio.Event()

    def release(self) -> None:
        if self._gate is not None:
            self._gate.set()

    async def _opened(self) -> None:
        if self._gate is not None:
            await self._gate.wait()

    def every(self, name: str, seconds: float, job: Job) -> None:
        """Run `job(app)` every `seconds`, starting when the app starts."""
        self.jobs[name] = (seconds, job)

    def daily(self, name: str, at: time_of_day, job: Job, *, retry_after: float = 1800,
              retries: int = 3) -> None:
        """Run `job(app)` every day at `at`, Asia/Ho_Chi_Minh time; after a
        failure, up to `retries` more times, `retry_after` seconds apart."""
        self.daily_jobs[name] = Daily(at, job, retry_after, retries)

    async def run(self, app: web.Application) -> AsyncIterator[None]:
        """The app's cleanup context: the jobs run between start and stop."""
        tasks = [
            asyncio.create_task(self._loop(app, name, seconds, job), name=name)
            for name, (seconds, job) in self.jobs.items()
        ] + [
            asyncio.create_task(self._daily_loop(app, name, daily), name=name)
            for name, daily in self.daily_jobs.items()
        ]
        yield
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _loop(self, app: web.Application, name: str, seconds: float,
                    job: Job) -> None:
        await self._opened()
        while True:
            try:
                await job(app)
            except Exception:
                log.exception("scheduled job failed", extra={"job": name})
            else:
                self.last_run[name] = time.time()
            await asyncio.sleep(seconds)

    async def _daily_loop(self, app: web.Application, name: str, daily: Daily) -> None:
        await self._opened()
        while True:
            await self._sleep_until(next_daily(self.clock(), daily.at))
            for attempt in range(daily.retries + 1):
                retry = daily.retry_after if attempt < daily.retries else None
                if await self._attempt(app, name, daily.job, retry):
                    break
                if retry is not None:
                    await asyncio.sleep(retry)

    async def _attempt(self, app: web.Application, name: str, job: Job,
                       retry: float | None) -> bool:
        extra = {"job": name, "retry_in": retry if retry is not None else "tomorrow"}
        try:
            await job(app)
        except PortalError as exc:  # an expected failure: its reason is enough
            log.error("scheduled job failed", extra=extra | {"reason": str(exc)})
            return False
        except Exception:
            log.exception("scheduled job failed", extra=extra)
            return False
        self.last_run[name] = time.time()
        return True

    async def _sleep_until(self, when: datetime) -> None:
        while (left := (when - self.clock()).total_seconds()) > 0:
            await asyncio.sleep(min(left, DAILY_STEP))
