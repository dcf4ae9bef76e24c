"""The main figure: a contour map with animated paths, and the loss curves, in one Plotly animation.

Both panels live in one figure so that one set of frames keeps them in step. Two budgets shape it:
the JSON sent to the browser (a hosted demo serves many students) and the browser's time per
frame, which grows with the number of traces (Plotly re-applies defaults to every trace on every
frame, ~0.35 ms each), so:

- the contour, minima and start markers are drawn once;
- markers that move (the current point of every run, on both panels) share one trace each;
- a path is two traces: its *history* up to the start of the current chunk of frames, which changes
  only from chunk to chunk and lives in a key frame ``"key<c>"``, and the chunk *in progress*,
  carried by every step frame. Each step frame names its chunk's key frame as ``baseframe``; Plotly
  merges the two before applying, so every frame is complete (slider jumps are exact) while the
  payload grows as O(√frames × path length) instead of O(frames × path length);
- the loss curves are animated the same way (history + chunk in progress): a class asked to predict
  the race must not see its future, so no frame draws a loss beyond its step (a translucent curtain
  over the whole curves, as before, still showed the winner).

The log loss axis never clamps: when a drawn loss is ≤ 0 (beyond round-off of zero) the axis
becomes linear and its title says why (``labels["loss_linear"]``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from gdviz.figures.paths import clip_path, expand_box, frame_steps
from gdviz.figures.raster import contour_image, contour_values
from gdviz.figures.spec import (
    STEP_GROUP,
    SpecFigure,
    f32,
    f32_for,
    finite_list,
    finite_number,
    jump_args,
    need_labels,
    play_args,
    play_pause_menu,
    step_slider,
)
from gdviz.figures.style import (
    CONTOUR_SCALE,
    FONT,
    HALO,
    INK,
    PAPER,
    PATH_WIDTH,
    PLOT_BG,
    PROJECTOR_FONT,
    PROJECTOR_PATH_WIDTH,
    PROJECTOR_TEXT,
    STAR,
    STAR_EDGE,
)
from gdviz.geometry.surfaces import Surface
from gdviz.serve import meter

_TINY = 1e-300
# A loss ≤ 0 within this fraction of the largest |loss| is zero up to round-off (e.g. "loss − minimum"
# a few ulps below 0): on a log axis it sits on the axis floor, which already means "below round-off".
_ROUNDOFF = 1e-12
KEY_GROUP = "keys"
# The invisible hover/click grid over the surface; the page finds a click's point by this name.
CLICK_GRID_NAME = "click-grid"
SLIDER_STEPS = 61
HOVER_GRID = 24
# At most about this many drawn path states per frame; finer detail is below a pixel at any frame rate.
POINTS_PER_FRAME = 3
# A phone's plot width (a 390 px screen's chart less its margins), for the stacked layout's heights.
STACKED_PLOT_WIDTH = 230
# The texts race_figure reads from its ``labels`` (the page passes them from gdviz.ui.i18n, "fig.*").
LABEL_KEYS = (
    "loss",
    "batch_loss",
    "minimum",
    "minimum_off",
    "start",
    "play",
    "pause",
    "step_word",
    "click_to_start",
    "loss_linear",
    "batch_gaps",
)


@dataclass(frozen=True)
class RunTrace:
    """One run as the figure needs it: its plotted coordinates and losses, step by step."""

    label: str
    color: str
    xy: np.ndarray  # (T+1, 2)
    loss: np.ndarray  # (T+1,)
    batch_loss: np.ndarray | None = None  # (T,) mini-batch loss of step k, for stochastic runs
    x: np.ndarray | None = None  # (T+1,) loss-curve x values (steps when None)
    # The step of each row of ``xy`` when the path is thinned (a large model's record keeps some
    # states only); None when row k is step k.
    xy_steps: np.ndarray | None = None


def loss_for_axis(loss: np.ndarray, log: bool, floor: float = _TINY) -> np.ndarray:
    """Losses as drawn: non-finite ones are gaps; on a log axis only round-off zeros (see
    needs_linear_axis) are raised to ``floor``, the bottom of the axis."""
    loss = np.asarray(loss, dtype=float)
    ok = np.isfinite(loss)
    return np.where(ok, np.maximum(loss, floor), np.nan) if log else np.where(ok, loss, np.nan)


def needs_linear_axis(runs: Sequence[RunTrace]) -> bool:
    """Whether some run's loss is ≤ 0 beyond round-off: a log axis cannot show it honestly.

    Mini-batch losses do not decide: below "loss − minimum" a batch may well fit better than the
    whole data set's minimum, and turning every lesson on noisy data linear for the faint batch
    line would hide the convergence it is about; on a log axis those points are gaps, and the axis
    title says so."""
    vals = [np.asarray(r.loss, dtype=float) for r in runs]
    fin = np.concatenate([v[np.isfinite(v)] for v in vals]) if vals else np.zeros(0)
    if not fin.size:
        return False
    return bool(np.any(fin <= -_ROUNDOFF * np.abs(fin).max()) or np.all(fin <= 0))


@dataclass(frozen=True)
class LossAxis:
    """The loss panel's y axis as the page draws it (and the exports, ``gdviz.export.render``):
    ``log`` (False when some loss is ≤ 0, ``needs_linear_axis``), ``range`` (log10 units when
    log), ``floor`` (where round-off zeros sit on a log axis) and the largest x."""

    log: bool
    range: list[float]
    floor: float
    x_max: float


RUNAWAY = 100.0  # the loss axis reaches this many times the largest start loss, not beyond


def loss_axis(runs: Sequence[RunTrace], log_asked: bool, *, pad: float = 0.05) -> LossAxis:
    """Log only if every drawn loss can be shown on it; the range from every loss and batch loss,
    fixed (never more than 16 decades below the peak: below is round-off), ``pad`` of it added at
    each end."""
    log = log_asked and not needs_linear_axis(runs)
    lo, hi, x_max = math.inf, -math.inf, 1e-9
    for r in runs:
        for v in (r.loss, r.batch_loss):
            if v is None or not len(v):
                continue
            v = np.asarray(v, dtype=float)
            fin = v[np.isfinite(v) & ((v > 0) if log else True)]
            if fin.size:
                lo, hi = min(lo, fin.min()), max(hi, fin.max())
        x_max = max(x_max, float(np.nanmax(_loss_x(r))))
    if not math.isfinite(lo):
        lo, hi = (1e-3, 1.0) if log else (0.0, 1.0)
    # A run that blows up leaves through the top, as its path leaves the contour: sized by its 1e13,
    # the axis kept 16 decades below it and drew every converging run flat on the floor.
    starts = [float(r.loss[0]) for r in runs if len(r.loss) and np.isfinite(r.loss[0])]
    if starts:
        ceiling = (
            RUNAWAY * max(abs(v) for v in starts)
            if log
            else max(starts) + RUNAWAY * (max(starts) - lo if max(starts) > lo else 1.0)
        )
        if ceiling > 0 and hi > ceiling:
            hi = ceiling
    if log:
        top = math.log10(max(hi, _TINY))
        low = max(math.log10(max(lo, _TINY)), top - 16)
        room = max(pad * (top - low), 0.1)
        return LossAxis(True, [low - room, top + room], 10 ** (low - room), x_max)
    room = 0.05 * ((hi - lo) or 1.0)
    return LossAxis(False, [lo - room, hi + room], _TINY, x_max)


RING = 5  # px: how much larger each earlier run's marker is than the next one's


def nested_sizes(n: int, smallest: float) -> list[float]:
    """Marker sizes of n runs, run 1 the largest: drawn in run order, every later (smaller) marker
    on top leaves a ring of each earlier one visible where runs share a point."""
    return [float(smallest + RING * (n - 1 - i)) for i in range(n)]


def short_log_ticks(log_range) -> dict:
    """Ticks of a log axis spanning under two decades, at 1-2-5 numbers (1-2-3-…-9 within one
    decade), labelled with their whole value: ``{"tickvals", "ticktext"}`` (empty when none fall
    inside, and Plotly's own ticks stay)."""
    lo, hi = 10 ** float(log_range[0]), 10 ** float(log_range[1])
    mantissas = (1, 2, 3, 4, 5, 6, 7, 8, 9) if log_range[1] - log_range[0] < 1 else (1, 2, 5)
    vals = [
        m * 10.0**e
        for e in range(math.floor(log_range[0]) - 1, math.ceil(log_range[1]) + 1)
        for m in mantissas
        if lo <= m * 10.0**e <= hi
    ]
    if len(vals) < 2:
        return {}
    return {"tickvals": vals, "ticktext": [f"{v:.4g}" for v in vals]}


def _loss_x(r: RunTrace) -> np.ndarray:
    return np.arange(len(r.loss), dtype=float) if r.x is None else np.asarray(r.x, dtype=float)


def chunk_frames(n_frames: int) -> int:
    """Frames per chunk: √frames balances key-frame history against in-progress coordinates."""
    return max(2, math.ceil(math.sqrt(n_frames)))


def _odd_stride(total: int, n_frames: int) -> int:
    """Draw every stride-th state of long runs. The stride is odd so that the most common
    oscillation of gradient descent, a period-2 zigzag across a valley, still alternates in the
    drawing instead of aliasing into a smooth curve along one wall."""
    s = max(1, math.ceil(total / (POINTS_PER_FRAME * n_frames)))
    return s if s % 2 else s + 1


def race_figure(
    surface: Surface,
    runs: Sequence[RunTrace],
    *,
    window,
    minima: np.ndarray | None = None,
    minima_off: np.ndarray | None = None,
    frames: int = 300,
    frame_ms: int = 40,
    log_loss: bool = True,
    contour_log: bool = True,
    axis_titles: tuple[str, str] = ("x", "y"),
    loss_x_title: str | None = None,
    loss_title: str | None = None,
    labels: Mapping[str, str],
    height: int = 620,
    click_grid: int = 0,
    projector: bool = False,
    stacked: bool = False,
) -> SpecFigure:
    """Contour + animated paths (left) and loss curves (right), with Play/Pause and a step slider.

    Step frames are named by the step they show (``"0"``, ``"12"`` …) and form the group
    ``"steps"``; axis ranges are fixed to ``window`` and to the loss range, so nothing rescales
    while playing or when a run diverges (paths are cut where they leave twice the window).

    The surface is a layout image under the traces; an invisible ``click_grid × click_grid`` grid
    of points (HOVER_GRID when 0) lies over it: hovering shows the loss there, and with Streamlit's point
    selection on, clicking one selects its coordinates. ``labels`` holds the texts of LABEL_KEYS.

    ``projector``: the classroom look — every text PROJECTOR_TEXT px, heavier paths, curves and
    markers, and no fixed height (the page sizes the chart to the window): the buttons and the
    slider sit a fixed number of pixels below the plots, so they keep their place at any height.
    ``stacked``: the loss panel under the contour, both the chart's whole width (a phone's 356 px
    left the contour, side by side, 124 px wide); the height then follows from the window's shape
    (``height`` is not used).
    """
    meter.charge("figure")
    lab = need_labels(labels, LABEL_KEYS, "race_figure")
    log_loss_asked = log_loss
    (x0, x1), (y0, y1) = window
    total = max((len(r.loss) - 1 for r in runs), default=0)
    steps_shown = frame_steps(total, frames)
    n_frames = len(steps_shown)
    chunk = chunk_frames(n_frames)
    n_chunks = -(-n_frames // chunk)
    chunk_start = (np.arange(n_frames) // chunk) * chunk  # first frame of each frame's chunk
    stride = _odd_stride(total, n_frames)
    text_px = PROJECTOR_TEXT if projector else 15
    path_w, curve_w, marker = (PROJECTOR_PATH_WIDTH, 4.5, 19) if projector else (PATH_WIDTH, 2.5, 13)

    data: list[dict] = []
    axes_of = {1: ("x", "y"), 2: ("x2", "y2")}

    def add(trace: dict, col: int) -> int:
        trace.setdefault("type", "scatter")
        trace["xaxis"], trace["yaxis"] = axes_of[col]
        data.append(trace)
        return len(data) - 1

    xq = _decimals(x1 - x0)
    yq = _decimals(y1 - y0)

    # --- drawn once: the surface (a picture, see figures.raster), its hover grid -------------------
    zt = contour_values(surface.z, contour_log)
    image = contour_image(surface.x, surface.y, zt, CONTOUR_SCALE)
    add(_hover_grid(surface, click_grid or HOVER_GRID, axis_titles, lab), 1)

    box = expand_box(window, 1.0)
    colors = [r.color for r in runs]
    key_data: list[list[dict]] = [[] for _ in range(n_chunks)]
    key_traces: list[int] = []
    frame_data: list[list[dict]] = [[] for _ in range(n_frames)]
    frame_traces: list[int] = []
    heads = np.zeros((n_frames, len(runs), 2))
    loss_heads = np.zeros((n_frames, len(runs), 2))

    # --- the loss axis: log only if every drawn loss can be shown on it; its range, fixed ----------
    # a stacked panel is short: more room keeps its lowest label off the step axis' labels
    axis = loss_axis(runs, log_loss, pad=0.1 if stacked else 0.05)
    log_loss, loss_range, floor, x_max = axis.log, axis.range, axis.floor, axis.x_max
    linear_fallback = log_loss_asked and not log_loss
    batch_gaps = log_loss and any(
        r.batch_loss is not None and np.any(np.asarray(r.batch_loss, dtype=float) <= 0) for r in runs
    )
    x_right = finite_number(x_max * 1.02)

    def coords(p: np.ndarray, enc=f32) -> dict:
        if len(p) <= 6:  # short lists are fewer bytes as JSON numbers than as typed arrays
            return {"x": np.round(p[:, 0], xq).tolist(), "y": np.round(p[:, 1], yq).tolist()}
        return {"x": enc(p[:, 0]), "y": enc(p[:, 1])}

    def loss_coords(p: np.ndarray, enc=f32) -> dict:
        if len(p) <= 6:
            return {"x": finite_list(p[:, 0]), "y": finite_list(p[:, 1])}
        return {"x": enc(p[:, 0]), "y": enc(p[:, 1])}

    def animated(pts: np.ndarray, pos: np.ndarray, trace: dict, col: int, enc) -> None:
        """A line drawn up to each frame's point ``pos[f]`` of ``pts``: its history up to the chunk's
        first frame (in the key frame) and the chunk in progress (in the step frame)."""
        hist_id = add({**trace, "x": [], "y": []}, col)
        part = {k: v for k, v in trace.items() if k != "name"}
        part_id = add({**part, "x": [], "y": [], "showlegend": False}, col)
        key_traces.append(hist_id)
        for c in range(n_chunks):
            key_data[c].append(enc(pts[: pos[c * chunk] + 1]))
        frame_traces.append(part_id)
        for f in range(n_frames):
            frame_data[f].append(enc(pts[pos[chunk_start[f]] : pos[f] + 1]))

    for i, r in enumerate(runs):
        T = len(r.loss) - 1
        clipped, _ = clip_path(r.xy, box)
        last = len(clipped) - 1  # beyond a divergence exit the path ends on the box edge
        if r.xy_steps is None:
            idx_of = np.minimum(np.minimum(steps_shown, T), last)
            # Draw every `stride`-th state, and every state a frame lands on, so the heads stay exact.
            sel = np.unique(np.concatenate([np.arange(0, last + 1, stride), idx_of, [last]]))
        else:
            # a thinned path: each frame shows the last kept state at or before its step, and every
            # kept row is drawn (they already are an odd stride apart)
            row = np.searchsorted(np.asarray(r.xy_steps), np.minimum(steps_shown, T), side="right") - 1
            idx_of = np.minimum(np.maximum(row, 0), last)
            sel = np.arange(last + 1)
        pts = clipped[sel]
        pos = np.searchsorted(sel, idx_of)  # frame → position in pts
        line = {"color": r.color, "width": path_w}
        enc = f32_for(pts)
        animated(
            pts,
            pos,
            {"mode": "lines", "line": line, "name": r.label, "legendgroup": r.label, "hoverinfo": "skip"},
            1,
            lambda p, enc=enc: coords(p, enc),
        )
        heads[:, i] = pts[pos]

        # loss panel: each curve drawn up to the frame's step, never beyond (predict, then reveal)
        xs = _loss_x(r)
        ly = loss_for_axis(r.loss, log_loss, floor)
        s_ = np.minimum(steps_shown, T)
        keep = np.unique(np.concatenate([np.arange(0, T + 1, stride), s_, [T]]))
        # a formula's loss may pass float32's 3.4e38: then its curves go as float64
        loss_enc = f32_for(xs, ly, *(() if r.batch_loss is None else (r.batch_loss,)))
        if r.batch_loss is not None and len(r.batch_loss):
            # the mini-batch loss of step k is drawn once step k has been taken
            by = np.asarray(r.batch_loss, dtype=float)
            by = np.where(np.isfinite(by) & ((by > 0) if log_loss else True), by, np.nan)  # gaps, see above
            kb = keep[keep < len(by)]
            bpos = np.maximum(np.searchsorted(kb, s_, side="left") - 1, 0)
            animated(
                np.column_stack([xs[kb], by[kb]]),
                bpos,
                {
                    "mode": "lines",
                    "line": {"color": r.color, "width": 1},
                    "opacity": 0.4,
                    "legendgroup": r.label,
                    "showlegend": False,
                    "name": f"{r.label} · {lab['batch_loss']}",
                    "hovertemplate": f"{lab['batch_loss']} %{{y:.4g}}<extra>{r.label}</extra>",
                },
                2,
                lambda p, enc=loss_enc: loss_coords(p, enc),
            )
        animated(
            np.column_stack([xs[keep], ly[keep]]),
            np.searchsorted(keep, s_),
            {
                "mode": "lines",
                "line": {"color": r.color, "width": curve_w},
                "legendgroup": r.label,
                "showlegend": False,
                "name": r.label,
                "hovertemplate": f"{lab['step_word']} %{{x}}<br>{lab['loss']} %{{y:.5g}}<extra>{r.label}</extra>",
            },
            2,
            lambda p, enc=loss_enc: loss_coords(p, enc),
        )
        loss_heads[:, i, 0] = xs[s_]
        loss_heads[:, i, 1] = ly[s_]

    # --- markers: start points, and the moving heads of all runs share one trace per panel --------
    # Runs that start or end at the same point (every default race starts at one point; converging
    # runs end on the same minimum) would hide each other: nested sizes leave a ring of each.
    sizes = nested_sizes(len(runs), marker)
    start_xy = np.array([r.xy[0] for r in runs]) if runs else np.zeros((0, 2))
    names_text = [r.label for r in runs]
    add(
        {
            "x": np.round(start_xy[:, 0], xq).tolist(),
            "y": np.round(start_xy[:, 1], yq).tolist(),
            "mode": "markers",
            "marker": {"symbol": "circle-open", "size": sizes, "color": colors, "line": {"width": 2.5}},
            "showlegend": False,
            "text": names_text,
            "hovertemplate": f"%{{text}} — {lab['start']}<br>(%{{x:.4g}}, %{{y:.4g}})<extra></extra>",
        },
        1,
    )
    head_id = add(
        {
            "x": [],
            "y": [],
            "mode": "markers",
            "marker": {"size": sizes, "color": colors, "line": {"color": HALO, "width": 1.5}},
            "unselected": {"marker": {"opacity": 1}},
            "showlegend": False,
            "text": names_text,
            "hovertemplate": "%{text}<br>(%{x:.4g}, %{y:.4g})<extra></extra>",
        },
        1,
    )
    lhead_id = add(
        {
            "x": [],
            "y": [],
            "mode": "markers",
            "marker": {"size": marker - 3, "color": colors, "line": {"color": HALO, "width": 1.5}},
            "unselected": {"marker": {"opacity": 1}},
            "showlegend": False,
            "hoverinfo": "skip",
        },
        2,
    )
    # The minima last: drawn above paths, starts and heads, so a run ending on one never hides it.
    if minima is not None and len(minima):
        m = np.asarray(minima, dtype=float)
        add(
            {
                "x": np.round(m[:, 0], xq).tolist(),
                "y": np.round(m[:, 1], yq).tolist(),
                "mode": "markers",
                "marker": {
                    "symbol": "star",
                    "size": marker + 3 if projector else 16,
                    "color": STAR,
                    "line": {"color": STAR_EDGE, "width": 1},
                },
                "name": lab["minimum"],
                "hovertemplate": f"{lab['minimum']}<br>(%{{x:.4g}}, %{{y:.4g}})<extra></extra>",
            },
            1,
        )
    # a minimiser off the slice or plane, at its projection: hollow, and its hover says so
    if minima_off is not None and len(minima_off):
        m = np.asarray(minima_off, dtype=float)
        add(
            {
                "x": np.round(m[:, 0], xq).tolist(),
                "y": np.round(m[:, 1], yq).tolist(),
                "mode": "markers",
                "marker": {
                    "symbol": "star-open",
                    "size": marker + 3 if projector else 16,
                    "color": STAR_EDGE,
                    "line": {"color": STAR_EDGE, "width": 2},
                },
                "name": lab["minimum_off"],
                "hovertemplate": f"{lab['minimum_off']}<br>(%{{x:.4g}}, %{{y:.4g}})<extra></extra>",
            },
            1,
        )

    frame_traces += [head_id, lhead_id]
    hx = np.round(heads[..., 0], xq).tolist()
    hy = np.round(heads[..., 1], yq).tolist()
    lx = loss_heads[..., 0].tolist()
    ly_heads = [[finite_number(v) for v in row] for row in loss_heads[..., 1]]
    for f in range(n_frames):
        frame_data[f].append({"x": hx[f], "y": hy[f]})
        frame_data[f].append({"x": lx[f], "y": ly_heads[f]})
    # --- frames, slider, buttons ------------------------------------------------------------------
    names = [str(int(s)) for s in steps_shown]
    keys = [
        {"name": f"key{c}", "group": KEY_GROUP, "data": key_data[c], "traces": key_traces}
        for c in range(n_chunks)
    ]
    step_frames = [
        {
            "name": names[f],
            "group": STEP_GROUP,
            "baseframe": f"key{f // chunk}",
            "data": frame_data[f],
            "traces": frame_traces,
        }
        for f in range(n_frames)
    ]
    # The figure opens on frame 0: give the moving traces its data.
    for tid, d in zip(key_traces + frame_traces, key_data[0] + frame_data[0], strict=True):
        data[tid].update(d)

    jump = jump_args()
    play = play_args(frame_ms, from_current=True)
    # Every slider step is a group of SVG elements redrawn on each update of the chart; 300 of them
    # cost more than the whole rest of a redraw, so the slider stops at most SLIDER_STEPS frames
    # (Play still shows every frame; the thumb follows at the frames it has).
    slider_at = np.unique(np.linspace(0, n_frames - 1, min(n_frames, SLIDER_STEPS)).round().astype(int))
    split = 0.55
    ratio = (y1 - y0) / (x1 - x0)
    equal = 1 / 3 <= ratio <= 3
    # The buttons and the slider: a fixed number of pixels below the plots (past the x-axes' ticks
    # and titles), so they keep their place at any height (the projector's comes from the window);
    # the slider on its own row under the buttons, so that a phone's narrow chart fits both.
    row = 4 * text_px + 14
    top, bottom = 40, row + 7 * text_px
    # (x domain, y domain) of the contour and of the loss panel
    if stacked:
        # in pixels, for a phone's plot about STACKED_PLOT_WIDTH wide: the contour as tall as its
        # window's shape needs at that width, then room for its x-axis, then the loss panel
        contour_px = int(min(max(STACKED_PLOT_WIDTH * min(max(ratio, 1 / 3), 3), 120), 320))
        gap_px, loss_px = 4 * text_px + 24, 220
        plot_px = contour_px + gap_px + loss_px
        # the legend above, a row for each run and the minimum on a phone, in the top margin (else
        # Plotly grows the margin into the plots)
        top = 33 * (len(runs) + 1) + 16
        height = top + plot_px + bottom
        panes = (([0.0, 1.0], [(loss_px + gap_px) / plot_px, 1.0]), ([0.0, 1.0], [0.0, loss_px / plot_px]))
    else:
        panes = (([0.0, split], [0.0, 1.0]), ([split + 0.08, 1.0], [0.0, 1.0]))
    layout = {
        **({"autosize": True} if projector else {"height": height}),
        "margin": {
            "l": 80 if projector else 60,
            "r": 90 if projector else 70,
            "t": top,
            "b": bottom,
        },
        "paper_bgcolor": PAPER,
        "plot_bgcolor": PLOT_BG,
        "font": PROJECTOR_FONT if projector else FONT,
        # On the projector the page lists the runs beside the chart (projector.legend): in the
        # chart, four long run names in 18 px took four rows of a 1280×720 screen's chart.
        "showlegend": not projector,
        "legend": {
            "orientation": "h",
            "x": 0.0,
            "y": 1.02,
            "xanchor": "left",
            "yanchor": "bottom",
            "font": {"size": text_px},
        },
        "hovermode": "closest",
        "images": [image],
        "xaxis": {
            "domain": panes[0][0],
            "anchor": "y",
            "range": [x0, x1],
            "title": {"text": axis_titles[0]},
            "showgrid": False,
            "zeroline": False,
            **({"constrain": "domain"} if equal else {}),
            # a y label at the window's bottom reaches half its height below the plot, into the
            # first x label on a phone's narrow contour (measured: −0.5 over −1 by 2 px)
            **({"ticklabelstandoff": (3 * text_px) // 4 + 1} if stacked else {}),
        },
        "yaxis": {
            "domain": panes[0][1],
            "anchor": "x",
            "range": [y0, y1],
            "title": {"text": axis_titles[1]},
            "showgrid": False,
            "zeroline": False,
            # True geometry when the window allows it: only with equal scales does the gradient
            # look perpendicular to the level lines, as it is.
            **({"scaleanchor": "x", "scaleratio": 1, "constrain": "domain"} if equal else {}),
        },
        "xaxis2": {
            "domain": panes[1][0],
            "anchor": "y2",
            "range": [0, x_right],
            "title": {"text": loss_x_title or lab["step_word"]},
        },
        "yaxis2": {
            "domain": panes[1][1],
            "anchor": "x2",
            "range": loss_range,
            "type": "log" if log_loss else "linear",
            # ticks on the right, in the margin: on a phone's narrow chart labels like 10⁻¹⁴ on the
            # left ran into the contour's; a little off the axis, clear of the last step's label
            "side": "right",
            "ticklabelstandoff": 8,
            # what a log axis could not show, the title says: that the axis is linear instead (a
            # loss ≤ 0), or that mini-batch losses ≤ 0 are gaps
            "title": {
                "text": f"{loss_title or lab['loss']} ({lab['loss_linear']})"
                if linear_fallback
                else f"{loss_title or lab['loss']} ({lab['batch_gaps']})"
                if batch_gaps
                else (loss_title or lab["loss"])
            },
            "exponentformat": "power",
            # whole decades only when the range spans a few: minor labels (2, 5) crowd the axis (a
            # stacked, phone panel has half the height for them); within two decades, ticks of our
            # own: Plotly labels 40 on such an axis as a bare "4"
            **(
                {"dtick": _decades_per_tick(loss_range[1] - loss_range[0], stacked)}
                if log_loss and loss_range[1] - loss_range[0] >= 2
                else short_log_ticks(loss_range)
                if log_loss
                else {}
            ),
        },
        "updatemenus": [
            play_pause_menu(
                lab["play"],
                lab["pause"],
                y=0.0,
                play=play,
                jump=jump,
                font={"size": text_px},
                pad_t=row,
            )
        ],
        "sliders": [
            step_slider(
                [names[f] for f in slider_at],
                prefix=f"{lab['step_word']} ",
                active=0,
                y=0.0,
                jump=jump,
                value_font={"size": text_px, "color": INK},
                own_row=True,
                pad_t=row + 2 * text_px + 4,  # under the buttons' row
            )
        ],
    }
    return SpecFigure({"data": data, "layout": layout, "frames": keys + step_frames})


def _decades_per_tick(span: float, stacked: bool) -> int:
    """A log axis' tick step in decades for an axis spanning ``span`` decades: 1, or 2 beyond 8; on
    a stacked (phone) panel, half as tall, 1, 2 beyond 4 and 3 beyond 9."""
    if stacked:
        return 1 if span <= 4 else 2 if span <= 9 else 3
    return 1 if span <= 8 else 2


def _decimals(span: float) -> int:
    """Decimal places that resolve a millionth of ``span``: far below a pixel, short in JSON."""
    return max(0, 6 - math.floor(math.log10(span))) if span > 0 and math.isfinite(span) else 6


def _hover_grid(surface: Surface, n: int, axis_titles, lab) -> dict:
    iy = np.linspace(0, len(surface.y) - 1, n).round().astype(int)
    ix = np.linspace(0, len(surface.x) - 1, n).round().astype(int)
    gx, gy = np.meshgrid(surface.x[ix], surface.y[iy])
    gz = surface.z[np.ix_(iy, ix)]
    # where the loss is undefined there is nothing to hover or to start from
    ok = np.isfinite(gz).ravel()
    return {
        "x": f32(gx.ravel()[ok]),
        "y": f32(gy.ravel()[ok]),
        "customdata": f32(gz.ravel()[ok]),
        "mode": "markers",
        "marker": {"size": 14, "opacity": 0},
        "selected": {"marker": {"opacity": 0}},
        "unselected": {"marker": {"opacity": 0}},
        "name": CLICK_GRID_NAME,
        "showlegend": False,
        "hovertemplate": f"{axis_titles[0]}=%{{x:.4g}}<br>{axis_titles[1]}=%{{y:.4g}}<br>"
        f"{lab['loss']}=%{{customdata:.5g}}<br><i>{lab['click_to_start']}</i><extra></extra>",
    }
