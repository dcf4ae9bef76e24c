"""The budget rule on the page: all the work of a page run is estimated before any of it starts,
then runs at once, waits for one click, or is refused — and long work runs in a worker with a
progress bar.

A page run first lists every piece of its work (:class:`Piece`: runs, Hessians, surfaces, fixed
points, figures, each with its estimate from ``gdviz.serve.cost``, and whether a cache already
holds it) and calls :func:`plan_page` once: the total decides. Then each piece runs: a
:class:`Plan` (the task and arguments that compute it, the cache that keeps it) through
:func:`obtain`, or core work called in place inside :func:`piece`. Cheap work runs here; longer work
goes to the job pool (``gdviz.serve.jobs``), and the page polls it — when the visitor leaves or
changes the input, the polling stops and so does the job. The core counts its costly calls against
the open page run (``gdviz.serve.meter``): work outside the plan is found by the tests, not timed.
"""

from __future__ import annotations

import functools
from collections.abc import Hashable, Iterable
from dataclasses import dataclass

import streamlit as st

from gdviz import limits
from gdviz.serve import cost, jobs, meter, tasks
from gdviz.serve.cache import RELEASE_AFTER_BYTES, ByteCache, freeze, nbytes, release_memory
from gdviz.ui.i18n import t
from gdviz.ui.text import literal

APPROVED_KEY = "_work.approved"
# Set by a click that asks for work by itself (loading a lesson): the run it causes needs no second
# click. A link never sets it: a link must not make the server work without the visitor's click.
ONCE_KEY = "_work.approve_once"
# Names of the parts of a computation (Estimate.parts, Plan.part), each with a text work.part.<name>.
PARTS = (
    "runs",
    "surface",
    "replay",
    "training",
    "landscape",
    "frames",
    "sweep",
    "noise",
    "export",
    "problem",
    "hessian",
    "figure",
    "scale",
    "fixed_point",
    "critical",
    "scrub",
)
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


@dataclass(frozen=True)
class Piece:
    """One piece of a page run's work as the page's plan lists it."""

    part: str  # a name of PARTS
    estimate: cost.Estimate
    done: bool = False  # a cache holds it: nothing to pay this run


def page_run(name: str):
    """Decorate a page's function or fragment: the core's costly calls made while it runs are counted
    against its plan (``gdviz.serve.meter``; a fragment inside a full run joins the run's ledger)."""

    def deco(fn):
        @functools.wraps(fn)
        def wrapped(*args, **kwargs):
            with meter.page_run(name):
                return fn(*args, **kwargs)

        return wrapped

    return deco


def _refuse(v: cost.Verdict, part: str) -> None:
    est = v.estimate
    if v.reason == "bytes":
        amounts = {"mb": f"{est.bytes / 2**20:.0f}", "max": f"{limits.BUDGET_MAX_BYTES / 2**20:.0f}"}
    else:
        amounts = {"s": _secs(est.seconds), "max": f"{limits.BUDGET_MAX_SECONDS:.0f}"}
    st.warning(t(f"work.refused.{v.reason}", what=_what(est, part), **amounts), icon=":material/block:")


def _asked(key, est: cost.Estimate, part: str, slot: str) -> bool:
    """Whether the visitor asked for this work: approved before, by the click that loaded a lesson,
    or by the button drawn here now."""
    if st.session_state.get(ONCE_KEY):
        _approve(key)
    if _approved(key):
        return True
    box = st.empty()
    with box.container():
        st.info(t("work.click", s=_secs(est.seconds), what=_what(est, part)), icon=":material/timer:")
        clicked = st.button(t("work.compute"), key=f"work.btn.{slot}", type="primary")
    if not clicked:
        return False
    box.empty()  # the question is answered: the progress bars take its place
    _approve(key)
    return True


def sizing_piece() -> Piece:
    """What making the plan itself took in this page run: building the data (the cost model probes
    the built problem, so it comes first) and the cost model's probes. Spent already, measured, and
    counted, so that the decision is on the page's whole work (none when caches held both)."""
    ledger = meter.current()
    spent = 0.0 if ledger is None else sum(ledger.spent.get(k, 0.0) for k in ("problem", meter.ESTIMATING))
    return Piece("problem", cost.Estimate(spent, 0, (("problem", spent),)))


def page_estimate(pieces: Iterable[Piece]) -> cost.Estimate:
    """What a page run's work costs: the pieces no cache holds."""
    return cost.Estimate.total(p.estimate for p in pieces if not p.done)


def would_run(key: Hashable, pieces: Iterable[Piece]) -> bool:
    """Whether :func:`plan_page` would let these pieces run now, drawing nothing (approved before or
    by the click that loaded a lesson, as :func:`_asked` counts them)."""
    v = cost.decide(page_estimate([sizing_piece(), *pieces]))
    asked = _approved(("page", key)) or bool(st.session_state.get(ONCE_KEY))
    return v.action == cost.NOW or (v.action == cost.CLICK and asked)


def plan_page(key: Hashable, pieces: Iterable[Piece], *, slot: str = "page") -> bool:
    """Decide once for all the work of this page run: True when it may run now (under the automatic
    budget, or asked for by a click), False after saying why not (one refusal or one button)."""
    pieces = [sizing_piece(), *pieces]
    parts = [p.part for p in pieces]
    est = page_estimate(pieces)
    v = cost.decide(est)
    part = est.largest() or (parts[0] if parts else "runs")
    if v.action == cost.REFUSE:
        meter.decided(v.action, parts, False, est.seconds)
        _refuse(v, part)
        return False
    granted = v.action == cost.NOW or _asked(("page", key), est, part, slot)
    meter.decided(v.action, parts, granted, est.seconds)
    return granted


def piece(part: str):
    """Core work the page calls in place (a Hessian, a fixed point) as the plan's piece ``part``."""
    return meter.piece(part)


def _planned(part: str) -> bool:
    """Whether the page run's plan named ``part`` and may run (a piece it did not name is recorded
    by ``meter.piece`` as it runs: the tests fail on it)."""
    ledger = meter.current()
    return ledger is not None and ledger.granted and part in ledger.planned


def obtain(plan: Plan):
    """The plan's result, or None after drawing why not (waiting for a click, refused, failed).
    A ValueError of the task (settings the core refuses) is raised here, wherever it ran.

    A piece of a page plan that was decided (:func:`plan_page`) runs without a verdict of its own;
    anything else is judged alone, as a safety net."""
    found = None if plan.cache is None else plan.cache.get(plan.key)
    if found is not None:
        return found
    est = plan.estimate
    if not _planned(plan.part):
        v = verdict(plan)
        if v.action == cost.REFUSE:
            _refuse(v, plan.part)
            return None
        if v.action == cost.CLICK and not _asked(plan.key, est, plan.part, plan.slot):
            return None
    with meter.piece(plan.part):
        return _run(plan)


def _run(plan: Plan):
    est = plan.estimate
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


__all__ = [
    "Piece",
    "Plan",
    "approve",
    "obtain",
    "page_estimate",
    "page_run",
    "piece",
    "plan_page",
    "session_id",
    "sizing_piece",
    "verdict",
    "would_run",
]
