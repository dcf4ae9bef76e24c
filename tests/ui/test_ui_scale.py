"""The scale page in Streamlit's AppTest: it renders at defaults in both languages and with every
strategy, a tampered link is repaired with a notice, the link round-trips the state, and each
lesson's button sets its preset and its claim holds numerically at those settings."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import numpy as np
import pytest
from apptest_support import run, values
from streamlit.testing.v1 import AppTest

import gdviz
from gdviz import parallel
from gdviz.parallel import EVENT_KINDS, STRATEGIES, theory
from gdviz.serve import tasks
from gdviz.ui.i18n import EN, ZH
from gdviz.ui.scale import compute
from gdviz.ui.scale import state as ss

TIMEOUT = 60


def _script():
    from gdviz.ui.scale import page

    page.page()


def open_page(query: dict | None = None, **state) -> AppTest:
    at = AppTest.from_function(_script, default_timeout=TIMEOUT)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    for k, v in state.items():
        at.session_state[k] = v
    if query:
        # the router reads a session's link once (gdviz.ui.app); here the page is run on its own
        at.session_state["_scale_test_link"] = True
    return at


def _load_link_script():
    import streamlit as st

    from gdviz.ui.scale import page
    from gdviz.ui.scale import state as s

    if not st.session_state.get("_linked"):
        st.session_state["_linked"] = True
        s.load_link_once()
    page.page()


def open_link(query: dict) -> AppTest:
    at = AppTest.from_function(_load_link_script, default_timeout=TIMEOUT)
    for k, v in query.items():
        at.query_params[k] = v
    return run(at)


def loss_traces(at: AppTest) -> list[str]:
    for c in at.get("plotly_chart"):
        if c.proto.id.endswith("scale_loss"):
            return [d["name"] for d in json.loads(c.proto.spec)["data"]]
    raise AssertionError("no loss chart")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_defaults_render_in_both_languages(lang):
    at = run(open_page(lang=lang))
    assert not at.error
    table = EN if lang == "en" else ZH
    assert loss_traces(at) == [table["scale.strategy.sync"], table["scale.strategy.async"]]
    keys = {c.proto.id.rsplit("-", 1)[-1] for c in at.get("plotly_chart")}
    assert {"scale_loss", "scale_timeline"} <= keys
    assert at.markdown[0].value.endswith(table["scale.title"])


def test_every_strategy_renders_with_every_option():
    at = run(
        open_page(
            **{
                "scale.strategies": list(STRATEGIES),
                "scale.compression": "topk",
                "scale.ef": True,
                "scale.straggler": True,
                "scale.shards": "label",
                "scale.x": "seconds",
            }
        )
    )
    assert not at.error, [e.value for e in at.error]
    assert loss_traces(at) == [EN[f"scale.strategy.{s}"] for s in STRATEGIES] + [EN["scale.fig.fixed_point"]]


def test_a_tampered_link_is_repaired_with_a_notice():
    at = open_link({"K": "9999", "net": "carrier-pigeon", "strategies": "sync,bogus", "zzz": "1"})
    assert at.session_state["scale.K"] == ss.K_MAX
    assert at.session_state["scale.network"] == "datacenter"
    assert at.session_state["scale.strategies"] == ["sync"]
    notice = " ".join(w.value for w in at.warning)
    for what in ("K", "net", "strategies", "zzz"):
        assert what in notice
    assert loss_traces(at) == [EN["scale.strategy.sync"]]


def test_the_link_round_trips_the_state():
    state = {
        "scale.problem": "logistic_regression",
        "scale.strategies": ["accumulate", "local"],
        "scale.K": 3,
        "scale.b": 5,
        "scale.lr": 0.3,
        "scale.network": "cores",
        "scale.compression": "sign",
        "scale.x": "seconds",
    }
    at = run(open_page(**state))
    query = {k: v[0] if isinstance(v, list) else v for k, v in at.query_params.items()}
    again = open_link(query)
    for k, v in state.items():
        assert again.session_state[k] == v, k
    assert not again.warning  # a link the page wrote needs no repair


def _settings(lesson: str) -> ss.ScaleConfig:
    """The config a lesson's button loads, as the page reads it."""
    at = run(open_page())
    at.button(key=f"scale.lesson.load.{lesson}").click()
    run(at)
    for k, v in ss.LESSONS[lesson].items():
        assert at.session_state[k] == v, k
    assert at.session_state["scale.lesson"] == lesson
    cfg = ss.config_of({k: at.session_state[k] for k in ss.DEFAULTS})
    assert cfg == ss.config_of(ss.lesson_state(lesson))
    return cfg, at


