"""The page in Streamlit's AppTest: every problem × GD variant × update rule runs without exception, and
each control that matters changes the figure the browser would receive.

Widgets are driven through their keys (``problem``, ``steps``, ``run.<id>.rule``, ``run.<id>.lr``,
``run.<id>.variant``, ``run.<id>.batch``, ``frames``, ``lang``), so callbacks such as the problem
switch's ``on_change`` run as they do for a visitor.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from apptest_support import APP, html_tables, run
from streamlit.testing.v1 import AppTest

import gdviz
from gdviz.figures import frame_steps
from gdviz.ui import specs
from gdviz.ui.i18n import EN, ZH
from gdviz.ui.race.sidebar import fmt_lr
from gdviz.ui.text import literal

TIMEOUT = 30
RACE_CHART = "race_chart"
STEP_GROUP = "steps"
# A small data set for the CSV problem: the uploader is the only way in.
CSV = "x1,x2,y\n" + "\n".join(
    f"{a:.3f},{b:.3f},{2 * a - b + 0.5 + 0.1 * np.sin(7 * a):.3f}"
    for a, b in zip(np.linspace(-1, 1, 24), np.cos(np.linspace(0, 3, 24)), strict=True)
)


# --- helpers ----------------------------------------------------------------------------------------


def summary_table(app, first_column: str = EN["col.run"]):
    """The race summary (the step inspector adds a table of its own): the one headed by "Run"."""
    tables = [d for d in html_tables(app) if len(d.columns) and d.columns[0] == first_column]
    return tables[0] if tables else None


def open_app() -> AppTest:
    return run(AppTest.from_file(str(APP), default_timeout=TIMEOUT))


def _reject_constant(token):
    raise AssertionError(f"{token} in the chart spec")


def race_spec(at: AppTest) -> dict:
    charts = [c for c in at.get("plotly_chart") if c.proto.id.endswith(RACE_CHART)]
    assert len(charts) == 1, f"expected one race chart, found {len(charts)}"
    return json.loads(charts[0].proto.spec, parse_constant=_reject_constant)


def race_json(at: AppTest) -> str:
    charts = [c for c in at.get("plotly_chart") if c.proto.id.endswith(RACE_CHART)]
    assert len(charts) == 1, f"expected one race chart, found {len(charts)}"
    return charts[0].proto.spec


def frames_json(at: AppTest) -> str:
    return json.dumps(race_spec(at)["frames"], sort_keys=True)


def step_frame_names(spec: dict) -> list[str]:
    return [f["name"] for f in spec["frames"] if f.get("group") == STEP_GROUP]


def run_ids(at: AppTest) -> list[int]:
    return list(at.session_state["run_ids"])


def switch_problem(at: AppTest, name: str) -> AppTest:
    before = run_ids(at)
    same = at.selectbox(key="problem").value == name
    at.selectbox(key="problem").set_value(name)
    run(at)
    if not same:
        assert run_ids(at) != before, "the problem switch's on_change did not load the problem's race"
    return at


def upload_csv(at: AppTest) -> AppTest:
    at.file_uploader(key="p.csv.file").set_value(("data.csv", CSV.encode(), "text/csv"))
    return run(at)


def has_data(name: str) -> bool:
    if name == "csv":
        return True
    if name == "formula":
        return False
    return gdviz.problem(name).has_data


def warnings_text(at: AppTest) -> str:
    return "\n".join(w.value for w in at.warning)


@pytest.fixture
def app() -> AppTest:
    return open_app()


# --- every problem × variant × rule -----------------------------------------------------------------
def test_page_runs_at_defaults(app):
    assert race_spec(app)["frames"], "the landing page shows an animated race"
    assert app.selectbox(key="problem").value == "linear_regression"
    assert len(run_ids(app)) == len(specs.default_runs("linear_regression"))
    assert not app.error, [e.value for e in app.error]


@pytest.mark.parametrize("problem", specs.PROBLEMS)
def test_every_problem_is_wired_to_the_page(app, problem):
    # Every rule × variant of every problem runs through the page's pipeline in
    # tests/ui/test_pipeline.py (no Streamlit needed); here each problem reaches the page, offers the
    # variant choice exactly where there is data, and draws its race with one rule of each family.
    switch_problem(app, problem)
    if problem == "csv":
        upload_csv(app)
    app.slider(key="steps").set_value(10)
    app.session_state["run_ids"] = run_ids(app)[:1]
    run(app)
    (rid,) = run_ids(app)
    radio = app.radio(key=f"run.{rid}.variant")
    assert radio.disabled == (not has_data(problem)), (
        "the variant choice is offered exactly where there is data"
    )
    variants = specs.VARIANTS if has_data(problem) else ("full",)
    for rule, variant in zip(("momentum", "adam", "rmsprop"), variants * 3, strict=False):
        app.selectbox(key=f"run.{rid}.rule").set_value(rule)
        if has_data(problem):
            app.radio(key=f"run.{rid}.variant").set_value(variant)
        run(app)
        where = f"{problem} / {rule} / {variant}"
        assert app.session_state[f"run.{rid}.rule"] == rule, where
        assert not app.error, f"{where}: {[e.value for e in app.error]}"
        names = step_frame_names(race_spec(app))
        assert names and names[0] == "0" and len(names) <= 11, f"{where}: frames {names}"
        assert summary_table(app) is not None, f"{where}: no summary table"


# --- controls change the figure -------------------------------------------------------------------
def test_rerun_without_change_gives_the_same_figure(app):
    # the comparisons below mean something only if an unchanged page sends the same spec
    before = race_json(app)
    run(app)
    assert race_json(app) == before


def test_learning_rate_changes_the_figure(app):
    rid = run_ids(app)[0]
    lr = app.select_slider(key=f"run.{rid}.lr")
    old = app.session_state[f"run.{rid}.lr"]
    new = specs.LR_GRID[specs.LR_GRID.index(old) - 3]
    before = frames_json(app)
    lr.set_value(new)
    run(app)
    assert app.session_state[f"run.{rid}.lr"] == new
    assert frames_json(app) != before


def test_sessions_in_one_state_share_one_figure_and_a_change_builds_anew(monkeypatch):
    """A class opening one link builds the race figure once (the server's load figure depends on
    it); the language and every control are part of the key, so nobody sees another state's chart."""
    from gdviz.ui.race import page as visualizer

    built = []
    real = visualizer.race_figure
    monkeypatch.setattr(visualizer, "race_figure", lambda *a, **k: built.append(1) or real(*a, **k))
    visualizer.FIGURES.clear()
    first, second = open_app(), open_app()
    assert len(built) == 1
    assert race_json(first) == race_json(second)

    second.segmented_control(key="lang").set_value("zh")
    run(second)
    assert len(built) == 2
    assert race_spec(second)["layout"]["updatemenus"][0]["buttons"][0]["label"] == ZH["fig.play"]
    assert race_spec(first)["layout"]["updatemenus"][0]["buttons"][0]["label"] == EN["fig.play"]

    rid = run_ids(first)[0]
    old = first.session_state[f"run.{rid}.lr"]
    first.select_slider(key=f"run.{rid}.lr").set_value(specs.LR_GRID[specs.LR_GRID.index(old) - 3])
    run(first)
    assert len(built) == 3
    assert frames_json(first) != frames_json(open_app())


