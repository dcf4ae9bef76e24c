"""The race view as files: an animated GIF or MP4, a PNG, a standalone HTML page, CSV and JSON records.

Pictures come from ``gdviz.export.render`` (Pillow), the HTML page is the page's own Plotly figure
with plotly.js inside (it plays offline), the records are every run's ``gdviz.train.Record`` with
the configuration and the share link. Renderers take ``progress(done, total)``; every size is
checked against ``gdviz.limits`` (MAX_EXPORT_FRAMES, MAX_EXPORT_WIDTH, MAX_EXPORT_PIXELS).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageColor

from gdviz import limits
from gdviz.export.render import DESIGN_HEIGHT, DESIGN_WIDTH, Renderer
from gdviz.export.view import RaceView
from gdviz.figures.paths import frame_steps
from gdviz.figures.style import HALO, INK, PLOTLY_GRID, PLOTLY_TEXT, STAR, STAR_EDGE
from gdviz.train import Record
from gdviz.ui.specs import SPEEDS

Progress = Callable[[int, int], None]
GIF_WIDTH, MP4_WIDTH, PNG_WIDTH = 960, 1280, 1920
_CLEAR = 255  # the GIF palette index left free: "same as the previous frame" (transparent)


def _steps(view: RaceView, frames: int | None, width: int) -> np.ndarray:
    if not (isinstance(width, int) and 320 <= width <= limits.MAX_EXPORT_WIDTH):
        raise ValueError(f"width must be an integer in 320…{limits.MAX_EXPORT_WIDTH} pixels, got {width!r}")
    n = view.config.view.frames if frames is None else frames
    if not (isinstance(n, (int, np.integer)) and 1 <= n <= limits.MAX_EXPORT_FRAMES):
        raise ValueError(f"frames must be an integer in 1…{limits.MAX_EXPORT_FRAMES}, got {frames!r}")
    steps = frame_steps(view.total_steps, int(n))
    height = round(width * DESIGN_HEIGHT / DESIGN_WIDTH)
    if len(steps) * width * height > limits.MAX_EXPORT_PIXELS:
        raise ValueError(
            f"frames × width × height must be at most {limits.MAX_EXPORT_PIXELS:.3g} pixels, "
            f"got {len(steps)} × {width} × {height}: fewer frames or a smaller width"
        )
    return steps


def _fps(view: RaceView, fps: float | None) -> float:
    if fps is None:
        return 1000 / SPEEDS[view.config.view.speed]  # the page's Play speed: 1× is 25 frames a second
    if not (isinstance(fps, (int, float)) and math.isfinite(fps) and 1 <= fps <= 60):
        raise ValueError(f"fps must be a number in 1…60, got {fps!r}")
    return float(fps)


def _report(progress: Progress | None, total: int):
    """Draw and encode share one bar: drawing is counted in frames, the final write as one more."""
    if progress is None:
        return None, lambda: None
    return (lambda done, _n: progress(done, total + 1)), (lambda: progress(total + 1, total + 1))


def _even(renderer: Renderer) -> tuple[int, int]:
    w, h = renderer.out_size
    return w - w % 2, h - h % 2


def to_gif(
    view: RaceView,
    path,
    *,
    frames: int | None = None,
    fps: float | None = None,
    width: int = GIF_WIDTH,
    progress: Progress | None = None,
) -> Path:
    """An animated GIF of the race, looping. One palette for all frames (from the first and last,
    which hold every colour drawn); each frame after the first stores only the pixels that changed
    (the others are the free index, transparent over the previous frame): 0.6 MB instead of 7.7 MB
    at defaults."""
    steps = _steps(view, frames, width)
    delay = round(1000 / _fps(view, fps) / 10) * 10  # GIF delays are in hundredths of a second
    r = Renderer(view, width=width, steps=steps)
    first, last = r.frame(0), r.frame(len(steps) - 1)
    both = Image.new("RGB", (first.width, 2 * first.height))
    both.paste(first, (0, 0))
    both.paste(last, (0, first.height))
    quantizer = _Quantizer(both, [t.color for t in view.traces])
    palette = quantizer.palette
    tick, done = _report(progress, len(steps))
    out, prev = [], None
    for frame in r.frames(tick):
        a = quantizer.indices(frame)
        b = a if prev is None else np.where(a == prev, np.uint8(_CLEAR), a)
        prev = a
        im = Image.fromarray(b, "P")
        im.putpalette(palette)
        out.append(im)
    path = Path(path)
    out[0].save(
        path,
        format="GIF",
        save_all=True,
        append_images=out[1:],
        duration=max(20, delay),
        loop=0,
        transparency=_CLEAR,
        disposal=1,
        optimize=False,
    )
    done()
    return path


class _Quantizer:
    """RGB frames to indices of one palette, every colour to its nearest entry (Pillow's own
    ``quantize(palette=…)`` looks colours up at reduced precision: white became 252, 252, 252).
    A table over all 2²⁴ colours is filled as colours appear; a frame is then one lookup."""

    def __init__(self, picture: Image.Image, run_colors):
        # the flat colours drawn exactly (white, texts, grid, markers, each run's colour and its faint
        # batch-loss tint), the rest of the 255 entries from the picture's median cut
        exact = [INK, PLOTLY_TEXT, PLOTLY_GRID, STAR, STAR_EDGE, HALO, "#ffffff"]
        rgbs = [ImageColor.getrgb(c)[:3] for c in exact]
        for c in run_colors:
            rgb = np.array(ImageColor.getrgb(c)[:3], dtype=float)
            for alpha in (1.0, 0.4):  # the loss panel's tints
                rgbs.append(tuple(round(float(v)) for v in rgb * alpha + 255 * (1 - alpha)))
        rgbs = list(dict.fromkeys(rgbs))
        rest = picture.quantize(colors=255 - len(rgbs), method=Image.Quantize.MEDIANCUT).getpalette()
        flat = [v for rgb in rgbs for v in rgb] + rest[: 3 * (255 - len(rgbs))]
        self.entries = np.array(flat, dtype=np.int64).reshape(-1, 3)[:_CLEAR]
        self.palette = flat + [0] * (768 - len(flat))  # index 255 stays free
        self.table = np.full(1 << 24, _CLEAR, dtype=np.uint8)  # _CLEAR: not looked up yet

    def indices(self, frame: Image.Image) -> np.ndarray:
        a = np.asarray(frame, dtype=np.uint8)
        key = (a[..., 0].astype(np.uint32) << 16) | (a[..., 1].astype(np.uint32) << 8) | a[..., 2]
        idx = self.table[key]
        missing = idx == _CLEAR
        if missing.any():
            new = np.unique(key[missing])
            rgb = np.stack([(new >> 16) & 255, (new >> 8) & 255, new & 255], axis=-1).astype(np.int64)
            for lo in range(0, len(new), 4096):  # nearest entry, in blocks (4096 × 255 distances)
                d = ((rgb[lo : lo + 4096, None, :] - self.entries[None, :, :]) ** 2).sum(axis=-1)
                self.table[new[lo : lo + 4096]] = d.argmin(axis=1).astype(np.uint8)
            idx = self.table[key]
        return idx


def to_mp4(
    view: RaceView,
    path,
    *,
    frames: int | None = None,
    fps: float | None = None,
    width: int = MP4_WIDTH,
    crf: int = 23,
    progress: Progress | None = None,
) -> Path:
    """An H.264 MP4 (yuv420p, plays in every browser and phone) through imageio-ffmpeg's bundled
    ffmpeg; frames are streamed to it as they are drawn."""
    import imageio_ffmpeg

    steps = _steps(view, frames, width)
    rate = _fps(view, fps)
    if not (isinstance(crf, int) and 0 <= crf <= 51):
        raise ValueError(f"crf must be an integer in 0…51, got {crf!r}")
    r = Renderer(view, width=width, steps=steps)
    size = _even(r)
    path = Path(path)
    writer = imageio_ffmpeg.write_frames(
        str(path),
        size,
        fps=rate,
        codec="libx264",
        pix_fmt_out="yuv420p",
        quality=None,
        macro_block_size=2,
        output_params=["-crf", str(crf), "-preset", "veryfast", "-movflags", "+faststart"],
        ffmpeg_log_level="error",
    )
    writer.send(None)
    tick, done = _report(progress, len(steps))
    try:
        for frame in r.frames(tick):
            if frame.size != size:
                frame = frame.crop((0, 0, *size))
            writer.send(frame.tobytes())
    finally:
        writer.close()
    done()
    return path


def to_png(
    view: RaceView, path, *, step: int | None = None, width: int = PNG_WIDTH, progress: Progress | None = None
) -> Path:
    """One frame as a PNG (``width`` pixels wide, lines drawn at twice the size and reduced): the
    frame showing ``step`` (the nearest frame at or after it), the last frame by default."""
    steps = view.frame_steps()
    if step is None:
        i = len(steps) - 1
    else:
        if not (isinstance(step, (int, np.integer)) and 0 <= step <= view.total_steps):
            raise ValueError(f"step must be an integer in 0…{view.total_steps}, got {step!r}")
        i = int(np.searchsorted(steps, step))
    r = Renderer(view, width=width, steps=steps, supersample=2)
    img = r.frame(i)
    path = Path(path)
    img.save(path, format="PNG")
    if progress is not None:
        progress(1, 1)
    return path


def html_text(view: RaceView) -> str:
    """A standalone HTML page of the race figure: plotly.js inside (no network needed), the frames,
    Play/Pause and the step slider, the page's title and share link."""
    import plotly.io as pio

    fig = view.figure()
    body = pio.to_html(
        fig,
        include_plotlyjs=True,
        full_html=True,
        auto_play=False,
        div_id="race",
        default_width="100%",
        default_height="560px",
        config={"displaylogo": False, "responsive": True},
        validate=False,
    )
    title = _escape(f"gdviz — {view.title()}")
    head = (
        f'<head><meta charset="utf-8"><title>{title}</title>'
        f'<meta name="generator" content="gdviz"><meta name="gdviz-link" content="{_escape(view.link)}">'
    )
    return body.replace('<head><meta charset="utf-8" />', head, 1).replace("<head>", head, 1)