def test_lesson_stale_async_diverges_where_sync_converges():
    cfg, at = _settings("stale")
    assert not at.error
    warned = " ".join(w.value for w in at.warning)
    assert EN["scale.strategy.async"] in warned and EN["scale.strategy.sync"] not in warned
    runs = dict(zip(cfg.strategies, compute.race(cfg), strict=True))
    assert runs["async"].diverged is not None
    assert runs["sync"].diverged is None and runs["sync"].loss[-1] < runs["sync"].loss[0]
    # the caption's theory: the step αλ is past the delayed limit for τ = K − 1, and within GD's 2
    p = compute.get_problem(cfg)
    lam = np.linalg.eigvalsh(p.quadratic_form()[0]).max() if hasattr(p, "quadratic_form") else None
    limit = theory.delay_limit(cfg.workers - 1)
    assert runs["async"].max_staleness == cfg.workers - 1
    if lam is not None:
        assert limit < cfg.lr * lam < 2
    caption = " ".join(c.value for c in at.caption)
    assert f"{limit:.3f}" in caption


def test_lesson_comm_wifi_waits_a_hundred_times_longer_than_the_data_centre():
    cfg, at = _settings("comm")
    assert not at.error
    (r,) = compute.race(cfg)
    assert r.comm_share > 0.99  # on Wi-Fi the workers almost only communicate
    p = compute.get_problem(cfg)
    kw = compute.speedup_args(cfg, p.n_samples)
    wifi = tasks.run_inline(
        "scale.speedup", {"recipe": cfg.recipe(), "rule": "gd", "hyper": {"lr": cfg.lr}, "kwargs": kw}
    )
    dc = tasks.run_inline(
        "scale.speedup",
        {
            "recipe": cfg.recipe(),
            "rule": "gd",
            "hyper": {"lr": cfg.lr},
            "kwargs": {**kw, "network": "datacenter"},
        },
    )
    # the same updates, so the same steps to the target; each of them waits 400× longer on Wi-Fi
    assert np.array_equal(wifi.steps, dc.steps)
    last = wifi.workers.index(32)
    assert np.isfinite(wifi.time[0, last]) and wifi.time[0, last] > 100 * dc.time[0, last]
    assert wifi.speedup[0, last] < dc.speedup[0, last]
    # a 3-parameter model is latency-bound even in the data centre: 32 workers are slower than one
    assert dc.speedup[0, last] < 1


def test_the_speedup_waits_for_its_click():
    at = run(open_page())
    keys = {c.proto.id.rsplit("-", 1)[-1] for c in at.get("plotly_chart")}
    assert "scale_speedup" not in keys
    at.button(key="scale.speedup.btn").click()
    run(at)
    keys = {c.proto.id.rsplit("-", 1)[-1] for c in at.get("plotly_chart")}
    assert "scale_speedup" in keys


def test_no_strategy_says_so():
    at = run(open_page(**{"scale.strategies": []}))
    assert [i.value for i in at.info] == [EN["scale.none"]]


def test_the_race_equals_parallel_train():
    cfg = ss.ScaleConfig(strategies=("sync",))
    (r,) = compute.race(cfg)
    p = compute.get_problem(cfg)
    rec = parallel.train(p, gdviz.optimizer("gd", lr=cfg.lr), **cfg.run_options("sync"))
    assert r.loss[-1] == pytest.approx(rec.loss[-1])


