"""Every lesson runs, and what it tells the student to notice actually happens."""

import json

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import gdviz
from gdviz.analysis.metrics import distance_to_minimum
from gdviz.ui.race.lessons import BY_KEY, LESSONS
from gdviz.ui.specs import PROBLEMS, SCHEDULE_CONTROLS, ProblemSpec, rule_controls

APP = str(__import__("pathlib").Path(__file__).resolve().parents[2] / "app.py")


def _runs(key):
    lesson = BY_KEY[key]
    p = gdviz.problem(
        lesson.problem.name, **ProblemSpec(lesson.problem.name, lesson.problem.options).kwargs()
    )
    out = []
    for r in lesson.runs:
        sched = None if r.schedule == "constant" else gdviz.schedule(r.schedule, **dict(r.schedule_opts))
        out.append(
            gdviz.run(
                p,
                gdviz.optimizer(r.rule, **r.optimizer_kwargs()),
                steps=lesson.steps,
                start=lesson.start,
                batch_size=r.batch(p.n_samples),
                seed=r.seed,
                schedule=sched,
            )
        )
    return p, out


def test_there_are_at_least_eight_lessons_with_valid_specs():
    assert len(LESSONS) >= 8 and len(BY_KEY) == len(LESSONS)
    for lesson in LESSONS:
        assert lesson.problem.name in PROBLEMS and 1 <= len(lesson.runs) <= 6
        for r in lesson.runs:
            assert {k for k, _ in r.hyper} <= {c.key for c in rule_controls(r.rule)}
            assert {k for k, _ in r.schedule_opts} <= {c.key for c in SCHEDULE_CONTROLS[r.schedule]}


def test_article_valley_ends_on_the_line_but_not_at_the_star():
    p, recs = _runs("article_valley")
    for rec in recs:
        assert rec.loss[-1] < 1e-4
        assert distance_to_minimum(p, rec.params[-1]) < 1e-2
        assert np.linalg.norm(rec.params[-1] - p.minima[0]) > 0.3


def test_lr_sizes_too_small_right_too_large():
    _p, (small, mid, best, big) = _runs("lr_sizes")
    assert big.diverged is not None
    assert best.loss[-1] < mid.loss[-1] < small.loss[-1]


def test_batch_sizes_stochastic_is_cheap_per_step():
    p, (full, mini, sgd) = _runs("batch_sizes")
    assert sgd.samples_seen[-1] == 300 and mini.samples_seen[-1] == 300 * 32
    assert full.samples_seen[-1] == 300 * p.n_samples
    # after its 300 samples SGD has already removed over 90 % of the excess loss
    assert sgd.loss[-1] - p.min_loss < 0.1 * (sgd.loss[0] - p.min_loss)


def test_momentum_beats_gd_in_a_ravine():
    _, (gd, mom9, mom7) = _runs("momentum_ravine")
    assert mom7.loss[-1] < mom9.loss[-1] < gd.loss[-1]


def test_nesterov_oscillates_less_than_momentum():
    _, (mom, nes) = _runs("nesterov")

    def swings(rec):  # how often the loss goes up: each rise is an overshoot across the ravine
        return int(np.sum(np.diff(rec.loss) > 0))

    assert swings(nes) < swings(mom)
    assert nes.loss[-1] < mom.loss[-1]


def test_adaptive_rules_handle_bad_scaling():
    p, (gd, *adaptive) = _runs("adaptive_scaling")
    for rec in adaptive:
        assert rec.loss[-1] - p.min_loss < 1e-3
    assert gd.loss[-1] - p.min_loss > 0.5


def test_saddle_runs_escape_to_a_minimum():
    _p, recs = _runs("saddle")
    for rec in recs:
        assert abs(abs(rec.params[-1, 1]) - 1) < 1e-2 and abs(rec.params[-1, 0]) < 1e-2


def test_local_minima_momentum_ends_lower_than_gd():
    _, (gd, mom, _adam) = _runs("local_minima")
    assert gd.loss[-1] > 1.0 and mom.loss[-1] < gd.loss[-1]


def test_schedules_beat_a_constant_rate():
    p, (const, *decayed) = _runs("schedules")
    for rec in decayed:
        assert rec.loss[-1] - p.min_loss < const.loss[-1] - p.min_loss


def test_budget_minibatches_need_fewer_epochs():
    _p, (full, mini, _sgd) = _runs("budget")
    # the loss the full-batch run has after its first epoch (one step) …
    target = full.loss[1]
    # … the mini-batch run beats with a fraction of an epoch
    hit = np.argmax(mini.loss < target)
    assert mini.loss[hit] < target and mini.epoch[hit] < 0.1


