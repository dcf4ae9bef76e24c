"""The scale page's figure specs: one trace per strategy on a log loss axis, timeline bars that add
up to the simulated window for every worker, a log-log speed-up with its ideal line, every text
from the labels the page passes."""

from __future__ import annotations

import numpy as np
import pytest
from figure_support import english

import gdviz
from gdviz import parallel
from gdviz.analysis.scale import summarize
from gdviz.figures.scale import (
    STRATEGY_COLORS,
    Curve,
    PathRun,
    charts,
    critical_figure,
    loss_figure,
    paths_figure,
    speedup_figure,
    timeline_figure,
)
from gdviz.parallel import EVENT_KINDS, STRATEGIES

LABELS = english(charts)


def _run(strategy, **kw):
    p = gdviz.problem("linear_regression", data="synthetic", n=2000)
    own = {"accumulate": {"accumulate": 2}, "local": {"local_steps": 4}}.get(strategy, {})
    return summarize(
        parallel.train(
            p,
            gdviz.optimizer("gd", lr=0.1),
            strategy=strategy,
            workers=4,
            batch_size=8,
            steps=60,
            **own,
            **kw,
        )
    )


def test_loss_one_trace_per_strategy_log_y():
    curves = [Curve(s, f"name-{s}", _run(s).step, _run(s).loss) for s in STRATEGIES]
    spec = loss_figure(curves, x_axis="steps", labels=LABELS).spec
    assert [d["name"] for d in spec["data"]] == [f"name-{s}" for s in STRATEGIES]
    assert [d["line"]["color"] for d in spec["data"]] == [STRATEGY_COLORS[s] for s in STRATEGIES]
    assert spec["layout"]["yaxis"]["type"] == "log"
    assert spec["layout"]["xaxis"]["title"]["text"] == LABELS["step"]
    secs = loss_figure(curves, x_axis="seconds", labels=LABELS).spec
    assert secs["layout"]["xaxis"]["title"]["text"] == LABELS["seconds"]


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("straggler", [0.0, 5e-5])
def test_timeline_bars_of_every_worker_add_up_to_the_window(strategy, straggler):
    r = _run(strategy, straggler=straggler)
    spec = timeline_figure(
        r.worker, r.kind, r.start, r.end, workers=r.workers, window=r.window, kinds=EVENT_KINDS, labels=LABELS
    ).spec
    assert [d["name"] for d in spec["data"]] == [LABELS[k] for k in EVENT_KINDS]
    total = np.zeros(r.workers)
    for d in spec["data"]:
        np.add.at(total, np.asarray(d["y"]) - 1, np.asarray(d["x"], dtype=float))
    assert total == pytest.approx(np.full(r.workers, r.window), rel=1e-5)
    # bars of one worker never overlap
    for w in range(r.workers):
        keep = r.worker == w
        s, e = np.sort(r.start[keep]), r.end[keep][np.argsort(r.start[keep])]
        assert np.all(s[1:] >= e[:-1] - 1e-12)


def test_stragglers_make_sync_workers_wait():
    calm, slow = _run("sync"), _run("sync", straggler=5e-5)
    idle = EVENT_KINDS.index("idle")

    def idle_share(r):
        return float(((r.end - r.start) * (r.kind == idle)).sum() / (r.window * r.workers))

    assert idle_share(slow) > idle_share(calm) + 0.05


def test_speedup_log_log_with_ideal():
    ks = (1, 2, 4, 8)
    spec = speedup_figure(ks, [("sync", "S", np.array([1.0, 1.5, 0.0, 2.0]))], labels=LABELS).spec
    assert spec["layout"]["xaxis"]["type"] == "log" and spec["layout"]["yaxis"]["type"] == "log"
    ideal, sync = spec["data"]
    assert ideal["name"] == LABELS["ideal"] and list(ideal["y"]) == [1, 2, 4, 8]
    assert sync["y"][2] is None  # never reached: a gap, not a zero on a log axis


def test_every_text_comes_from_the_labels():
    marked = {k: f"<<{k}>>" for k in LABELS}
    r = _run("sync")
    specs = [
        loss_figure([Curve("sync", "<<name>>", r.step, r.loss)], x_axis="seconds", labels=marked).spec,
        timeline_figure(
            r.worker, r.kind, r.start, r.end, workers=4, window=r.window, kinds=EVENT_KINDS, labels=marked
        ).spec,
        speedup_figure((1, 2), [("sync", "<<name>>", np.array([1.0, 1.2]))], labels=marked).spec,
        critical_figure(
            (1, 2, 4), np.array([4.0, 2.5, 2.0]), s_min=2.0, b_noise=1.5, yours=2, labels=marked
        ).spec,
    ]
    for spec in specs:
        texts = [d["name"] for d in spec["data"]]
        texts += [spec["layout"][a]["title"]["text"] for a in ("xaxis", "yaxis")]
        texts += [a["text"] for a in spec["layout"].get("annotations", [])]
        assert all(x.startswith("<<") for x in texts), texts


