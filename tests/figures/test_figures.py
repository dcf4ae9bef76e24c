"""Figures as the browser receives them: the race figure's JSON spec, the contour raster, the 3-D view.

Every check reads the serialized spec (``fig.to_dict()`` → ``plotly.io.to_json`` → parsed), so it
tests what Plotly.js gets, whatever the Python objects look like.
"""

from __future__ import annotations

import base64
import functools
import itertools
import json
import math
import struct

import numpy as np
import plotly.io as pio
import png_support
import pytest
from figure_support import english

import gdviz
from gdviz.figures import RunTrace, clip_path, frame_steps, payload_bytes, race, surface3d
from gdviz.figures.paths import expand_box
from gdviz.figures.raster import contour_rgba, png_bytes
from gdviz.figures.spec import need_labels
from gdviz.figures.style import CONTOUR_SCALE, PALETTE
from gdviz.geometry.projection import make_view
from gdviz.geometry.surfaces import Surface
from gdviz.ui.specs import default_runs

# The figures as the page builds them: with its English texts.
race_figure = functools.partial(race.race_figure, labels=english(race))
surface3d_figure = functools.partial(surface3d.surface3d_figure, labels=english(surface3d))

WINDOW = ((-2.0, 2.0), (-1.0, 3.0))
STEP_GROUP = "steps"
KEY_GROUP = "keys"


# --- reading a spec the way Plotly.js does ---------------------------------------------------------
def _reject_constant(token: str):
    raise AssertionError(f"non-finite number {token} in the figure JSON")


def spec_of(fig) -> dict:
    """The figure as Plotly.js receives it; NaN / Infinity tokens fail the test."""
    return json.loads(pio.to_json(fig.to_dict(), validate=False), parse_constant=_reject_constant)


_DTYPES = {
    "f4": "<f4",
    "f8": "<f8",
    "i1": "i1",
    "u1": "u1",
    "i2": "<i2",
    "u2": "<u2",
    "i4": "<i4",
    "u4": "<u4",
}


def arr(v) -> np.ndarray:
    """A data array from the spec: a JSON list (None → NaN) or a Plotly typed array {dtype, bdata}."""
    if isinstance(v, dict) and "bdata" in v:
        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=_DTYPES[v["dtype"]]).astype(float)
    return np.array([math.nan if a is None else a for a in v], dtype=float)


def numbers(obj, where="spec"):
    """Every number in a spec with its location; typed arrays decoded."""
    if isinstance(obj, dict) and "bdata" in obj:
        for i, a in enumerate(arr(obj)):
            yield f"{where}[{i}]", a
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield from numbers(v, f"{where}.{k}")
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from numbers(v, f"{where}[{i}]")
    elif obj is None:
        yield where, None
    elif isinstance(obj, (int, float)) and not isinstance(obj, bool):
        yield where, obj


def _null_allowed(where: str) -> bool:
    # Plotly's documented Pause: animate to the frame list [null]
    return ".updatemenus[" in where and ".args[" in where


def assert_all_finite(spec: dict):
    bad = [
        (w, v)
        for w, v in numbers(spec)
        if (v is None and not _null_allowed(w)) or (v is not None and not math.isfinite(v))
    ]
    assert not bad, f"{len(bad)} null/non-finite numbers in the figure, e.g. {bad[:5]}"


def compute_frame(spec: dict, name: str) -> dict[int, dict]:
    """Plotly.js ``computeFrame``: follow the baseframe chain, then merge data by trace index,
    the requested frame last (so it wins). Returns trace index → merged data."""
    lookup = {f["name"]: f for f in spec["frames"]}
    stack = [lookup[name]]
    seen = {name}
    while stack[-1].get("baseframe") is not None and str(stack[-1]["baseframe"]) in lookup:
        base = lookup[str(stack[-1]["baseframe"])]
        if base["name"] in seen:
            break
        seen.add(base["name"])
        stack.append(base)
    out: dict[int, dict] = {}
    while stack:
        f = stack.pop()
        idx = f.get("traces") or list(range(len(f.get("data", []))))
        for ti, d in zip(idx, f.get("data", []), strict=True):
            out[ti] = {**out.get(ti, {}), **d}
    return out


def step_frames(spec):
    return [f for f in spec["frames"] if f.get("group") == STEP_GROUP]


def key_frames(spec):
    return [f for f in spec["frames"] if f.get("group") == KEY_GROUP]


class Roles:
    """Which trace index plays which part, found from the traces' properties, not their order."""

    def __init__(self, spec: dict, labels: list[str]):
        data = spec["data"]
        in_keys = {i for f in key_frames(spec) for i in f["traces"]}
        in_steps = {i for f in step_frames(spec) for i in f["traces"]}

        def lines_on_x(i):
            return data[i].get("xaxis", "x") == "x" and data[i].get("mode") == "lines"

        self.hist = [
            next(i for i in in_keys if lines_on_x(i) and data[i].get("legendgroup") == lab) for lab in labels
        ]
        self.part = [
            next(i for i in in_steps if lines_on_x(i) and data[i].get("legendgroup") == lab) for lab in labels
        ]
        markers = [i for i in in_steps if data[i].get("mode") == "markers"]
        self.head = next(i for i in markers if data[i].get("xaxis", "x") == "x")
        self.loss_head = next(i for i in markers if data[i].get("xaxis") == "x2")

        def loss_line(i, lab):  # a run's loss curve (not its faint mini-batch loss)
            d = data[i]
            return (
                d.get("xaxis") == "x2"
                and d.get("mode") == "lines"
                and d.get("legendgroup") == lab
                and (d.get("opacity") is None)
            )

        self.loss_hist = [next(i for i in in_keys if loss_line(i, lab)) for lab in labels]
        self.loss_part = [next(i for i in in_steps if loss_line(i, lab)) for lab in labels]
        batch = {
            i for i in in_keys | in_steps if data[i].get("xaxis") == "x2" and data[i].get("opacity") == 0.4
        }
        self.moving = (
            set(self.hist)
            | set(self.part)
            | set(self.loss_hist)
            | set(self.loss_part)
            | batch
            | {self.head, self.loss_head}
        )


