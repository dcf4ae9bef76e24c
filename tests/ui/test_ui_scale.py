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
from gdviz.ui.scale.config import fit_to_data

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


def open_link(query: dict, **state) -> AppTest:
    at = AppTest.from_function(_load_link_script, default_timeout=TIMEOUT)
    for k, v in query.items():
        at.query_params[k] = v
    for k, v in state.items():
        at.session_state[k] = v  # the router's part (the language) when the page runs alone
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


# --- settings beyond the data: clamped and said (issue 23) ------------------------------------------
def _race_of(cfg: ss.ScaleConfig) -> dict:
    """The runs the page drew for ``cfg`` (from its cache: what the page computed, not a new run)."""
    found = compute.RACES.get(("scale.race", cfg))
    assert found is not None, f"the page did not race {cfg}"
    return dict(zip(cfg.strategies, found, strict=True))


CLAMPED_LINKS = [
    # the issue's two links: 64 × 256 samples of logistic regression's 200; 64 × 16 micro-batches of
    # the 1000 samples
    ({"problem": "logistic_regression", "K": "64", "b": "256"}, {"b": 3}),
    ({"n": "1000", "K": "64", "b": "256", "m": "16", "strategies": "accumulate"}, {"m": 15, "b": 1}),
    # 64 workers leave no room for a backup; the moons' 150 samples sorted into 64 shards of 2
    (
        {
            "problem": "mlp",
            "K": "64",
            "backups": "8",
            "b": "256",
            "shards": "label",
            "strategies": "sync,local",
        },
        {"backups": 0, "b": 2},
    ),
]


