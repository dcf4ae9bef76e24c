"""What training at scale costs, estimated from a recipe before anything is built or run: a simulated
parallel run (``gdviz.parallel.train``), the local-SGD fixed point
(``gdviz.parallel.theory.local_fixed_point``) and building the problem itself.

None of these needs the problem. They are priced on its *proxy*: the same recipe with at most
PROXY_SAMPLES samples (a millisecond to build, kept in the problem cache), by probes timed on the
thread's CPU clock (best of three, the collector paused, sizes doubled with ``cost._fit``):

- the simulation's own loop per update, measured on the proxy for the strategy and its kind of
  options (compression, error feedback, stragglers, backups, shards) at 1 and PROBE_ROWS pieces of
  data per update, linear in between and beyond;
- per sample drawn: a mini-batch gradient on the proxy and one element of an epoch's shuffle;
- per sample of the data: the shards' shuffle and sort, at the start of every run;
- building: the recipe built at two sizes, linear in n beyond.

Only whole simulated updates and per-sample slopes are extrapolated, never a per-call intercept
multiplied by the workers: the page's former estimate multiplied a microsecond probe by 64 workers ×
2000 updates, and the same link was priced 0.9 s in one fresh process and 80 s in the next.

What a thread's clock does not see: OpenBLAS's helper thread in the server process (the workers run
with one), which doubled the CPU of building 10⁶ samples of linear regression (0.17 s on the
building thread, 0.33 s in all).
"""

from __future__ import annotations

import gc
import math
import threading
import time

import numpy as np

from gdviz.problems.base import Problem
from gdviz.serve import meter, tasks
from gdviz.serve.cost import FLOAT, TIMING_SECONDS, Estimate, Linear, _fit

# The proxy's samples: more than any batch the critical-batch sweep draws (512), few enough to build
# in a millisecond.
PROXY_SAMPLES = 4096
# The two sizes a scalable recipe is built at to price its build (1.4 ms and 12 ms of CPU for linear
# regression): above the per-call noise, and the larger one past the size where OpenBLAS starts a
# helper thread (32 768 samples took 6 ms on the building thread, 12 ms in all), as the largest
# data does.
BUILD_SIZES = (1 << 13, 1 << 15)
# The loop probe: this many updates of one simulation (×3 timings), at 1 and PROBE_ROWS pieces.
PROBE_STEPS = 24
PROBE_ROWS = 64
# Index arrays shuffled and sorted to price the shards (0.4 ms and 2.5 ms).
INDEX_PROBE = 1 << 15
# Bytes of one interval of a worker's timeline (worker, kind, start, end) and of one update's record
# besides its parameters (loss, time, samples, evals, bits, comm, staleness, synced, batch loss, lr).
EVENT_BYTES = 25
UPDATE_BYTES = 10 * FLOAT

_lock = threading.Lock()
_builds: dict[tuple, Linear] = {}
_loops: dict[tuple, Linear] = {}
_grads: dict[tuple, Linear] = {}
_per_shard: dict[tuple, float] = {}
_index: tuple[float, float] | None = None


def _cpu_time(fn, repeat: int = 3, clock=time.thread_time) -> float:
    """CPU seconds of this thread per call of ``fn``, best of ``repeat`` timings after one untimed
    call. The thread's CPU clock, not the wall clock: another process's load on a shared machine
    stretched wall-clock probes of the same simulation from 0.4 to 0.8 ms per update between two
    fresh processes, and it does not count here. The untimed call pays a code path's first-use costs
    (imports, caches), which ``cost._best_time`` would take as the time of a call over 40 ms."""
    fn()
    was = gc.isenabled()
    gc.disable()  # a collection during a millisecond probe, extrapolated a thousandfold
    try:
        with np.errstate(all="ignore"):
            t0 = clock()
            fn()
            first = clock() - t0
            number = max(1, min(1000, int(TIMING_SECONDS / max(first, 1e-7))))
            best = first if number == 1 else math.inf
            for _ in range(repeat - 1 if number == 1 else repeat):
                t0 = clock()
                for _ in range(number):
                    fn()
                best = min(best, (clock() - t0) / number)
    finally:
        if was:
            gc.enable()
    return best


def scalable_n(recipe: tuple) -> int | None:
    """The samples a named recipe asks for with its ``n`` option; None for a fixed data set."""
    if recipe[0] != "named":
        return None
    n = recipe[2].get("n")
    return int(n) if isinstance(n, (int, np.integer)) and n > 0 else None


def proxy_recipe(recipe: tuple) -> tuple:
    """The recipe with at most PROXY_SAMPLES samples (itself when it asks for no more)."""
    if recipe[0] != "named":
        # a user's data is parsed and fitted on upload, never here
        raise ValueError(f"recipe must be a named problem's ('named', name, options), got {recipe[0]!r}")
    n = scalable_n(recipe)
    if n is None or n <= PROXY_SAMPLES:
        return recipe
    return ("named", recipe[1], {**recipe[2], "n": PROXY_SAMPLES})