def drawn_path(state: dict[int, dict], hist: int, part: int, atol: float) -> np.ndarray:
    """History then the chunk in progress; the point where they join is drawn by both."""
    h = np.column_stack([arr(state[hist]["x"]), arr(state[hist]["y"])])
    p = np.column_stack([arr(state[part]["x"]), arr(state[part]["y"])])
    if len(h) and len(p) and np.allclose(h[-1], p[0], rtol=2e-7, atol=atol):
        p = p[1:]
    return np.vstack([h, p])


def drawn_loss(state: dict[int, dict], hist: int, part: int) -> np.ndarray:
    """A loss curve's history then its chunk in progress; they join at one step (x), drawn twice."""
    h = np.column_stack([arr(state[hist]["x"]), arr(state[hist]["y"])])
    p = np.column_stack([arr(state[part]["x"]), arr(state[part]["y"])])
    if len(h) and len(p) and h[-1, 0] == p[0, 0]:
        p = p[1:]
    return np.vstack([h, p])


# --- inputs ----------------------------------------------------------------------------------------
def rosen_surface(n=30, window=WINDOW) -> Surface:
    (x0, x1), (y0, y1) = window
    x, y = np.linspace(x0, x1, n), np.linspace(y0, y1, n)
    X, Y = np.meshgrid(x, y)
    return Surface(x, y, (1 - X) ** 2 + 100 * (Y - X**2) ** 2, (0, 1), np.zeros(2))


def walk(T: int, seed: int, scale=0.05) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.vstack([[0.5, 1.0], 0.5 + np.cumsum(rng.normal(scale=scale, size=(T, 2)), axis=0) + [0, 0.5]])


def traces(lengths, seed=0) -> list[RunTrace]:
    out = []
    for i, T in enumerate(lengths):
        xy = walk(T, seed + i)
        loss = np.exp(-np.arange(T + 1) / (5 + i)) + 1e-3 * (i + 1)
        out.append(RunTrace(f"run {i + 1}", PALETTE[i], xy, loss))
    return out


def tol(window=WINDOW) -> float:
    """Float32 rounding (or rounding to a millionth of the window) of plotted coordinates."""
    (x0, x1), (y0, y1) = window
    return 2e-6 * max(x1 - x0, y1 - y0, *map(abs, (x0, x1, y0, y1)))


