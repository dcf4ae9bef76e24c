"""What the race page says where it would otherwise repair or draw nothing in silence: a link's
repairs (what the link gave, why it is not used as written, what the page uses instead), and a
chart with nothing to draw. In the visitor's language; no Streamlit here.

A link is judged twice. ``links.decode`` repairs what it can judge alone (an empty or off-grid
number, a start that is not a list of numbers, axes that are not two parameter numbers). What
depends on the problem (a start of the wrong length or beyond what the view can show, axes beyond
its parameters) is judged by ``fit`` once the problem is built: ``state.fit_link`` on the page.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from gdviz.geometry.projection import GROW_LIMIT
from gdviz.problems.base import Problem
from gdviz.ui.i18n import text
from gdviz.ui.linkcodec import fmt, shown
from gdviz.ui.specs import PageConfig
from gdviz.ui.text import literal

MAX_START_PARAMS = 8  # the sidebar's start fields stop there; larger models start from their own


@dataclass(frozen=True)
class Repair:
    """One value of a link not used as written. ``given`` is the link's text (cut), ``why`` names
    the sentence (``repair.<why>``), ``used`` is what the page uses, as shown (None: the problem's
    own start or axes, named when the sentence is said), ``args`` the sentence's other fields."""

    key: str
    given: str
    why: str
    used: str | None = None
    args: tuple[tuple[str, str], ...] = ()


def _point(v) -> str:
    return "(" + ", ".join(f"{float(x):g}" for x in v) + ")"


def start_bounds(problem: Problem) -> tuple[np.ndarray, np.ndarray]:
    """Per parameter, the range a start point may take: the default window grown as far as a view
    grows around a path (``GROW_LIMIT`` widths on each side), so that the start is on the chart. A
    parameter not plotted by default gets the widest of the two plotted ranges; the problem's own
    start is always inside."""
    (x0, x1), (y0, y1) = problem.window
    ranges = [(x0 - GROW_LIMIT * (x1 - x0), x1 + GROW_LIMIT * (x1 - x0))]
    ranges.append((y0 - GROW_LIMIT * (y1 - y0), y1 + GROW_LIMIT * (y1 - y0)))
    n = problem.n_params
    lo = np.full(n, min(r[0] for r in ranges))
    hi = np.full(n, max(r[1] for r in ranges))
    for ax, (a, b) in zip(problem.axes, ranges, strict=True):
        lo[ax], hi[ax] = a, b
    own = np.asarray(problem.start, dtype=float)
    return np.minimum(lo, own), np.maximum(hi, own)


def fit_start(start, problem: Problem, given: str | None = None) -> tuple[tuple | None, Repair | None]:
    """The start point the page uses for a link's ``start`` (None: the problem's own), and the
    repair when that is not the link's."""
    if start is None:
        return None, None
    given = shown(given if given is not None else ",".join(fmt(float(v)) for v in start))
    n = problem.n_params
    if n > MAX_START_PARAMS:
        args = (("p", str(n)), ("max", str(MAX_START_PARAMS)))
        return None, Repair("start", given, "start.many", None, args)
    if len(start) != n:
        names = ", ".join(problem.param_names)
        args = (("n", str(len(start))), ("p", str(n)), ("names", names))
        return None, Repair("start", given, "start.length", None, args)
    v = np.asarray(start, dtype=float)
    lo, hi = start_bounds(problem)
    used = np.clip(v, lo, hi)
    if np.array_equal(used, v):
        return tuple(float(x) for x in v), None
    cut = [i for i in range(n) if used[i] != v[i]]
    bounds = "; ".join(f"{problem.param_names[i]} {lo[i]:g} … {hi[i]:g}" for i in cut)
    point = tuple(float(x) for x in used)
    return point, Repair("start", given, "start.size", _point(point), (("bounds", bounds),))


def fit_axes(axes, problem: Problem, given: str | None = None) -> tuple[tuple | None, Repair | None]:
    """The slice axes the page uses for a link's ``axes`` (None: the problem's own), and the repair
    when that is not the link's."""
    if axes is None:
        return None, None
    given = shown(given if given is not None else f"{axes[0]},{axes[1]}")
    n = problem.n_params
    if n <= 2:  # the surface itself: x across, y up
        return None, (None if tuple(axes) == (0, 1) else Repair("axes", given, "axes.flat"))
    if max(axes) >= n:
        return None, Repair("axes", given, "axes.range", None, (("last", str(n - 1)),))
    return tuple(axes), None


def fit(cfg: PageConfig, problem: Problem, given: Mapping[str, str] | None = None):
    """``(cfg, repairs)``: the decoded link's start and axes as the page uses them on ``problem``
    (``given``: the link's own texts of them, quoted in the repairs)."""
    given = {k: str(v) for k, v in (given or {}).items() if v is not None}
    start, r1 = fit_start(cfg.start, problem, given.get("start"))
    axes, r2 = fit_axes(cfg.view.axes, problem, given.get("axes"))
    return replace(cfg, start=start, view=replace(cfg.view, axes=axes)), tuple(r for r in (r1, r2) if r)


# --- said -----------------------------------------------------------------------------------------
def _own(key: str, problem: Problem) -> str:
    """The problem's own start or axes, as a repair names what is used instead."""
    if key == "axes":
        return ", ".join(problem.param_names[a] for a in problem.axes)
    return _point(problem.start) if problem.n_params <= MAX_START_PARAMS else ""


def sentence(r: Repair, language: str, problem: Problem) -> str:
    """One repair as Markdown: every part that came from the link (or a file's names) literal."""
    used = r.used if r.used is not None else _own(r.key, problem)
    fields = {k: literal(v) for k, v in r.args}
    return text(language, f"repair.{r.why}", key=r.key, given=literal(r.given), used=literal(used), **fields)


def notice(items: Iterable, language: str, problem: Problem) -> str:
    """The link's notice: the values left out or replaced (plain names, one sentence) and every
    repair that says what was given and what is used (one line each)."""
    items = tuple(items)
    plain = [i for i in items if not isinstance(i, Repair)]
    said = [i for i in items if isinstance(i, Repair)]
    head = (
        text(language, "link.repaired", what=literal(", ".join(map(str, plain))))
        if plain
        else text(language, "repair.head")
    )
    return "\n\n".join([head, "\n".join(f"- {sentence(r, language, problem)}" for r in said)]).strip()


def nothing_to_draw(z: np.ndarray, losses: Sequence[np.ndarray], language: str) -> tuple[str, bool] | None:
    """What a chart would show empty, said: ``(sentence, nothing at all)``; None while the surface
    has a finite value and some run a path. A run starts where its loss is finite (the run refuses
    any other start), so it has no path when its loss is not finite from its first step on; a run
    stopped at its start (already below the threshold) has nothing to draw and is not empty."""
    no_surface = not np.isfinite(z).any()
    moved = [np.asarray(v, dtype=float)[1:] for v in losses if len(v) > 1]
    no_paths = bool(moved) and not any(np.isfinite(v).any() for v in moved)
    if not (no_surface or no_paths):
        return None
    if no_surface and no_paths:
        return text(language, "draw.nothing"), True
    return text(language, "draw.no_surface" if no_surface else "draw.no_paths"), False


__all__ = [
    "MAX_START_PARAMS",
    "Repair",
    "fit",
    "fit_axes",
    "fit_start",
    "nothing_to_draw",
    "notice",
    "sentence",
    "start_bounds",
]