def proxy(recipe: tuple) -> Problem:
    """The proxy problem, built once per process (a recipe that is its own proxy is then built)."""
    with meter.estimating():
        return tasks.build_problem(proxy_recipe(recipe))


def _build_seconds(recipe: tuple, n: int | None) -> float:
    """Seconds to build ``recipe`` with ``n`` samples: timed as it is when it is its own proxy,
    else built at BUILD_SIZES and extrapolated linearly."""
    import gdviz

    scaled = n is not None and n > PROXY_SAMPLES
    key = (tasks.recipe_key(proxy_recipe(recipe)), scaled)
    with _lock:
        found = _builds.get(key)
    if found is None:
        _, name, options = proxy_recipe(recipe)

        def build(size: int | None) -> float:
            kw = options if size is None else {**options, "n": int(size)}
            # the process's clock: OpenBLAS's helper thread works in the larger build's least squares
            return _cpu_time(lambda: gdviz.problem(name, **kw), clock=time.process_time)

        with meter.estimating():
            if not scaled:
                found = Linear(build(None), 0.0)
            else:
                small, large = BUILD_SIZES
                t_small, t_large = build(small), build(large)
                # never below half the larger build's own rate: noise must not make big data free
                c = max((t_large - t_small) / (large - small), t_large / large / 2)
                found = Linear(max(0.0, t_large - c * large), c)
        with _lock:
            _builds[key] = found
    return found(n or 0)


def build_estimate(recipe: tuple, *, name: str = "problem") -> Estimate:
    """Cost of building ``recipe``'s problem in a process that does not hold it yet."""
    n = scalable_n(recipe)
    p = proxy(recipe)
    seconds = _build_seconds(recipe, n)
    return Estimate(seconds, _data_bytes(p, n or p.n_samples), ((name, seconds),))


def _data_bytes(p: Problem, n: int | None) -> int:
    # the design, the targets and the least-squares copies of the build (68 MB measured at 10⁶)
    return int((n or 0) * (p.n_params + 1) * FLOAT * 3)


def _index_rates() -> tuple[float, float]:
    """Seconds per element of shuffling an index array, and of sorting one (stable)."""
    global _index
    if _index is None:
        rng = np.random.default_rng(0)
        keys = rng.standard_normal(INDEX_PROBE)
        perm = _cpu_time(lambda: rng.permutation(INDEX_PROBE)) / INDEX_PROBE
        sort = _cpu_time(lambda: np.argsort(keys, kind="stable")) / INDEX_PROBE
        _index = (perm, sort)
    return _index


def _grad_line(p: Problem, key: tuple) -> Linear:
    """Seconds of one mini-batch gradient against its samples, on the proxy."""
    with _lock:
        found = _grads.get(key)
    if found is None:
        rng = np.random.default_rng(0)
        one = np.asarray(p.start, dtype=float)[None]

        def measure(b: int) -> float:
            idx = rng.integers(0, p.n_samples, size=(1, b))
            return _cpu_time(lambda: p.batch_loss_and_grad(one, idx))

        with meter.estimating():
            found = _fit(measure, 1 << 8, 1 << 16)
        with _lock:
            _grads[key] = found
    return found


def per_sample_seconds(recipe: tuple) -> float:
    """One more sample in a batch: its share of the gradient, and of an epoch's shuffle."""
    p = proxy(recipe)
    line = _grad_line(p, tasks.recipe_key(proxy_recipe(recipe)))
    return line.c + _index_rates()[0]


# --- a simulated parallel run ------------------------------------------------------------------------
SYNCHRONOUS = ("sync", "accumulate")


def _workers(options: dict) -> int:
    backups = options.get("backups", 0) if options["strategy"] in SYNCHRONOUS else 0
    return int(options["workers"]) + int(backups)


def _rows(options: dict) -> int:
    """Pieces of data one update takes apart (the loop's own work grows with them)."""
    s = options["strategy"]
    if s in SYNCHRONOUS:
        return _workers(options) * int(options.get("accumulate", 1))
    return int(options["workers"])


def _drawn(options: dict, b: int) -> int:
    """Samples one update draws: every piece's batch (one worker's for async)."""
    return b if options["strategy"] == "async" else _rows(options) * b


def _sharded(options: dict) -> bool:
    return options.get("shards") is not None or options["strategy"] == "local"


def _flavour(options: dict) -> tuple:
    """What of the options changes the loop's own cost per update (not its sizes)."""
    comp = options.get("compression")
    return (
        options["strategy"],
        None if comp is None else comp[0],
        bool(options.get("error_feedback")),
        bool(options.get("straggler")),
        bool(options.get("backups")) and options["strategy"] in SYNCHRONOUS,
        options.get("shards"),
    )


