"""Share links: every valid page state survives the round trip; no link, however tampered, breaks
the decoder or slips an out-of-range value through."""

import math
from urllib.parse import parse_qs, urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gdviz.ui import linkcodec
from gdviz.ui.race import links
from gdviz.ui.race.lessons import BY_KEY
from gdviz.ui.specs import (
    FRAMES_CHOICES,
    LR_GRID,
    MAX_RUNS_RACE,
    PROBLEM_CONTROLS,
    SCHEDULE_CONTROLS,
    SCHEDULES,
    STEPS_MAX,
    VARIANTS,
    Control,
    PageConfig,
    ProblemSpec,
    RunSpec,
    ViewSpec,
    log_choices,
    rule_controls,
    rules,
)


def _value(c: Control):
    if c.kind == "bool":
        return st.booleans()
    if c.kind == "choice":
        return st.sampled_from(c.choices)
    if c.kind == "int":
        return st.integers(int(c.lo), int(c.hi))
    if c.log:
        return st.sampled_from(log_choices(c))
    return (
        st.floats(c.lo, c.hi, allow_nan=False)
        .map(lambda v: float(f"{v:.6g}"))
        .filter(lambda v: c.lo <= v <= c.hi)
    )


@st.composite
def run_specs(draw):
    rule = draw(st.sampled_from(sorted(rules())))
    hyper = tuple((c.key, draw(_value(c))) for c in rule_controls(rule))
    sched = draw(st.sampled_from(SCHEDULES))
    sopts = tuple((c.key, draw(_value(c))) for c in SCHEDULE_CONTROLS[sched])
    variant = draw(st.sampled_from(VARIANTS))
    return RunSpec(
        rule=rule,
        lr=draw(st.sampled_from(LR_GRID)),
        hyper=hyper,
        variant=variant,
        # the batch size is part of the state only for mini-batches (the link omits it otherwise)
        batch_size=draw(st.integers(1, 5000)) if variant == "mini" else 2,
        schedule=sched,
        schedule_opts=sopts,
        seed=draw(st.integers(0, 10_000)),
    )


