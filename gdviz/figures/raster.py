"""The loss surface as a picture: filled contour bands and level lines rendered to a PNG.

Why not a Plotly contour trace: Plotly animates scatter traces only, and an animation step without
a redraw *removes* every non-scatter layer of the subplot (the contour vanishes on Play). A layout
image is not a trace, so frames never touch it. Rendering here also lets a surface that is NaN or
infinite over part of the window still draw: those pixels are transparent.
"""

from __future__ import annotations

import base64
import io
import math
import sys

import numpy as np
from PIL import Image

from gdviz.figures.style import LEVEL_LINE, LEVEL_LINE_ALPHA, hex_rgb


def contour_values(z: np.ndarray, log: bool) -> np.ndarray:
    """What the contour colours: the loss, or log10 of its height above the lowest grid value, whose
    evenly spaced levels follow valleys spanning many decades (Rosenbrock: 0 to 2500 here)."""
    if not log or not np.isfinite(z).any():
        return z
    lo, shift = log_floor(z)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        return np.log10(z - lo + shift)


def log_floor(z: np.ndarray) -> tuple[float, float]:
    """(lowest finite value, shift) of the log transform, from the finite values only: one infinity
    (x**-100 at x = 0) made the shift infinite, every pixel infinite, and the whole picture
    transparent."""
    fin = z[np.isfinite(z)]
    if not fin.size:
        return 0.0, 1e-12
    lo, hi = float(fin.min()), float(fin.max())
    span = hi - lo if math.isfinite(hi - lo) else sys.float_info.max  # 1e308 − (−1e308)
    return lo, max(span * 1e-4, 1e-12)


def _interp_colors(scale, t: np.ndarray) -> np.ndarray:
    """RGB (…, 3) uint8 for positions t in [0, 1] along a Plotly colorscale [[pos, "#rrggbb"], …]."""
    pos = np.array([p for p, _ in scale], dtype=float)
    stops = np.array([hex_rgb(c) for _, c in scale])
    out = np.empty((*t.shape, 3))
    for k in range(3):
        out[..., k] = np.interp(t, pos, stops[:, k])
    return np.round(out).astype(np.uint8)


def _bilinear(z: np.ndarray, h: int, w: int) -> np.ndarray:
    """Resample a grid (ny, nx) to (h, w) with bilinear interpolation; NaN spreads to its neighbours."""
    ny, nx = z.shape
    yi = np.linspace(0, ny - 1, h)
    xi = np.linspace(0, nx - 1, w)
    y0 = np.clip(np.floor(yi).astype(int), 0, ny - 2) if ny > 1 else np.zeros(h, int)
    x0 = np.clip(np.floor(xi).astype(int), 0, nx - 2) if nx > 1 else np.zeros(w, int)
    fy = (yi - y0)[:, None]
    fx = (xi - x0)[None, :]
    y1 = np.minimum(y0 + 1, ny - 1)
    x1 = np.minimum(x0 + 1, nx - 1)
    a = z[np.ix_(y0, x0)]
    b = z[np.ix_(y0, x1)]
    c = z[np.ix_(y1, x0)]
    d = z[np.ix_(y1, x1)]
    return (a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy


def png_bytes(rgba: np.ndarray) -> bytes:
    """Encode an (h, w, 4) uint8 image as PNG (Pillow), losslessly.

    An image of at most 256 colours is written as a palette image, one byte a pixel instead of four:
    every figure image is one (a contour picture has its bands and their level lines, 48 colours; a
    network frame at most 65 tints), and its PNG is a half to three quarters of the RGBA one (an
    RGBA PNG is larger than the payload these figures had before Pillow). Other images stay RGBA.
    Pillow's ``optimize`` is left off: 2 % smaller, at twice the encode time.
    """
    rgba = np.ascontiguousarray(rgba, dtype=np.uint8)
    h, w, _ = rgba.shape
    colours, index = np.unique(rgba.view(np.uint32).ravel(), return_inverse=True)
    out = io.BytesIO()
    if colours.size <= 256:
        table = colours.view(np.uint8).reshape(-1, 4)
        image = Image.frombytes("P", (w, h), index.astype(np.uint8).tobytes())
        image.putpalette(table[:, :3].tobytes(), "RGB")
        # alpha per palette entry (a tRNS chunk), only when some pixel is not opaque
        extra = {} if (table[:, 3] == 255).all() else {"transparency": table[:, 3].tobytes()}
        image.save(out, format="PNG", **extra)
    else:
        Image.fromarray(rgba).save(out, format="PNG")
    return out.getvalue()


def png_data_url(rgba: np.ndarray) -> str:
    """An (h, w, 4) uint8 image as a ``data:`` URL, the source of a Plotly layout image."""
    return "data:image/png;base64," + base64.b64encode(png_bytes(rgba)).decode()


def contour_rgba(
    z: np.ndarray,
    scale,
    *,
    levels: int = 24,
    size: tuple[int, int] = (420, 420),
    line_alpha: float = LEVEL_LINE_ALPHA,
) -> np.ndarray:
    """Banded colours with darker level lines, image row 0 = the top of the plot (largest y).

    ``z`` is indexed ``z[iy, ix]`` with y increasing, as Plotly's contour takes it.
    """
    h, w = size
    zi = _bilinear(np.asarray(z, dtype=float), h, w)[::-1]
    ok = np.isfinite(zi)
    rgba = np.zeros((h, w, 4), dtype=np.uint8)
    if not ok.any():
        return rgba
    lo, hi = float(zi[ok].min()), float(zi[ok].max())
    span = hi - lo if hi > lo else 1.0
    with np.errstate(invalid="ignore"):
        band = np.clip(np.floor((zi - lo) / span * levels), 0, levels - 1)
    band = np.where(ok, band, -1).astype(int)
    centers = (np.arange(levels) + 0.5) / levels
    palette = _interp_colors(scale, centers)
    rgb = palette[np.clip(band, 0, levels - 1)].astype(float)
    # a level line wherever the band changes between neighbouring pixels
    edge = np.zeros((h, w), dtype=bool)
    edge[:, 1:] |= band[:, 1:] != band[:, :-1]
    edge[1:, :] |= band[1:, :] != band[:-1, :]
    edge &= ok
    line = hex_rgb(LEVEL_LINE)
    rgb[edge] = rgb[edge] * (1 - line_alpha) + line * line_alpha
    rgba[..., :3] = np.round(rgb).astype(np.uint8)
    rgba[..., 3] = np.where(ok, 255, 0)
    return rgba


def contour_image(
    x: np.ndarray, y: np.ndarray, z: np.ndarray, scale, *, levels: int = 24, size=(420, 420)
) -> dict:
    """A Plotly layout image placing the rendered surface exactly over [x0, x1] × [y0, y1]."""
    source = png_data_url(contour_rgba(z, scale, levels=levels, size=size))
    x0, x1, y0, y1 = float(x[0]), float(x[-1]), float(y[0]), float(y[-1])
    return {
        "source": source,
        "xref": "x",
        "yref": "y",
        "x": x0,
        "y": y1,
        "sizex": x1 - x0,
        "sizey": y1 - y0,
        "xanchor": "left",
        "yanchor": "top",
        "sizing": "stretch",
        "layer": "below",
    }