@pytest.mark.parametrize("key", [lesson.key for lesson in LESSONS])
def test_every_lesson_runs_in_the_app(key):
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.selectbox(key="lesson_pick").set_value(key).run()
    assert not at.exception, at.exception
    assert at.session_state["lesson"] == key
    md = "\n".join(m.value for m in at.markdown)
    from gdviz.ui.i18n import EN

    assert EN[f"lesson.{key}.title"] in md
    assert len(at.get("plotly_chart")) >= 1


@pytest.mark.parametrize("name", ["sgd_adam", "batch", "lr"])
def test_network_lessons_in_the_list_open_the_network_page(name):
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.selectbox(key="lesson_pick").set_value(f"net:{name}").run()
    assert not at.exception, at.exception
    assert at.session_state["net.lesson"] == name
    from gdviz.ui.i18n import EN

    assert any(EN["page.network"].split()[0] in m.value or "network" in m.value.lower() for m in at.markdown)
    # under the lesson's question the decision boundary opens on step 0, not on the trained answer
    (boundary,) = [c for c in at.get("plotly_chart") if c.proto.id.endswith("net_boundary")]
    spec = json.loads(boundary.proto.spec)
    assert spec["layout"]["sliders"][0]["active"] == 0
    assert spec["layout"]["images"] == spec["frames"][0]["layout"]["images"]


def test_a_lessons_warnings_do_not_answer_its_question_before_play():
    # lesson 2 asks "which one never reaches the bottom?": "α=0.3 diverged" is the answer
    from gdviz.ui.i18n import EN

    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.selectbox(key="lesson_pick").set_value("lr_sizes").run()
    assert not at.exception, at.exception
    (box,) = [e for e in at.expander if e.label == EN["lessons.warnings"]]
    hidden = [w.value for w in box.warning]
    assert any("0.3" in w and "diverged" in w for w in hidden), hidden
    assert sorted(w.value for w in at.warning) == sorted(hidden), "a warning outside the collapsed box"
    assert not box.proto.expanded
    # without a lesson the warnings stay on the page, as before
    at.session_state["lesson"] = ""
    at.run()
    assert not [e for e in at.expander if e.label == EN["lessons.warnings"]]
    assert any("diverged" in w.value for w in at.warning)


# --- what the class sees: each lesson's claim on the figure the page sends ------------------------
def _lesson_spec(key):
    from gdviz.ui.i18n import EN

    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.selectbox(key="lesson_pick").set_value(key).run()
    assert not at.exception, at.exception
    (chart,) = [c for c in at.get("plotly_chart") if c.proto.id.endswith("race_chart")]
    return at, json.loads(chart.proto.spec), EN


def _arr(v):
    import base64

    if isinstance(v, dict):
        dtype = {"f4": "<f4", "f8": "<f8"}[v["dtype"]]
        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=dtype).astype(float)
    return np.array([np.nan if a is None else a for a in v], dtype=float)


def _last_frame(spec) -> dict[int, dict]:
    """Trace index → data at the last step: the last step frame over its key frame (Plotly's merge)."""
    frames = {f["name"]: f for f in spec["frames"]}
    last = [f for f in spec["frames"] if f.get("group") == "steps"][-1]
    out: dict[int, dict] = {}
    for f in (frames[last["baseframe"]], last):
        for ti, d in zip(f["traces"], f["data"], strict=True):
            out[ti] = {**out.get(ti, {}), **d}
    return out


def _star(spec):
    (i,) = [i for i, d in enumerate(spec["data"]) if (d.get("marker") or {}).get("symbol") == "star"]
    return i, np.column_stack([spec["data"][i]["x"], spec["data"][i]["y"]])


def _heads_at_end(spec):
    last = _last_frame(spec)
    (i,) = [
        i
        for i in last
        if spec["data"][i].get("mode") == "markers" and spec["data"][i].get("xaxis", "x") == "x"
    ]
    return np.column_stack([_arr(last[i]["x"]), _arr(last[i]["y"])])


def test_lesson_1_the_star_is_not_where_run_1_ends_and_the_start_is_inside_the_window():
    _at, spec, _ = _lesson_spec("article_valley")
    _, star = _star(spec)
    ends = _heads_at_end(spec)
    (x0, x1), (y0, y1) = spec["layout"]["xaxis"]["range"], spec["layout"]["yaxis"]["range"]
    span = max(x1 - x0, y1 - y0)
    assert len(star) == 1
    # "will both runs end on the star?" — on screen, neither does: both end far from it
    assert np.all(np.linalg.norm(ends - star[0], axis=1) > 0.2 * span), (star, ends)
    # and the star is the problem's minimum, not a point of the slice through run 1's end
    p = gdviz.problem("linear_regression", data="article", loss="half_mse")
    np.testing.assert_allclose(star[0], p.minima[0][:2], atol=1e-5)
    # the start marker lies wholly inside the window, not half cut off on its edge
    (start,) = [d for d in spec["data"] if (d.get("marker") or {}).get("symbol") == "circle-open"]
    for x, y in zip(start["x"], start["y"], strict=True):
        assert x0 + 0.03 * (x1 - x0) < x < x1 - 0.03 * (x1 - x0)
        assert y0 + 0.03 * (y1 - y0) < y < y1 - 0.03 * (y1 - y0)


