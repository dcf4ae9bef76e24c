"""What a request will cost the server, estimated before the work starts.

One model for every page and the command line. Work is described by what it does — steps × runs of
an update rule on a problem with a batch size, a grid of loss evaluations, … — and priced with
numbers measured on this machine by small probes:

- the machine's per-step overhead of the run loop and the cost of each update rule, probed once per
  process on a tiny problem;
- each problem's cost of a full loss, a full loss-and-gradient and a mini-batch loss-and-gradient,
  probed once per problem object at sizes that double until a probe takes PROBE_SECONDS, then
  extrapolated linearly in the number of points (and in the batch size).

A probe is a few milliseconds; its result is cached, so a page pays for it once per problem. The
estimate is a model, not a promise: long work also runs in chunks that can be stopped
(``gdviz.train.run(..., progress=…)``), and a job that overruns its budget is stopped by
``gdviz.serve.jobs``. ``benchmarks/bench_budget.py`` prints estimate against measurement.
"""

from __future__ import annotations

import gc
import math
import threading
import time
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from gdviz import limits
from gdviz.problems.base import Problem
from gdviz.serve import meter

# A probe series stops doubling its size once one evaluation takes this long: long enough to
# measure the slope above the per-call overhead, short enough to be free.
PROBE_SECONDS = 0.002
PROBE_MAX_POINTS = 1 << 12
PROBE_REPEAT = 3
TIMING_SECONDS = 2e-4
FLOAT = 8


@dataclass(frozen=True)
class Estimate:
    """Server CPU seconds and peak bytes of a piece of work; ``parts`` says where they go."""

    seconds: float = 0.0
    bytes: int = 0
    parts: tuple[tuple[str, float], ...] = field(default=())

    def __add__(self, other: Estimate) -> Estimate:
        return Estimate(self.seconds + other.seconds, max(self.bytes, other.bytes), self.parts + other.parts)

    @staticmethod
    def total(items: Iterable[Estimate]) -> Estimate:
        out = Estimate()
        for item in items:
            out = out + item
        return out

    def largest(self) -> str | None:
        """The name of the part that costs most (what to reduce first)."""
        if not self.parts:
            return None
        by: dict[str, float] = {}
        for name, s in self.parts:
            by[name] = by.get(name, 0.0) + s
        return max(by, key=by.get)


NOW, CLICK, REFUSE = "now", "click", "refuse"
REFUSALS = ("seconds", "bytes")  # why a request can be refused


@dataclass(frozen=True)
class Verdict:
    """What may happen to a request: run ``now``, wait for a ``click``, or ``refuse`` it."""

    action: str
    estimate: Estimate
    reason: str = ""  # for refusals: "seconds" or "bytes"


def decide(est: Estimate, *, auto_seconds: float | None = None, max_seconds: float | None = None) -> Verdict:
    """The budget rule: under AUTO seconds at once, up to MAX after a click, above that never."""
    auto = limits.BUDGET_AUTO_SECONDS if auto_seconds is None else auto_seconds
    cap = limits.BUDGET_MAX_SECONDS if max_seconds is None else max_seconds
    if est.bytes > limits.BUDGET_MAX_BYTES:
        return Verdict(REFUSE, est, "bytes")
    if est.seconds > cap:
        return Verdict(REFUSE, est, "seconds")
    if est.seconds > auto:
        return Verdict(CLICK, est)
    return Verdict(NOW, est)


# --- probes ----------------------------------------------------------------------------------------
def _best_time(fn, repeat: int = PROBE_REPEAT) -> float:
    """Seconds per call of ``fn``: best of ``repeat`` timings, each of enough calls to last
    TIMING_SECONDS (microsecond calls need many), with the collector paused — one collection
    during a 0.2 ms probe, extrapolated a thousandfold, would make trivial work look expensive."""
    best = math.inf
    was = gc.isenabled()
    gc.disable()
    try:
        with np.errstate(all="ignore"):
            t0 = time.perf_counter()
            fn()
            first = time.perf_counter() - t0
            number = max(1, min(1000, int(TIMING_SECONDS / max(first, 1e-7))))
            if number == 1 and first > 20 * PROBE_SECONDS:
                # an expensive probe is measured twice, not once: a cold first call (a module's
                # first use, a cache filling) was once taken for the cost of every call
                t0 = time.perf_counter()
                fn()
                return min(first, time.perf_counter() - t0)
            for _ in range(repeat):
                t0 = time.perf_counter()
                for _ in range(number):
                    fn()
                best = min(best, (time.perf_counter() - t0) / number)
    finally:
        if was:
            gc.enable()
    return best


@dataclass(frozen=True)
class Linear:
    """seconds = a + c · size, fitted on two probe sizes (never below the larger probe's rate)."""

    a: float
    c: float

    def __call__(self, size: float) -> float:
        return self.a + self.c * max(0.0, float(size))


