"""The sweeps page in Streamlit's AppTest: every panel renders on the Visualizer's problem and runs, its
buttons write the Visualizer's runs and open it, and a visit keeps the Visualizer's state.

Pages are callables registered by ``st.navigation``, which ``AppTest.switch_page`` (file pages only)
cannot address: ``goto`` requests a page by the hash Streamlit derives from its url path, as a
browser's URL does.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from apptest_support import APP, goto, run
from streamlit.testing.v1 import AppTest

from gdviz import limits
from gdviz.ui import specs
from gdviz.ui.i18n import EN, ZH
from gdviz.ui.specs import RunSpec, snap_lr
from gdviz.ui.sweeps import compute as sweeps_compute
from gdviz.ui.sweeps import panels as sweeps_panels
from gdviz.ui.sweeps import state as sweeps_state

TIMEOUT = 30
MAIN = ""  # the default page's url path


def open_app(problem: str | None = None) -> AppTest:
    at = run(AppTest.from_file(str(APP), default_timeout=TIMEOUT))
    if problem is not None:
        at.selectbox(key="problem").set_value(problem)
        run(at)
    return at


def on_sweeps(at: AppTest) -> bool:
    return any(m.value.startswith("## " + EN["sweep.title"].split("{")[0]) for m in at.markdown)


def chart_keys(at: AppTest) -> list[str]:
    return [c.proto.id for c in at.get("plotly_chart")]


def panel(at: AppTest, name: str) -> AppTest:
    at.session_state["sweep.panel"] = name
    return run(at)


def rid1(at: AppTest) -> int:
    return at.session_state["run_ids"][0]


@pytest.fixture(scope="module")
def quad() -> AppTest:
    """The app on the quadratic bowl, on the sweeps page (shared: tests only read it or reset it)."""
    return goto(open_app("quadratic"), "sweeps")


# --- every panel ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sweeps_state.PANELS)
def test_each_panel_renders_with_its_chart(quad, name):
    panel(quad, name)
    assert on_sweeps(quad)
    keys = chart_keys(quad)
    chart = {"lr": "lr", "range": "range", "heatmap": "heatmap", "compare": "compare"}[name]
    assert len(keys) == 1 and keys[0].endswith(f"sweep.chart.{chart}"), keys
    spec = json.loads(quad.get("plotly_chart")[0].proto.spec, parse_constant=lambda c: pytest.fail(c))
    assert spec["data"]


def test_lr_panel_reports_best_and_theory(quad):
    panel(quad, "lr")
    metrics = {m.label: m.value for m in quad.metric}
    # the quadratic bowl (κ = 10): 2/λ_max = 0.2, best near 2/(1 + 10)
    assert metrics[EN["sweep.limit"].format(name="2/λ_max")] == "0.2"
    assert 0.14 <= float(metrics[EN["sweep.best"]]) < 0.2


def test_panels_on_a_data_problem_and_a_rule_without_momentum():
    at = goto(open_app("logistic_regression"), "sweeps")
    for name in sweeps_state.PANELS:
        panel(at, name)
    # run 4 of the logistic race is Adam: its heatmap crosses lr with β1
    at.session_state["sweep.run"] = 3
    panel(at, "heatmap")
    assert at.selectbox(key="sweep.hm_axis").options == [
        EN["sweep.fig.axis.beta1"],
        EN["sweep.fig.axis.batch_size"],
    ]
    at.selectbox(key="sweep.hm_axis").set_value("batch_size")
    run(at)
    assert not at.error


def test_adagrad_on_a_function_has_no_heatmap_axis():
    at = open_app("booth")
    rid = rid1(at)
    at.selectbox(key=f"run.{rid}.rule").set_value("adagrad")
    run(at)
    goto(at, "sweeps")
    panel(at, "heatmap")
    assert [i.value for i in at.info] == [EN["sweep.hm.none"].format(rule=EN["rule.adagrad"])]


# --- writing back into the Visualizer ------------------------------------------------------------------------
def test_adopt_button_writes_run_1_and_opens_the_visualizer():
    at = goto(open_app("quadratic"), "sweeps")
    panel(at, "lr")
    best = float({m.label: m.value for m in at.metric}[EN["sweep.best"]])
    button = at.button(key="sweep.btn.adopt_lr")
    assert button.label == EN["sweep.adopt"].format(lr=f"{snap_lr(best):g}", run=1)
    button.click()
    run(at)
    assert at.session_state[f"run.{rid1(at)}.lr"] == snap_lr(best)
    assert not on_sweeps(at), "the Visualizer is shown"
    goto(at, MAIN)
    assert at.select_slider(key=f"run.{rid1(at)}.lr").value == snap_lr(best)


def test_range_test_button_writes_the_suggestion():
    at = goto(open_app("quadratic"), "sweeps")
    panel(at, "range")
    sug = float({m.label: m.value for m in at.metric}[EN["sweep.suggested"]])
    at.button(key="sweep.btn.adopt_range").click()
    run(at)
    assert at.session_state[f"run.{rid1(at)}.lr"] == snap_lr(sug)


def test_best_heatmap_cell_switches_plain_gd_to_momentum():
    at = goto(open_app("quadratic"), "sweeps")  # run 1 of the quadratic race is plain GD
    panel(at, "heatmap")
    at.button(key="sweep.btn.adopt_cell").click()
    run(at)
    rid = rid1(at)
    assert at.session_state[f"run.{rid}.rule"] == "momentum"
    mu = at.session_state[f"run.{rid}.h.momentum.momentum"]
    # heavy-ball theory for κ = 10: μ* = ((√κ − 1)/(√κ + 1))² ≈ 0.27; the grid's nearest value is 0.3
    assert abs(mu - 0.27) < 0.1
    assert at.session_state[f"run.{rid}.lr"] in specs.LR_GRID


def test_tuned_learning_rates_go_to_every_run():
    at = goto(open_app("quadratic"), "sweeps")
    panel(at, "compare")
    at.toggle(key="sweep.cmp_tune").set_value(True)
    run(at)
    table = at.dataframe[0].value
    assert EN["sweep.cmp.col.after"] in table.columns
    after = list(table[EN["sweep.cmp.col.after"]])
    at.button(key="sweep.btn.adopt_tuned").click()
    run(at)
    ids = at.session_state["run_ids"]
    assert [f"{at.session_state[f'run.{rid}.lr']:g}" for rid in ids] == after


@pytest.mark.parametrize(
    ("base", "cfg", "n", "expect"),
    [
        (RunSpec("gd", 0.1), {"lr": 0.123, "momentum": 0.9}, None, ("momentum", 0.15, {"momentum": 0.9})),
        (RunSpec("gd", 0.1), {"lr": 0.02, "momentum": 0.0}, None, ("gd", 0.02, {})),
        (
            RunSpec("nesterov", 0.1, (("momentum", 0.5),)),
            {"lr": 0.3, "momentum": 0.95},
            None,
            ("nesterov", 0.3, {"momentum": 0.95}),
        ),
        (
            RunSpec("adam", 0.1, (("beta1", 0.9), ("beta2", 0.99))),
            {"lr": 0.01, "beta1": 0.5},
            None,
            ("adam", 0.01, {"beta1": 0.5, "beta2": 0.99}),
        ),
    ],
)
def test_cell_spec_hyperparameters(base, cfg, n, expect):
    spec = sweeps_panels.cell_spec(base, cfg, n)
    rule, lr, hyper = expect
    assert (spec.rule, spec.lr) == (rule, lr)
    assert {k: v for k, v in dict(spec.hyper).items() if k in hyper} == hyper


@pytest.mark.parametrize(("b", "variant", "batch"), [(1, "stochastic", 7), (8, "mini", 8), (100, "full", 7)])
def test_cell_spec_batch_size(b, variant, batch):
    spec = sweeps_panels.cell_spec(
        RunSpec("gd", 0.1, variant="mini", batch_size=7), {"lr": 0.1, "batch_size": b}, 100
    )
    assert (spec.variant, spec.batch_size) == (variant, batch)


# --- state ---------------------------------------------------------------------------------------------------
def test_a_visit_keeps_the_visualizer_state():
    at = open_app("quadratic")
    rid = rid1(at)
    at.select_slider(key=f"run.{rid}.lr").set_value(0.03)
    at.number_input(key="p.quadratic.condition").set_value(50.0)
    run(at)
    goto(at, "sweeps")
    for name in ("heatmap", "compare", "lr"):
        panel(at, name)
    # the sweep follows the Visualizer: κ = 50 gives 2/λ_max = 0.04
    assert {m.label: m.value for m in at.metric}[EN["sweep.limit"].format(name="2/λ_max")] == "0.04"
    goto(at, MAIN)
    assert at.session_state["problem"] == "quadratic"
    assert at.session_state[f"run.{rid}.lr"] == 0.03
    assert at.number_input(key="p.quadratic.condition").value == 50.0


def test_page_settings_survive_a_panel_switch(quad):
    panel(quad, "lr")
    quad.selectbox(key="sweep.n_lr").set_value(20)
    run(quad)
    panel(quad, "range")
    panel(quad, "lr")
    assert quad.selectbox(key="sweep.n_lr").value == 20
    quad.selectbox(key="sweep.n_lr").set_value(60)
    run(quad)


def test_page_in_chinese(quad):
    quad.session_state["lang"] = "zh"
    try:
        panel(quad, "lr")
        assert any(ZH["sweep.title"].split("{")[0] in m.value for m in quad.markdown)
        spec = json.loads(quad.get("plotly_chart")[0].proto.spec)
        assert spec["layout"]["xaxis2"]["title"]["text"] == ZH["sweep.fig.lr"]
    finally:
        quad.session_state["lang"] = "en"
        run(quad)


def test_sweep_follows_the_chosen_run(quad):
    quad.session_state["sweep.run"] = 3  # Adam in the quadratic race: no stability line
    try:
        panel(quad, "lr")
        assert {m.label: m.value for m in quad.metric}[EN["sweep.limit"].format(name="2/λ_max")] == EN[
            "sweep.limit.none"
        ]
    finally:
        quad.session_state["sweep.run"] = 0
        run(quad)
    assert np.isfinite(float({m.label: m.value for m in quad.metric}[EN["sweep.best"]]))


# --- slow work waits for a click, too slow work is refused ------------------------------------------------
def test_slow_work_waits_for_a_click_and_too_slow_work_is_refused(monkeypatch):
    at = goto(open_app("quadratic"), "sweeps")
    monkeypatch.setattr(limits, "BUDGET_AUTO_SECONDS", 0.0)
    sweeps_compute.SWEEPS.clear()  # a result computed by an earlier test is free, and shown at once
    panel(at, "heatmap")
    assert chart_keys(at) == [] and at.info, "nothing is computed before the click"
    at.button(key="work.btn.sweep").click()
    run(at)
    assert [k for k in chart_keys(at) if k.endswith("sweep.chart.heatmap")]
    run(at)
    assert chart_keys(at), "an approved computation stays approved"
    monkeypatch.setattr(limits, "BUDGET_MAX_SECONDS", 0.0)
    panel(at, "compare")
    assert chart_keys(at) == []
    assert at.warning[0].value.startswith(EN["work.refused.seconds"].split("{")[0])


def test_uploaded_csv_is_swept_after_its_widget_is_gone():
    rows = [(a, np.cos(3 * a)) for a in np.linspace(-1, 1, 24)]
    csv = "x1,x2,y\n" + "\n".join(f"{a:.3f},{b:.3f},{2 * a - b + 0.5:.3f}" for a, b in rows)
    at = open_app("csv")
    at.file_uploader(key="p.csv.file").set_value(("data.csv", csv.encode(), "text/csv"))
    run(at)
    goto(at, "sweeps")
    assert chart_keys(at), "the first run on this page still sees the upload"
    panel(at, "range")  # later runs only have the upload's hash
    assert chart_keys(at) and on_sweeps(at)


@pytest.mark.parametrize("tune", [False, True])
def test_a_chinese_session_after_an_english_one_gets_chinese_run_names(tune):
    # the comparison is shared between sessions (a byte cache): its run names must not be the
    # language of whichever visitor computed it first
    def names(lang):
        at = goto(open_app("quadratic"), "sweeps")
        at.session_state["lang"] = lang
        panel(at, "compare")
        if tune:
            at.toggle(key="sweep.cmp_tune").set_value(True)
            run(at)
        assert not at.exception, at.exception
        spec = json.loads(at.get("plotly_chart")[0].proto.spec)
        legend = [d["name"] for d in spec["data"] if d.get("name") and d.get("showlegend", True)]
        first = at.dataframe[0].value.iloc[:, 0].tolist()
        return legend, first

    en_legend, en_table = names("en")
    zh_legend, zh_table = names("zh")
    assert any(EN["rule.gd"] in n for n in en_table) and any(EN["rule.gd"] in n for n in en_legend)
    assert any(ZH["rule.gd"] in n for n in zh_table), zh_table
    assert any(ZH["rule.gd"] in n for n in zh_legend), zh_legend
    assert not any(EN["rule.gd"] in n for n in zh_legend + zh_table)