# --- frames: names, groups, counts ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("T", "frames"), [(30, 10), (10, 300), (1, 5), (300, 300), (299, 50), (7, 8), (7, 7)]
)
def test_frames_are_named_by_step_and_counted(T, frames):
    spec = spec_of(race_figure(rosen_surface(), traces([T, max(1, T // 2)]), window=WINDOW, frames=frames))
    steps = step_frames(spec)
    names = [f["name"] for f in steps]
    assert len(steps) == min(frames, T + 1)
    assert names == [str(s) for s in frame_steps(T, frames)]
    assert names[0] == "0" and names[-1] == str(T)
    assert [int(n) for n in names] == sorted({int(n) for n in names}), "steps must increase, no repeats"
    keys = {f["name"]: f for f in key_frames(spec)}
    assert keys and all(k.startswith("key") and k[3:].isdigit() for k in keys)
    assert len(spec["frames"]) == len(steps) + len(keys), "every frame is a step frame or a key frame"
    for f in steps:
        assert f["baseframe"] in keys, f"frame {f['name']} names a missing base frame {f['baseframe']}"
    # frames are chunked in order: the base frames of consecutive step frames never go backwards
    chunk_ids = [int(f["baseframe"][3:]) for f in steps]
    assert chunk_ids == sorted(chunk_ids) and set(chunk_ids) == {int(k[3:]) for k in keys}
    # Play animates the step group only; the slider jumps to step frames, in order, both ends included
    play = spec["layout"]["updatemenus"][0]["buttons"][0]
    assert play["method"] == "animate" and play["args"][0] == STEP_GROUP
    assert_slider_visits(spec["layout"]["sliders"][0]["steps"], names)


def assert_slider_visits(slider: list[dict], names: list[str]):
    targets = [s["args"][0] for s in slider]
    assert all(len(t) == 1 and t[0] in names for t in targets), "every slider step names one step frame"
    at = [names.index(t[0]) for t in targets]
    assert at == sorted(set(at)), "slider steps in frame order, no repeats"
    assert at[0] == 0 and at[-1] == len(names) - 1, "the slider reaches the first and the last frame"
    assert [s["label"] for s in slider] == [t[0] for t in targets]


def test_frame_steps_contract():
    for T in (0, 1, 2, 9, 10, 299, 300, 3000):
        for frames in (1, 2, 3, 50, 300, 500):
            s = frame_steps(T, frames)
            assert len(s) == max(1, min(frames, T + 1))
            assert s[0] == 0 and s[-1] == (T if frames > 1 else 0)
            assert np.all(np.diff(s) > 0)


# --- the key property of the chunked design: every merged frame is the exact state --------------
def _expected_prefix(r: RunTrace, s: int, window=WINDOW) -> np.ndarray:
    clipped, _ = clip_path(r.xy, expand_box(window, 1.0))
    return clipped[: min(s, len(r.xy) - 1, len(clipped) - 1) + 1]


def _check_state(spec, roles, runs, state, name, window=WINDOW, exact=True):
    s = int(name)
    atol = tol(window)
    heads_x, heads_y = arr(state[roles.head]["x"]), arr(state[roles.head]["y"])
    lx, ly = arr(state[roles.loss_head]["x"]), arr(state[roles.loss_head]["y"])
    for i, r in enumerate(runs):
        T = len(r.xy) - 1
        want = _expected_prefix(r, s, window)
        got = drawn_path(state, roles.hist[i], roles.part[i], atol)
        if exact:
            assert got.shape == want.shape, (
                f"frame {name}, run {i}: {len(got)} points drawn, want {len(want)}"
            )
            np.testing.assert_allclose(got, want, rtol=2e-7, atol=atol, err_msg=f"frame {name}, run {i}")
        else:
            # long runs are drawn every few states: an ordered subset of the prefix, both ends kept,
            # never skipping more steps than lie between two frames
            d = np.linalg.norm(got[:, None, :] - want[None, :, :], axis=2)
            idx = d.argmin(axis=1)
            assert np.all(d[np.arange(len(got)), idx] <= 4 * atol), f"frame {name}, run {i}: off-path point"
            assert idx[0] == 0 and idx[-1] == len(want) - 1, f"frame {name}, run {i}: ends not drawn"
            assert np.all(np.diff(idx) > 0), f"frame {name}, run {i}: points out of order"
            n = len(step_frames(spec))
            assert np.diff(idx).max(initial=0) <= math.ceil(T / max(1, n - 1)), f"frame {name}: gap too wide"
        np.testing.assert_allclose([heads_x[i], heads_y[i]], want[-1], rtol=2e-7, atol=atol)
        k = min(s, T)
        np.testing.assert_allclose([lx[i], ly[i]], [k, r.loss[k]], rtol=1e-5, err_msg=f"loss head {name}")
        # the loss curve is drawn up to this step and not one step further: nothing of the future
        curve = drawn_loss(state, roles.loss_hist[i], roles.loss_part[i])
        assert curve[0, 0] == 0 and curve[-1, 0] == k, f"frame {name}, run {i}: curve ends at {curve[-1, 0]}"
        assert np.all(np.diff(curve[:, 0]) > 0), f"frame {name}, run {i}: loss curve out of order"
        np.testing.assert_allclose(curve[:, 1], r.loss[curve[:, 0].astype(int)], rtol=1e-5)


def _initial_state(spec, roles) -> dict[int, dict]:
    return {i: dict(spec["data"][i]) for i in roles.moving}


@pytest.mark.parametrize(
    ("lengths", "frames"),
    [([30], 10), ([40, 25, 12], 17), ([100, 100], 101), ([8, 3], 300), ([60, 60, 60, 60], 60)],
)
def test_every_frame_merged_with_its_key_frame_is_the_exact_state(lengths, frames):
    runs = traces(lengths)
    spec = spec_of(race_figure(rosen_surface(), runs, window=WINDOW, frames=frames))
    roles = Roles(spec, [r.label for r in runs])
    names = [f["name"] for f in step_frames(spec)]
    # the figure opens on frame 0
    _check_state(spec, roles, runs, _initial_state(spec, roles), "0")
    # play forward, then jump around: backwards across chunks, to the end, to the start
    rng = np.random.default_rng(1)
    order = [*names, *reversed(names), *rng.permutation(names), names[-1], names[0], names[len(names) // 2]]
    state = _initial_state(spec, roles)
    for name in order:
        merged = compute_frame(spec, name)
        assert set(merged) == roles.moving, f"frame {name} does not set every moving trace"
        for ti, d in merged.items():
            state[ti] = {**state[ti], **d}
        _check_state(spec, roles, runs, state, name)


def test_long_runs_are_thinned_but_every_frame_stays_on_the_path():
    runs = traces([3000, 1200])
    spec = spec_of(race_figure(rosen_surface(), runs, window=WINDOW, frames=100))
    roles = Roles(spec, [r.label for r in runs])
    state = _initial_state(spec, roles)
    names = [f["name"] for f in step_frames(spec)]
    for name in [*names[::7], names[-1], names[3], "0"]:
        for ti, d in compute_frame(spec, name).items():
            state[ti] = {**state[ti], **d}
        _check_state(spec, roles, runs, state, name, exact=False)


def test_only_moving_traces_are_in_frames():
    runs = traces([50, 50, 20])
    runs[1] = RunTrace(
        runs[1].label, runs[1].color, runs[1].xy, runs[1].loss, batch_loss=runs[1].loss[1:] * 1.3
    )
    spec = spec_of(
        race_figure(rosen_surface(), runs, window=WINDOW, frames=30, minima=np.array([[1.0, 1.0]]))
    )
    roles = Roles(spec, [r.label for r in runs])
    data = spec["data"]
    static = {
        i
        for i, d in enumerate(data)
        if d.get("name") == "click-grid" or (d.get("marker") or {}).get("symbol") in ("star", "circle-open")
    }
    assert len(static) == 1 + 1 + 1, "click grid, minimum, starts"
    in_frames = {i for f in spec["frames"] for i in f["traces"]}
    assert in_frames == roles.moving
    assert in_frames | static == set(range(len(data))), "every trace is static or moving"
    assert not in_frames & static, f"static traces {sorted(in_frames & static)} are resent in frames"
    # two path traces and two loss-curve traces per run, two for the batch loss, heads, loss heads
    assert len(roles.moving) == 4 * len(runs) + 2 + 2
    # and each trace a frame carries does change from frame to frame
    merged = [compute_frame(spec, f["name"]) for f in step_frames(spec)]
    for ti in roles.moving:
        first = json.dumps(merged[0][ti], sort_keys=True)
        assert any(json.dumps(m[ti], sort_keys=True) != first for m in merged), f"trace {ti} never moves"
    assert all("layout" not in f for f in spec["frames"]), "a frame must not touch the layout"


def test_axis_ranges_are_fixed_to_the_window():
    runs = traces([40, 40])
    spec = spec_of(race_figure(rosen_surface(), runs, window=WINDOW, frames=20))
    lay = spec["layout"]
    assert lay["xaxis"]["range"] == list(WINDOW[0])
    assert lay["yaxis"]["range"] == list(WINDOW[1])
    for ax in ("xaxis2", "yaxis2"):
        lo, hi = lay[ax]["range"]
        assert math.isfinite(lo) and math.isfinite(hi) and lo < hi
    assert lay["yaxis2"]["type"] == "log"
    # the loss axis shows every run's whole loss curve
    lo, hi = lay["yaxis2"]["range"]
    all_loss = np.concatenate([r.loss for r in runs])
    assert 10**lo <= all_loss.min() and all_loss.max() <= 10**hi
    assert lay["xaxis2"]["range"][1] >= 40
    assert all("layout" not in f for f in spec["frames"])
    # the surface is a layout image spanning the surface grid, under the traces
    (img,) = lay["images"]
    assert img["source"].startswith("data:image/png;base64,")
    assert (img["x"], img["y"], img["sizex"], img["sizey"]) == pytest.approx((-2.0, 3.0, 4.0, 4.0))
    assert img["layer"] == "below"


def test_linear_loss_axis_also_fixed():
    runs = traces([20])
    spec = spec_of(race_figure(rosen_surface(), runs, window=WINDOW, frames=10, log_loss=False))
    lo, hi = spec["layout"]["yaxis2"]["range"]
    assert spec["layout"]["yaxis2"]["type"] == "linear"
    assert lo <= runs[0].loss.min() and runs[0].loss.max() <= hi


def test_figure_json_is_finite():
    runs = traces([120, 60, 30])
    runs[2] = RunTrace(
        runs[2].label, runs[2].color, runs[2].xy, runs[2].loss, batch_loss=runs[2].loss[1:] * 2
    )
    assert_all_finite(spec_of(race_figure(rosen_surface(), runs, window=WINDOW, frames=50)))


def test_surface_with_nan_regions_still_gives_finite_json():
    # e.g. a formula like log(x) is undefined over half the window: those grid values are NaN
    s = rosen_surface()
    z = s.z.copy()
    z[:, : z.shape[1] // 2] = np.nan
    spec = spec_of(race_figure(s._replace(z=z), traces([30]), window=WINDOW, frames=10))
    assert_all_finite(spec)


# --- divergence -----------------------------------------------------------------------------------
def test_diverging_path_is_cut_at_the_box_edge_and_the_figure_stays_finite():
    T = 14
    k = np.arange(T + 1, dtype=float)
    # a zigzag that grows ×10 per step: 1e12 and beyond, like gradient descent with α far too large
    xy = np.column_stack([0.5 * (-10.0) ** k, 1.0 + 0.3 * (-10.0) ** k])
    loss = 1.0 + xy[:, 0] ** 2
    runs = [RunTrace("wild", PALETTE[0], xy, loss), *traces([T])]
    box = expand_box(WINDOW, 1.0)
    clipped, exit_at = clip_path(xy, box)
    assert exit_at == 2 and len(clipped) == 3
    (bx0, bx1), (by0, by1) = box
    end = clipped[-1]
    on_edge = np.isclose(end[0], [bx0, bx1]).any() or np.isclose(end[1], [by0, by1]).any()
    assert on_edge, f"the cut path should end on the box edge, ends at {end}"
    # the last visible segment keeps its direction
    d0, d1 = xy[2] - xy[1], end - xy[1]
    assert abs(d0[0] * d1[1] - d0[1] * d1[0]) <= 1e-9 * np.linalg.norm(d0) * np.linalg.norm(d1)

    spec = spec_of(race_figure(rosen_surface(), runs, window=WINDOW, frames=T + 1))
    assert_all_finite(spec)
    roles = Roles(spec, [r.label for r in runs])
    for f in step_frames(spec):
        state = compute_frame(spec, f["name"])
        path = drawn_path(state, roles.hist[0], roles.part[0], tol())
        assert np.all((path[:, 0] >= bx0 - 1e-6) & (path[:, 0] <= bx1 + 1e-6))
        assert np.all((path[:, 1] >= by0 - 1e-6) & (path[:, 1] <= by1 + 1e-6))
        want = clipped[: min(int(f["name"]), len(clipped) - 1) + 1]
        np.testing.assert_allclose(path, want, rtol=2e-7, atol=tol())
        head = arr(state[roles.head]["x"])[0], arr(state[roles.head]["y"])[0]
        np.testing.assert_allclose(head, want[-1], rtol=2e-7, atol=tol())
    assert spec["layout"]["xaxis"]["range"] == list(WINDOW[0])


def test_clip_path_edge_cases():
    box = ((-1.0, 1.0), (-1.0, 1.0))
    inside = np.array([[0.0, 0.0], [0.5, 0.5]])
    p, k = clip_path(inside, box)
    assert k is None and np.array_equal(p, inside)
    with np.errstate(all="ignore"):
        p, k = clip_path(np.array([[0.0, 0.0], [0.5, 0.0], [np.inf, np.nan]]), box)
    assert k == 2 and np.array_equal(p, [[0.0, 0.0], [0.5, 0.0]])
    p, k = clip_path(np.array([[0.0, 0.0], [3.0, 0.0], [0.0, 0.0]]), box)
    assert k == 1 and np.allclose(p, [[0.0, 0.0], [1.0, 0.0]]), "the path ends for good at the first exit"
    p, k = clip_path(np.array([[5.0, 5.0], [0.0, 0.0]]), box)
    assert k == 0 and len(p) == 1


@pytest.mark.parametrize(
    ("name", "rule", "lr", "batch"),
    [
        ("rosenbrock", "gd", 10.0, None),
        ("quadratic", "momentum", 5.0, None),
        ("linear_regression", "gd", 10.0, 1),
    ],
)
def test_real_divergent_runs_give_a_finite_figure(name, rule, lr, batch):
    p = gdviz.problem(name)
    good = gdviz.run(p, gdviz.optimizer("adam", lr=0.01), steps=60)
    bad = gdviz.run(p, gdviz.optimizer(rule, lr=lr), steps=60, batch_size=batch)
    assert bad.diverged is not None, "the scenario must actually diverge"
    recs = [good, bad]
    view = make_view(
        p, [r.params for r in recs], resolution=40, diverged=[r.diverged is not None for r in recs]
    )
    runs = [
        RunTrace(f"r{i}", PALETTE[i], xy, r.loss, r.batch_loss if r.batch_size else None)
        for i, (r, xy) in enumerate(zip(recs, view.paths, strict=True))
    ]
    spec = spec_of(race_figure(view.surface, runs, window=view.window, frames=60, minima=view.minima))
    assert_all_finite(spec)


# --- texts ----------------------------------------------------------------------------------------
def test_a_figure_missing_a_text_says_which_instead_of_falling_back_to_english():
    texts = english(race)
    del texts["minimum"], texts["pause"]
    with pytest.raises(ValueError, match=r"race_figure needs the labels \['minimum', 'pause'\]"):
        race.race_figure(rosen_surface(), traces([5]), window=WINDOW, frames=3, labels=texts)
    with pytest.raises(ValueError, match="surface3d_figure needs labels"):
        surface3d.surface3d_figure(rosen_surface(), [], window=WINDOW, labels=None)
    # what a figure reads is what its module declares: an undeclared read is an error at once
    lab = need_labels({"a": "A", "b": "B"}, ("a",), "some_figure")
    assert dict(lab) == {"a": "A"}
    with pytest.raises(KeyError, match="some_figure reads the label 'b'"):
        lab["b"]


# --- payload ----------------------------------------------------------------------------------------
def test_payload_at_defaults_is_under_one_megabyte():
    p = gdviz.problem("rosenbrock")
    specs = default_runs("rosenbrock")
    assert len(specs) == 4
    recs = [gdviz.run(p, gdviz.optimizer(s.rule, **s.optimizer_kwargs()), steps=300) for s in specs]
    view = make_view(
        p, [r.params for r in recs], resolution=100, diverged=[r.diverged is not None for r in recs]
    )
    runs = [
        RunTrace(f"{i + 1}. {s.rule}", PALETTE[i], xy, r.loss)
        for i, (s, r, xy) in enumerate(zip(specs, recs, view.paths, strict=True))
    ]
    fig = race_figure(view.surface, runs, window=view.window, frames=300, minima=view.minima, click_grid=40)
    spec = spec_of(fig)
    assert len(step_frames(spec)) == 300
    size = payload_bytes(fig)
    assert size == len(pio.to_json(fig.to_dict(), validate=False).encode())
    assert size < 1_000_000, f"payload {size / 1e6:.2f} MB at defaults"


# --- the surface raster --------------------------------------------------------------------------
def _ramp(n=40, hole=True):
    x = np.linspace(0, 1, n)
    Z = np.tile(x[:, None], (1, n))  # rises with y (row index)
    if hole:
        Z[: n // 4, : n // 4] = np.nan  # bottom-left corner: small y, small x
    return Z


def test_contour_rgba_transparent_where_nan_and_opaque_elsewhere():
    z = _ramp()
    img = contour_rgba(z, CONTOUR_SCALE, size=(80, 80))
    assert img.shape == (80, 80, 4) and img.dtype == np.uint8
    # row 0 is the top of the plot (largest y); the NaN corner is bottom-left
    assert np.all(img[-5:, :5, 3] == 0), "NaN region must be transparent"
    assert np.all(img[:20, :, 3] == 255) and np.all(img[:, -20:, 3] == 255), "finite region must be opaque"
    # everything NaN: fully transparent, no warning
    assert not contour_rgba(np.full((5, 5), np.nan), CONTOUR_SCALE, size=(10, 10))[..., 3].any()


def test_contour_rgba_has_bands_and_level_lines():
    n, levels = 60, 8
    img = contour_rgba(_ramp(n, hole=False), CONTOUR_SCALE, levels=levels, size=(120, 40)).astype(int)
    col = img[:, 20, :3]
    # the scale goes light → dark with the value: the top (largest z) is darker than the bottom
    assert col[0].sum() < col[-1].sum()
    rows = [tuple(c) for c in col]
    runs_of = [rows[0]]
    for c in rows[1:]:
        if c != runs_of[-1]:
            runs_of.append(c)
    # each band boundary adds one darker line pixel: bands + lines, alternating
    bands = set(runs_of[0::2])
    assert len(bands) == levels, f"{len(bands)} colour bands, want {levels}"
    lines = runs_of[1::2]
    assert len(lines) == levels - 1
    for a, line, b in zip(runs_of[0::2], lines, runs_of[2::2], strict=False):
        assert sum(line) < min(sum(a), sum(b)), "a level line is darker than the bands it separates"
    # constant along x: a horizontal ramp has no vertical lines
    assert np.all(img[:, :, :3] == img[:, :1, :3])


def test_png_bytes_is_a_valid_png_of_the_image():
    rgba = contour_rgba(_ramp(), CONTOUR_SCALE, size=(30, 50))
    data = png_bytes(rgba)
    parts = png_support.chunks(data)  # signature, CRCs, IHDR first, IEND last
    w, h, depth, colour, *_ = struct.unpack(">IIBBBBB", parts[0][1])
    # a contour picture has few colours (bands, level lines, transparent holes): a palette image
    assert (w, h, depth, colour) == (50, 30, 8, 3)
    assert b"tRNS" in [tag for tag, _ in parts], "the NaN corner is transparent"
    assert np.array_equal(png_support.decode(data), rgba)


def test_png_bytes_keeps_an_image_of_many_colours_exact():
    rng = np.random.default_rng(0)
    rgba = rng.integers(0, 256, size=(20, 24, 4), dtype=np.uint8)
    data = png_bytes(rgba)
    w, h, depth, colour, *_ = struct.unpack(">IIBBBBB", png_support.chunks(data)[0][1])
    assert (w, h, depth, colour) == (24, 20, 8, 6), "more than 256 colours: RGBA"
    assert np.array_equal(png_support.decode(data), rgba)
    opaque = np.dstack([rgba[..., :3] // 64 * 64, np.full((20, 24), 255, np.uint8)])
    data = png_bytes(opaque)
    assert b"tRNS" not in [tag for tag, _ in png_support.chunks(data)], "no alpha table when opaque"
    assert np.array_equal(png_support.decode(data), opaque)
    two = np.where(rng.random((9, 11, 1)) < 0.5, opaque[:1, :1], [[[0, 0, 0, 0]]]).astype(np.uint8)
    data = png_bytes(two)
    assert png_support.chunks(data)[0][1][8] == 1, "two colours: one bit a pixel"
    assert np.array_equal(png_support.decode(data), two)


def test_png_decodes_with_pillow():
    Image = pytest.importorskip("PIL.Image")
    import io

    rgba = contour_rgba(_ramp(), CONTOUR_SCALE, size=(33, 47))
    with Image.open(io.BytesIO(png_bytes(rgba))) as im:
        assert im.size == (47, 33)
        assert np.array_equal(np.asarray(im.convert("RGBA")), rgba)


# --- the 3-D view -----------------------------------------------------------------------------------
def test_surface3d_builds_with_nan_regions_and_cuts_paths_at_the_window():
    s = rosen_surface(25)
    z = s.z.copy()
    z[:6, :6] = np.nan
    s = s._replace(z=z)
    inside = walk(40, 3)
    xy_out = np.vstack([inside[:10], [[50.0, 50.0], [1e12, -1e12]]])
    h_in = 1 + np.arange(41, dtype=float)
    h_out = np.concatenate([h_in[:10], [1e6, 1e20]])
    fig = surface3d_figure(
        s, [("in", PALETTE[0], inside, h_in), ("out", PALETTE[1], xy_out, h_out)], window=WINDOW
    )
    spec = json.loads(pio.to_json(fig, validate=False))
    surf = next(d for d in spec["data"] if d["type"] == "surface")
    assert np.isnan(np.asarray(arr_2d(surf["z"]))).any(), "holes stay holes"
    paths = [d for d in spec["data"] if d["type"] == "scatter3d" and d.get("mode") == "lines"]
    assert [d["name"] for d in paths] == ["in", "out"]
    out = paths[1]
    assert len(arr(out["x"])) == 10, "a path leaving the window is cut at its first exit"
    for d in (d for d in spec["data"] if d["type"] == "scatter3d"):
        for key in ("x", "y", "z"):
            assert np.all(np.isfinite(arr(d[key]))), f"{d.get('name')} {key} not finite"
    assert spec["layout"]["scene"]["xaxis"]["range"] == list(WINDOW[0])


def arr_2d(v):
    if isinstance(v, dict) and "bdata" in v:
        return arr(v).reshape([int(n) for n in str(v["shape"]).split(",")])
    return np.array([[math.nan if a is None else a for a in row] for row in v], dtype=float)


# --- truth on screen: predictions not given away, honest loss axes, stars on top ------------------
def _loss_curve_at(spec, roles, i, name):
    state = {**_initial_state(spec, roles)}
    for ti, d in compute_frame(spec, name).items():
        state[ti] = {**state[ti], **d}
    return drawn_loss(state, roles.loss_hist[i], roles.loss_part[i])


def test_before_play_the_loss_panel_shows_only_the_start():
    runs = traces([80, 50])
    runs[1] = RunTrace(runs[1].label, runs[1].color, runs[1].xy, runs[1].loss, batch_loss=runs[1].loss[1:])
    spec = spec_of(race_figure(rosen_surface(), runs, window=WINDOW, frames=40))
    roles = Roles(spec, [r.label for r in runs])
    data = spec["data"]
    loss_traces = [i for i, d in enumerate(data) if d.get("xaxis") == "x2" and d.get("mode") == "lines"]
    assert len(loss_traces) == 2 * 2 + 2
    # the figure as it opens (frame 0): every loss trace holds the start only, nothing of the future
    for i in loss_traces:
        assert set(arr(data[i]["x"])) == {0.0}, f"trace {i} shows steps {arr(data[i]['x'])} before Play"
    assert not any(d.get("fill") for d in data), "no curtain: there is no future under it to hide"
    # the last frame holds every run's whole curve
    last = step_frames(spec)[-1]["name"]
    for i, r in enumerate(runs):
        curve = _loss_curve_at(spec, roles, i, last)
        assert curve[-1, 0] == len(r.loss) - 1
        np.testing.assert_allclose(curve[:, 1], r.loss[curve[:, 0].astype(int)], rtol=1e-6)


@pytest.mark.parametrize("log_loss", [True, False])
def test_negative_losses_are_drawn_unclamped_on_a_linear_axis_that_says_so(log_loss):
    # the saddle's loss goes below zero (its minima are at −1/4): a log axis would clamp it
    runs = traces([60, 60])
    runs[0] = RunTrace(runs[0].label, runs[0].color, runs[0].xy, runs[0].loss - 0.3)
    spec = spec_of(race_figure(rosen_surface(), runs, window=WINDOW, frames=30, log_loss=log_loss))
    y2 = spec["layout"]["yaxis2"]
    assert y2["type"] == "linear"
    notice = english(race)["loss_linear"]
    assert (notice in y2["title"]["text"]) == log_loss, "the title says why the asked log axis is linear"
    lo, hi = y2["range"]
    roles = Roles(spec, [r.label for r in runs])
    last = step_frames(spec)[-1]["name"]
    for i, r in enumerate(runs):
        curve = _loss_curve_at(spec, roles, i, last)
        # drawn as computed (float32), never raised to a floor, and inside the axis
        np.testing.assert_allclose(curve[:, 1], r.loss[curve[:, 0].astype(int)], rtol=1e-6, atol=1e-7)
        assert lo <= r.loss.min() and r.loss.max() <= hi
    assert runs[0].loss.min() < 0


def test_positive_losses_keep_the_log_axis_and_round_off_zeros_sit_on_its_floor():
    runs = traces([40])
    loss = runs[0].loss.copy()
    loss[-5:] = [0.0, -1e-18, 1e-17, 0.0, -2e-19]  # "loss − minimum" a few ulps around zero
    runs[0] = RunTrace(runs[0].label, runs[0].color, runs[0].xy, loss)
    spec = spec_of(race_figure(rosen_surface(), runs, window=WINDOW, frames=41))
    y2 = spec["layout"]["yaxis2"]
    assert y2["type"] == "log" and english(race)["loss_linear"] not in y2["title"]["text"]
    roles = Roles(spec, [runs[0].label])
    curve = _loss_curve_at(spec, roles, 0, "40")
    lo, hi = y2["range"]
    drawn = np.log10(curve[:, 1])
    assert np.all((drawn >= lo - 1e-6) & (drawn <= hi)), "every drawn value is on the axis, none below it"


def test_minima_stars_are_drawn_above_paths_starts_and_heads():
    runs = traces([30, 30])
    spec = spec_of(
        race_figure(rosen_surface(), runs, window=WINDOW, frames=10, minima=np.array([[0.5, 1.0]]))
    )
    data = spec["data"]
    star = next(i for i, d in enumerate(data) if (d.get("marker") or {}).get("symbol") == "star")
    on_contour = [i for i, d in enumerate(data) if d.get("xaxis") == "x" and i != star]
    assert star > max(on_contour), "a later trace is drawn on top: the star must be last on the contour"


def test_mini_batch_losses_below_zero_are_gaps_on_the_log_axis_and_the_title_says_so():
    # "loss − minimum": a mini-batch can fit better than the data set's minimum; the run's own
    # loss stays positive, so the axis stays log and only those batch points are left out
    runs = traces([30])
    batch = runs[0].loss[1:] - 0.05
    assert (batch <= 0).any() and (batch > 0).any()
    runs[0] = RunTrace(runs[0].label, runs[0].color, runs[0].xy, runs[0].loss, batch_loss=batch)
    spec = spec_of(race_figure(rosen_surface(), runs, window=WINDOW, frames=31))
    y2 = spec["layout"]["yaxis2"]
    assert y2["type"] == "log" and english(race)["batch_gaps"] in y2["title"]["text"]
    last = compute_frame(spec, step_frames(spec)[-1]["name"])
    (bparts,) = [i for i in last if spec["data"][i].get("opacity") == 0.4 and "name" not in spec["data"][i]]
    (bhist,) = [i for i in last if spec["data"][i].get("opacity") == 0.4 and "name" in spec["data"][i]]
    x = np.concatenate([arr(last[bhist]["x"]), arr(last[bparts]["x"])])
    y = np.concatenate([arr(last[bhist]["y"]), arr(last[bparts]["y"])])
    drawn = np.isfinite(y)
    np.testing.assert_allclose(y[drawn], batch[x[drawn].astype(int)], rtol=1e-6)
    assert np.all(np.isnan(y[batch[x.astype(int)] <= 0])), "a batch loss ≤ 0 must be a gap, not a floor"
    # without batch losses ≤ 0 the title is the plain one
    ok = [RunTrace(runs[0].label, runs[0].color, runs[0].xy, runs[0].loss, batch_loss=runs[0].loss[1:])]
    title = spec_of(race_figure(rosen_surface(), ok, window=WINDOW, frames=31))["layout"]["yaxis2"]["title"]
    assert title["text"] == english(race)["loss"]


def test_a_short_log_loss_axis_labels_its_ticks_with_whole_values():
    """Rastrigin's losses span 7…60: Plotly's own ticks on such an axis read 40 as a bare "4"."""
    from gdviz.figures.race import short_log_ticks

    ticks = short_log_ticks([math.log10(7.0), math.log10(60.0)])
    assert ticks["tickvals"] == [7.0, 8.0, 9.0, 10.0, 20.0, 30.0, 40.0, 50.0, 60.0]
    assert "40" in ticks["ticktext"] and "4" not in ticks["ticktext"]
    assert all(float(t) == v for t, v in zip(ticks["ticktext"], ticks["tickvals"], strict=True))
    wide = short_log_ticks([0.0, 1.5])  # 1…31.6: 1-2-5 numbers
    assert wide["tickvals"] == [1.0, 2.0, 5.0, 10.0, 20.0]
    assert short_log_ticks([0.1, 0.2]) == {}  # no 1-2-…-9 number inside: Plotly's ticks stay


# --- the projector's look, and controls that fit a phone ---------------------------------------------
def _line_widths(spec: dict, name: str) -> set[float]:
    return {d["line"]["width"] for d in spec["data"] if d.get("name") == name and d.get("mode") == "lines"}


def test_projector_figure_is_sized_by_the_page_and_reads_from_the_back_row():
    runs = traces([40, 30])
    normal = spec_of(race_figure(rosen_surface(), runs, window=WINDOW, frames=20))
    big = spec_of(race_figure(rosen_surface(), runs, window=WINDOW, frames=20, projector=True))
    lay = big["layout"]
    assert "height" not in lay and lay["autosize"] is True  # the page gives the window's height
    sizes = {
        "layout (ticks, axis titles)": lay["font"]["size"],
        "Play/Pause": lay["updatemenus"][0]["font"]["size"],
        "step": lay["sliders"][0]["currentvalue"]["font"]["size"],
    }
    assert min(sizes.values()) >= 18, sizes
    for ax in ("xaxis", "yaxis", "xaxis2", "yaxis2"):  # no axis sets a smaller font of its own
        assert "tickfont" not in lay[ax] and "font" not in lay[ax]["title"], ax
    # the page lists the runs beside the chart; the chart keeps every row for the plots
    assert lay["showlegend"] is False and normal["layout"]["showlegend"] is True
    assert min(_line_widths(big, "run 1")) > max(_line_widths(normal, "run 1"))
    heads = [d for d in big["data"] if d.get("mode") == "markers" and d.get("hoverinfo") != "skip"]
    assert all(
        min(np.atleast_1d(d["marker"]["size"])) >= 16
        for d in heads
        if "size" in d["marker"] and d["marker"].get("opacity") != 0
    )


@pytest.mark.parametrize("projector", [False, True])
def test_the_step_slider_has_its_own_row_below_play_and_pause(projector):
    lay = spec_of(race_figure(rosen_surface(), traces([40]), window=WINDOW, frames=20, projector=projector))[
        "layout"
    ]
    menu, slider = lay["updatemenus"][0], lay["sliders"][0]
    # whatever the chart's width (a phone's 356 px), the slider never starts under the buttons
    assert (slider["x"], slider["len"]) == (0.0, 1.0)
    assert slider["y"] == menu["y"] and slider["pad"]["t"] >= menu["pad"]["t"] + 1.5 * lay["font"]["size"]
    assert lay["margin"]["b"] > slider["pad"]["t"]
    # the loss axis' labels sit in the right margin, never in the gap between the two panels
    assert lay["yaxis2"]["side"] == "right"


def test_a_stacked_figure_puts_the_loss_under_the_contour_both_full_width():
    lay = spec_of(
        race_figure(rosen_surface(), traces([40]), window=WINDOW, frames=20, stacked=True, height=5000)
    )["layout"]
    assert 500 <= lay["height"] <= 900  # from the window's shape
    assert lay["xaxis"]["domain"] == lay["xaxis2"]["domain"] == [0.0, 1.0]
    top, bottom = lay["yaxis"]["domain"], lay["yaxis2"]["domain"]
    assert bottom[1] < top[0], "the loss panel lies below the contour, with room for its axis"


@pytest.mark.parametrize("log", [True, False])
def test_a_run_that_blows_up_leaves_through_the_top_and_the_others_stay_readable(log):
    """Sized by a diverging run's 1e13, the log axis kept 16 decades below it and drew every
    converging run flat on its floor (the projector screenshot of lesson 2)."""
    T = 60
    xy = walk(T, 1)
    converging = RunTrace("fine", PALETTE[0], xy, 2.0 * 0.7 ** np.arange(T + 1))
    blowing = RunTrace("diverged", PALETTE[1], xy[:21], 2.0 * 10.0 ** np.arange(21) * 0.7)
    lay = spec_of(
        race_figure(rosen_surface(), [converging, blowing], window=WINDOW, frames=20, log_loss=log)
    )["layout"]
    lo, hi = lay["yaxis2"]["range"]
    last = float(converging.loss[-1])  # 2 × 0.7⁶⁰ ≈ 1e-9
    if log:
        assert lo < math.log10(last) < hi, "the converging run's end is on the axis, above its floor"
        assert hi < math.log10(float(blowing.loss[-1])), "the blow-up leaves through the top"
    else:
        assert hi < float(blowing.loss[-1]) and hi >= 2.0  # the start is on the axis, the blow-up is not


def test_runs_sharing_a_point_each_keep_a_visible_ring():
    """Every default race starts all runs at one point, and converging runs end on one minimum:
    with equal sizes the last run drawn hid the others (run 1 under runs 2 and 3)."""
    runs = traces([30, 30, 30, 30])
    lay_data = spec_of(race_figure(rosen_surface(), runs, window=WINDOW, frames=10))["data"]
    heads = next(
        d
        for d in lay_data
        if d.get("mode") == "markers" and d.get("text") and "start" not in str(d.get("hovertemplate"))
    )
    starts = next(d for d in lay_data if d.get("marker", {}).get("symbol") == "circle-open")
    for trace in (heads, starts):
        sizes = list(trace["marker"]["size"])
        assert len(sizes) == 4
        # drawn in run order: each later marker is smaller, leaving a ring of at least 2 px around it
        assert all(a - b >= 4 for a, b in itertools.pairwise(sizes))
