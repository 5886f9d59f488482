"""Running due jobs: each kind has one handler, every job is leased while it runs, and each outcome is recorded.

Jobs are at least once: a handler may run twice for one job (its lease ran out, an instance died after the work
and before `finish_job`), so every handler is idempotent. A handler says what became of the job; an exception
counts as a retry, so a bug never loses one.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict

from vicon.ports import ClaimedJob, Jobs

log = logging.getLogger(__name__)

# A handler that runs longer than this is assumed dead and its job is claimed again.
JOB_LEASE = dt.timedelta(minutes=10)
MAX_JOB_ATTEMPTS = 12
MAX_RETRY_DELAY = dt.timedelta(hours=6)


@dataclass(frozen=True)
class Done:
    """Finished (also when there turned out to be nothing to do)."""


@dataclass(frozen=True)
class RetryAt:
    """Not finished; due again at `at` (a Zoom failure, a recording still processing)."""

    at: dt.datetime
    reason: str


@dataclass(frozen=True)
class GiveUp:
    reason: str


Outcome = Done | RetryAt | GiveUp
Handler = Callable[[ClaimedJob], Outcome]


class RequestJob(BaseModel):
    """The payload of a job about one request (and, for some, one meeting instance)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    request_id: str
    meeting_uuid: str | None = None

    def payload(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)

    @classmethod
    def of(cls, claimed: ClaimedJob) -> RequestJob:
        return cls.model_validate(claimed.job.payload)


def retry_delay(attempts: int) -> dt.timedelta:
    """2, 4, 8 … minutes after the n-th failed attempt, at most six hours."""
    return min(dt.timedelta(minutes=2 ** max(attempts, 1)), MAX_RETRY_DELAY)


class JobRunner:
    def __init__(self, jobs: Jobs, handlers: Mapping[str, Handler], clock: Callable[[], dt.datetime]) -> None:
        self.jobs = jobs
        self.handlers = handlers
        self.clock = clock

    def run_due(self, budget_seconds: float, limit: int = 50) -> dict[str, int]:
        """Claim and run due jobs, one at a time, until none is due, `limit` ran, or the budget is spent."""
        counts = {"done": 0, "retried": 0, "given_up": 0, "errors": 0}
        deadline = time.monotonic() + budget_seconds
        ran = 0
        while ran < limit and time.monotonic() < deadline:
            try:
                claimed = self.jobs.claim_due_jobs(self.clock(), JOB_LEASE, 1, list(self.handlers))
            except Exception:
                log.exception("claiming due jobs failed")
                counts["errors"] += 1
                break
            if not claimed:
                break
            ran += 1
            counts[self._run_one(claimed[0])] += 1
        return counts

    def _run_one(self, claimed: ClaimedJob) -> str:
        job = claimed.job
        try:
            if claimed.claims > MAX_JOB_ATTEMPTS * 2:
                # Claimed again and again with no outcome reported: it kills (or outlasts) the instance running it.
                outcome: Outcome = GiveUp(f"{claimed.claims} kali diambil tanpa hasil")
            else:
                outcome = self.handlers[job.kind](claimed)
        except Exception as exc:
            log.exception("job %s failed", job.key)
            outcome = RetryAt(self.clock() + retry_delay(claimed.attempts + 1), f"{type(exc).__name__}: {exc}")
        now = self.clock()
        if isinstance(outcome, RetryAt) and claimed.attempts + 1 >= MAX_JOB_ATTEMPTS:
            outcome = GiveUp(f"{MAX_JOB_ATTEMPTS} percobaan: {outcome.reason}")

        if isinstance(outcome, Done):
            held = self.jobs.finish_job(job.key, claimed.lease, now)
            name = "done"
        elif isinstance(outcome, RetryAt):
            held = self.jobs.retry_job(job.key, claimed.lease, outcome.reason, outcome.at)
            name = "retried"
        else:
            log.error("job %s given up: %s", job.key, outcome.reason)
            held = self.jobs.give_up_job(job.key, claimed.lease, outcome.reason, now)
            name = "given_up"
        if not held:
            # Another run took the job over after our lease ran out; what it records stands.
            log.warning("job %s: the lease was lost before it could be marked %s", job.key, name)
        return name