def _race(cfg: ss.ScaleConfig) -> dict:
    return dict(zip(cfg.strategies, compute.race(cfg), strict=True))


def test_lesson_accumulate_is_less_noisy_and_lower_for_m_times_the_compute():
    cfg, at = _settings("accumulate")
    assert not at.error and cfg.workers == 1 and cfg.n == 100_000
    r = _race(cfg)
    acc, sgd = r["accumulate"], r["sync"]
    assert acc.loss[-1] < sgd.loss[-1]
    tail = slice(-20, None)
    assert np.std(acc.loss[tail]) * 5 < np.std(sgd.loss[tail])  # "far less noisy"
    # each update computes 16 micro-batches: 16 times the compute of one (no messages with K = 1)
    assert acc.time[-1] / sgd.time[-1] == pytest.approx(cfg.accumulate, rel=0.01)


def test_lesson_scaling_breaks_past_the_curvature_limit_and_holds_below():
    cfg, at = _settings("scaling")
    assert not at.error
    assert cfg.scale_lr and cfg.workers == 32
    (r,) = compute.race(cfg)
    assert r.diverged is not None
    p = compute.get_problem(cfg)
    lam = float(np.linalg.eigvalsh(p.hessian(p.start)).max())
    k_max = math.ceil(2 / lam / cfg.lr) - 1  # the largest K with α·K < 2/λ_max
    caption = " ".join(c.value for c in at.caption)
    assert f"K = {k_max}" in caption and f"{2 / lam:.3g}" in caption
    # the theory holds for the run: stable at the caption's K, unstable two workers further
    (at_limit,) = compute.race(replace(cfg, workers=k_max))
    (past,) = compute.race(replace(cfg, workers=k_max + 2))
    assert at_limit.diverged is None and past.diverged is not None
    (k16,) = compute.race(replace(cfg, workers=16))
    (plain,) = compute.race(replace(cfg, workers=16, scale_lr=False))
    assert k16.diverged is None
    # "in far fewer updates than without the rule": the loss after 10 updates
    assert k16.loss[10] - k16.loss[-1] < 0.1 * (plain.loss[10] - k16.loss[-1])


def test_lesson_drift_local_sgd_ends_above_sync_on_sorted_data_not_on_shuffled():
    cfg, at = _settings("drift")
    assert not at.error
    r = _race(cfg)
    assert r["local"].loss[-1] > 1.1 * r["sync"].loss[-1]
    iid = _race(replace(cfg, shards="iid"))
    assert iid["local"].loss[-1] < 1.001 * iid["sync"].loss[-1]


def test_lesson_compression_error_feedback_brings_the_loss_back():
    cfg, at = _settings("compression")
    assert not at.error and cfg.problem == "mlp"
    assert compute.get_problem(cfg).n_params == 33  # "1 of its 33 gradient numbers"
    (no_ef,) = compute.race(cfg)
    (ef,) = compute.race(replace(cfg, error_feedback=True))
    (plain,) = compute.race(replace(cfg, compression="none"))
    gap = no_ef.loss[-1] - plain.loss[-1]
    assert gap > 0.2 * plain.loss[-1]  # "far above"
    assert ef.loss[-1] - plain.loss[-1] < 0.2 * gap  # "close to the uncompressed run's"


def test_lesson_stragglers_sync_waits_backups_help_async_waits_for_nobody():
    cfg, at = _settings("stragglers")
    assert not at.error
    r = _race(cfg)
    calm = _race(replace(cfg, straggler=False))
    backed = _race(replace(cfg, backups=2))
    assert r["sync"].time[-1] > 3 * calm["sync"].time[-1]
    assert backed["sync"].time[-1] < 0.75 * r["sync"].time[-1]  # "much sooner"
    assert r["async"].time[-1] < r["sync"].time[-1] / 5
    # "most workers wait": in the timeline of a synchronous step, waiting is the largest share
    idle = EVENT_KINDS.index("idle")
    s = r["sync"]
    spent = np.bincount(s.kind, weights=s.end - s.start, minlength=len(EVENT_KINDS))
    assert spent[idle] == spent.max()