def test_batch_size_changes_the_figure(app):
    mini = next(r for r in run_ids(app) if app.session_state[f"run.{r}.variant"] == "mini")
    app.session_state[f"runbox.{mini}"] = True  # its section is closed on the first view
    run(app)
    box = app.number_input(key=f"run.{mini}.batch")
    before = frames_json(app)
    box.set_value(3 if box.value != 3 else 1)
    run(app)
    assert frames_json(app) != before


def test_variant_changes_the_figure(app):
    rid = run_ids(app)[0]
    assert app.session_state[f"run.{rid}.variant"] == "full"
    before = frames_json(app)
    app.radio(key=f"run.{rid}.variant").set_value("stochastic")
    run(app)
    assert frames_json(app) != before


def test_rule_changes_the_figure(app):
    rid = run_ids(app)[0]
    before = frames_json(app)
    app.selectbox(key=f"run.{rid}.rule").set_value("adam")
    run(app)
    assert frames_json(app) != before
    # the new rule's own hyperparameters appear
    assert app.number_input(key=f"run.{rid}.h.adam.beta1").value == pytest.approx(0.9)


def test_problem_changes_the_figure(app):
    before = race_spec(app)
    switch_problem(app, "rosenbrock")
    after = race_spec(app)
    assert json.dumps(after["frames"]) != json.dumps(before["frames"])
    assert after["layout"]["xaxis"]["range"] != before["layout"]["xaxis"]["range"]
    assert len(run_ids(app)) == len(specs.default_runs("rosenbrock"))