def _fit(measure, start: int, cap: int) -> Linear:
    """Double ``size`` from ``start`` until one call takes PROBE_SECONDS or ``cap`` is reached; the
    line through the smallest and the largest size. The two ends are as far apart as the probes go:
    a line through the last two sizes, or one through the origin when they disagreed, made the same
    mini-batch of one sample cost 0.2 µs in one process and 1.7 ms in the next (issue 23)."""
    size = max(1, start)
    first = (size, measure(size))
    t = first[1]
    while t < PROBE_SECONDS and size < cap:
        size = min(cap, size * 2)
        t = measure(size)
    if size == first[0]:
        return Linear(0.0, t / size)  # one size only (already expensive): proportional
    c = max(0.0, (t - first[1]) / (size - first[0]))
    return Linear(max(0.0, first[1] - c * first[0]), c)


class ProblemCost:
    """A problem's measured cost of its three evaluations, per point (and per batch sample)."""

    def __init__(self, problem: Problem):
        P = problem.n_params
        rng = np.random.default_rng(0)
        # points near the start: some problems are cheaper (or undefined) far away
        base = np.asarray(problem.start, dtype=float)

        def pts(k):
            return base + 1e-3 * rng.standard_normal((k, P))

        cap = PROBE_MAX_POINTS
        self.loss = _fit(lambda k: _best_time(lambda: problem.loss(pts(k))), 1, cap)
        self.full = _fit(lambda k: _best_time(lambda: problem.loss_and_grad_trusted(pts(k))), 1, cap)
        self.batch: Linear | None = None
        if problem.has_data:
            n = int(problem.n_samples)

            def batch(b):
                idx = rng.integers(0, n, size=(1, b))
                one = pts(1)
                return _best_time(lambda: problem.batch_loss_and_grad(one, idx))

            self.batch = _fit(batch, 1, min(n, limits.MAX_SAMPLES))