@st.composite
def states(draw):
    name = draw(
        st.sampled_from(
            ["quadratic", "rosenbrock", "himmelblau", "logistic_regression", "linear_regression", "mlp"]
        )
    )
    opts = []
    for c in PROBLEM_CONTROLS.get(name, ()):
        if draw(st.booleans()):
            opts.append((c.key, draw(_value(c))))
    if name == "linear_regression":
        opts = [("data", "synthetic"), *[(k, v) for k, v in opts if k != "data"]]
    runs = tuple(draw(st.lists(run_specs(), min_size=1, max_size=MAX_RUNS_RACE)))
    n_params = {
        "quadratic": 2,
        "rosenbrock": 2,
        "himmelblau": 2,
        "logistic_regression": 3,
        "linear_regression": 3,
    }
    start = None
    if name in n_params and draw(st.booleans()):
        start = tuple(
            draw(
                st.lists(
                    st.integers(-1000, 1000).map(lambda v: v / 8),
                    min_size=n_params[name],
                    max_size=n_params[name],
                )
            )
        )
    view = ViewSpec(
        frames=draw(st.sampled_from(FRAMES_CHOICES)),
        log_loss=draw(st.booleans()),
        x_axis=draw(st.sampled_from(("step", "epoch"))),
        plane=draw(st.sampled_from(("slice", "pca"))),
    )
    cfg = PageConfig(
        problem=ProblemSpec(name, tuple(opts)),
        runs=runs,
        steps=draw(st.integers(1, STEPS_MAX // 10)) * 10,
        stop_loss=draw(st.one_of(st.none(), st.sampled_from((1e-6, 0.001, 0.5)))),
        start=start,
        view=view,
    )
    return links.LinkState(
        cfg,
        lang=draw(st.sampled_from(("en", "zh"))),
        lesson=draw(st.one_of(st.none(), st.sampled_from(sorted(BY_KEY)))),
        hide=tuple(draw(st.lists(st.sampled_from(links.HIDEABLE), unique=True, max_size=3))),
        excess=draw(st.booleans()),
        projector=draw(st.booleans()),
    )


def _through_url(q: dict) -> dict:
    """What a browser hands back: the query string parsed again (repeated keys → lists)."""
    parsed = parse_qs(urlencode(q, doseq=True), keep_blank_values=True)
    return {k: (v if k == "run" else v[0]) for k, v in parsed.items()}


def _canonical_problem(spec: ProblemSpec) -> ProblemSpec:
    return ProblemSpec(spec.name, tuple(sorted(spec.options)))


@settings(max_examples=150, deadline=None)
@given(states())
def test_round_trip_keeps_the_whole_state(state):
    back = links.decode(_through_url(links.encode(state)))
    assert back.ignored == ()
    assert _canonical_problem(back.config.problem) == _canonical_problem(state.config.problem)
    assert back.config.runs == state.config.runs
    assert back.config.steps == state.config.steps
    assert back.config.stop_loss == state.config.stop_loss
    assert back.config.start == state.config.start
    assert back.config.view == state.config.view
    assert (back.lang, back.lesson, back.hide, back.excess, back.projector) == (
        state.lang,
        state.lesson,
        state.hide,
        state.excess,
        state.projector,
    )


junk = st.text(max_size=60)
keys = st.sampled_from(
    [
        "problem",
        "run",
        "steps",
        "stop",
        "start",
        "view",
        "axes",
        "frames",
        "log",
        "x",
        "lang",
        "lesson",
        "hide",
        "excess",
        "projector",
        "condition",
        "n",
        "expr",
        "data",
        "momentum",
        "zzz",
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(keys, st.one_of(junk, st.lists(junk, max_size=9)), max_size=12))
def test_garbage_never_breaks_the_decoder_and_is_clamped(params):
    state = links.decode(params)
    cfg = state.config
    assert 1 <= len(cfg.runs) <= MAX_RUNS_RACE
    assert 10 <= cfg.steps <= STEPS_MAX
    for r in cfg.runs:
        assert r.rule in rules() and r.lr in LR_GRID and r.variant in VARIANTS
        assert r.schedule in SCHEDULES and 0 <= r.seed <= 10_000 and r.batch_size >= 1
        for c in rule_controls(r.rule):
            v = dict(r.hyper).get(c.key, c.default)
            if c.kind in ("float", "int"):
                assert c.lo <= v <= c.hi
    for k, v in cfg.problem.options:
        c = {c.key: c for c in PROBLEM_CONTROLS.get(cfg.problem.name, ())}.get(k)
        if c is not None and c.kind in ("float", "int"):
            assert c.lo <= v <= c.hi and math.isfinite(v)
    assert cfg.view.frames in FRAMES_CHOICES
    assert state.lang in ("en", "zh") and set(state.hide) <= set(links.HIDEABLE)
    assert state.lesson is None or state.lesson in BY_KEY


def test_tampered_values_are_replaced_and_reported():
    state = links.decode(
        {
            "problem": "quadratic",
            "condition": "1e9",
            "run": ["adam,1e9,momentum=2", "__import__,1", "gd,nan,mini:0", "sgd,0.1"],
            "steps": "-5",
            "lang": "fr",
            "hide": "everything",
            "start": "1,inf",
        }
    )
    cfg = state.config
    assert dict(cfg.problem.options)["condition"] == 1000.0  # clamped to the control's maximum
    assert cfg.runs[0].rule == "adam" and cfg.runs[0].lr == LR_GRID[-1]
    assert len(cfg.runs) == 2  # "__import__" and "sgd" are not rules of the page
    assert cfg.runs[1].lr == 0.01 and cfg.runs[1].variant == "full"
    assert cfg.steps == 10 and state.lang == "en" and state.hide == () and cfg.start is None
    for word in ("condition", "steps", "lang", "hide", "start", "run adam: momentum", "run gd: mini:0"):
        assert any(word in w for w in state.ignored), (word, state.ignored)


def test_a_formula_in_a_link_is_only_text():
    state = links.decode({"problem": "formula", "expr": "__import__('os').system('echo hi')"})
    assert state.config.problem.options == (("expr", "__import__('os').system('echo hi')"),)
    long = links.decode({"problem": "formula", "expr": "x" * 5000})
    assert long.config.problem.options == ()  # refused outright, the page falls back to its default


def test_csv_cannot_be_linked():
    state = links.decode({"problem": "csv"})
    assert state.config.problem.name == "linear_regression" and "problem=csv" in state.ignored[0]


def test_projector_mode_travels_alone_and_a_tampered_value_is_reported():
    on = links.decode({"projector": "1"})
    assert links.is_link({"projector": "1"}) and on.projector and on.ignored == ()
    assert links.encode(on)["projector"] == "1"
    assert "projector" not in links.encode(links.decode({"problem": "saddle"}))  # off: not written
    for bad in ("2", "yes", "1" * 400):
        back = links.decode({"problem": "saddle", "projector": bad})
        assert not back.projector and any(w.startswith("projector") for w in back.ignored), bad


def test_bare_url_is_not_a_link():
    assert not links.is_link({}) and not links.is_link({"lang": "zh"}) and links.is_link({"lesson": "saddle"})


# --- every repair is reported ---------------------------------------------------------------------------
LONG = "9" * (linkcodec.MAX_VALUE_CHARS + 1)


@pytest.mark.parametrize(
    ("params", "reported", "check"),
    [
        ({"problem": "quadratic", "run": "gd,1e308"}, "run gd: lr 1e308", lambda s: s.config.runs[0].lr == 10),
        ({"problem": "quadratic", "run": "gd,0.0123"}, "run gd: lr 0.0123", lambda s: s.config.runs[0].lr in LR_GRID),
        ({"problem": "quadratic", "stop": "1e300"}, "stop", lambda s: s.config.stop_loss == links.STOP_MAX),
        ({"problem": "quadratic", "stop": "-1"}, "stop", lambda s: s.config.stop_loss is None),
        ({"problem": "quadratic", "steps": "15"}, "steps", lambda s: s.config.steps == 20),
        ({"problem": "quadratic", "steps": "1e9"}, "steps", lambda s: s.config.steps == STEPS_MAX),
        ({"problem": "quadratic", "steps": LONG}, f"steps={LONG[:39]}…", lambda s: s.config.steps == 300),
        ({"problem": "quadratic", "frames": "7"}, "frames", lambda s: s.config.view.frames == 50),
        ({"problem": "linear_regression", "data": "synthetic", "run": "gd,0.01,mini:1e9"}, "run gd: mini:1e9",
         lambda s: s.config.runs[0].batch_size == 10**6),
        ({"problem": "linear_regression", "data": "synthetic", "run": "gd,0.01,mini:2.5"}, "run gd: mini:2.5",
         lambda s: s.config.runs[0].batch_size == 2),
        ({"problem": "quadratic", "run": "gd,0.01,seed=1e9"}, "run gd: seed=1e9", lambda s: s.config.runs[0].seed == 10_000),
        ({"problem": "quadratic", "run": "gd,0.01,seed=2.5"}, "run gd: seed=2.5", lambda s: s.config.runs[0].seed == 2),
        ({"problem": "quadratic", "log": "2"}, "log", lambda s: s.config.view.log_loss),
        ({"problem": "quadratic", "excess": "yes"}, "excess", lambda s: not s.excess),
        ({"problem": "quadratic", "zzz": "1"}, "zzz", lambda s: True),
        ({"problem": "rosenbrock", "condition": "100"}, "condition", lambda s: s.config.problem.options == ()),
        ({"problem": "linear_regression", "n": "500"}, "n", lambda s: s.config.problem.options == ()),
        ({"problem": "formula", "expr": "x" * 301}, f"expr={'x' * 39}…", lambda s: s.config.problem.options == ()),
        ({"problem": "quadratic", "run": ["gd,0.01", "gd," + LONG]}, f"run=gd,{LONG[:36]}…",
         lambda s: len(s.config.runs) == 1),
        ({"problem": "quadratic", "run": "gd,0.01,momentum=0.5"}, "run gd: momentum", lambda s: True),
    ],
)  # fmt: skip
def test_every_repair_is_reported(params, reported, check):
    state = links.decode(params)
    assert reported in state.ignored, state.ignored
    assert check(state)


def test_values_used_as_written_are_not_reported():
    state = links.decode(
        {
            "problem": "quadratic",
            "condition": "100",
            "steps": "2e2",
            "stop": "0.001",
            "run": "gd,5e-2",
            "log": "1",
        }
    )
    assert state.ignored == ()
    assert state.config.steps == 200 and state.config.runs[0].lr == 0.05 and state.config.stop_loss == 0.001


_NUMBER_TEXT = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-(10**12), 10**12).map(str),
    st.sampled_from(["", "1e308", "-0", "nan", "inf", "1_000", " 7", "0x10", "2.50"]),
)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["steps", "stop", "frames", "condition", "angle"]), _NUMBER_TEXT)
def test_a_number_is_used_as_written_or_reported(key, text):
    state = links.decode({"problem": "quadratic", key: text})
    cfg = state.config
    used = {
        "steps": cfg.steps,
        "stop": cfg.stop_loss,
        "frames": cfg.view.frames,
        "condition": dict(cfg.problem.options).get("condition"),
        "angle": dict(cfg.problem.options).get("angle"),
    }[key]
    try:
        written = float(text)
    except ValueError:
        written = None
    if used is None or written is None or used != written:
        assert any(w == key or w.startswith(f"{key}=") for w in state.ignored), (
            key,
            text,
            used,
            state.ignored,
        )