# --- frames as configured ---------------------------------------------------------------------------
@pytest.mark.parametrize(("steps", "frames"), [(300, 50), (300, 300), (10, 300), (500, 200)])
def test_frames_are_named_and_counted_as_configured(app, steps, frames):
    switch_problem(app, "quadratic")  # no run stops early there at these settings
    app.slider(key="steps").set_value(steps)
    app.selectbox(key="frames").set_value(frames)
    run(app)
    spec = race_spec(app)
    names = step_frame_names(spec)
    assert len(names) == min(frames, steps + 1)
    assert names == [str(s) for s in frame_steps(steps, frames)]
    keys = {f["name"] for f in spec["frames"] if f.get("group") != STEP_GROUP}
    assert all(f["baseframe"] in keys for f in spec["frames"] if f.get("group") == STEP_GROUP)
    slider = [s["args"][0][0] for s in spec["layout"]["sliders"][0]["steps"]]
    assert set(slider) <= set(names) and slider[0] == names[0] and slider[-1] == names[-1]


# --- divergence ----------------------------------------------------------------------------------------
def test_divergence_shows_the_message_not_an_exception(app):
    switch_problem(app, "rosenbrock")
    rid = run_ids(app)[0]
    assert app.session_state[f"run.{rid}.rule"] == "gd"
    assert not warnings_text(app)
    app.select_slider(key=f"run.{rid}.lr").set_value(10.0)
    run(app)
    text = warnings_text(app)
    headline = EN["diverged"].split("{label}")[1].split("{step}")[0]  # " diverged at step "
    assert headline in text, f"no divergence warning, warnings: {text!r}"
    assert "α = 10" in text
    spec = race_spec(app)  # parsing rejects NaN / Infinity
    assert (
        spec["layout"]["xaxis"]["range"] == race_spec(open_app_on("rosenbrock"))["layout"]["xaxis"]["range"]
    )
    table = summary_table(app)
    diverged_at = table[EN["col.diverged"]].tolist()
    assert diverged_at[0] is not None and diverged_at[0] == diverged_at[0], "run 1 has a divergence step"


def open_app_on(problem: str) -> AppTest:
    return switch_problem(open_app(), problem)


# --- language and summary -----------------------------------------------------------------------------
def test_language_switch_shows_chinese(app):
    assert app.selectbox(key="problem").label == EN["problem"]
    app.segmented_control(key="lang").set_value("zh")
    run(app)
    assert app.session_state["lang"] == "zh"
    assert app.selectbox(key="problem").label == ZH["problem"]
    assert ZH["runs"] in [s.value for s in app.subheader]
    md = "\n".join(m.value for m in app.markdown)
    assert ZH["problem.linear_regression"] in md and ZH["summary"] in md
    assert summary_table(app, ZH["col.run"]).columns[0] == ZH["col.run"]
    # the figure speaks Chinese too
    spec = race_spec(app)
    assert spec["layout"]["updatemenus"][0]["buttons"][0]["label"] == ZH["fig.play"]


def test_summary_table_has_one_row_per_run(app):
    df = summary_table(app)
    assert len(df) == len(run_ids(app))
    for key in ("col.run", "col.final_loss", "col.steps", "col.diverged"):
        assert EN[key] in df.columns
    assert (df[EN["col.steps"]] == 300).all()
    assert np.isfinite(df[EN["col.final_loss"]].astype(float)).all()


def test_settings_survive_a_visit_to_the_csv_problem(app):
    # Before a file is uploaded the CSV page draws neither the steps slider nor the chart's view
    # controls; Streamlit drops the state of widgets a run does not draw, so without care the
    # visitor's settings silently return to their defaults once the file arrives.
    app.slider(key="steps").set_value(100)
    app.selectbox(key="frames").set_value(50)
    run(app)
    switch_problem(app, "csv")
    upload_csv(app)
    assert app.slider(key="steps").value == 100
    assert app.selectbox(key="frames").value == 50