def to_html(view: RaceView, path, *, progress: Progress | None = None) -> Path:
    path = Path(path)
    path.write_text(html_text(view), encoding="utf-8")
    if progress is not None:
        progress(1, 1)
    return path


def _escape(s: str) -> str:
    return s.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")


# --- records -----------------------------------------------------------------------------------------
def _runs_of(source) -> tuple[list[Record], list[str], dict]:
    """(records, labels, metadata) of a RaceView or of records."""
    if isinstance(source, RaceView):
        cfg = dataclasses.asdict(source.config)
        meta = {"link": source.link, "config": cfg, "lang": source.lang}
        return list(source.records), [r.label for r in source.drawn], meta
    if isinstance(source, Record):
        source = [source]
    records = list(source)
    if not records or not all(isinstance(r, Record) for r in records):
        raise ValueError(f"records must be a RaceView, a Record or Records, got {type(source).__name__}")
    return records, [f"{i + 1}. {r.optimizer}" for i, r in enumerate(records)], {}


def _check_single(rec: Record) -> None:
    if np.ndim(rec.loss) != 1:
        raise ValueError(f"records must be single runs (gdviz.run), got a loss of shape {np.shape(rec.loss)}")


PER_STATE = ("loss", "samples_seen", "grad_evals", "epoch", "time")  # (T+1,): one per state
PER_STEP = ("batch_loss", "lr")  # (T,): of the update from state k (empty in the last row)


