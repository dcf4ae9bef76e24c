"""The race figure drawn with Pillow, frame by frame: what the GIF, MP4 and PNG exports show.

Why not Plotly's own image export (Kaleido): it drives a headless Chrome and takes about a second
per frame, and 300 frames are the default (``benchmarks/bench_export.py`` measures both). Here
everything that does not move is drawn once — the contour picture (``gdviz.figures.raster``, the
page's own), axes, minima, the full loss curves and the empty loss panel — and a frame only adds
the new path segments to a persistent layer, shows the loss curves up to its step (nothing of the
future: the page shows none before Play either) and draws the moving heads and the step. The loss
axis is the page's (``gdviz.figures.race.loss_axis``): linear, and titled so, when a loss is ≤ 0. Colours come from ``gdviz.figures.style``, texts from the view's labels
(its language), the layout follows the page's figure (contour left on equal scales, loss right).

Lines are drawn at ``supersample`` times the size and reduced (Pillow draws no antialiased lines).
"""

from __future__ import annotations

import math
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from PIL import Image, ImageColor, ImageDraw, ImageFont

from gdviz.figures.paths import clip_path, expand_box
from gdviz.figures.race import loss_axis, loss_for_axis, nested_sizes
from gdviz.figures.raster import contour_rgba, contour_values
from gdviz.figures.style import (
    CONTOUR_SCALE,
    HALO,
    INK,
    PATH_WIDTH,
    PLOTLY_GRID,
    PLOTLY_TEXT,
    STAR,
    STAR_EDGE,
)

Progress = Callable[[int, int], None]
DESIGN_WIDTH, DESIGN_HEIGHT = 1280, 640  # the layout below is in these units, scaled to the width
_TINY = 1e-300
_FAR = 1e5  # pixel coordinates are clamped here: Pillow draws nothing sensible much beyond


# --- fonts -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FontChoice:
    path: str | None  # None: Pillow's default font
    index: int
    note: str | None  # why the text may not show as it should (no CJK font), for the caller to say


