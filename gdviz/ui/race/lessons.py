"""Lessons: presets of the race page, each with a question to predict before pressing Play.

A lesson is data (problem, runs, steps, start, view); its words live in ``strings_lessons.py``
(``lesson.<key>.title/.intro/.question/.notice``). ``tests/ui/test_lessons.py`` runs every lesson and
checks that what it tells the student to notice actually happens.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gdviz.ui.specs import PageConfig, ProblemSpec, RunSpec, ViewSpec


@dataclass(frozen=True)
class Lesson:
    key: str
    problem: ProblemSpec
    runs: tuple[RunSpec, ...]
    steps: int = 300
    start: tuple[float, ...] | None = None
    view: dict = field(default_factory=dict)  # plane, x_axis, log_loss, excess, hold


LR = "linear_regression"
SYN = (("data", "synthetic"),)

LESSONS: tuple[Lesson, ...] = (
    Lesson(
        "article_valley",
        ProblemSpec(LR, (("data", "article"), ("loss", "half_mse"))),
        (RunSpec("gd", 0.05), RunSpec("gd", 0.05, variant="stochastic", seed=1)),
        steps=1000,
        start=(1.5, -1.0, 0.5),
        # The slice holds b at the star's value: held where run 1 ends, the minimum drawn on the
        # slice would be exactly run 1's end, and the lesson's answer false on screen.
        view={"plane": "slice", "hold": "minimum"},
    ),
    Lesson(
        "lr_sizes",
        ProblemSpec("quadratic", (("condition", 10.0), ("angle", 0.0))),
        (RunSpec("gd", 0.01), RunSpec("gd", 0.1), RunSpec("gd", 0.15), RunSpec("gd", 0.3)),
        steps=100,
    ),
    Lesson(
        "batch_sizes",
        ProblemSpec(LR, (*SYN, ("n", 100_000), ("noise", 0.5), ("seed", 0))),
        (
            RunSpec("gd", 0.3, variant="full"),
            RunSpec("gd", 0.3, variant="mini", batch_size=32),
            RunSpec("gd", 0.3, variant="stochastic"),
        ),
        steps=300,
        view={"x_axis": "epoch", "excess": True, "plane": "slice"},
    ),
    Lesson(
        "momentum_ravine",
        ProblemSpec("quadratic", (("condition", 100.0), ("angle", 30.0))),
        (
            RunSpec("gd", 0.015),
            RunSpec("momentum", 0.015, (("momentum", 0.9),)),
            RunSpec("momentum", 0.03, (("momentum", 0.7),)),
        ),
        steps=200,
    ),
    Lesson(
        "nesterov",
        ProblemSpec("quadratic", (("condition", 100.0), ("angle", 30.0))),
        # Nesterov's stability limit here is 2(1+μ)/((1+2μ)λ_max) ≈ 0.0136: stay below it
        (RunSpec("momentum", 0.01, (("momentum", 0.9),)), RunSpec("nesterov", 0.01, (("momentum", 0.9),))),
        steps=200,
    ),
    Lesson(
        "adaptive_scaling",
        ProblemSpec(LR, (*SYN, ("n", 1000), ("scale", 30.0), ("seed", 0))),
        (RunSpec("gd", 0.002), RunSpec("adagrad", 0.5), RunSpec("rmsprop", 0.05), RunSpec("adam", 0.1)),
        steps=300,
        view={"plane": "slice"},
    ),
    Lesson(
        "saddle",
        ProblemSpec("saddle"),
        (RunSpec("gd", 0.05), RunSpec("momentum", 0.05, (("momentum", 0.9),)), RunSpec("adam", 0.05)),
        steps=200,
        # loss − minimum on the log axis: the saddle's loss (0) sits 0.25 above the minima (−0.25),
        # so the plateau the lesson speaks of is a flat stretch there; the raw loss goes negative
        # and would need a linear axis, where the plateau and the escape are hard to see.
        view={"excess": True},
    ),
    Lesson(
        "local_minima",
        ProblemSpec("rastrigin"),
        (RunSpec("gd", 0.01), RunSpec("momentum", 0.01, (("momentum", 0.9),)), RunSpec("adam", 0.1)),
        steps=300,
    ),
    Lesson(
        "schedules",
        ProblemSpec(LR, (*SYN, ("n", 10_000), ("noise", 1.0), ("seed", 0))),
        (
            RunSpec("gd", 0.05, variant="stochastic"),
            RunSpec(
                "gd",
                0.05,
                variant="stochastic",
                schedule="step",
                schedule_opts=(("step_size", 250), ("gamma", 0.3)),
            ),
            RunSpec(
                "gd",
                0.05,
                variant="stochastic",
                schedule="cosine",
                schedule_opts=(("warmup", 0), ("min_factor", 0.0)),
            ),
            RunSpec(
                "gd", 0.05, variant="stochastic", schedule="inverse_time", schedule_opts=(("decay", 0.02),)
            ),
        ),
        steps=1000,
        view={"excess": True, "plane": "slice"},
    ),
    Lesson(
        "budget",
        ProblemSpec(LR, (*SYN, ("n", 10_000), ("noise", 0.5), ("seed", 0))),
        (
            RunSpec("gd", 0.3, variant="full"),
            RunSpec("gd", 0.3, variant="mini", batch_size=10),
            RunSpec("gd", 0.1, variant="stochastic"),
        ),
        steps=300,
        view={"x_axis": "epoch", "excess": True, "plane": "slice"},
    ),
)

BY_KEY = {lesson.key: lesson for lesson in LESSONS}


def slice_center(key: str | None, problem) -> tuple[float, ...] | None:
    """Where lesson ``key``'s slice holds the parameters it does not draw: the problem's first
    minimum if the lesson asks for it (``view["hold"] == "minimum"``), else None (the page's usual
    slice, held at the end of run 1)."""
    lesson = BY_KEY.get(key or "")
    if lesson is None or lesson.view.get("hold") != "minimum" or not len(problem.minima):
        return None
    return tuple(float(v) for v in problem.minima[0])


def config(key: str) -> tuple[PageConfig, bool]:
    """What lesson ``key`` loads (its problem, runs, steps, start and view) and whether it shows the
    loss above the minimum; the page (``state.lesson_state``) and the exports read lessons here."""
    lesson = BY_KEY[key]
    view = dict(lesson.view)
    cfg = PageConfig(
        problem=lesson.problem,
        runs=lesson.runs,
        steps=lesson.steps,
        start=lesson.start,
        view=ViewSpec(
            plane=view.get("plane") or lesson.problem.default_plane,
            x_axis=view.get("x_axis", "step"),
            log_loss=view.get("log_loss", True),
        ),
    )
    return cfg, bool(view.get("excess", False))