@pytest.mark.parametrize(("query", "used"), CLAMPED_LINKS, ids=["logistic", "accumulate", "mlp-shards"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_settings_beyond_the_data_are_clamped_and_said(query, used, lang):
    at = open_link({**query, "lang": lang}, lang=lang)
    assert not at.error, [e.value for e in at.error]
    table = EN if lang == "en" else ZH
    cfg, clamps = fit_to_data(ss.config_of({k: at.session_state[k] for k in ss.DEFAULTS}))
    assert {c.key: c.used for c in clamps} == used
    notice = " ".join(w.value for w in at.warning)
    head = table["scale.clamp"].split("{what}")[0]
    assert head in notice
    for key, value in used.items():
        named = {"b": f"b = {value}", "m": f"m = {value}", "backups": f"{value} "}[key]
        assert named in notice, (key, notice)
    # the sliders keep what was asked (the link too); the runs use what the notice names
    assert at.session_state["scale.b"] == int(query["b"])
    runs = _race_of(cfg)
    for s, r in runs.items():
        m = cfg.accumulate if s == "accumulate" else 1
        # one update: every worker's batch (one worker's, asynchronously)
        assert r.samples[1] == (1 if s == "async" else cfg.workers * m) * cfg.batch_size, s
    assert loss_traces(at)[: len(cfg.strategies)] == [table[f"scale.strategy.{s}"] for s in cfg.strategies]


def _extremes():
    from gdviz.ui.scale.config import PROBLEMS, SIZES

    sets = [(s,) for s in STRATEGIES] + [tuple(STRATEGIES)]
    problems = [("linear_regression", n) for n in SIZES] + [(p, 10_000) for p in PROBLEMS[1:]]
    for problem, n in problems:
        for strategies in sets:
            for K in (1, ss.K_MAX):
                for b in (1, ss.B_MAX):
                    for m in (1, ss.M_MAX):
                        for backups in (0, ss.BACKUPS_MAX):
                            for shards in ss.SHARDS:
                                yield ss.ScaleConfig(
                                    problem=problem,
                                    n=n,
                                    strategies=strategies,
                                    workers=K,
                                    batch_size=b,
                                    accumulate=m,
                                    backups=backups,
                                    shards=shards,
                                )


def test_every_control_range_fits_every_problem_once_clamped():
    """The class, not the two examples: every strategy (and all four), each control at both ends of
    its range, every problem and size the page offers. What ``fit_to_data`` keeps, the core accepts;
    one sample more of b than it keeps, the core refuses (the clamp is as large as the data allows)."""
    from gdviz.ui.scale.config import SAMPLES, n_samples

    opt = gdviz.optimizer("gd", lr=0.01)
    for name, n in SAMPLES.items():
        assert tasks.build_problem(ss.ScaleConfig(problem=name).recipe()).n_samples == n
    checked = clamped = 0
    for asked in _extremes():
        cfg, clamps = fit_to_data(asked)
        assert fit_to_data(cfg) == (cfg, ())  # what it keeps fits as it is
        if n_samples(cfg) >= 10**6:
            # the largest data holds every setting (only the core's cap on workers binds): no run
            # needed to say so
            assert {c.why for c in clamps} <= {"cap"}
            continue
        p = tasks.build_problem(cfg.recipe())
        for s in cfg.strategies:
            kw = tasks._parallel_kwargs({**cfg.run_options(s), "steps": 1, "events": False})
            parallel.train(p, opt, **kw)
            checked += 1
        if any(c.key == "b" for c in clamps):
            clamped += 1
            wider = replace(cfg, batch_size=cfg.batch_size + 1)
            with pytest.raises(ValueError, match=r"batch_size|global batch"):
                for s in cfg.strategies:
                    kw = tasks._parallel_kwargs({**wider.run_options(s), "steps": 1, "events": False})
                    parallel.train(p, opt, **kw)
    assert checked > 500 and clamped > 50


# --- the plan: every piece priced before any of it runs (issue 23) ----------------------------------
ISSUE_LINK = {
    "problem": "linear_regression",
    "n": "1000000",
    "K": "64",
    "b": "1",
    "steps": "2000",
    "strategies": "local",
    "H": "64",
    "shards": "label",
}
ISSUE_CFG = ss.ScaleConfig(
    n=1_000_000, workers=64, batch_size=1, steps=2000, strategies=("local",), local_steps=64, shards="label"
)
_ESTIMATE = """
from gdviz.ui.scale import plan
from gdviz.ui.scale.config import ScaleConfig
cfg = ScaleConfig(n=1_000_000, workers=64, batch_size=1, steps=2000, strategies=("local",), local_steps=64,
                  shards="label")
print(sum(est.seconds for _, est in plan.plan_pieces(cfg)))
"""


def test_plan_pieces_name_all_the_work_and_do_none_of_it():
    from gdviz.serve import parallel_cost
    from gdviz.ui.scale import plan

    key = tasks.recipe_key(ISSUE_CFG.recipe())
    tasks.PROBLEMS.clear()
    pieces = dict(plan.plan_pieces(ISSUE_CFG, speedup=True, critical=True))
    assert set(pieces) == {"problem", "scale", "fixed_point", "surface", "figure", "sweep", "critical"}
    assert key not in tasks.PROBLEMS  # priced on the proxy, never built
    assert tasks.recipe_key(parallel_cost.proxy_recipe(ISSUE_CFG.recipe())) in tasks.PROBLEMS
    # what a lesson adds: λ_max at the start, a Hessian where the loss is not quadratic
    logistic = ss.ScaleConfig(problem="logistic_regression", lr=0.5)
    assert "hessian" not in dict(plan.plan_pieces(logistic))
    assert dict(plan.plan_pieces(logistic, lesson="stale"))["hessian"].seconds > 0
    assert dict(plan.plan_pieces(ss.ScaleConfig(), lesson="stale"))["hessian"].seconds == 0
    assert plan.plan_pieces(replace(ISSUE_CFG, strategies=())) == []


@pytest.mark.slow
def test_the_issue_links_estimate_holds_within_three_times_over_three_fresh_processes():
    """Counted, not timed: the estimate itself, made in three cold interpreters (it once said 0.9 s
    in one and 80 s in the next)."""
    import subprocess
    import sys

    got = []
    for _ in range(3):
        out = subprocess.run(
            [sys.executable, "-c", _ESTIMATE], capture_output=True, text=True, timeout=120, check=True
        )
        got.append(float(out.stdout.strip().splitlines()[-1]))
    assert max(got) / min(got) <= 3, got


@pytest.mark.parametrize("verdict", ["click", "refuse"])
def test_no_piece_of_work_runs_before_the_click_or_on_a_refusal(verdict, monkeypatch):
    from gdviz import limits
    from gdviz.serve import meter

    # the plan prices this link at about 1.8 s: make that a click, or a refusal
    monkeypatch.setattr(limits, "BUDGET_AUTO_SECONDS", 0.01)
    if verdict == "refuse":
        monkeypatch.setattr(limits, "BUDGET_MAX_SECONDS", 0.02)
    for cache in (tasks.PROBLEMS, compute.RACES, compute.FIXED_POINTS, compute.VIEWS):
        cache.clear()
    meter.LOG.clear()
    at = open_link(ISSUE_LINK)
    (ledger,) = [entry for entry in meter.LOG if entry.page == ss.URL_PATH]
    assert ledger.decision == verdict and not ledger.granted
    assert {piece for piece, _ in ledger.inside} <= {meter.ESTIMATING}, ledger
    assert not ledger.outside
    assert tasks.recipe_key(ISSUE_CFG.recipe()) not in tasks.PROBLEMS  # 10⁶ samples never built
    assert len(compute.RACES) == len(compute.FIXED_POINTS) == len(compute.VIEWS) == 0
    assert not at.get("plotly_chart")
    if verdict == "click":
        meter.LOG.clear()
        at.button(key="work.btn.scale.page").click()
        run(at)
        (ledger,) = [entry for entry in meter.LOG if entry.page == ss.URL_PATH]
        assert ledger.granted and not ledger.outside and not ledger.unplanned, ledger
        # the race ran in a worker process (0.8 s): its charges are that process's
        assert {"problem", "fixed_point"} <= {piece for piece, _ in ledger.inside}
        assert loss_traces(at) == [EN["scale.strategy.local"], EN["scale.fig.fixed_point"]]


def test_a_speedup_that_would_pass_the_cap_is_refused_alone_and_the_race_still_draws(monkeypatch):
    from gdviz.serve import cost
    from gdviz.ui.scale import plan

    compute.SPEEDUPS.clear()  # another test's speed-up at these settings would be done, not planned
    at = run(open_page())
    monkeypatch.setattr(plan, "speedup_estimate", lambda cfg: cost.Estimate(1e6, 0, (("sweep", 1e6),)))
    at.button(key="scale.speedup.btn").click()
    run(at)
    keys = {c.proto.id.rsplit("-", 1)[-1] for c in at.get("plotly_chart")}
    assert "scale_loss" in keys and "scale_speedup" not in keys
    refused = [w.value for w in at.warning if EN["work.part.sweep"] in w.value]
    assert refused and "1000000 s" in refused[0], [w.value for w in at.warning]