def test_lesson_critical_loads_the_critical_batch_plot_and_its_claim_holds():
    cfg, at = _settings("critical")
    assert not at.error
    charts = {c.proto.id.rsplit("-", 1)[-1]: json.loads(c.proto.spec) for c in at.get("plotly_chart")}
    assert "scale_critical" in charts
    res = compute.critical(cfg)
    B, S = list(res.batch_sizes), res.steps
    assert cfg.workers * cfg.batch_size == 512 >= 8 * res.b_noise  # "far past it"
    # "from 4 workers (64) to 32 saves less than half the updates for 8 times the samples"
    assert S[B.index(512)] > 0.5 * S[B.index(64)]
    assert S[B.index(1)] > 1.6 * S[B.index(2)]  # "doubling the batch nearly halves the updates"
    # the figure draws what the caption says: B_noise and K·b as lines, the measured points
    fig = charts["scale_critical"]
    xs = sorted({s["x0"] for s in fig["layout"]["shapes"]})
    assert xs == pytest.approx(sorted([res.b_noise, 512.0]), rel=1e-6)
    caption = " ".join(c.value for c in at.caption)
    assert f"B_noise = {res.b_noise:.3g}" in caption and "K·b = 512" in caption


def test_the_critical_batch_waits_for_its_click_and_is_kept_per_problem():
    at = run(open_page())
    keys = {c.proto.id.rsplit("-", 1)[-1] for c in at.get("plotly_chart")}
    assert "scale_critical" not in keys
    at.button(key="scale.critical.btn").click()
    run(at)
    keys = {c.proto.id.rsplit("-", 1)[-1] for c in at.get("plotly_chart")}
    assert "scale_critical" in keys
    at.slider(key="scale.K").set_value(8)
    run(at)  # K is not part of the sweep: the plot stays, only K·b moves
    keys = {c.proto.id.rsplit("-", 1)[-1] for c in at.get("plotly_chart")}
    assert "scale_critical" in keys


def test_paths_on_the_surface_end_where_each_strategy_ends_and_the_star_is_the_minimum():
    at = run(open_page())
    charts = {c.proto.id.rsplit("-", 1)[-1]: c.proto.spec for c in at.get("plotly_chart")}
    spec = json.loads(charts["scale_paths"])
    assert len(charts["scale_paths"]) < 1_000_000  # the panel's payload at defaults
    cfg = ss.ScaleConfig()
    p = compute.get_problem(cfg)
    runs = _race(cfg)
    ax = list(p.axes)
    last = spec["frames"][-1]
    K = len(cfg.strategies)
    for i, s in enumerate(cfg.strategies):
        end = runs[s].params[-1][ax]
        mark = last["data"][K + i]
        np.testing.assert_allclose([values(mark["x"])[0], values(mark["y"])[0]], end, rtol=1e-5)
        # every path's end is inside the fixed window
        (x0, x1), (y0, y1) = spec["layout"]["xaxis"]["range"], spec["layout"]["yaxis"]["range"]
        assert x0 <= end[0] <= x1 and y0 <= end[1] <= y1
    star = spec["data"][-1]
    np.testing.assert_allclose([values(star["x"])[0], values(star["y"])[0]], p.minima[0][ax], rtol=1e-5)
    caption = " ".join(c.value for c in at.caption)
    assert EN["scale.paths.caption"].format(others=p.param_names[2]) in caption