@pytest.mark.parametrize("problem", ["rosenbrock", "linear_regression", "mlp"])
def test_3d_panel_runs(app, problem):
    switch_problem(app, problem)
    app.slider(key="steps").set_value(50)
    app.segmented_control(key="panel").set_value("surface3d")
    run(app)
    charts = [c.proto.id for c in app.get("plotly_chart")]
    shown_3d = any(i.endswith("surface3d_chart") for i in charts)
    # the 3-D view is drawn for 2-parameter problems and slices; for a trajectory plane the page says so
    assert shown_3d or EN["surface3d.pca"] in [i.value for i in app.info], charts
    if problem == "rosenbrock":
        assert shown_3d


# --- visitors' input: refused files, formulas without a window, repaired links -----------------------
def upload(at: AppTest, text: str, name: str = "data.csv") -> AppTest:
    at.file_uploader(key="p.csv.file").set_value((name, text.encode(), "text/csv"))
    return run(at)


def texts(elements) -> str:
    return "\n".join(e.value for e in elements)


@pytest.mark.parametrize(
    "csv",
    [
        "x,name\n1,a\n2,b\n3,c\n4,d\n",  # one numeric column; the text one has four classes
        "a,b\n1,2\n1,2\n1,2\n",  # every column constant
        "a,b\n1,nan\n2,inf\n3,nan\n",  # one numeric column; the other NaN and inf only
        "a,b\nnan,inf\nnan,nan\n",  # NaN and inf only: refused when read
    ],
    ids=["one numeric", "all constant", "one numeric and nan/inf", "nan/inf only"],
)
def test_a_csv_whose_columns_cannot_serve_shows_only_the_refusal(app, csv):
    # The section used to draw its selectors, return, and have the page write their keys back:
    # StreamlitAPIException (run() fails on any exception, on this run and the next).
    switch_problem(app, "csv")
    upload(app, csv)
    errors = texts(app.error)
    assert EN["csv.cannot_serve"] in errors or EN["csv.rejected"] in errors, errors
    assert not [s for s in app.selectbox if s.key == "p.csv.target"]
    run(app)
    app.segmented_control(key="lang").set_value("zh")
    run(app)
    assert ZH["csv.cannot_serve"] in texts(app.error) or ZH["csv.rejected"] in texts(app.error)


def test_a_csv_fit_only_for_classification_offers_only_that(app):
    switch_problem(app, "csv")
    upload(app, "x,label\n1,a\n2,b\n3,a\n4,b\n5,a\n")
    assert app.radio(key="p.csv.task").options == [EN["csv.task.classification"]]
    assert EN["csv.task_unavailable"].format(task=EN["csv.task.regression"]) in texts(app.caption)
    assert app.selectbox(key="p.csv.target").value == "label"
    assert summary_table(app) is not None and not app.error


def test_the_last_csv_feature_cannot_be_removed(app):
    switch_problem(app, "csv")
    upload_csv(app)
    assert app.multiselect(key="p.csv.features").value == ["x1"]
    app.multiselect(key="p.csv.features").set_value([])
    run(app)
    assert app.multiselect(key="p.csv.features").value == ["x1"]
    assert summary_table(app) is not None


HEADER_IMAGE = "![x](http://127.0.0.1:1/x.png)"
HEADER_HTML = "<img src=http://127.0.0.1:1/y.png>"


def test_csv_names_and_labels_reach_the_page_escaped(app):
    switch_problem(app, "csv")
    rows = "\n".join(f"{i},{i % 3},w{i},v{i},{'**a**' if i % 2 else '<b>b</b>'}" for i in range(8))
    upload(app, f'x,y,"{HEADER_IMAGE}",{HEADER_HTML},label\n{rows}\n')
    captions = texts(app.caption)
    assert HEADER_IMAGE not in captions and HEADER_HTML not in captions
    assert literal(repr(HEADER_IMAGE))[2:-2] in captions and literal(repr(HEADER_HTML))[2:-2] in captions
    app.radio(key="p.csv.task").set_value("classification")
    run(app)
    app.selectbox(key="p.csv.target").set_value("label")
    run(app)
    assert EN["csv.classes"].format(c0=literal("**a**"), c1=literal("<b>b</b>")) in texts(app.caption)


