"""The neural-network page in Streamlit's AppTest: every data set × activation renders, each lesson loads
its preset and shows what its text claims, the landscape views and the language switch work.

The page is run on its own (``AppTest.from_function``): the router only adds navigation around it,
and the browser test reaches it through the real router at ``/network``.
"""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest
from apptest_support import APP, run
from streamlit.testing.v1 import AppTest

from gdviz.problems.data.toy import default_noise
from gdviz.ui.i18n import EN, ZH
from gdviz.ui.network import page as pn
from gdviz.ui.network import state as ns
from gdviz.ui.text import literal

TIMEOUT = 60


def _script():
    from gdviz.ui.network import page as page_network

    page_network.page()


def _reject_constant(token):
    raise AssertionError(f"{token} in a chart spec")


def open_page(**state) -> AppTest:
    at = AppTest.from_function(_script, default_timeout=TIMEOUT)
    for k, v in state.items():
        at.session_state[k] = v
    return run(at)


_DTYPES = {"f4": "<f4", "f8": "<f8", "i1": "i1", "u1": "u1", "i2": "<i2", "i4": "<i4"}


def _plain(obj):
    """Plotly typed arrays ({dtype, bdata}) decoded to lists; non-finite values fail, as in JSON."""
    if isinstance(obj, dict) and "bdata" in obj and "dtype" in obj:
        a = np.frombuffer(base64.b64decode(obj["bdata"]), dtype=_DTYPES[obj["dtype"]]).astype(float)
        assert np.all(np.isfinite(a)), "non-finite number in a typed array of the figure"
        if "shape" in obj:
            a = a.reshape([int(n) for n in str(obj["shape"]).split(",")])
        return a.tolist()
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_plain(v) for v in obj]
    return obj


def charts(at: AppTest) -> dict[str, dict]:
    """Chart key → parsed spec (NaN / Infinity tokens fail)."""
    out = {}
    for c in at.get("plotly_chart"):
        key = c.proto.id.rsplit("-", 1)[-1]
        out[key] = _plain(json.loads(c.proto.spec, parse_constant=_reject_constant))
    return out


def images_per_frame(spec: dict) -> set[int]:
    return {len(f["layout"]["images"]) for f in spec["frames"]}


def captions(spec: dict) -> list[str]:
    return [d["text"][0] for d in spec["data"] if d.get("mode") == "text"]


def summary(at: AppTest):
    return at.dataframe[0].value


# small, fast settings for sweeps over the controls
FAST = {"net.n": 100, "net.steps": 50, "net.res": 21}


# --- rendering -------------------------------------------------------------------------------------------
def test_the_router_lists_the_page():
    import ast

    from gdviz.ui.network.page import PAGE

    assert (PAGE.url_path, PAGE.title_key, PAGE.icon) == ("network", "page.network", ":material/psychology:")
    router = ast.parse((APP).read_text())
    imported = {
        a.asname or a.name for n in ast.walk(router) if isinstance(n, ast.ImportFrom) for a in n.names
    }
    assert "network" in imported, "app.py's page list names the network page"


def test_page_renders_at_defaults():
    at = open_page()
    assert not at.error and not at.warning
    specs = charts(at)
    assert set(specs) == {"net_boundary", "net_curves", "net_landscape_contour"}
    b = specs["net_boundary"]
    assert [f["name"] for f in b["frames"]] == [str(s) for s in pn.frame_schedule(ns.DEFAULTS["net.steps"])]
    assert images_per_frame(b) == {1}
    assert captions(b)[0].endswith("test accuracy 100.0 %"), "the default run separates the moons"
    assert len(summary(at)) == 1
    assert EN["net.title"] in [m.value.lstrip("# ") for m in at.markdown]


@pytest.mark.parametrize("dataset", ns.DATASETS)
def test_every_dataset_and_activation_renders(dataset):
    at = open_page(**FAST, **{"net.dataset": dataset, "net.depth": 1})
    for activation in ns.ACTIVATIONS:
        at.selectbox(key="net.activation").set_value(activation)
        run(at)
        assert not at.error, activation
        specs = charts(at)
        b = specs["net_boundary"]
        lines = [d for d in b["data"] if d.get("mode") == "lines"]
        if dataset == "wave":
            assert not lines and EN["net.fit"] in [m.value.lstrip("# ") for m in at.markdown]
            assert EN["net.col.train_acc"] not in summary(at).columns
        else:
            assert len(lines) == 1
            assert EN["net.col.test_acc"] in summary(at).columns
        assert "net_landscape_contour" in specs and "net_curves" in specs