def test_critical_figure_draws_measurement_fit_and_lines_on_both_panels():
    B = np.array([1, 2, 4, 8, 16, 32])
    S = 10.0 * (1 + 4.0 / B)
    S[1] = np.inf  # never reached: left out of both panels
    spec = critical_figure(B, S, s_min=10.0, b_noise=4.0, yours=16, labels=LABELS).spec
    lay = spec["layout"]
    for ax in ("xaxis", "yaxis", "xaxis2", "yaxis2"):
        assert lay[ax]["type"] == "log" and lay[ax]["autorange"] is False
    steps, samples, fit_s, fit_e = spec["data"]
    ok = np.isfinite(S)
    assert list(steps["x"]) == list(B[ok]) and np.allclose(steps["y"], S[ok])
    assert samples["yaxis"] == "y2" and np.allclose(samples["y"], (B * S)[ok])
    # the fit is S_min(1 + B_noise/B) and E_min(1 + B/B_noise), E_min = S_min·B_noise
    x = np.asarray(fit_s["x"], dtype=float)
    assert np.allclose(fit_s["y"], 10 * (1 + 4 / x), rtol=1e-6)
    assert np.allclose(fit_e["y"], 40 * (1 + x / 4), rtol=1e-6)
    # every drawn value is inside the fixed ranges
    for trace in spec["data"]:
        ya = lay["yaxis" + trace["yaxis"][1:]]
        y = np.log10(np.asarray(trace["y"], dtype=float))
        assert ya["range"][0] <= y.min() and y.max() <= ya["range"][1]
    # B_noise and K·b: a vertical line on each panel, each named by an annotation at its place
    lines = sorted((s["xref"], s["x0"]) for s in lay["shapes"])
    assert lines == [("x", 4.0), ("x", 16.0), ("x2", 4.0), ("x2", 16.0)]
    for note in lay["annotations"]:
        assert note["x"] in (pytest.approx(np.log10(4.0)), pytest.approx(np.log10(16.0)))
    texts = [a["text"] for a in lay["annotations"]]
    assert any(t.startswith(LABELS["b_noise"]) for t in texts) and any(LABELS["yours"] in t for t in texts)


def test_critical_figure_without_a_fit_or_outside_the_sizes_draws_no_lines():
    B = np.array([1, 2, 4])
    spec = critical_figure(
        B, np.array([5.0, 3.0, 2.0]), s_min=None, b_noise=None, yours=64, labels=LABELS
    ).spec
    assert [d["name"] for d in spec["data"]] == [LABELS["measured"]] * 2
    assert spec["layout"]["shapes"] == []


def _paths_spec(**kw):
    from gdviz.figures.scale import paths

    runs = [_run("sync"), _run("async")]
    traces = [PathRun(s, s, r.step, r.params[:, :2]) for s, r in zip(("sync", "async"), runs, strict=True)]
    x = np.linspace(-0.5, 2.5, 30)
    y = np.linspace(-2.0, 1.0, 30)
    z = (x[None, :] - 2) ** 2 + (y[:, None] + 1) ** 2
    labels = english(paths)
    spec = paths_figure(
        x, y, z, traces, minima=np.array([[2.0, -1.0]]), axis_titles=("w1", "w2"), labels=labels, **kw
    ).spec
    return spec, traces, labels


def test_paths_open_at_the_start_and_the_last_frame_draws_every_whole_path():
    spec, traces, labels = _paths_spec()
    data, frames = spec["data"], spec["frames"]
    assert spec["layout"]["sliders"][0]["active"] == 0
    for i, tr in enumerate(traces):  # before Play: only the start
        assert list(data[i]["x"]) == [pytest.approx(tr.xy[0, 0], abs=1e-6)]
    last = frames[-1]
    assert last["name"] == str(int(max(tr.step[-1] for tr in traces)))
    for i, tr in enumerate(traces):
        np.testing.assert_allclose(last["data"][i]["x"], tr.xy[:, 0], rtol=1e-6)
        np.testing.assert_allclose(last["data"][len(traces) + i]["y"], tr.xy[-1:, 1], rtol=1e-6)
    # frames move the paths and their markers only, never the star or the surface image
    star = data[-1]
    assert star["name"] == labels["minimum"] and list(star["x"]) == [2.0]
    assert all(f["traces"] == list(range(2 * len(traces))) for f in frames)
    assert all("layout" not in f for f in frames) and len(spec["layout"]["images"]) == 1
    # each frame shows the states up to its update, growing
    sizes = [len(f["data"][0]["x"]) for f in frames]
    assert sizes == sorted(sizes) and len(frames) <= 61
    xr, yr = spec["layout"]["xaxis"]["range"], spec["layout"]["yaxis"]["range"]
    assert xr == [-0.5, 2.5] and yr == [-2.0, 1.0]
    assert spec["layout"]["xaxis"]["autorange"] is False and spec["layout"]["yaxis"]["autorange"] is False