@settings(max_examples=200, deadline=None)
@given(_NUMBER_TEXT)
def test_a_learning_rate_is_used_as_written_or_reported(text):
    state = links.decode({"problem": "quadratic", "run": f"gd,{text}"})
    lr = state.config.runs[0].lr
    try:
        written = float(text)
    except ValueError:
        written = None
    if written != lr:
        assert any(w.startswith("run gd: lr") for w in state.ignored), (text, lr, state.ignored)


def test_a_csv_page_address_is_reported_once():
    state = links.decode(
        {"problem": "csv", "sha": "ab12", "target": "y", "features": "x", "task": "regression"}
    )
    assert state.ignored == ("problem=csv",)


@pytest.mark.parametrize(
    ("page", "want"),
    [
        ("http://localhost:8501", "http://localhost:8501/?problem=saddle"),
        ("http://localhost:8501/", "http://localhost:8501/?problem=saddle"),
        ("https://gd.example.org/?lesson=saddle&lang=zh", "https://gd.example.org/?problem=saddle"),
        ("https://gd.example.org/app/sweeps?x=1#top", "https://gd.example.org/app/sweeps?problem=saddle"),
        ("", "?problem=saddle"),
    ],
)
def test_the_share_link_has_a_slash_before_its_query(page, want):
    from gdviz.ui.race.links import share_url

    assert share_url(page, "problem=saddle") == want


