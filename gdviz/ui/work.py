"""The budget rule on the page: every computation is estimated before it starts, then runs at once,
waits for a click, or is refused — and long work runs in a worker with a progress bar.

A page describes its work as a :class:`Plan` (what, its estimate from ``gdviz.serve.cost``, the
task and arguments that compute it, the cache that keeps it) and calls :func:`obtain`. Cheap work
runs here; longer work goes to the job pool (``gdviz.serve.jobs``), and the page polls it — when the
visitor leaves or changes the input, the polling stops and so does the job.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

import streamlit as st

from gdviz import limits
from gdviz.serve import cost, jobs, tasks
from gdviz.serve.cache import RELEASE_AFTER_BYTES, ByteCache, freeze, nbytes, release_memory
from gdviz.ui.i18n import t
from gdviz.ui.text import literal

APPROVED_KEY = "_work.approved"
# Set by a click that asks for work by itself (loading a lesson): the run it causes needs no second
# click. A link never sets it: a link must not make the server work without the visitor's click.
ONCE_KEY = "_work.approve_once"
# Names of the parts of a computation (Estimate.parts, Plan.part), each with a text work.part.<name>.
PARTS = ("runs", "surface", "replay", "training", "landscape", "frames", "sweep", "noise", "export")
MAX_APPROVED = 16


@dataclass(frozen=True, eq=False)
class Plan:
    key: Hashable
    task: str
    args: dict
    estimate: cost.Estimate
    cache: ByteCache | None  # None: the caller caches the result's parts itself
    slot: str = "main"
    part: str = "runs"  # i18n suffix naming the work in messages (work.part.<part>)


def session_id() -> str:
    """This browser session's id (the owner of its jobs and of its share of server time)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else "no-session"


def _secs(seconds: float) -> str:
    return f"{seconds:.1f}" if seconds < 10 else f"{seconds:.0f}"


def _what(est: cost.Estimate, fallback: str) -> str:
    part = est.largest()
    return t(f"work.part.{part if part in PARTS else fallback}")


def _approved(key) -> bool:
    return key in st.session_state.get(APPROVED_KEY, ())


def _approve(key) -> None:
    keys = [k for k in st.session_state.get(APPROVED_KEY, ()) if k != key]
    st.session_state[APPROVED_KEY] = [*keys[-(MAX_APPROVED - 1) :], key]


def approve(key) -> None:
    """Call when the visitor's click asked for exactly this plan (its key): no second click."""
    _approve(key)


def approve_next_run() -> None:
    """Call from a button's callback: whatever the next run asks for (within the budget's cap) was
    asked for by that click."""
    st.session_state[ONCE_KEY] = True


def end_run() -> None:
    """Called once a page has run: the approval of :func:`approve_next_run` was for that run only."""
    st.session_state.pop(ONCE_KEY, None)


def verdict(plan: Plan) -> cost.Verdict:
    return cost.decide(plan.estimate)


def obtain(plan: Plan):
    """The plan's result, or None after drawing why not (waiting for a click, refused, failed).
    A ValueError of the task (settings the core refuses) is raised here, wherever it ran."""
    found = None if plan.cache is None else plan.cache.get(plan.key)
    if found is not None:
        return found
    v = verdict(plan)
    est = plan.estimate
    if v.action == cost.REFUSE:
        if v.reason == "bytes":
            amounts = {"mb": f"{est.bytes / 2**20:.0f}", "max": f"{limits.BUDGET_MAX_BYTES / 2**20:.0f}"}
        else:
            amounts = {"s": _secs(est.seconds), "max": f"{limits.BUDGET_MAX_SECONDS:.0f}"}
        st.warning(
            t(f"work.refused.{v.reason}", what=_what(est, plan.part), **amounts), icon=":material/block:"
        )
        return None
    if v.action == cost.CLICK and st.session_state.get(ONCE_KEY):
        _approve(plan.key)
    if v.action == cost.CLICK and not _approved(plan.key):
        box = st.empty()
        with box.container():
            st.info(
                t("work.click", s=_secs(est.seconds), what=_what(est, plan.part)), icon=":material/timer:"
            )
            clicked = st.button(t("work.compute"), key=f"work.btn.{plan.slot}", type="primary")
        if not clicked:
            return None
        box.empty()  # the question is answered: the progress bar takes its place
        _approve(plan.key)
    if est.seconds <= limits.INLINE_SECONDS:
        # cheap work runs here and is not charged: the allowance is for expensive reruns
        return _keep(plan, tasks.run_inline(plan.task, plan.args))
    owner = session_id()
    pool = jobs.pool()
    try:
        job = pool.submit(
            plan.task, plan.args, key=plan.key, owner=owner, slot=plan.slot, estimate=est.seconds
        )
    except jobs.RateLimited as err:
        st.warning(t("work.rate", s=f"{err.wait:.0f}"), icon=":material/hourglass_top:")
        return None
    except jobs.Busy:
        st.warning(t("work.busy"), icon=":material/hourglass_top:")
        return None
    return _wait(job, plan)


def _keep(plan: Plan, result):
    result = freeze(result)
    size = nbytes(result)
    if plan.cache is not None:
        plan.cache.put(plan.key, result, size)
    if size >= RELEASE_AFTER_BYTES:
        release_memory()
    return result


def _wait(job: jobs.Job, plan: Plan):
    what = t(f"work.part.{plan.part}")
    bar = st.progress(0.0, text=t("work.running", what=what, pct=0))
    pool = jobs.pool()
    # A rerun or a closed tab interrupts this loop (Streamlit raises inside bar.progress): the job
    # then stops being polled, and the pool cancels it unless the next run asks for it again.
    while not job.wait(0.1):
        ahead = pool.position(job)
        if job.state == jobs.QUEUED and ahead:
            bar.progress(0.0, text=t("work.queued", n=ahead))
        else:
            pct = int(100 * min(max(job.progress, 0.0), 1.0))
            bar.progress(pct / 100, text=t("work.running", what=what, pct=pct))
    bar.empty()
    if job.state == jobs.DONE:
        return _keep(plan, job.result)
    if job.error_kind == "value":
        raise ValueError(job.error)
    if job.error == "took longer than its budget":
        st.error(t("work.overrun"), icon=":material/timer_off:")
    elif job.state == jobs.FAILED:
        st.error(t("work.failed", err=literal(job.error or "?")), icon=":material/error:")
    return None


__all__ = ["Plan", "approve", "obtain", "session_id", "verdict"]