def _probe_options(options: dict, rows: int, steps: int) -> dict:
    """The run's options at batch 1 and ``rows`` pieces (1 or PROBE_ROWS), ``steps`` updates."""
    kw = {k: v for k, v in options.items() if k not in ("steps", "workers", "batch_size", "accumulate")}
    if options["strategy"] == "local":
        kw["local_steps"] = 1  # an average after every update: the dearest H, so an upper bound
    backups = 1 if kw.get("backups") else 0
    if options["strategy"] in SYNCHRONOUS and "backups" in kw:
        kw["backups"] = backups
    if options["strategy"] == "accumulate":
        kw["accumulate"] = 2
        workers = max(1, rows // 2 - backups)
    elif options["strategy"] == "sync":
        workers = max(1, rows - backups)
    else:
        workers = rows
    comp = kw.pop("compression", None)
    if comp is not None:
        from gdviz import parallel

        kw["compression"] = parallel.compressor(comp[0], **dict(comp[1]))
    return {**kw, "workers": workers, "batch_size": 1, "steps": steps}


def _loop_line(p: Problem, key: tuple, options: dict) -> Linear:
    """Seconds per update of the simulation at batch 1, against its pieces."""
    full = (key, _flavour(options))
    with _lock:
        found = _loops.get(full)
    if found is None:
        import gdviz
        from gdviz import parallel

        opt = gdviz.optimizer("gd", lr=1e-9)  # tiny: the probe must not diverge and stop early

        def per_update(rows: int) -> tuple[float, int]:
            kw = _probe_options(options, rows, PROBE_STEPS)
            with np.errstate(all="ignore"):
                t = _cpu_time(lambda: parallel.train(p, opt, **kw))
            return t / PROBE_STEPS, _rows(kw)

        with meter.estimating():
            t1, r1 = per_update(2 if options["strategy"] == "accumulate" else 1)
            t2, r2 = per_update(PROBE_ROWS)
        c = max(0.0, (t2 - t1) / max(1, r2 - r1))
        found = Linear(max(t1 - c * r1, 0.0), c)
        with _lock:
            _loops[full] = found
    return found


def run_estimate(recipe: tuple, options: dict, *, events: bool = True, name: str = "scale") -> Estimate:
    """Cost of ``parallel.train(problem, gd, **options)`` for ``recipe``'s problem, with ``options``
    as a task passes them (the compressor as ``(name, options)``); a run stopped early by its target
    loss or a divergence costs less. ``events``: the workers' timeline is kept."""
    p = proxy(recipe)
    n = scalable_n(recipe) or p.n_samples
    key = tasks.recipe_key(proxy_recipe(recipe))
    steps = int(options["steps"])
    b = options.get("batch_size")
    b = n if b is None else int(b)
    rows = _rows(options)
    extra = max(0, _drawn(options, b) - _drawn(options, 1))
    per_update = _loop_line(p, key, options)(rows) + extra * per_sample_seconds(recipe)
    perm, sort = _index_rates()
    setup = n * perm  # the first epoch's shuffle (each later one is counted per sample drawn)
    if _sharded(options):
        setup += n * sort * (2 if options.get("shards") == "label" else 1)
    seconds = steps * per_update + setup
    P = p.n_params
    timeline = steps * _workers(options) * 3 * EVENT_BYTES if events else 0
    record = (steps + 1) * (2 * P * FLOAT + UPDATE_BYTES)
    transient = _drawn(options, b) * (P + 1) * FLOAT * 2 + n * FLOAT * 3
    return Estimate(seconds, int(record + timeline + transient), ((name, seconds),))


def fixed_point_estimate(
    recipe: tuple, *, workers: int, shards: str = "iid", name: str = "fixed_point"
) -> Estimate:
    """Cost of ``theory.local_fixed_point`` on ``recipe``'s problem: the shards, then P + 1 gradients
    of every shard (free when the problem is not least squares: it returns at once)."""
    p = proxy(recipe)
    if not p.has_data or p.quadratic_form() is None:
        return Estimate(0.0, 0, ((name, 0.0),))
    n = scalable_n(recipe) or p.n_samples
    key = (tasks.recipe_key(proxy_recipe(recipe)), shards)
    with _lock:
        one = _per_shard.get(key)
    if one is None:
        from gdviz.parallel import theory

        with meter.estimating():
            t = _cpu_time(
                lambda: theory.local_fixed_point(p, workers=PROBE_ROWS, local_steps=8, lr=1e-3, shards=shards)
            )
        one = t / PROBE_ROWS  # per shard, the proxy's own data work included: an upper bound
        with _lock:
            _per_shard[key] = one
    perm, sort = _index_rates()
    P = p.n_params
    data = n * (perm + sort * (2 if shards == "label" else 1) + (P + 1) * per_sample_seconds(recipe))
    seconds = int(workers) * one + data
    return Estimate(
        seconds, int(n * FLOAT * 3 + (P + 1) * (n / max(1, workers)) * P * FLOAT), ((name, seconds),)
    )


__all__ = [
    "PROXY_SAMPLES",
    "build_estimate",
    "fixed_point_estimate",
    "per_sample_seconds",
    "proxy",
    "proxy_recipe",
    "run_estimate",
    "scalable_n",
]