# --- repairs that depend on the problem (``repairs.fit``) and how every repair is said ---------------
def _fit(params: dict):
    from gdviz.ui.race import repairs
    from gdviz.ui.race.pipeline import get_problem

    state = links.decode(params)
    problem = get_problem(state.config.problem)
    cfg, found = repairs.fit(state.config, problem, params)
    return state, problem, cfg, found


@pytest.mark.parametrize(
    ("params", "why"),
    [
        ({"problem": "rosenbrock", "start": "1"}, "start.length"),
        ({"problem": "rosenbrock", "start": "1,2,3"}, "start.length"),
        ({"problem": "rosenbrock", "start": ",".join(["1"] * 150)}, "start.length"),  # 299 characters
        ({"problem": "rosenbrock", "start": "1e6,-1e6,5"}, "start.length"),
        ({"problem": "linear_regression", "start": "1,2"}, "start.length"),
        ({"problem": "mlp", "start": "1,2"}, "start.many"),
    ],
)
def test_a_start_of_the_wrong_length_is_not_used_and_said(params, why):
    state, _problem, cfg, found = _fit(params)
    assert state.config.start is not None and state.said == ()  # numbers: the problem judges them
    assert cfg.start is None  # the problem's own start
    (r,) = found
    assert (r.key, r.why) == ("start", why)
    assert r.given == linkcodec.shown(params["start"]) and len(r.given) <= linkcodec.SHOWN_CHARS


def test_a_start_beyond_what_the_chart_can_show_is_brought_in_and_said():
    import numpy as np

    from gdviz.geometry.projection import auto_window
    from gdviz.ui.race import repairs

    _state, problem, cfg, found = _fit({"problem": "rosenbrock", "start": "1e6,-1e6"})
    # the default window (−2 … 2) × (−1 … 3) grown by four widths each side: as far as a view grows
    assert cfg.start == (18.0, -17.0)
    (r,) = found
    assert (r.why, r.given, r.used) == ("start.size", "1e6,-1e6", "(18, -17)")
    assert "x -18 … 18" in dict(r.args)["bounds"] and "y -17 … 19" in dict(r.args)["bounds"]
    (x0, x1), (y0, y1) = auto_window(problem.window, [np.array([cfg.start])])
    assert x0 <= 18 <= x1 and y0 <= -17 <= y1  # the chart shows where the runs start
    # inside, a start is used as written
    same, found = repairs.fit_start((17.5, -16.0), problem)
    assert same == (17.5, -16.0) and found is None


@pytest.mark.parametrize("name", [p for p in links.LINKABLE])
def test_every_problems_own_start_and_lesson_starts_lie_within_the_bounds(name):
    import numpy as np

    from gdviz.ui.race import lessons, repairs
    from gdviz.ui.race.lessons import LESSONS
    from gdviz.ui.race.pipeline import get_problem

    problem = get_problem(ProblemSpec(name))
    lo, hi = repairs.start_bounds(problem)
    assert np.all(lo <= problem.start) and np.all(problem.start <= hi) and np.all(lo < hi)
    for lesson in LESSONS:
        cfg = lessons.config(lesson.key)[0]
        if cfg.problem.name == name and cfg.start is not None:
            assert repairs.fit_start(cfg.start, get_problem(cfg.problem))[1] is None, lesson.key