def test_lesson_drift_draws_local_gds_fixed_point_and_the_run_hovers_around_it():
    cfg, at = _settings("drift")
    (chart,) = [c for c in at.get("plotly_chart") if c.proto.id.endswith("scale_loss")]
    spec = json.loads(chart.proto.spec)
    line = spec["data"][-1]
    assert line["name"] == EN["scale.fig.fixed_point"]
    _, loss = theory.local_fixed_point(
        compute.get_problem(cfg), workers=cfg.workers, local_steps=cfg.local_steps, lr=cfg.lr, shards="label"
    )
    assert values(line["y"]) == pytest.approx([loss, loss])
    lo, hi = spec["layout"]["yaxis"]["range"]
    assert lo <= math.log10(loss) <= hi  # drawn inside the axis
    r = _race(cfg)
    assert np.mean(r["local"].loss[-50:]) == pytest.approx(loss, rel=0.1)
    assert loss > 1.1 * r["sync"].loss[-1]  # the drift the lesson speaks of is the theory's too
    assert f"{loss:.4g}" in " ".join(c.value for c in at.caption)


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_step_inspector_takes_an_update_apart_and_the_rule_holds(strategy):
    from gdviz.ui.scale import inspector

    at = run(open_page(**{"scale.strategies": [strategy], "scale.insp": strategy, "scale.at": 37}))
    assert not at.error and not at.exception
    (r,) = compute.race(ss.ScaleConfig(strategies=(strategy,)))
    i = int(np.argmin(np.abs(r.update - 37)))
    assert at.session_state["scale.at"] == r.update[i]  # snapped to a kept update
    assert inspector.residual(r, i) < 1e-12  # θ_{k+1} = θ_k − α·ĝ_k to round-off
    latex = " ".join(e.value for e in at.get("latex"))
    assert inspector.RULES[strategy] in latex
    facts = EN["scale.insp.facts"].split("{k}")[0] + str(int(r.update[i]))
    assert facts in " ".join(c.value for c in at.caption)
    table = next(d for d in at.dataframe if "θ(k)" in d.value.columns).value
    np.testing.assert_allclose(table["θ(k+1)"].astype(float), r.next_params[i], rtol=1e-5)
    if strategy == "async":
        assert int(r.staleness[i]) == 3  # K − 1 for equal-speed workers in turn


def test_the_inspected_update_is_in_the_link():
    at = run(open_page(**{"scale.insp": "async", "scale.at": 40}))
    query = {k: v[0] if isinstance(v, list) else v for k, v in at.query_params.items()}
    assert query["insp"] == "async" and query["at"] == "40"
    again = open_link(query)
    assert again.session_state["scale.insp"] == "async" and again.session_state["scale.at"] == 40


def test_loss_against_samples_counts_every_workers_batch():
    at = run(open_page(**{"scale.x": "samples", "scale.strategies": ["sync", "accumulate"]}))
    assert not at.error
    (chart,) = [c for c in at.get("plotly_chart") if c.proto.id.endswith("scale_loss")]
    spec = json.loads(chart.proto.spec)
    assert spec["layout"]["xaxis"]["title"]["text"] == EN["scale.fig.samples"]
    cfg = ss.ScaleConfig(strategies=("sync", "accumulate"))
    sync, acc = spec["data"][:2]
    # an update of K workers × b samples (6 400 in all: less than an epoch) …
    assert values(sync["x"])[-1] == cfg.steps * cfg.workers * cfg.batch_size
    # … and m times that with accumulation, less each epoch's last, partial global batch (kept)
    rec = parallel.train(
        compute.get_problem(cfg), gdviz.optimizer("gd", lr=cfg.lr), **cfg.run_options("accumulate")
    )
    global_batch = cfg.workers * cfg.batch_size * cfg.accumulate
    epochs = cfg.steps * global_batch // cfg.n
    assert (
        values(acc["x"])[-1]
        == rec.samples_seen[-1]
        == cfg.steps * global_batch - epochs * (global_batch - cfg.n % global_batch)
    )


def test_a_typed_batch_size_out_of_range_is_brought_in_and_said():
    at = run(open_page())
    at.number_input(key="scale.b").set_value(10**9)
    run(at)
    used = at.number_input(key="scale.b").value
    assert not at.exception and used == ss.B_MAX
    said = EN["number.clamped"].format(
        label=EN["scale.b"], typed="1e+09", lo="1", hi=f"{ss.B_MAX:g}", used=f"{used:g}"
    )
    assert said in [w.value for w in at.sidebar.warning]
