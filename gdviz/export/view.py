"""The race page's view of a share link, built without Streamlit: problem, runs, 2-D view, labels.

``race_view(link)`` takes a full URL or just its ``?query`` and follows the page step by step: the
link is decoded by the page's own codec (``gdviz.ui.race.links``, which repairs what it cannot use
and lists it), a lesson link loads its lesson (``lessons.config``), the view is refined by the
problem as the page's ``state.read_view`` does, runs and the surface go through the same tasks a
worker runs (``gdviz.serve.tasks``, with ``gdviz.ui.race.pipeline``'s arguments), and the texts come
from the page's tables in the link's language. ``RaceView.figure()`` is the page's race figure.

``read_link(link)`` is the part before any work (the link decoded, the problem built): what a
caller estimates and budgets before it calls ``race_view`` (``gdviz render`` through
``gdviz.export.plan``; the page's downloads through ``gdviz.ui.work``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from urllib.parse import parse_qs, urlencode, urlsplit

import numpy as np

from gdviz.figures.paths import frame_steps
from gdviz.figures.race import RunTrace, race_figure
from gdviz.figures.spec import SpecFigure
from gdviz.figures.style import PALETTE
from gdviz.geometry.projection import View
from gdviz.problems.base import Problem
from gdviz.serve import tasks
from gdviz.train import Record
from gdviz.ui.i18n import figure_labels, text
from gdviz.ui.race import lessons, links, pipeline, repairs
from gdviz.ui.specs import SPEEDS, PageConfig, ProblemSpec, RunSpec, momentum_suffix

# The formula the page shows when a link names the formula problem without one (ui.race.state).
DEFAULT_FORMULA = "(1 - x)^2 + 100*(y - x^2)^2"
LESSON_LINK_KEYS = ("lesson", "lang", "hide", "projector", "embed", "embed_options")  # as ui.race.state

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class RunResult:
    """One raced run as the page lists it: its label and colour, spec, record or refusal."""

    label: str
    color: str
    spec: RunSpec
    record: Record | None
    error: str | None = None


@dataclass(frozen=True)
class RaceView:
    """Everything the race page draws for one link (its contour panel)."""

    config: PageConfig
    lang: str
    lesson: str | None
    query: str  # the link's state, re-encoded (what the page's share box would show)
    problem: Problem
    runs: tuple[RunResult, ...]
    view: View
    traces: tuple[RunTrace, ...]
    labels: Mapping[str, str]
    shift: float  # subtracted from the losses drawn ("loss − minimum")
    repairs: tuple[str, ...] = field(default=())  # what the link asked that was not used as written

    @property
    def drawn(self) -> tuple[RunResult, ...]:
        """The runs that have a record (those drawn; refused runs are listed in ``runs`` only)."""
        return tuple(r for r in self.runs if r.record is not None)

    @property
    def records(self) -> tuple[Record, ...]:
        return tuple(r.record for r in self.drawn)

    @property
    def total_steps(self) -> int:
        return max((len(t.loss) - 1 for t in self.traces), default=0)

    def frame_steps(self, frames: int | None = None) -> np.ndarray:
        """The step each animation frame shows (the figure's frames for ``frames=None``)."""
        return frame_steps(self.total_steps, self.config.view.frames if frames is None else frames)

    def title(self) -> str:
        return text(self.lang, f"problem.{self.config.problem.name}")

    def loss_x_title(self) -> str:
        return text(self.lang, f"x_axis.{self.config.view.x_axis}")

    def loss_title(self) -> str:
        return text(self.lang, "view.excess") if self.shift else self.labels["loss"]

    def figure(self, *, height: int = 560) -> SpecFigure:
        """The page's race figure of this view (``gdviz.figures.race.race_figure``, same arguments)."""
        v = self.config.view
        return race_figure(
            self.view.surface,
            list(self.traces),
            window=self.view.window,
            minima=self.view.minima,
            minima_off=self.view.minima_off,
            frames=v.frames,
            frame_ms=SPEEDS[v.speed],
            log_loss=v.log_loss,
            axis_titles=self.view.axis_titles,
            loss_x_title=self.loss_x_title(),
            loss_title=text(self.lang, "view.excess") if self.shift else None,
            labels=self.labels,
            height=height,
        )

    @property
    def link(self) -> str:
        return "?" + self.query


def query_params(link: str) -> dict[str, str | list[str]]:
    """The parameters of a link (a full URL, ``?query`` or a bare ``a=b&c=d``) as the page reads
    ``st.query_params``: ``run`` as a list, any other key's last value."""
    if not isinstance(link, str):
        raise ValueError(f"link must be a URL or its query string, got {type(link).__name__}")
    s = link.strip()
    query = urlsplit(s).query if ("?" in s or "://" in s) else s
    if "=" not in query:
        raise ValueError(f"link must carry a query string (…?problem=…&run=…), got {s[:80]!r}")
    raw = parse_qs(query, keep_blank_values=True)
    return {k: (v if k == "run" else v[-1]) for k, v in raw.items()}


def run_label(i: int, spec: RunSpec, has_data: bool, lang: str) -> str:
    """A run's name in ``lang``: the one the page (ui.race.page.run_label) and the exports show."""
    label = f"{i + 1}. {text(lang, f'rule.{spec.rule}')} α={spec.lr:g}{momentum_suffix(spec)}"
    if has_data:
        label += f" · {text(lang, f'variant.{spec.variant}.short')}"
        if spec.variant == "mini":
            label += f" b={spec.batch_size}"
    return label


def _refine(cfg: PageConfig, problem: Problem) -> tuple[PageConfig, tuple[str, ...]]:
    """What the page makes of a decoded config once the problem is built (``state.fit_link``, then
    ``state.read``): the start and axes as ``repairs.fit`` judges them (a start of the wrong length
    not used, one beyond the chart brought in), the view's plane; and the keys it repaired."""
    cfg, fixed = repairs.fit(cfg, problem)
    v = cfg.view
    flat = problem.n_params <= 2
    view = replace(
        v,
        axes=None if flat else v.axes,
        plane="slice" if flat else v.plane,
        x_axis=v.x_axis if problem.has_data else "step",
    )
    return replace(cfg, view=view), tuple(r.key for r in fixed)


def _problem_spec(spec: ProblemSpec) -> ProblemSpec:
    if spec.name == "formula" and "expr" not in dict(spec.options):
        return ProblemSpec("formula", (*spec.options, ("expr", DEFAULT_FORMULA)))
    return spec


def _decode(params: Mapping) -> tuple[PageConfig, str, str | None, bool, tuple[str, ...]]:
    """(config, language, lesson, excess, repairs) of a link, as ``state.load_link_once`` loads it."""
    decoded = links.decode(params)
    repairs = decoded.ignored
    if decoded.lesson and "run" not in params:
        cfg, excess = lessons.config(decoded.lesson)
        repairs += tuple(k for k in params if k not in LESSON_LINK_KEYS)
        return cfg, decoded.lang, decoded.lesson, excess, tuple(dict.fromkeys(repairs))
    cfg = replace(decoded.config, problem=_problem_spec(decoded.config.problem))
    return cfg, decoded.lang, decoded.lesson, decoded.excess, repairs


@dataclass(frozen=True)
class LinkRead:
    """A link as the page loads it, before any run: its config (refined by the problem), language,
    lesson, the problem itself and what was not used as written."""

    config: PageConfig
    lang: str
    lesson: str | None
    excess: bool
    problem: Problem
    repairs: tuple[str, ...] = field(default=())

    @property
    def keep(self) -> int | None:
        """How the runs' records are kept (``pipeline.keep_for``): thinned for a large model."""
        return pipeline.keep_for(self.problem, self.config.steps)


def read_link(link: str) -> LinkRead:
    """``link`` decoded and its problem built, nothing run. Raises ValueError for a link without the
    page's state or a formula the problem refuses (the message says which)."""
    params = query_params(link)
    if not links.is_link(params):
        raise ValueError(
            "link must carry the race page's state (problem=, run=, lesson= or steps=), "
            f"got the keys {sorted(params)}"
        )
    cfg, lang, lesson, excess, repairs = _decode(params)
    problem = pipeline.get_problem(cfg.problem)  # ValueError (a FormulaError too) says what is wrong
    cfg, fixed = _refine(cfg, problem)
    return LinkRead(cfg, lang, lesson, excess, problem, tuple(dict.fromkeys((*repairs, *fixed))))


def race_view(link: str | LinkRead, *, progress: Progress | None = None) -> RaceView:
    """The race page's view of ``link`` (or of a link already read). Raises ValueError as
    ``read_link`` does, and when no run could be drawn (every message says which)."""
    read = link if isinstance(link, LinkRead) else read_link(link)
    cfg, lang, lesson, excess, repairs = read.config, read.lang, read.lesson, read.excess, read.repairs
    problem = read.problem
    report = (lambda f: progress(round(1000 * f), 1000)) if progress else None
    part_runs, part_view = tasks.split_progress(report or (lambda f: None), [cfg.steps * len(cfg.runs), 1])
    keep = read.keep
    found = tasks.run_inline(
        "runs",
        {
            "recipe": pipeline.recipe(cfg.problem),
            "runs": [pipeline.run_args(r, problem, cfg, keep) for r in cfg.runs],
        },
        part_runs,
    )
    results = tuple(
        RunResult(run_label(i, spec, problem.has_data, lang), PALETTE[i % len(PALETTE)], spec, rec, err)
        for i, (spec, (rec, err)) in enumerate(zip(cfg.runs, found, strict=True))
    )
    ok = [r for r in results if r.record is not None]
    if not ok:
        raise ValueError(
            "the link's runs must run, got only refusals: " + "; ".join(r.error for r in results)
        )
    view = tasks.run_inline(
        "view",
        {
            "recipe": pipeline.recipe(cfg.problem),
            "paths": [np.ascontiguousarray(r.record.params, dtype=float) for r in ok],
            "diverged": [r.record.diverged is not None for r in ok],
            "kind": cfg.view.plane,
            "axes": cfg.view.axes,
            "resolution": pipeline.view_resolution(problem),
            "center": lessons.slice_center(lesson, problem),
        },
        part_view,
    )
    shift = problem.min_loss if (excess and problem.min_loss is not None) else 0.0
    traces = tuple(
        RunTrace(
            r.label,
            r.color,
            xy,
            r.record.loss - shift,
            (r.record.batch_loss - shift) if r.record.batch_size is not None else None,
            r.record.epoch if cfg.view.x_axis == "epoch" else None,
            r.record.param_steps,
        )
        for r, xy in zip(ok, view.paths, strict=True)
    )
    state = links.LinkState(config=cfg, lang=lang, lesson=lesson, excess=excess)
    part_view(1.0)
    return RaceView(
        config=cfg,
        lang=lang,
        lesson=lesson,
        query=urlencode(links.encode(state), doseq=True),
        problem=problem,
        runs=results,
        view=view,
        traces=traces,
        labels=figure_labels(lang),
        shift=float(shift),
        repairs=repairs,
    )


__all__ = ["LinkRead", "RaceView", "RunResult", "query_params", "race_view", "read_link", "run_label"]