def test_a_formula_without_automatic_window_gets_one_set_by_hand(app):
    switch_problem(app, "formula")
    app.text_input(key="p.formula.expr").set_value("sqrt(1-x^2-y^2)")
    run(app)
    warning = warnings_text(app)
    assert EN["formula.no_auto_window"].split("{err}")[0] in warning
    assert literal("sqrt(1 - x**2 - y**2)") in warning  # the formula in the message, escaped
    assert EN["formula.set_window_hint"] in texts(app.caption)
    app.toggle(key="p.formula.own_window").set_value(True)
    run(app)  # this blanked the page: an uncaught FormulaError
    assert [app.number_input(key=f"p.formula.{k}").value for k in ("xmin", "xmax", "ymin", "ymax")] == [
        -3.0,
        3.0,
        -3.0,
        3.0,
    ]
    assert race_spec(app)["layout"]["xaxis"]["range"][0] <= -1 and not app.error
    for k, v in (("xmin", 5.0), ("xmax", 6.0), ("ymin", 5.0), ("ymax", 6.0)):
        app.number_input(key=f"p.formula.{k}").set_value(v)
    run(app)
    assert EN["formula.window_refused"].split("{err}")[0] in texts(app.error)


def test_a_repaired_link_lists_every_repair_literally():
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.query_params["problem"] = "quadratic"
    at.query_params["run"] = ["gd,1e308", HEADER_IMAGE]
    at.query_params["stop"] = "1e300"
    at.query_params["log"] = "2"
    at.query_params["steps"] = "9" * 301
    run(at)
    notice = warnings_text(at)
    assert EN["link.repaired"].split("{what}")[0] in notice
    for item in ("run gd: lr 1e308", f"run={HEADER_IMAGE}", "stop", "log", f"steps={'9' * 39}…"):
        assert literal(item) in notice, item
    assert HEADER_IMAGE not in notice  # only its escaped form
    assert at.session_state["stop_loss"] == 1e12 and at.session_state["log_loss"]


def test_a_formula_typo_shows_its_message_and_races_no_other_problem(app):
    switch_problem(app, "formula")
    assert race_spec(app)  # the default formula races
    app.text_input(key="p.formula.expr").set_value("x**2 +")
    run(app)
    assert not app.exception, app.exception
    assert EN["formula.rejected"] in texts(app.error)
    # no chart, no summary, no warnings: nothing about a function the student did not type
    assert not [c for c in app.get("plotly_chart") if c.proto.id.endswith(RACE_CHART)]
    assert not app.warning, warnings_text(app)
    assert summary_table(app) is None
    assert EN["waiting_for_problem"] in texts(app.info)
    # fixed, the formula races again
    app.text_input(key="p.formula.expr").set_value("x**2 + y**2")
    run(app)
    assert race_spec(app) and not app.error


def _path_colors(spec) -> dict[str, str]:
    """Run name → its path's colour, from the legend entries on the contour."""
    return {
        d["name"]: d["line"]["color"]
        for d in spec["data"]
        if d.get("xaxis", "x") == "x" and d.get("mode") == "lines" and d.get("name")
    }


def test_removing_a_run_keeps_the_colours_of_the_others():
    at = open_app()
    ids = run_ids(at)
    assert len(ids) >= 3
    before = list(_path_colors(race_spec(at)).values())
    assert len(set(before)) == len(before) == len(ids)
    at.button(key=f"rm.{ids[0]}").click()
    run(at)
    assert run_ids(at) == ids[1:]
    after = list(_path_colors(race_spec(at)).values())
    assert after == before[1:], "the remaining runs changed colour"
    # a new run takes the free colour, not one of another run
    next(b for b in at.button if b.label == EN["add_run"]).click()
    run(at)
    added = list(_path_colors(race_spec(at)).values())
    assert added[:-1] == before[1:] and added[-1] == before[0]


