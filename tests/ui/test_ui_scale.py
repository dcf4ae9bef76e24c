"""The scale page in Streamlit's AppTest: it renders at defaults in both languages and with every
strategy, a tampered link is repaired with a notice, the link round-trips the state, and each
lesson's button sets its preset and its claim holds numerically at those settings."""

from __future__ import annotations

import json

import numpy as np
import pytest
from apptest_support import run
from streamlit.testing.v1 import AppTest

import gdviz
from gdviz import parallel
from gdviz.parallel import STRATEGIES, theory
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
    assert loss_traces(at) == [EN[f"scale.strategy.{s}"] for s in STRATEGIES]


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
    return ss.ScaleConfig(
        strategies=tuple(at.session_state["scale.strategies"]),
        workers=at.session_state["scale.K"],
        lr=at.session_state["scale.lr"],
        network=at.session_state["scale.network"],
        x_axis=at.session_state["scale.x"],
    ), at


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
