"""The in-process scheduler: jobs that run every so often while the
appliance is up, such as publishing what editors scheduled.

Each job runs once as soon as the database is open, so work that fell due
while the appliance was stopped is done at start-up, and then again every
`seconds`. A failing run is logged and retried at the next turn; it never
stops the job or the server. The time of each job's last finished run is
kept, so the dashboard can raise an alarm when a job has stalled.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web

log = logging.getLogger("portal.scheduler")

Job = Callable[[web.Application], Awaitable[None]]


@dataclass
class Scheduler:
    jobs: dict[str, tuple[float, Job]] = field(default_factory=dict)
    # Job name -> time.time() of its last finished run.
    last_run: dict[str, float] = field(default_factory=dict)

    def every(self, name: str, seconds: float, job: Job) -> None:
        """Run `job(app)` every `seconds`, starting when the app starts."""
        self.jobs[name] = (seconds, job)

    async def run(self, app: web.Application) -> AsyncIterator[None]:
        """The app's cleanup context: the jobs run between start and stop."""
        tasks = [
            asyncio.create_task(self._loop(app, name, seconds, job), name=name)
            for name, (seconds, job) in self.jobs.items()
        ]
        yield
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _loop(self, app: web.Application, name: str, seconds: float,
                    job: Job) -> None:
        while True:
            try:
                await job(app)
            except Exception:
                log.exception("scheduled job failed", extra={"job": name})
            else:
                self.last_run[name] = time.time()
            await asyncio.sleep(seconds)