def test_a_formula_with_negative_losses_gets_a_linear_loss_axis_that_says_so(app):
    switch_problem(app, "formula")
    app.text_input(key="p.formula.expr").set_value("x**2 + 10*sin(y)")
    run(app)
    assert not app.exception, app.exception
    y2 = race_spec(app)["layout"]["yaxis2"]
    assert app.toggle(key="log_loss").value  # the visitor asked for a log axis …
    assert y2["type"] == "linear" and EN["fig.loss_linear"] in y2["title"]["text"]  # … it cannot be
    assert y2["range"][0] < 0


# --- projector mode ---------------------------------------------------------------------------------
def _projector_app(**query) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    for k, v in query.items():
        at.query_params[k] = v
    return run(at)


def test_projector_mode_shows_the_chart_its_runs_and_one_box_of_messages():
    at = _projector_app(problem="quadratic", run=["gd,10", "gd,5", "gd,0.1"], projector="1")
    assert at.session_state["projector"] is True
    spec = race_spec(at)
    assert "height" not in spec["layout"] and spec["layout"]["font"]["size"] >= 18
    # only Play/Pause and the step slider: no view controls, panels, inspector, summary or share box
    keys = {w.key for w in [*at.selectbox, *at.get("button_group"), *at.toggle]}
    assert not keys & {"frames", "panel", "insp.open"}, keys
    assert summary_table(at) is None and not [e for e in at.expander if e.label == EN["share"]]
    # every warning in the one box beside the chart (two divergences, two overshoots)
    boxes = [e for e in at.expander if e.label.startswith(EN["projector.messages"].split("(")[0])]
    assert len(boxes) == 1 and len(boxes[0].warning) == len(at.warning) >= 2
    assert at.query_params["projector"] == "1"  # the address bar keeps the mode


def test_leaving_projector_mode_brings_back_the_view_as_it_was():
    at = open_app()
    at.selectbox(key="frames").set_value(100)
    run(at)
    at.toggle(key="projector").set_value(True)
    run(at)
    assert not [w for w in at.selectbox if w.key == "frames"]
    at.toggle(key="projector").set_value(False)
    run(at)
    assert at.selectbox(key="frames").value == 100 and summary_table(at) is not None
    assert "projector" not in at.query_params


def test_a_lesson_link_keeps_projector_mode_without_a_repair_notice():
    at = _projector_app(lesson="lr_sizes", projector="1")
    assert at.session_state["projector"] is True and at.session_state["lesson"] == "lr_sizes"
    assert EN["link.repaired"].split("{what}")[0] not in warnings_text(at)
    assert any(EN["lesson.lr_sizes.title"] in m.value for m in at.markdown)


@pytest.mark.parametrize(("typed", "used"), [(5e7, 1000.0), (0.0, 1.0)])
def test_a_typed_number_out_of_range_is_brought_in_and_said(typed, used):
    at = _projector_app(problem="quadratic")
    at.number_input(key="p.quadratic.condition").set_value(typed)
    run(at)
    assert at.number_input(key="p.quadratic.condition").value == used
    said = EN["number.zero" if typed == 0 else "number.clamped"].format(
        label=EN["ctl.condition"], typed=f"{typed:g}", lo="1", hi="1000", used=f"{used:g}"
    )
    assert said in [w.value for w in at.sidebar.warning]
    assert dict(race_spec(at)["layout"]) and at.session_state["p.quadratic.condition"] == used
    run(at)  # said once, on the run after the typing
    assert said not in [w.value for w in at.sidebar.warning]


def test_a_formulas_typed_window_out_of_range_is_brought_in_and_said():
    at = _projector_app(problem="formula")
    at.toggle(key="p.formula.own_window").set_value(True)
    run(at)
    at.number_input(key="p.formula.xmax").set_value(5e7)
    run(at)
    assert not at.exception and at.number_input(key="p.formula.xmax").value == 1e6
    said = EN["number.clamped"].format(label="xmax", typed="5e+07", lo="-1e+06", hi="1e+06", used="1e+06")
    assert said in [w.value for w in at.sidebar.warning]


# --- closed sections draw nothing -------------------------------------------------------------------
def _drawn_keys(at: AppTest) -> set[str]:
    return {
        w.key
        for kind in ("select_slider", "selectbox", "radio", "number_input")
        for w in at.get(kind)
        if w.key
    }