@pytest.mark.parametrize(
    ("params", "why", "used"),
    [
        ({"problem": "booth", "axes": "5,7"}, "axes.flat", None),
        ({"problem": "booth", "axes": "1e15,0"}, "axes.flat", None),
        ({"problem": "mlp", "axes": "33,34"}, "axes.range", None),
        ({"problem": "mlp", "axes": "1e15,0"}, "axes.range", None),
        ({"problem": "linear_regression", "axes": "0,3"}, "axes.range", None),
    ],
)
def test_axes_outside_the_parameters_are_not_used_and_said(params, why, used):
    _state, _problem, cfg, found = _fit(params)
    assert cfg.view.axes is None  # the problem's own
    (r,) = found
    assert (r.key, r.why, r.given, r.used) == ("axes", why, params["axes"], used)


def test_axes_inside_the_parameters_are_used_as_written():
    state, _problem, cfg, found = _fit({"problem": "mlp", "axes": "3,7"})
    assert cfg.view.axes == (3, 7) and found == () and state.ignored == ()


@pytest.mark.parametrize(
    ("params", "key", "why", "used"),
    [
        ({"problem": "quadratic", "steps": ""}, "steps", "empty", "300"),
        ({"problem": "quadratic", "steps": "  "}, "steps", "empty", "300"),
        ({"problem": "quadratic", "steps": "many"}, "steps", "number", "300"),
        ({"problem": "quadratic", "steps": "15"}, "steps", "steps.range", "20"),
        ({"problem": "quadratic", "steps": "1e9"}, "steps", "steps.range", str(STEPS_MAX)),
        ({"problem": "quadratic", "start": ""}, "start", "start.numbers", None),
        ({"problem": "quadratic", "start": "1,inf"}, "start", "start.numbers", None),
        ({"problem": "quadratic", "axes": "1"}, "axes", "axes.bad", None),
        ({"problem": "quadratic", "axes": "2,2"}, "axes", "axes.bad", None),
    ],
)
def test_the_decoder_says_what_was_given_and_what_is_used(params, key, why, used):
    state = links.decode(params)
    (r,) = state.said
    assert (r.key, r.why, r.given, r.used) == (key, why, params[key], used)
    assert key in state.ignored  # the bare name too, for whoever lists only names (the command line)
    assert state.repairs == (r,)  # the page's notice says it once, with its values
    if key == "steps":
        assert state.config.steps == int(used)


REPAIR_CASES = [
    {"problem": "rosenbrock", "start": "1"},
    {"problem": "rosenbrock", "start": "1e6,-1e6"},
    {"problem": "mlp", "start": "1,2"},
    {"problem": "booth", "axes": "5,7"},
    {"problem": "mlp", "axes": "33,34"},
    {"problem": "quadratic", "steps": ""},
    {"problem": "quadratic", "steps": "15"},
    {"problem": "quadratic", "steps": "x"},
    {"problem": "quadratic", "start": "a,b"},
    {"problem": "linear_regression", "axes": "1,1"},
]


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("params", REPAIR_CASES, ids=lambda p: "&".join(f"{k}={v}" for k, v in p.items()))
def test_every_repair_is_a_sentence_in_both_languages(params, lang):
    from gdviz.ui.i18n import EN, ZH
    from gdviz.ui.race import repairs
    from gdviz.ui.text import literal

    state, problem, _cfg, found = _fit(params)
    said = (*state.said, *found)
    assert said
    for r in said:
        assert f"repair.{r.why}" in EN and f"repair.{r.why}" in ZH
        line = repairs.sentence(r, lang, problem)
        assert "{" not in line and literal(r.given) in line
    text = repairs.notice(state.repairs + found, lang, problem)
    assert text.startswith((EN if lang == "en" else ZH)["repair.head"])
    assert text.count("\n- ") == len(said)


def test_a_notice_shows_link_text_literally():
    from gdviz.ui.race import repairs
    from gdviz.ui.race.pipeline import get_problem

    image = "![x](http://evil.example/a.png)"
    state = links.decode({"problem": "quadratic", "start": image, "zzz": "1"})
    text = repairs.notice(state.repairs, "en", get_problem(state.config.problem))
    assert "![x]" not in text and "http://" not in text and "zzz" in text