def test_lesson_7_the_loss_curves_show_the_plateau_and_both_stars_are_on_top():
    _at, spec, EN = _lesson_spec("saddle")
    y2 = spec["layout"]["yaxis2"]
    assert y2["type"] == "log" and y2["title"]["text"] == EN["view.excess"]
    lo, hi = y2["range"]
    last = _last_frame(spec)
    gd = next(
        i
        for i in last
        if spec["data"][i].get("xaxis") == "x2"
        and spec["data"][i].get("mode") == "lines"
        and spec["data"][i].get("legendgroup", "").startswith("1.")
        and "name" in spec["data"][i]
    )
    # the key frame holds the history, the step frame the rest: the whole GD curve at the end
    frames = {f["name"]: f for f in spec["frames"]}
    final = [f for f in spec["frames"] if f.get("group") == "steps"][-1]
    hist = frames[final["baseframe"]]["data"][frames[final["baseframe"]]["traces"].index(gd)]
    part_id = next(
        i
        for i in final["traces"]
        if spec["data"][i].get("legendgroup") == spec["data"][gd]["legendgroup"]
        and spec["data"][i].get("xaxis") == "x2"
        and spec["data"][i].get("mode") == "lines"
    )
    y = np.concatenate([_arr(hist["y"]), _arr(last[part_id]["y"])])
    x = np.concatenate([_arr(hist["x"]), _arr(last[part_id]["x"])])
    assert x[-1] == 200
    # a plateau: GD's loss stays near the saddle's level (0.25 above the minima) for many steps …
    flat = x[(y > 0.2) & (y < 0.26)]
    assert flat.max() - flat.min() >= 20, "no plateau at the saddle's level"
    # … then escapes, and every drawn value is on the axis (nothing dives off it)
    assert y[-1] < 1e-3
    assert np.all((np.log10(y) >= lo) & (np.log10(y) <= hi))
    star_id, stars = _star(spec)
    assert len(stars) == 2
    assert star_id > max(i for i, d in enumerate(spec["data"]) if d.get("xaxis", "x") == "x" and i != star_id)


def test_ravine_lesson_legend_names_the_momentum():
    _at, spec, _ = _lesson_spec("momentum_ravine")
    names = [
        d["name"]
        for d in spec["data"]
        if d.get("xaxis", "x") == "x" and d.get("mode") == "lines" and "name" in d
    ]
    assert len(names) == 3
    assert "μ" not in names[0] and "α=0.015 μ=0.9" in names[1] and "α=0.03 μ=0.7" in names[2], names


def test_lesson_2_opens_with_no_loss_drawn_beyond_the_start():
    # "rank the four runs by speed": before Play the loss panel must not show who wins
    _at, spec, _ = _lesson_spec("lr_sizes")
    loss_lines = [d for d in spec["data"] if d.get("xaxis") == "x2" and d.get("mode") == "lines"]
    assert len(loss_lines) == 2 * 4
    for d in loss_lines:
        assert set(_arr(d["x"]).tolist()) == {0.0}, d.get("name")
    assert not any(d.get("fill") for d in spec["data"])


@pytest.mark.parametrize("key", ["batch_sizes", "budget", "schedules"])
def test_lessons_on_noisy_data_keep_their_log_loss_above_the_minimum(key):
    # a mini-batch loss below the data set's minimum is a gap, not a reason for a linear axis
    _at, spec, EN = _lesson_spec(key)
    y2 = spec["layout"]["yaxis2"]
    assert y2["type"] == "log" and y2["title"]["text"].startswith(EN["view.excess"])
    assert EN["fig.loss_linear"] not in y2["title"]["text"]


@pytest.mark.parametrize("name", ["critical", "drift"])
def test_scale_lessons_in_the_list_open_the_scale_page(name):
    from gdviz.ui.i18n import EN
    from gdviz.ui.scale import state as scale_state

    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    labels = at.selectbox(key="lesson_pick").options
    assert f"{EN[f'scale.lesson.{name}.title']} → {EN['page.scale']}" in labels
    at.selectbox(key="lesson_pick").set_value(f"scale:{name}").run()
    assert not at.exception, at.exception
    assert at.session_state["scale.lesson"] == name
    for k, v in scale_state.LESSONS[name].items():
        assert at.session_state[k] == v, k
    assert any(m.value.endswith(EN["scale.title"]) for m in at.markdown)