def _run_meta(rec: Record, label: str) -> dict:
    def plain(v):
        if isinstance(v, np.ndarray):
            return v.tolist()
        if isinstance(v, np.generic):
            return v.item()
        if isinstance(v, (tuple, list)):
            return [plain(x) for x in v]
        if isinstance(v, dict):
            return {k: plain(x) for k, x in v.items()}
        return v

    return {
        "label": label,
        "problem": rec.problem,
        "optimizer": rec.optimizer,
        "hyper": plain(rec.hyper),
        "batch_size": rec.batch_size,
        "seed": plain(rec.seed),
        "n_samples": rec.n_samples,
        "steps_done": plain(rec.steps_done),
        "diverged": plain(rec.diverged),
        "stop_reason": plain(rec.stop_reason),
        "thinned": rec.thinned,
    }


def _num(v) -> str:
    return repr(float(v))  # shortest exact text of a float64 ("nan", "inf" read back by float())


def to_csv(source, path, *, meta: dict | None = None) -> Path:
    """Every run's record, one row per state (steps + 1 rows a run): ``run, step``, the per-state
    columns (loss, samples_seen, grad_evals, epoch, time), the update from that state (batch_loss,
    lr; empty in the last row), the parameters ``param_<i>`` (empty where a thinned record kept no
    state) and, for full records, the gradient ``grad_<i>`` at that state. Header lines starting
    with ``#`` hold the share link, the configuration and each run's settings as JSON."""
    records, labels, info = _runs_of(source)
    info = {**info, **(meta or {})}
    for rec in records:
        _check_single(rec)
    P = max(int(np.shape(r.params)[-1]) for r in records)
    with_grad = all(len(r.grad) for r in records)
    buf = io.StringIO()
    buf.write("# gdviz record: one row per state; columns below; JSON metadata on the # lines\n")
    for k, v in info.items():
        buf.write(f"# {k}: {json.dumps(v, ensure_ascii=False, default=str)}\n")
    for i, (rec, label) in enumerate(zip(records, labels, strict=True)):
        buf.write(f"# run {i}: {json.dumps(_run_meta(rec, label), ensure_ascii=False, default=str)}\n")
    cols = ["run", "step", *PER_STATE, *PER_STEP, *(f"param_{j}" for j in range(P))]
    if with_grad:
        cols += [f"grad_{j}" for j in range(P)]
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(cols)
    for i, rec in enumerate(records):
        T = len(rec.loss) - 1
        rows_of = dict(zip(np.asarray(rec.steps_of_params).tolist(), range(len(rec.params)), strict=True))
        for k in range(T + 1):
            row = [str(i), str(k)]
            row += [_num(getattr(rec, c)[k]) for c in PER_STATE]
            row += [_num(getattr(rec, c)[k]) if k < len(getattr(rec, c)) else "" for c in PER_STEP]
            pr = rows_of.get(k)
            row += [_num(x) for x in rec.params[pr]] if pr is not None else [""] * P
            if with_grad:
                row += [_num(x) for x in rec.grad[k]] if k < len(rec.grad) else [""] * P
            w.writerow(row)
    path = Path(path)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


