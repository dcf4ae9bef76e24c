"""Long work in worker processes: a bounded queue, fair between visitors, stopped when nobody waits.

``pool().submit(task, args, key=…, owner=…)`` returns a :class:`Job`; the page polls it
(``job.wait(0.1)``) and draws its progress. Decisions, so that one visitor cannot slow the others:

- Work runs in ``limits.JOB_WORKERS`` processes (``gdviz.serve.worker``) at a lower CPU priority
  and under a memory limit: it never holds the server's GIL, an interactive rerun gets the CPU
  first, and a worker that blows up is replaced without taking the server down.
- Identical work (same ``key``) is done once for everybody who asks: a class opening one heavy link
  waits for one job.
- One owner (a session) has at most one job per ``slot``: a new request replaces its old one, whose
  input has changed. Queued jobs are served round-robin between owners, and the queue is capped
  (``Busy``).
- A job nobody has polled for ``limits.JOB_HEARTBEAT_SECONDS`` (the tab was closed, the input
  changed) is cancelled; a job past its deadline is cancelled, and its worker killed if it does not
  stop within ``limits.JOB_KILL_GRACE_SECONDS``.
- Each owner spends CPU seconds from a token bucket (:class:`Allowance`): a burst, then a steady
  rate. An empty bucket refuses new work with the seconds to wait (``RateLimited``).
"""

from __future__ import annotations

import atexit
import itertools
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

from gdviz import limits
from gdviz.serve.worker import read_frame, write_frame

QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"
FINISHED = (DONE, FAILED, CANCELLED)


class Busy(Exception):
    """The queue is full: the server is doing as much as it may for others right now."""


class RateLimited(Exception):
    """This visitor has used its share of server time; ``wait`` seconds until more is available."""

    def __init__(self, wait: float):
        self.wait = wait
        super().__init__(f"rate limited for {wait:.0f} s")


@dataclass(eq=False)
class Job:
    key: object
    task: str
    args: dict
    owner: str
    slot: str
    estimate: float
    deadline: float  # seconds of running allowed
    id: int = 0
    state: str = QUEUED
    progress: float = 0.0
    result: object = None
    error: str | None = None
    error_kind: str | None = None
    cpu: float = 0.0
    submitted: float = field(default_factory=time.monotonic)
    started: float | None = None
    finished: float | None = None
    last_seen: float = field(default_factory=time.monotonic)
    cancel_at: float | None = None
    done_event: threading.Event = field(default_factory=threading.Event)

    def touch(self) -> None:
        """Someone is still waiting for this job (call it while polling)."""
        self.last_seen = time.monotonic()

    def wait(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds; True when the job has finished (in any way)."""
        self.touch()
        return self.done_event.wait(timeout)


class Allowance:
    """Token buckets of CPU seconds, one per owner: ``burst`` at most, refilled at ``rate`` per
    second. Owners are forgotten once their bucket is full again (no memory per visitor kept)."""

    def __init__(self, burst: float, rate: float):
        self.burst, self.rate = float(burst), float(rate)
        self._tokens: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def _level(self, owner: str, now: float) -> float:
        tokens, at = self._tokens.get(owner, (self.burst, now))
        return min(self.burst, tokens + (now - at) * self.rate)

    def available(self, owner: str) -> float:
        with self._lock:
            return self._level(owner, time.monotonic())

    def check(self, owner: str) -> None:
        """Raise RateLimited when the owner's bucket is empty."""
        level = self.available(owner)
        if level <= 0:
            raise RateLimited((1.0 - level) / self.rate if self.rate > 0 else float("inf"))

    def charge(self, owner: str, seconds: float) -> None:
        now = time.monotonic()
        with self._lock:
            level = self._level(owner, now) - max(0.0, seconds)
            if level >= self.burst:
                self._tokens.pop(owner, None)
            else:
                self._tokens[owner] = (level, now)
            # drop owners whose buckets have refilled: bounded memory however many sessions came
            if len(self._tokens) > 1000:
                for o in [o for o in self._tokens if self._level(o, now) >= self.burst]:
                    del self._tokens[o]


class _Worker:
    def __init__(self, pool: Pool, index: int):
        self.pool, self.index = pool, index
        self.job: Job | None = None
        self.lock = threading.Lock()
        env = {
            **os.environ,
            # one core per worker: BLAS threads would compete with the server for the others
            "OPENBLAS_NUM_THREADS": "1",
            "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
            "GDVIZ_WORKER_NICE": str(pool.nice),
            "GDVIZ_WORKER_MEMORY": str(pool.memory),
        }
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gdviz.serve.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=None,
            env=env,
            start_new_session=True,
        )
        first = read_frame(self.proc.stdout)
        if not first or first[0] != "ready":
            raise RuntimeError("a gdviz worker process failed to start")
        self.reader = threading.Thread(target=self._read, name=f"gdviz-worker-{index}", daemon=True)
        self.reader.start()

    def send(self, frame) -> None:
        with self.lock:
            write_frame(self.proc.stdin, frame)

    def _read(self) -> None:
        while True:
            try:
                frame = read_frame(self.proc.stdout)
            except (OSError, EOFError, ValueError):
                frame = None
            if frame is None:
                self.pool._worker_died(self)
                self._close()
                return
            self.pool._on_frame(self, frame)

    def kill(self) -> None:
        try:
            os.killpg(self.proc.pid, 9)
        except (ProcessLookupError, PermissionError):
            pass

    def _close(self) -> None:
        self.kill()
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except OSError:
                pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass


class Pool:
    """Worker processes and the queue in front of them (see the module's docstring)."""

    def __init__(
        self,
        workers: int | None = None,
        *,
        queue_max: int | None = None,
        heartbeat: float | None = None,
        kill_grace: float | None = None,
        memory: int | None = None,
        nice: int | None = None,
        allowance: Allowance | None = None,
    ):
        self.size = int(workers or limits.JOB_WORKERS)
        self.queue_max = int(queue_max or limits.JOB_QUEUE_MAX)
        self.heartbeat = float(heartbeat or limits.JOB_HEARTBEAT_SECONDS)
        self.kill_grace = float(kill_grace or limits.JOB_KILL_GRACE_SECONDS)
        self.memory = int(memory or limits.WORKER_MEMORY_BYTES)
        self.nice = limits.WORKER_NICE if nice is None else int(nice)
        self.allowance = allowance or Allowance(limits.SESSION_CPU_BURST, limits.SESSION_CPU_RATE)
        self._lock = threading.RLock()
        self._ids = itertools.count(1)
        self._queue: list[Job] = []
        self._by_key: dict[object, Job] = {}
        self._by_slot: dict[tuple[str, str], Job] = {}
        self._served: dict[str, float] = {}
        self._workers: list[_Worker] = []
        self._closed = False
        self._watchdog = threading.Thread(target=self._watch, name="gdviz-jobs-watchdog", daemon=True)
        self._watchdog.start()

    # --- public -----------------------------------------------------------------------------------
    def submit(
        self, task: str, args: dict, *, key, owner: str, slot: str = "main", estimate: float = 0.0
    ) -> Job:
        """The job computing ``task(**args)``: an existing one with the same key, or a new one."""
        with self._lock:
            if self._closed:
                raise RuntimeError("the job pool is shut down")
            mine = self._by_slot.get((owner, slot))
            found = self._by_key.get(key)
            if found is not None and found.state == DONE:
                return found
            if found is not None and found.state not in FINISHED:
                if mine is not None and mine is not found:
                    self._cancel_locked(mine)
                self._by_slot[(owner, slot)] = found
                found.touch()
                return found
            if mine is not None:
                self._cancel_locked(mine)
            self.allowance.check(owner)
            if len(self._queue) >= self.queue_max:
                raise Busy(f"{len(self._queue)} jobs are waiting")
            deadline = min(max(3 * estimate + 5.0, 10.0), 1.5 * limits.BUDGET_MAX_SECONDS + 5.0)
            job = Job(key, task, args, owner, slot, float(estimate), deadline, id=next(self._ids))
            self._queue.append(job)
            self._by_key[key] = job
            self._by_slot[(owner, slot)] = job
            self._schedule_locked()
            return job

    def position(self, job: Job) -> int:
        """How many queued jobs will start before this one (0 when it runs or is next)."""
        with self._lock:
            if job.state != QUEUED:
                return 0
            order = self._order_locked()
            return order.index(job) if job in order else 0

    def cancel(self, job: Job) -> None:
        with self._lock:
            self._cancel_locked(job)

    def running(self) -> int:
        with self._lock:
            return sum(w.job is not None for w in self._workers)

    def queued(self) -> int:
        with self._lock:
            return len(self._queue)

    def shutdown(self) -> None:
        with self._lock:
            self._closed = True
            for job in list(self._queue):
                self._finish_locked(job, CANCELLED, error="server shutting down")
            workers = list(self._workers)
            self._workers.clear()
        for w in workers:
            w.kill()
        for w in workers:
            w.reader.join(timeout=10)

    # --- scheduling -------------------------------------------------------------------------------
    def _order_locked(self) -> list[Job]:
        # round-robin between owners: the owner served longest ago goes first, FIFO within one
        return sorted(self._queue, key=lambda j: (self._served.get(j.owner, 0.0), j.submitted))

    def _schedule_locked(self) -> None:
        while self._queue:
            idle = next((w for w in self._workers if w.job is None), None)
            if idle is None and len(self._workers) < self.size:
                idle = _Worker(self, len(self._workers))
                self._workers.append(idle)
            if idle is None:
                return
            job = self._order_locked()[0]
            self._queue.remove(job)
            job.state, job.started = RUNNING, time.monotonic()
            self._served[job.owner] = job.started
            idle.job = job
            try:
                idle.send(("run", job.id, job.task, job.args))
            except (OSError, ValueError):
                idle.job = None
                self._finish_locked(job, FAILED, error="the worker could not take the job", kind="crash")
                self._replace_locked(idle)

    def _cancel_locked(self, job: Job) -> None:
        if job.state == QUEUED:
            self._queue.remove(job)
            self._finish_locked(job, CANCELLED)
        elif job.state == RUNNING:
            w = next((w for w in self._workers if w.job is job), None)
            job.error_kind = "cancelling"
            if w is not None:
                try:
                    w.send(("cancel", job.id))
                except (OSError, ValueError):
                    pass
            job.cancel_at = time.monotonic()

    def _finish_locked(self, job: Job, state: str, *, result=None, error=None, kind=None, cpu=0.0) -> None:
        if job.state in FINISHED:
            return
        job.state, job.result, job.error, job.error_kind, job.cpu = state, result, error, kind, cpu
        job.finished = time.monotonic()
        if self._by_key.get(job.key) is job and state != DONE:
            del self._by_key[job.key]
        for k in [k for k, j in self._by_slot.items() if j is job]:
            del self._by_slot[k]
        self.allowance.charge(job.owner, cpu)
        job.done_event.set()

    # --- worker events ----------------------------------------------------------------------------
    def _on_frame(self, w: _Worker, frame) -> None:
        kind, job_id = frame[0], frame[1]
        with self._lock:
            job = w.job
            if job is None or job.id != job_id:
                return
            if kind == "progress":
                job.progress = float(frame[2])
                return
            w.job = None
            if kind == "done":
                self._finish_locked(job, DONE, result=frame[2], cpu=frame[3])
            else:
                _, _, err_kind, message, cpu = frame
                state = CANCELLED if err_kind == "cancelled" else FAILED
                # a deadline the watchdog enforced says more than the worker's bare "cancelled"
                self._finish_locked(job, state, error=message or job.error, kind=err_kind, cpu=cpu)
            # finished jobs are kept by key only until their waiters have read them
            self._schedule_locked()

    def _worker_died(self, w: _Worker) -> None:
        with self._lock:
            if self._closed or w not in self._workers:
                return
            job, w.job = w.job, None
            if job is not None:
                cancelled = job.cancel_at is not None
                self._finish_locked(
                    job,
                    CANCELLED if cancelled else FAILED,
                    error=job.error if cancelled else "the computation was stopped (too much memory or time)",
                    kind="crash",
                    cpu=time.monotonic() - (job.started or time.monotonic()),
                )
            self._replace_locked(w)
            self._schedule_locked()

    def _replace_locked(self, w: _Worker) -> None:
        if w in self._workers:
            w.kill()
            self._workers.remove(w)

    def _watch(self) -> None:
        while not self._closed:
            time.sleep(0.2)
            now = time.monotonic()
            kill = []
            with self._lock:
                for job in list(self._queue):
                    if now - job.last_seen > self.heartbeat:
                        self._cancel_locked(job)
                for w in self._workers:
                    job = w.job
                    if job is None:
                        continue
                    asked = job.cancel_at
                    if asked is None and (
                        now - job.last_seen > self.heartbeat or now - job.started > job.deadline
                    ):
                        if now - job.started > job.deadline:
                            job.error = "took longer than its budget"
                        self._cancel_locked(job)
                    elif asked is not None and now - asked > self.kill_grace:
                        kill.append(w)
                # forget finished jobs nobody asked for again
                for key in [
                    k
                    for k, j in self._by_key.items()
                    if j.state in FINISHED and now - (j.finished or now) > 30
                ]:
                    del self._by_key[key]
            for w in kill:
                w.kill()  # the reader thread sees EOF and replaces it


_pool: Pool | None = None
_pool_lock = threading.Lock()


def pool() -> Pool:
    """The process's job pool (started on first use, stopped at exit)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = Pool()
            atexit.register(_pool.shutdown)
        return _pool


__all__ = [
    "CANCELLED",
    "DONE",
    "FAILED",
    "QUEUED",
    "RUNNING",
    "Allowance",
    "Busy",
    "Job",
    "Pool",
    "RateLimited",
    "pool",
]