def test_each_update_rule_and_variant_trains():
    at = open_page(**FAST)
    for i, rule in enumerate(ns.rules()):
        variant = ns.VARIANTS[i % len(ns.VARIANTS)]  # every rule, and every variant several times
        at.selectbox(key="net.a.rule").set_value(rule)
        at.radio(key="net.a.variant").set_value(variant)
        run(at)
        assert not at.error, (rule, variant)
        assert summary(at)[EN["net.col.run"]][0].startswith(f"1. {EN[f'rule.{rule}']} ")
    # momentum rules show their μ
    at.selectbox(key="net.a.rule").set_value("nesterov")
    run(at)
    assert at.slider(key="net.a.momentum").value == 0.9


# --- lessons ----------------------------------------------------------------------------------------------
def _load(at: AppTest, name: str) -> AppTest:
    at.button(key=f"net.lesson.load.{name}").click()
    return run(at)


def _final(at: AppTest, col: str) -> list[float]:
    return [float(v) for v in summary(at)[EN[col]]]


def _contour_z(spec: dict, axis: str) -> np.ndarray:
    c = next(d for d in spec["data"] if d["type"] == "contour" and d["xaxis"] == axis)
    return np.array([[np.nan if v is None else v for v in row] for row in c["z"]])


@pytest.fixture(scope="module")
def lesson_pages() -> dict[str, AppTest]:
    """Each lesson loaded once from the default page (the lessons are the slowest part of the file)."""
    out = {}
    for name in ns.LESSONS:
        out[name] = _load(open_page(**FAST), name)
    return out


@pytest.mark.parametrize("name", list(ns.LESSONS))
def test_lesson_loads_its_preset_and_shows_two_runs(lesson_pages, name):
    at = lesson_pages[name]
    for k, v in ns.lesson_state(name).items():
        assert at.session_state[k] == v, k
    assert at.session_state["net.lesson"] == name
    specs = charts(at)
    assert images_per_frame(specs["net_boundary"]) == {2}
    assert [c.split("<br>")[0] for c in captions(specs["net_boundary"])] == [
        f"<b>{lab}</b>" for lab in summary(at)[EN["net.col.run"]]
    ]
    assert len(summary(at)) == 2
    text = "\n".join(m.value for m in at.markdown)
    assert EN[f"net.lesson.{name}.question"] in text
    assert EN["net.lesson.changed"] not in [c.value for c in at.caption]


def test_lesson_sgd_vs_adam_shows_adam_ahead(lesson_pages):
    at = lesson_pages["sgd_adam"]
    sgd, adam = _final(at, "net.col.train_loss")
    assert adam < 0.25 * sgd and sgd > 0.4, "SGD is still near its plateau, Adam has left it"
    assert at.session_state["net.plane"] == "pca"
    assert "net_landscape_contour" in charts(at)


def test_lesson_batch_shows_sharp_large_batch_minimum(lesson_pages):
    at = lesson_pages["batch"]
    small, full = _final(at, "net.col.train_loss")
    small_test, full_test = _final(at, "net.col.test_loss")
    assert full < small and full_test > small_test, "the full batch fits the training set and tests worse"
    spec = charts(at)["net_landscape_contour"]
    rise = []
    for axis in ("x", "x2"):
        z = _contour_z(spec, axis)
        c = z.shape[0] // 2
        rise.append(np.nanmean(z) - z[c, c])
    assert rise[1] > rise[0] + 0.3, f"the large-batch basin is sharper (log-loss rise {rise})"


def test_lesson_lr_shows_a_dead_network(lesson_pages):
    at = lesson_pages["lr"]
    ok, big = _final(at, "net.col.train_loss")
    assert ok < 0.01 and big > 0.4
    wn_ok, wn_big = _final(at, "net.col.weight_norm")
    assert wn_big > 5 * wn_ok
    loss = np.array(charts(at)["net_curves"]["data"][2]["y"], dtype=float)  # run 2, train loss
    assert loss.max() > 5 * loss[0], "B's loss jumps far above its start in the first steps"