def read_csv(path) -> tuple[dict, list[dict[str, np.ndarray]]]:
    """(metadata, runs) of a file written by ``to_csv``: each run's columns as float arrays, per-step
    columns one shorter than the per-state ones, ``params`` (rows, P) at the steps ``param_steps``."""
    meta, runs_meta, lines = {}, {}, []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.startswith("# run "):
            head, _, body = line[6:].partition(": ")
            runs_meta[int(head)] = json.loads(body)
        elif line.startswith("# ") and ": " in line and not line.startswith("# gdviz record"):
            k, _, body = line[2:].partition(": ")
            meta[k] = json.loads(body)
        elif not line.startswith("#"):
            lines.append(line)
    reader = csv.reader(lines)
    cols = next(reader)
    by_run: dict[int, list[list[str]]] = {}
    for row in reader:
        by_run.setdefault(int(row[0]), []).append(row)
    out = []
    for i in sorted(by_run):
        rows = by_run[i]
        col = {c: [r[j] for r in rows] for j, c in enumerate(cols)}
        run: dict = {"meta": runs_meta.get(i, {}), "step": np.array([int(s) for s in col["step"]])}
        for c in PER_STATE:
            run[c] = np.array([float(v) for v in col[c]])
        for c in PER_STEP:
            run[c] = np.array([float(v) for v in col[c][:-1]])
        for c in ("samples_seen", "grad_evals"):
            run[c] = run[c].astype(np.int64)
        pcols = [c for c in cols if c.startswith("param_") and c[6:].isdigit()]
        have = [k for k, v in enumerate(col[pcols[0]]) if v != ""]
        run["param_steps"] = np.array(have)
        run["params"] = np.array([[float(col[c][k]) for c in pcols] for k in have])
        gcols = [c for c in cols if c.startswith("grad_") and c[5:].isdigit()]
        if gcols:
            run["grad"] = np.array([[float(col[c][k]) for c in gcols] for k in range(len(rows) - 1)])
        out.append(run)
    return meta, out


def _json_values(a) -> list:
    """A float array as JSON numbers, non-finite values as null (JSON has no NaN or infinity)."""
    a = np.asarray(a, dtype=float)
    return (
        [[float(x) if math.isfinite(x) else None for x in row] for row in a]
        if a.ndim == 2
        else [float(x) if math.isfinite(x) else None for x in a]
    )


def to_json(source, path, *, meta: dict | None = None) -> Path:
    """Every run's record as JSON: the metadata (link, configuration), then per run its settings and
    columns (``loss``…, ``params`` with ``param_steps``, ``grad``); non-finite numbers are null."""
    records, labels, info = _runs_of(source)
    info = {**info, **(meta or {})}
    runs = []
    for rec, label in zip(records, labels, strict=True):
        _check_single(rec)
        run = _run_meta(rec, label)
        for c in (*PER_STATE, *PER_STEP):
            run[c] = _json_values(getattr(rec, c))
        run["param_steps"] = np.asarray(rec.steps_of_params).tolist()
        run["params"] = _json_values(rec.params)
        if len(rec.grad):
            run["grad"] = _json_values(rec.grad)
        runs.append(run)
    path = Path(path)
    doc = {"gdviz": "record", **info, "runs": runs}
    path.write_text(json.dumps(doc, ensure_ascii=False, default=str, allow_nan=False), encoding="utf-8")
    return path


EXPORTS: dict[str, Callable] = {"gif": to_gif, "mp4": to_mp4, "png": to_png, "html": to_html}

__all__ = [
    "EXPORTS",
    "html_text",
    "read_csv",
    "to_csv",
    "to_gif",
    "to_html",
    "to_json",
    "to_mp4",
    "to_png",
]
