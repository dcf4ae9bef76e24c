"""Pieces the network page's figures share: subplots side by side (axis names, domains, titles) and
log-scale ticks that read as loss values."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def axis_ids(k: int) -> tuple[str, str]:
    """Trace axis references of subplot k (0-based): ("x", "y"), ("x2", "y2") …"""
    s = "" if k == 0 else str(k + 1)
    return f"x{s}", f"y{s}"


def layout_axis(name: str, k: int) -> str:
    """The layout key of subplot k's axis ``name`` ("x" or "y"): "xaxis", "xaxis2" …"""
    return f"{name}axis" if k == 0 else f"{name}axis{k + 1}"


def side_by_side(n: int, gap: float = 0.08) -> list[list[float]]:
    """The x domains of ``n`` equal subplots in a row, ``gap`` apart (paper coordinates)."""
    w = (1.0 - gap * (n - 1)) / n
    return [[k * (w + gap), k * (w + gap) + w] for k in range(n)]


def panel_title(text: str, domain: Sequence[float], y: float = 1.0) -> dict:
    """A subplot's title as an annotation centred over its ``domain``."""
    return {
        "text": text,
        "x": (domain[0] + domain[1]) / 2,
        "y": y,
        "xref": "paper",
        "yref": "paper",
        "xanchor": "center",
        "yanchor": "bottom",
        "showarrow": False,
        "font": {"size": 15},
    }


def log10(v) -> np.ndarray:
    """log10 of losses, NaN where a loss is zero, negative or not finite (a gap, not a warning)."""
    v = np.asarray(v, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.log10(v)
    return np.where(np.isfinite(out), out, np.nan)


def log_ticks(lo: float, hi: float) -> tuple[list[float], list[str]]:
    """Tick positions (log10) and their loss values as text: 1-2-5 per decade, at most ~8 ticks."""
    vals, texts = [], []
    mults = (1, 2, 5) if hi - lo <= 3 else (1,)
    step = max(1, math.ceil((hi - lo) / 8))
    for e in range(math.floor(lo), math.ceil(hi) + 1, step):
        for m in mults:
            v = math.log10(m) + e
            if lo - 1e-9 <= v <= hi + 1e-9:
                vals.append(v)
                texts.append(f"{m * 10.0**e:g}")
    return vals, texts
