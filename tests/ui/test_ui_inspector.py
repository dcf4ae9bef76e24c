"""The step inspector section in Streamlit's AppTest, called the way the main page calls it.

A small script (``_page``) builds a problem, runs a race of RunSpecs as the page does, builds the
view and calls ``inspector.render`` with a loader giving them, as the main page does.
"""

from __future__ import annotations

import numpy as np
import pytest
from apptest_support import run
from streamlit.testing.v1 import AppTest

import gdviz
from gdviz.analysis.step import format_number
from gdviz.optim import registry
from gdviz.ui.specs import RunSpec, rules

TIMEOUT = 30
STEPS = 30


def _page(problem_name, plane, runs, lang, steps):
    import streamlit as st

    import gdviz
    from gdviz.figures import PALETTE
    from gdviz.geometry.projection import make_view
    from gdviz.ui.race import inspector
    from gdviz.ui.race.page import RunResult

    if "lang" not in st.session_state:
        st.session_state["lang"] = lang
    if "insp.open" not in st.session_state:
        st.session_state["insp.open"] = True  # the section is off until a visitor opens it
    problem = gdviz.problem(problem_name)
    results = []
    for i, spec in enumerate(runs):
        try:
            opt = gdviz.optimizer(spec.rule, **spec.optimizer_kwargs())
            rec = gdviz.run(
                problem, opt, steps=steps, batch_size=spec.batch(problem.n_samples), seed=spec.seed
            )
            results.append(RunResult(f"{i + 1}. {spec.rule}", PALETTE[i % 6], spec, rec))
        except ValueError as err:
            results.append(RunResult(f"{i + 1}. {spec.rule}", PALETTE[i % 6], spec, None, str(err)))
    ok = [r for r in results if r.record is not None]
    view = None
    if ok:
        view = make_view(
            problem,
            [r.record.params for r in ok],
            kind=plane,
            resolution=30,
            diverged=[r.record.diverged is not None for r in ok],
        )
    inspector.render(None, None, lambda cfg, view_spec: (problem, results, view, None))


def open_page(runs, *, problem="linear_regression", plane="slice", lang="en", steps=STEPS) -> AppTest:
    at = AppTest.from_function(
        _page, default_timeout=TIMEOUT, args=(problem, plane, tuple(runs), lang, steps)
    )
    return run(at)


def chart_ids(at: AppTest) -> list[str]:
    return [c.proto.id for c in at.get("plotly_chart")]


def has_chart(at: AppTest, key: str) -> bool:
    return any(i.endswith(key) for i in chart_ids(at))


def record_for(spec: RunSpec, problem="linear_regression", steps=STEPS):
    p = gdviz.problem(problem)
    opt = gdviz.optimizer(spec.rule, **spec.optimizer_kwargs())
    return gdviz.run(p, opt, steps=steps, batch_size=spec.batch(p.n_samples), seed=spec.seed)


# Values off the defaults, to reach the rules' other branches (a rule not listed runs at its defaults).
HYPER = {
    "gd": (("weight_decay", 0.01),),
    "momentum": (("momentum", 0.9),),
    "nesterov": (("momentum", 0.8),),
    "adagrad": (("lr_decay", 0.01),),
    "rmsprop": (("momentum", 0.5), ("centered", True)),
    "adam": (("amsgrad", True),),
    "adamw": (),
}


@pytest.mark.parametrize("rule", rules())
def test_every_rule_renders_its_equation_ending_in_the_next_row(rule):
    spec = RunSpec(rule, 0.02, HYPER.get(rule, ()), variant="mini", batch_size=2)
    at = open_page([spec])
    at.slider(key="insp.step").set_value(7)
    run(at)
    blocks = [e.value.strip("$\n") for e in at.latex]
    assert len(blocks) >= 1 and all(r"\begin{aligned}" in b for b in blocks)
    last = blocks[-1]
    assert last.startswith(r"\begin{aligned}\theta_{8}")
    rec = record_for(spec)
    for x in rec.params[8]:
        assert format_number(x) in last, "θ_{k+1} shows the run's row k + 1"
    assert any("identical to the last bit" in s.value for s in at.success)
    assert has_chart(at, "insp.arrows") and has_chart(at, "insp.noise")
    # per-coordinate step sizes exactly for the rules that declare themselves adaptive
    assert has_chart(at, "insp.effective") == registry.entry(rule).family.adaptive


