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
    RULE_CONTROLS,
    SCHEDULE_CONTROLS,
    SCHEDULES,
    STEPS_MAX,
    VARIANTS,
    Control,
    PageConfig,
    ProblemSpec,
    RunSpec,
    ViewSpec,
)


def _value(c: Control):
    if c.kind == "bool":
        return st.booleans()
    if c.kind == "choice":
        return st.sampled_from(c.choices)
    if c.kind == "int":
        return st.integers(int(c.lo), int(c.hi))
    if c.log:
        return st.sampled_from((0.0, 1e-12, 1e-10, 1e-8, 1e-6, 1e-4, 1e-2))
    return (
        st.floats(c.lo, c.hi, allow_nan=False)
        .map(lambda v: float(f"{v:.6g}"))
        .filter(lambda v: c.lo <= v <= c.hi)
    )


@st.composite
def run_specs(draw):
    rule = draw(st.sampled_from(sorted(RULE_CONTROLS)))
    hyper = tuple((c.key, draw(_value(c))) for c in RULE_CONTROLS[rule])
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
        assert r.rule in RULE_CONTROLS and r.lr in LR_GRID and r.variant in VARIANTS
        assert r.schedule in SCHEDULES and 0 <= r.seed <= 10_000 and r.batch_size >= 1
        for c in RULE_CONTROLS[r.rule]:
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
    if text == "" and key in ("steps",):
        return  # an empty value is no value: the default, nothing to report
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