def _fc_match(pattern: str) -> tuple[str, int] | None:
    if shutil.which("fc-match") is None:
        return None
    try:
        out = subprocess.run(
            ["fc-match", "-f", "%{file}|%{index}", pattern], capture_output=True, text=True, timeout=10
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    path, _, index = out.partition("|")
    return (path, int(index or 0)) if path else None


def _has_cjk(path: str, index: int) -> bool:
    try:
        font = ImageFont.truetype(path, 20, index=index)
    except OSError:
        return False
    # a font without these glyphs draws the same .notdef box for each of them
    masks = [font.getmask(ch) for ch in ("损", "步", "暂")]
    return all(m.getbbox() for m in masks) and len({bytes(m) for m in masks}) == 3


@lru_cache(maxsize=4)
def font_choice(lang: str) -> FontChoice:
    """The page's font stack as far as this machine has it: Noto Sans CJK for Chinese (Debian
    ``fonts-noto-cjk``), Inter or the system sans for English; Pillow's own font when none is found."""
    if lang == "zh":
        for pattern in (
            "Noto Sans CJK SC:lang=zh-cn",
            "Source Han Sans SC:lang=zh-cn",
            "sans-serif:lang=zh-cn",
        ):
            found = _fc_match(pattern)
            if found and _has_cjk(*found):
                return FontChoice(found[0], found[1], None)
        return FontChoice(
            None, 0, "no Chinese font found (install fonts-noto-cjk): Chinese labels are drawn as boxes"
        )
    found = _fc_match("Inter") or _fc_match("sans-serif")
    if found:
        try:
            ImageFont.truetype(found[0], 12, index=found[1])
            return FontChoice(found[0], found[1], None)
        except OSError:
            pass
    return FontChoice(None, 0, "no system font found (fontconfig): labels use Pillow's default font")


@lru_cache(maxsize=64)
def _font(lang: str, size: int):
    c = font_choice(lang)
    if c.path is None:
        return ImageFont.load_default(size=size)
    return ImageFont.truetype(c.path, size, index=c.index)


# --- numbers on axes ---------------------------------------------------------------------------------
def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """Round tick values inside [lo, hi], about ``n`` of them (1, 2, 5 × 10^k steps, as Plotly)."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return []
    raw = (hi - lo) / max(1, n)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step - 1e-9) * step
    out = []
    v = first
    while v <= hi + 1e-9 * step:
        out.append(0.0 if abs(v) < step * 1e-9 else v)
        v += step
    return out


def tick_text(v: float) -> str:
    s = f"{v:.6g}"
    if "e" in s:
        m, _, e = s.partition("e")
        s = f"{m}e{int(e)}"
    return s.replace("-", "−")  # Plotly's minus sign


def power_text(k: int) -> str | tuple[str, str]:
    """10^k as Plotly's ``exponentformat="power"`` writes it: ("10", "−3") for 10⁻³ (the exponent is
    drawn raised and small: not every font has superscript signs), "1" for k = 0, "10" for k = 1."""
    return {0: "1", 1: "10"}.get(k) or ("10", str(k).replace("-", "−"))


# --- layout ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Box:
    """A plot area in pixels and the data range it shows (y up); ``log`` for a log10 y axis."""

    left: int
    top: int
    width: int
    height: int
    x0: float
    x1: float
    y0: float
    y1: float
    log: bool = False

    def px(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """(n, 2) pixel coordinates of data points, relative to the box."""
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        if self.log:
            with np.errstate(divide="ignore", invalid="ignore"):
                y = np.log10(np.maximum(y, _TINY))
        u = (x - self.x0) / (self.x1 - self.x0) * (self.width - 1)
        v = (self.y1 - y) / (self.y1 - self.y0) * (self.height - 1)
        return np.clip(np.stack([u, v], axis=-1), -_FAR, _FAR)


def _equal_domain(left, top, width, height, window) -> tuple[int, int, int, int]:
    """Plotly's ``scaleanchor`` with ``constrain="domain"``: the axis with more room shrinks
    (centred) until one data unit is as long on both."""
    (x0, x1), (y0, y1) = window
    ratio = (y1 - y0) / (x1 - x0)
    if not 1 / 3 <= ratio <= 3:
        return left, top, width, height
    unit = min(width / (x1 - x0), height / (y1 - y0))
    w, h = round(unit * (x1 - x0)), round(unit * (y1 - y0))
    return left + (width - w) // 2, top + (height - h) // 2, w, h


def _blend(rgb, alpha: float, over=(255, 255, 255)) -> tuple[int, int, int]:
    c = np.asarray(rgb, dtype=float) * alpha + np.asarray(over, dtype=float) * (1 - alpha)
    return tuple(round(float(v)) for v in c)


def _rgb(color: str) -> tuple[int, int, int]:
    return ImageColor.getrgb(color)[:3]


def _polyline(draw: ImageDraw.ImageDraw, pts: np.ndarray, fill, width: int) -> None:
    """A line through the finite points, broken where a point is not finite."""
    ok = np.all(np.isfinite(pts), axis=1)
    if not ok.any():
        return
    cuts = np.flatnonzero(np.diff(ok.astype(np.int8))) + 1
    for seg in np.split(np.arange(len(pts)), cuts):
        if ok[seg[0]] and len(seg) > 1:
            draw.line([tuple(p) for p in pts[seg].tolist()], fill=fill, width=width, joint="curve")


def _disc(draw, center, diameter: float, fill, outline=None, width: int = 0) -> None:
    x, y = center
    if not (math.isfinite(x) and math.isfinite(y)):
        return
    r = diameter / 2
    draw.ellipse((x - r, y - r, x + r, y + r), fill=fill, outline=outline, width=width)


def _star(draw, center, size: float, fill, outline) -> None:
    x, y = center
    pts = []
    for k in range(10):
        r = size / 2 if k % 2 == 0 else size / 5
        a = -math.pi / 2 + k * math.pi / 5
        pts.append((x + r * math.cos(a), y + r * math.sin(a)))
    draw.polygon(pts, fill=fill, outline=outline)


class Renderer:
    """Frames of a race view (``gdviz.export.view.RaceView``) at ``width`` pixels: ``frame(i)`` for
    the i-th of ``steps`` (default: the figure's own frames), ``frames()`` for all of them in order
    (much cheaper than random access: paths are drawn incrementally)."""

    def __init__(self, view, *, width: int = 1280, steps=None, supersample: int = 1):
        from gdviz import limits

        if not (isinstance(width, int) and 320 <= width <= limits.MAX_EXPORT_WIDTH):
            raise ValueError(
                f"width must be an integer in 320…{limits.MAX_EXPORT_WIDTH} pixels, got {width!r}"
            )
        if supersample not in (1, 2, 3):
            raise ValueError(f"supersample must be 1, 2 or 3, got {supersample!r}")
        self.view = view
        self.lang = view.lang
        self.out_size = (width, round(width * DESIGN_HEIGHT / DESIGN_WIDTH))
        self.ss = supersample
        self.s = width * supersample / DESIGN_WIDTH  # design unit → drawing pixels
        self.size = (self.out_size[0] * supersample, self.out_size[1] * supersample)
        self.steps = np.asarray(view.frame_steps() if steps is None else steps, dtype=np.int64)
        self._layout()
        self._draw_static()
        self._reset()

    # -- geometry -----------------------------------------------------------------------------------
    def u(self, v: float) -> int:
        return max(1, round(v * self.s))

    def font(self, size: float):
        return _font(self.lang, self.u(size))

    def _layout(self) -> None:
        v = self.view
        W, H = self.size
        left, right, bottom = self.u(78), self.u(24), self.u(118)
        # the legend: one entry per run, wrapped into rows that fit the width
        f = self.font(16)
        probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
        self.legend = []
        x, y = left, self.u(66)
        for t in v.traces:
            w = self.u(38) + round(probe.textlength(t.label, font=f))
            if x > left and x + w > W - right:
                x, y = left, y + self.u(26)
            self.legend.append((x, y))
            x += w + self.u(28)
        top = y + self.u(30)
        pw, ph = W - left - right, H - top - bottom
        split, gap = 0.55, 0.08  # the page's figure: contour on [0, 0.55], loss on [0.63, 1]
        cw = round(pw * split)
        window = v.view.window
        (x0, x1), (y0, y1) = window
        cl, ct, cwid, chei = _equal_domain(left, top, cw, ph, window)
        self.contour = Box(cl, ct, cwid, chei, x0, x1, y0, y1)
        ll = left + round(pw * (split + gap))
        # the page's own loss axis: the same decision (log or linear), range and floor
        self.axis = loss_axis(list(v.traces), v.config.view.log_loss)
        y0, y1 = self.axis.range
        self.loss = Box(ll, top, W - right - ll, ph, 0.0, self.axis.x_max * 1.02, y0, y1, log=self.axis.log)

    # -- drawn once ---------------------------------------------------------------------------------
    def _panel_base(self, box: Box) -> Image.Image:
        return Image.new("RGB", (box.width, box.height), "white")

    def _draw_static(self) -> None:
        v = self.view
        W, H = self.size
        self.base = Image.new("RGB", (W, H), "white")
        d = ImageDraw.Draw(self.base)
        text_rgb = _rgb(PLOTLY_TEXT)

        # title and legend (the page's legend sits above the plots, one line per run colour)
        d.text((self.u(78), self.u(14)), v.title(), font=self.font(24), fill=_rgb(INK))
        f = self.font(16)
        for (x, y), t in zip(self.legend, v.traces, strict=True):
            d.line((x, y, x + self.u(30), y), fill=_rgb(t.color), width=self.u(PATH_WIDTH))
            d.text((x + self.u(38), y), t.label, font=f, fill=text_rgb, anchor="lm")

        # contour panel: the surface picture, then the minima (paths go over them, markers over paths)
        c = self.contour
        surf = v.view.surface
        zt = contour_values(surf.z, True)
        sx0, sx1, sy0, sy1 = float(surf.x[0]), float(surf.x[-1]), float(surf.y[0]), float(surf.y[-1])
        (a, b), (e, f_) = c.px([sx0, sx1], [sy1, sy0])
        sw, sh = max(1, round(e - a + 1)), max(1, round(f_ - b + 1))
        panel = self._panel_base(c)
        if sw * sh <= 4 * c.width * c.height:
            rgba = contour_rgba(zt, CONTOUR_SCALE, size=(sh, sw))
            pic = Image.fromarray(rgba, "RGBA")
            panel.paste(pic, (round(a), round(b)), pic)
        pd = ImageDraw.Draw(panel)
        if v.view.minima is not None and len(v.view.minima):
            m = np.asarray(v.view.minima, dtype=float)
            for p in c.px(m[:, 0], m[:, 1]):
                _star(pd, p, self.u(16) * 1.2, _rgb(STAR), _rgb(STAR_EDGE))
        if len(v.view.minima_off):
            m = np.asarray(v.view.minima_off, dtype=float)
            for p in c.px(m[:, 0], m[:, 1]):
                _star(pd, p, self.u(16) * 1.2, None, _rgb(STAR_EDGE))
        self.contour_base = panel
        self._axes(d, c, (sx0, sx1), grid=False, titles=v.view.axis_titles)

        # loss panel: grid and full curves (batch losses faint), and the grid alone for the future
        lb = self.loss
        lp = self._panel_base(lb)
        ld = ImageDraw.Draw(lp)
        self._loss_grid(ld, lb)
        self.loss_empty = lp.copy()
        self._loss_xy = []
        for t in v.traces:
            xs = np.arange(len(t.loss), dtype=float) if t.x is None else np.asarray(t.x, dtype=float)
            col = _rgb(t.color)
            if t.batch_loss is not None and len(t.batch_loss):
                by = np.asarray(t.batch_loss, dtype=float)
                _polyline(ld, lb.px(xs[: len(by)], self._finite(by)), _blend(col, 0.4), max(1, self.u(1)))
            ly = self._finite(t.loss)
            _polyline(ld, lb.px(xs, ly), col, self.u(2.5))
            self._loss_xy.append((xs, ly))
        self.loss_plain = lp
        title = v.loss_title()
        if v.config.view.log_loss and not self.axis.log:
            title = f"{title} ({v.labels['loss_linear']})"
        self.loss_axis_title = title
        self._axes(d, lb, None, grid=True, titles=(v.loss_x_title(), title))

        # around each plot, as wide as the largest marker: restored before every frame (a marker near
        # an edge overlaps it)
        m = self.u(10)
        self._margins = []
        for b in (self.contour, self.loss):
            box = (b.left - m, b.top - m, b.left + b.width + m, b.top + b.height + m)
            self._margins.append(((box[0], box[1]), self.base.crop(box)))
        # the slider's row, restored before each frame draws its step there
        self.strip_top = H - self.u(56)
        self.strip = self.base.crop((0, self.strip_top, W, H))

        # the paths, clipped as the figure clips them, in pixels of the contour panel
        box = expand_box(v.view.window, 1.0)
        self._paths = []
        for t in v.traces:
            T = len(t.loss) - 1
            clipped, _ = clip_path(t.xy, box)
            last = len(clipped) - 1
            s = np.minimum(self.steps, T)
            if t.xy_steps is None:
                idx = np.minimum(s, last)
            else:
                row = np.searchsorted(np.asarray(t.xy_steps), s, side="right") - 1
                idx = np.minimum(np.maximum(row, 0), last)
            self._paths.append((c.px(clipped[:, 0], clipped[:, 1]), idx, T, t))

    def _finite(self, a) -> np.ndarray:
        return loss_for_axis(a, self.axis.log, self.axis.floor)

    def _loss_grid(self, d, box: Box) -> None:
        grid = _rgb(PLOTLY_GRID)
        for xv in nice_ticks(box.x0, box.x1, 6):
            ((px, _),) = box.px([xv], [10**box.y0 if box.log else box.y0])
            d.line((px, 0, px, box.height), fill=grid, width=max(1, self.u(1)))
        for yv, _ in self._y_ticks(box):
            ((_, py),) = box.px([box.x0], [yv])
            d.line((0, py, box.width, py), fill=grid, width=max(1, self.u(1)))

    def _y_ticks(self, box: Box) -> list[tuple[float, str]]:
        if box.log:
            span = box.y1 - box.y0
            if span >= 2:
                step = 1 if span <= 8 else 2
                ks = range(math.ceil(box.y0), math.floor(box.y1) + 1)
                return [(10.0**k, power_text(k)) for k in ks if k % step == 0]
            vals = nice_ticks(10**box.y0, 10**box.y1, 4)
            return [(v, tick_text(v)) for v in vals if v > 0]
        return [(v, tick_text(v)) for v in nice_ticks(box.y0, box.y1, 6)]

    def _axes(self, d, box: Box, _extent, *, grid: bool, titles) -> None:
        text_rgb = _rgb(PLOTLY_TEXT)
        f = self.font(14)
        below = box.top + box.height
        for xv in nice_ticks(box.x0, box.x1, 6 if grid else 5):
            ((px, _),) = box.px([xv], [10**box.y0 if box.log else box.y0])
            d.text((box.left + px, below + self.u(6)), tick_text(xv), font=f, fill=text_rgb, anchor="mt")
        ticks = self._y_ticks(box) if grid else [(v, tick_text(v)) for v in nice_ticks(box.y0, box.y1, 5)]
        small = self.font(10)
        for yv, label in ticks:
            ((_, py),) = box.px([box.x0], [yv])
            xr, yc = box.left - self.u(6), box.top + py
            if isinstance(label, tuple):
                d.text((xr, yc - self.u(6)), label[1], font=small, fill=text_rgb, anchor="rm")
                xr -= round(d.textlength(label[1], font=small))
                label = label[0]
            d.text((xr, yc), label, font=f, fill=text_rgb, anchor="rm")
        ft = self.font(15)
        d.text(
            (box.left + box.width // 2, below + self.u(30)), titles[0], font=ft, fill=text_rgb, anchor="mt"
        )
        # the y title, turned as Plotly turns it
        label = titles[1]
        tw = round(d.textlength(label, font=ft)) + self.u(4)
        th = self.u(24)
        tile = Image.new("RGBA", (tw, th), (255, 255, 255, 0))
        ImageDraw.Draw(tile).text((0, th // 2), label, font=ft, fill=(*text_rgb, 255), anchor="lm")
        tile = tile.rotate(90, expand=True)
        x = box.left - self.u(62)
        self.base.paste(tile, (x, box.top + (box.height - tile.height) // 2), tile)

    # -- per frame ----------------------------------------------------------------------------------
    def _reset(self) -> None:
        self._canvas = self.base.copy()
        self._layer = self.contour_base.copy()
        self._drawn = [0 for _ in self._paths]
        self._next = 0

    def _advance_paths(self, i: int) -> None:
        d = ImageDraw.Draw(self._layer)
        w = self.u(PATH_WIDTH)
        for r, (pts, idx, _T, t) in enumerate(self._paths):
            upto = int(idx[i])
            if upto > self._drawn[r]:
                _polyline(d, pts[self._drawn[r] : upto + 1], _rgb(t.color), w)
                self._drawn[r] = upto

    def frame(self, i: int) -> Image.Image:
        """Frame ``i`` (of ``self.steps``) as a new RGB image of ``out_size``."""
        return self._frame(i).copy()

    def _frame(self, i: int) -> Image.Image:
        if not 0 <= i < len(self.steps):
            raise ValueError(f"frame must be in 0…{len(self.steps) - 1}, got {i}")
        if i < self._next - 1:  # backwards: the path layer already holds later segments
            self._reset()
        for k in range(self._next, i + 1):
            self._advance_paths(k)
        self._next = max(self._next, i + 1)
        return self._compose(i)

    def frames(self, progress: Progress | None = None) -> Iterator[Image.Image]:
        """Every frame in order. The image yielded is reused for the next frame: encode or copy it
        before asking for the next (a copy per frame would be a third of the drawing time)."""
        self._reset()
        n = len(self.steps)
        for i in range(n):
            yield self._frame(i)
            if progress is not None:
                progress(i + 1, n)

    def _inside(self, box: Box, p) -> bool:
        return 0 <= p[0] < box.width and 0 <= p[1] < box.height

    def _compose(self, i: int) -> Image.Image:
        # One canvas holds the frame: the parts that change are pasted over it (each a region copy)
        # and the markers drawn on it. A marker whose centre is outside its plot is not drawn; one
        # near an edge may overlap the axis by its radius (Plotly clips it).
        img = self._canvas
        c, lb = self.contour, self.loss
        step = int(self.steps[i])
        for at_, under in self._margins:  # the edges a marker overlapped in the previous frame
            img.paste(under, at_)
        img.paste(self._layer, (c.left, c.top))
        img.paste(self.strip, (0, self.strip_top))
        d = ImageDraw.Draw(img)
        ring, halo = self.u(2.5), self.u(1.5)
        at = np.array([c.left, c.top])
        # start markers over the paths, heads over everything; nested sizes as on the page, so that
        # runs sharing a point each keep a visible ring
        sizes = nested_sizes(len(self._paths), 13)
        for (pts, _idx, _T, t), size in zip(self._paths, sizes, strict=True):
            if len(pts) and self._inside(c, pts[0]):
                _disc(d, pts[0] + at, self.u(size), None, outline=_rgb(t.color), width=ring)
        for (pts, idx, _T, t), size in zip(self._paths, sizes, strict=True):
            if len(pts) and self._inside(c, pts[int(idx[i])]):
                _disc(d, pts[int(idx[i])] + at, self.u(size), _rgb(t.color), outline=_rgb(HALO), width=halo)

        same_x = all(t.x is None for t in self.view.traces)
        heads = []
        for (xs, ly), (_pts, _idx, T, _t) in zip(self._loss_xy, self._paths, strict=True):
            k = min(step, T)
            heads.append((xs[k], ly[k]))
        xa = float(step) if same_x else max(h[0] for h in heads)
        ((ax, _),) = lb.px([xa], [10**lb.y0 if lb.log else lb.y0])
        ax = int(np.clip(round(ax), 0, lb.width))
        img.paste(self.loss_plain.crop((0, 0, ax, lb.height)) if ax else self.loss_empty, (lb.left, lb.top))
        if 0 < ax < lb.width:
            img.paste(self.loss_empty.crop((ax, 0, lb.width, lb.height)), (lb.left + ax, lb.top))
        at = np.array([lb.left, lb.top])
        for (hx, hy), (_p, _i, _T, t) in zip(heads, self._paths, strict=True):
            (p,) = lb.px([hx], [hy])
            if math.isfinite(hy) and self._inside(lb, p):
                _disc(d, p + at, self.u(10), _rgb(t.color), outline=_rgb(HALO), width=halo)

        # the slider's place: the step shown and how far the animation is
        W, H = self.size
        y = H - self.u(28)
        label = f"{self.view.labels['step_word']} {step}"
        d.text((self.u(78), y), label, font=self.font(16), fill=_rgb(INK), anchor="lm")
        x0, x1 = self.u(78) + self.u(130), W - self.u(24)
        d.line((x0, y, x1, y), fill=_rgb(PLOTLY_GRID), width=self.u(6))
        frac = i / max(1, len(self.steps) - 1)
        thumb = (x0 + frac * (x1 - x0), y)
        _disc(d, thumb, self.u(16), (255, 255, 255), outline=_rgb(PLOTLY_TEXT), width=halo)
        return img.reduce(self.ss) if self.ss > 1 else img


__all__ = ["FontChoice", "Renderer", "font_choice", "nice_ticks", "power_text", "tick_text"]