def test_step_buttons_and_run_switch_clamp_the_step():
    long = RunSpec("momentum", 0.05, (("momentum", 0.9),))
    # a learning rate far beyond 2/λ_max diverges within a few steps
    short = RunSpec("gd", 9.0)
    at = open_page([long, short], problem="quadratic")
    at.slider(key="insp.step").set_value(25)
    run(at)
    at.button(key="insp.next_btn").click()
    run(at)
    assert at.slider(key="insp.step").value == 26
    for _ in range(2):
        at.button(key="insp.prev_btn").click()
        run(at)
    assert at.slider(key="insp.step").value == 24
    at.selectbox(key="insp.run").set_value(1)
    run(at)
    rec = record_for(short, "quadratic")
    assert rec.diverged is not None and rec.steps_done < 25
    shown = at.slider(key="insp.step") if rec.steps_done > 1 else None
    if shown is not None:
        assert shown.value == rec.steps_done - 1 and shown.max == rec.steps_done - 1
    assert at.latex, "the clamped step is inspected"


def test_noise_cloud_follows_the_chosen_batch_size():
    spec = RunSpec("gd", 0.05, variant="mini", batch_size=4)
    at = open_page([spec], problem="logistic_regression")
    assert at.select_slider(key="insp.noise_b").value == 4

    def measured() -> str:
        return next(m.value for m in at.markdown if "Measured spread" in m.value)

    small = measured()
    at.select_slider(key="insp.noise_b").set_value(64)
    run(at)
    big = measured()
    assert "b = 64" in big and small != big
    spread = [float(x.split("**")[1]) for x in (small, big)]
    assert spread[1] < spread[0] / 2, "64 samples per batch are far less noisy than 4"


def test_full_batch_run_has_no_cloud_and_plain_function_has_no_noise_section():
    at = open_page([RunSpec("gd", 0.05, variant="full")])
    assert not has_chart(at, "insp.noise")
    assert any("no sampling noise" in c.value for c in at.caption)
    at = open_page([RunSpec("adam", 0.05)], problem="rosenbrock")
    assert not has_chart(at, "insp.noise") and has_chart(at, "insp.effective")


def test_pca_view_of_a_network():
    runs = [RunSpec("gd", 0.5, variant="mini", batch_size=16), RunSpec("rmsprop", 0.01)]
    at = open_page(runs, problem="mlp", plane="pca", steps=12)
    assert has_chart(at, "insp.arrows")
    assert any("projections" in c.value for c in at.caption)
    assert any(r"\vdots" in e.value for e in at.latex), "long vectors are cut"


def test_runs_without_records_are_skipped_and_nothing_to_inspect():
    bad = RunSpec("gd", -1.0)  # refused by the core: the page shows its error and keeps going
    at = open_page([bad, RunSpec("adam", 0.05)], problem="booth")
    assert at.selectbox(key="insp.run").options == ["2. adam"]
    at = open_page([bad], problem="booth")
    assert at.info and not at.latex


def test_chinese():
    at = open_page([RunSpec("momentum", 0.05, (("momentum", 0.9),), variant="mini", batch_size=2)], lang="zh")
    assert any("单步检查器" in m.value for m in at.markdown)
    assert any("每一位都相同" in s.value for s in at.success)
    assert np.all([not c.value.startswith("insp.") for c in at.caption]), "no raw keys"


def test_section_is_closed_until_opened():
    def page():
        import streamlit as st

        import gdviz
        from gdviz.figures import PALETTE
        from gdviz.ui.race import inspector
        from gdviz.ui.race.page import RunResult
        from gdviz.ui.specs import RunSpec

        p = gdviz.problem("rosenbrock")
        rec = gdviz.run(p, gdviz.optimizer("adam", lr=0.05), steps=5)
        st.session_state.setdefault("lang", "en")
        results = [RunResult("1. adam", PALETTE[0], RunSpec("adam", 0.05), rec)]
        inspector.render(None, None, lambda cfg, view_spec: (p, results, None, None))

    at = AppTest.from_function(page, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception and len(at.latex) == 0
    at.toggle(key="insp.open").set_value(True).run()
    assert not at.exception and len(at.latex) > 0