class MachineCost:
    """This process's cost of the run loop itself: per step of each update rule (measured on a real
    run of a tiny problem, its evaluations subtracted), per element of the rule's arithmetic, and
    the extra of drawing mini-batches."""

    RUN_STEPS = 200

    def __init__(self):
        import gdviz  # the public API: the probe runs what callers run

        self._gdviz = gdviz
        self._quad = gdviz.problem("quadratic", condition=10)
        self.rules: dict[str, Linear] = {}
        from gdviz.train import _Sampler

        # drawing a mini-batch: the loop's own per-step extra (permutations are counted per sample)
        sampler = _Sampler(4096, 32, np.zeros(1, dtype=np.int64), True, False)
        T = self.RUN_STEPS

        def draw():
            for _ in range(T):
                sampler.next()

        self.mini = _best_time(draw) / T

    def rule(self, name: str) -> Linear:
        if name not in self.rules:
            with meter.estimating():
                self._probe(name)
        return self.rules[name]

    def _probe(self, name: str) -> None:
        if name not in self.rules:
            gdviz, T = self._gdviz, self.RUN_STEPS
            opt = gdviz.optimizer(name, lr=1e-9)
            per_step = _best_time(lambda: gdviz.run(self._quad, opt, steps=T)) / T
            a = max(per_step - cost_of(self._quad).full(1), 1e-6)

            def measure(size):
                # (runs, 8) arrays: elementwise work depends on runs × parameters, not on the shape
                rows = max(1, size // 8)
                g = np.full((rows, 8), 1e-3)
                p = np.ones((rows, 8))

                def go():
                    state = opt.init(p)
                    for _ in range(20):
                        _, state = opt.update(g, state, p)

                return _best_time(go) / 20

            big = 8 * limits.MAX_RUNS
            small = measure(8)
            c = max(0.0, (measure(big) - small) / (big - 8))
            with _lock:
                self.rules[name] = Linear(a, c)


_lock = threading.Lock()
_problem_costs: weakref.WeakKeyDictionary[Problem, ProblemCost] = weakref.WeakKeyDictionary()
_machine: MachineCost | None = None


def cost_of(problem: Problem) -> ProblemCost:
    """The problem's probed costs (measured on first use, kept as long as the problem lives)."""
    with _lock:
        found = _problem_costs.get(problem)
    if found is None:
        with meter.estimating():
            found = ProblemCost(problem)
        with _lock:
            _problem_costs[problem] = found
    return found


def machine() -> MachineCost:
    global _machine
    if _machine is None:
        with meter.estimating():
            m = MachineCost()
        with _lock:
            _machine = _machine or m
    return _machine


# --- work --------------------------------------------------------------------------------------------
def record_bytes(steps: int, runs: int, n_params: int, *, keep: int | None = None) -> int:
    """Bytes a record of ``runs`` runs holds: states and gradients (float64), or thinned states."""
    per_step = runs * (4 + 2) * FLOAT  # loss, batch loss, lr, samples, evals, epoch
    if keep is None:
        states = (2 * steps + 1) * runs * n_params * FLOAT
    else:
        states = min(keep, steps + 1) * runs * n_params * 4
    return int(states + (steps + 1) * per_step)


def run_estimate(
    problem: Problem,
    rule: str,
    *,
    steps: int,
    runs: int = 1,
    batch_size: int | None = None,
    keep: int | None = None,
    name: str = "runs",
) -> Estimate:
    """Cost of ``gdviz.run_many(problem, optimizer(rule), steps=…, runs=…, batch_size=…)``."""
    pc, mc = cost_of(problem), machine()
    P = problem.n_params
    n = problem.n_samples
    b = None if batch_size is None or n is None or batch_size >= n else int(batch_size)
    if b is None:
        per = pc.full(runs)
        transient = 0
    else:
        # a mini-batch gradient per run, the full loss of every run for the record, and one
        # permutation of the data per epoch (n values every n/b steps)
        # one vectorized call gathers every run's batch: its overhead is paid once, the per-sample
        # work R·b times (counting the overhead per run overestimated 48 runs of b = 1 by 100×)
        per = pc.batch.a + runs * (pc.batch(b) - pc.batch.a) + pc.loss(runs) + b * 2e-9 + mc.mini
        transient = runs * b * P * FLOAT * 2
    per += mc.rule(rule)(runs * P)
    seconds = steps * per
    return Estimate(seconds, record_bytes(steps, runs, P, keep=keep) + transient, ((name, seconds),))


# Seconds to draw and encode one megapixel of an exported frame (GIF, MP4, PNG: Pillow, then the
# encoder): 300 frames of 960 × 480 took 2.4 s for a GIF and of 1280 × 640 3.7 s for an MP4 on this
# project's 2-core machine (benchmarks/bench_export.py), i.e. 0.015–0.018 s; rounded up.
EXPORT_SECONDS_PER_MEGAPIXEL = 0.02


def export_estimate(frames: int, width: int, height: int, *, name: str = "export") -> Estimate:
    """Cost of drawing ``frames`` frames of ``width`` × ``height`` pixels into a file."""
    megapixels = frames * width * height / 1e6
    seconds = megapixels * EXPORT_SECONDS_PER_MEGAPIXEL
    return Estimate(seconds, int(width * height * 4 * 3), ((name, seconds),))


# A race figure: the contour image, the paths' and curves' frames, encoded once. 4 runs × 300
# frames took 0.14 s and 6 × 300 of 20 000 steps 0.09 s on this project's 2-core machine
# (the first figure of a process pays Plotly's imports too); rounded up.
FIGURE_SECONDS = 0.05
FIGURE_SECONDS_PER_TRACE_FRAME = 5e-5


def figure_estimate(runs: int, frames: int, *, name: str = "figure") -> Estimate:
    """Cost of building and encoding an animated figure of ``runs`` paths over ``frames`` frames."""
    seconds = FIGURE_SECONDS + FIGURE_SECONDS_PER_TRACE_FRAME * max(1, runs) * max(1, frames)
    return Estimate(seconds, int(runs * frames * 64 * FLOAT), ((name, seconds),))


def hessian_estimate(problem: Problem, points: int = 1, *, name: str = "hessian") -> Estimate:
    """Cost of ``points`` Hessians by central differences of the gradient (2·P gradient calls each)
    and their eigenvalues."""
    P = problem.n_params
    seconds = points * (2 * P * cost_of(problem).full(1) + 1e-8 * P**3)
    return Estimate(seconds, int(P * P * FLOAT * 3), ((name, seconds),))


def loss_grid_estimate(problem: Problem, points: int, *, name: str = "surface") -> Estimate:
    """Cost of the loss at ``points`` points (a surface, a landscape, heights along paths)."""
    seconds = cost_of(problem).loss(points)
    return Estimate(seconds, int(points) * FLOAT * 4, ((name, seconds),))


def gradients_estimate(problem: Problem, points: int, *, name: str = "gradients") -> Estimate:
    """Cost of the full loss and gradient at ``points`` points (Hessians by differences, …)."""
    seconds = cost_of(problem).full(points)
    return Estimate(seconds, int(points) * problem.n_params * FLOAT * 2, ((name, seconds),))


def batch_gradients_estimate(
    problem: Problem, batches: int, batch_size: int, *, name: str = "noise"
) -> Estimate:
    """Cost of ``batches`` mini-batch gradients of ``batch_size`` samples at one point."""
    pc = cost_of(problem)
    seconds = batches * (pc.batch(batch_size) if pc.batch is not None else pc.full(1))
    return Estimate(seconds, int(batches) * problem.n_params * FLOAT, ((name, seconds),))


__all__ = [
    "CLICK",
    "NOW",
    "REFUSE",
    "Estimate",
    "Linear",
    "MachineCost",
    "ProblemCost",
    "Verdict",
    "batch_gradients_estimate",
    "cost_of",
    "decide",
    "figure_estimate",
    "gradients_estimate",
    "hessian_estimate",
    "loss_grid_estimate",
    "machine",
    "record_bytes",
    "run_estimate",
]