def test_changing_a_setting_after_a_lesson_is_noticed_and_close_works(lesson_pages):
    # lesson_pages: the lesson's training is then already cached
    at = _load(open_page(**FAST), "lr")
    at.slider(key="net.steps").set_value(100)
    run(at)
    assert EN["net.lesson.changed"] in [c.value for c in at.caption]
    at.button(key="net.lesson.close").click()
    run(at)
    assert "net.lesson" not in at.session_state
    assert at.slider(key="net.steps").value == 100, "closing the lesson keeps the settings"


# --- controls -------------------------------------------------------------------------------------------------
def test_compare_adds_run_b_and_its_state_survives_being_hidden():
    at = open_page(**FAST)
    at.toggle(key="net.compare").set_value(True)
    run(at)
    assert len(summary(at)) == 2
    at.select_slider(key="net.b.lr").set_value(0.003)
    run(at)
    at.toggle(key="net.compare").set_value(False)
    run(at)
    assert len(summary(at)) == 1 and images_per_frame(charts(at)["net_boundary"]) == {1}
    at.toggle(key="net.compare").set_value(True)
    run(at)
    assert at.select_slider(key="net.b.lr").value == 0.003


def test_dataset_change_brings_its_noise_and_batch_is_clamped():
    at = open_page(**FAST)
    at.selectbox(key="net.dataset").set_value("blobs")
    run(at)
    assert at.slider(key="net.noise").value == default_noise("blobs")
    at.slider(key="net.n").set_value(50)
    at.slider(key="net.test_fraction").set_value(0.5)
    run(at)
    assert at.number_input(key="net.a.batch").value == 25, "a batch cannot exceed the 25 training points"


def test_no_test_set_and_divergence_are_handled():
    at = open_page(
        **FAST,
        **{
            "net.dataset": "wave",
            "net.activation": "relu",
            "net.test_fraction": 0.0,
            "net.a.rule": "gd",
            "net.a.lr": 10.0,
            "net.a.variant": "full",
        },
    )
    assert len(at.warning) == 1 and "diverged at step" in at.warning[0].value
    specs = charts(at)  # finite JSON although the weights blew up
    caption = captions(specs["net_boundary"])[0].split("<br>")[1]
    assert caption.startswith("step 50 · train loss")
    step = int(caption.rsplit(" ", 1)[1])
    assert (
        caption.endswith(f" · diverged at step {step}") and f"diverged at step {step}:" in at.warning[0].value
    )
    assert EN["net.col.test_loss"] not in summary(at).columns


def test_landscape_planes_and_views():
    at = open_page(**FAST)
    at.radio(key="net.plane").set_value("pca")
    at.selectbox(key="net.res").set_value(21)
    run(at)
    spec = charts(at)["net_landscape_contour"]
    assert len(spec["data"][0]["z"]) == 21
    assert any("PC1" in c.value and "%" in c.value for c in at.caption), "explained variance is stated"
    at.segmented_control(key="net.view").set_value("surface")
    run(at)
    specs = charts(at)
    assert "net_landscape_surface" in specs and "net_landscape_contour" not in specs
    assert specs["net_landscape_surface"]["data"][0]["type"] == "surface"
    at.radio(key="net.plane").set_value("random")
    run(at)
    at.select_slider(key="net.span").set_value(0.25)
    run(at)
    x = charts(at)["net_landscape_surface"]["data"][0]["x"]
    assert min(x) == pytest.approx(-0.25) and max(x) == pytest.approx(0.25)


def test_chinese():
    at = open_page(**FAST, lang="zh")
    md = "\n".join(m.value for m in at.markdown)
    assert ZH["net.title"] in md and ZH["net.lessons"] in md
    b = charts(at)["net_boundary"]
    assert b["layout"]["updatemenus"][0]["buttons"][0]["label"] == ZH["net.fig.play"]
    assert "第 50 步" in captions(b)[0]
    assert ZH["net.col.run"] in summary(at).columns


@pytest.mark.parametrize(
    ("key", "label", "typed", "used"),
    [("net.seed", "net.seed", 5e7, 10_000), ("net.a.batch", "net.batch", 0, 1)],
)
def test_a_typed_number_out_of_range_is_brought_in_and_said(key, label, typed, used):
    """Issue 15: Streamlit leaves such a field red under "Press Enter to apply" and Enter does
    nothing; the page brings it into range and says so, as the race page does."""
    at = open_page()
    at.number_input(key=key).set_value(typed)
    run(at)
    assert not at.exception and at.number_input(key=key).value == used
    assert any(literal(EN[label]) in w.value and f"{used:g}" in w.value for w in at.sidebar.warning)