def test_a_closed_run_draws_no_widgets_and_keeps_its_values(app):
    first, *rest = run_ids(app)
    drawn = _drawn_keys(app)
    assert f"run.{first}.lr" in drawn and f"run.{first}.rule" in drawn
    assert not [k for k in drawn for r in rest if k.startswith(f"run.{r}.")], "closed runs drew widgets"
    # yet every run races, with its own settings
    numbers = {str(d.get("name") or "")[:2] for d in race_spec(app)["data"]}
    assert all(f"{i + 1}." in numbers for i in range(len(rest) + 1))
    second = rest[0]
    lr, variant = app.session_state[f"run.{second}.lr"], app.session_state[f"run.{second}.variant"]
    for _ in range(2):  # values of undrawn widgets survive reruns (Streamlit would drop them)
        run(app)
    assert (
        app.session_state[f"run.{second}.lr"] == lr and app.session_state[f"run.{second}.variant"] == variant
    )

    app.session_state[f"runbox.{second}"] = True
    run(app)
    assert app.select_slider(key=f"run.{second}.lr").value == lr
    assert app.radio(key=f"run.{second}.variant").value == variant


def test_an_open_run_keeps_one_title_and_stays_open(app):
    """Closed, a run's title says its rule and α; open, only its number (the widgets say the rest):
    a title changing with α would make Streamlit rebuild the section on every change. Opening changes
    the title, and the section stays open across it."""
    second = run_ids(app)[1]
    closed = next(e.label for e in app.expander if e.label.startswith(f"{EN['run']} 2 "))
    assert "α=" in closed
    app.session_state[f"runbox.{second}"] = True
    run(app)
    run(app)
    assert f"{EN['run']} 2" in [e.label for e in app.expander] and f"run.{second}.lr" in _drawn_keys(app)
    old = app.select_slider(key=f"run.{second}.lr").value
    new = specs.LR_GRID[specs.LR_GRID.index(old) + 2]
    app.select_slider(key=f"run.{second}.lr").set_value(new)
    run(app)
    assert f"{EN['run']} 2" in [e.label for e in app.expander] and f"run.{second}.lr" in _drawn_keys(app)
    app.session_state[f"runbox.{second}"] = False
    run(app)
    closed = next(e.label for e in app.expander if e.label.startswith(f"{EN['run']} 2 "))
    assert f"α={fmt_lr(new)}" in closed, closed


def test_a_closed_run_still_brings_a_linked_batch_into_range():
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.query_params.update({"problem": "linear_regression", "run": ["gd,0.01", "gd,0.01,mini:999"]})
    run(at)
    second = run_ids(at)[1]
    assert f"run.{second}.batch" not in _drawn_keys(at)
    assert at.session_state[f"run.{second}.variant"] == "mini"
    assert 1 <= at.session_state[f"run.{second}.batch"] <= 4  # the article's four points
    assert not at.error


def test_whole_number_fields_step_by_one(app):
    """A batch size and a seed are whole numbers in the browser too: + gives 3, not 2.01."""
    from streamlit.proto.NumberInput_pb2 import NumberInput

    mini = next(r for r in run_ids(app) if app.session_state[f"run.{r}.variant"] == "mini")
    app.session_state[f"runbox.{mini}"] = True
    run(app)
    for key in (f"run.{mini}.batch", f"run.{mini}.seed"):
        box = app.number_input(key=key)
        assert box.proto.data_type == NumberInput.INT and box.proto.step == 1, key
    box = app.number_input(key=f"run.{mini}.batch")
    box.increment()
    run(app)
    assert app.session_state[f"run.{mini}.batch"] == 3 and isinstance(
        app.session_state[f"run.{mini}.batch"], int
    )


def test_the_click_tip_shows_only_where_a_click_sets_the_start():
    """The start section says "click the contour" only for views that take the click (a PCA plane's
    point is not one point of the parameters: the chart ignores clicks there)."""
    for problem, expected in (("linear_regression", False), ("rosenbrock", True)):
        at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
        at.query_params["problem"] = problem
        at.session_state["startbox"] = True
        run(at)
        captions = " ".join(c.value for c in at.caption)
        assert (EN["start.click"] in captions) is expected, problem
        chart = next(c for c in at.get("plotly_chart") if c.proto.id.endswith(RACE_CHART))
        assert bool(chart.proto.selection_mode) is expected, "the chart takes clicks exactly there"
