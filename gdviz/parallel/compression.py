"""Gradient compression: what a worker sends instead of 64 bits per parameter, and error feedback.

Every compressor maps the ``(W, P)`` gradients of W workers to the messages the aggregate is formed
from (decoded, as ``(W, P)`` floats) and says how many bits each message costs:

* ``topk(k)``: the k largest |gᵢ| with their indices (biased; Stich et al. 2018);
* ``randk(k)``: k random coordinates scaled by P/k, so that E[C(g)] = g (Wangni et al. 2018);
* ``sign``: 1 bit per coordinate and one scale, ``mean|g| · sign(g)`` (signSGD with the scale of
  Karimireddy et al. 2019; biased);
* ``qsgd(s)``: ‖g‖₂ · sign(gᵢ) · ξᵢ/s with ξᵢ the stochastic rounding of s|gᵢ|/‖g‖ to a
  neighbouring integer level, unbiased (Alistarh et al. 2017).

Error feedback (Seide et al. 2014; Karimireddy et al. 2019) keeps what compression dropped and adds
it to the next gradient: p = g + e, send C(p), keep e' = p − C(p). Biased compressors then converge
as the uncompressed method does; the identity sent + e' = g + e holds to round-off.

Bits: values at 64 (float64), indices at ⌈log₂ P⌉, QSGD levels at ⌈log₂(s+1)⌉ plus a sign bit, with
no entropy coding (QSGD's Elias codes would send fewer; the count is an honest upper bound).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from gdviz.errors import check_choice, check_number, check_options

VALUE_BITS = 64
COMPRESSORS = ("none", "topk", "randk", "sign", "qsgd")
_OPTIONS = {"none": (), "topk": ("k",), "randk": ("k",), "sign": (), "qsgd": ("s",)}


class Compressor(NamedTuple):
    """A compressor by name with its option (``k`` for top-k and random-k, ``s`` for QSGD)."""

    name: str
    k: int = 0
    s: int = 0

    def bits(self, P: int) -> float:
        """Bits of one worker's message for a model of P parameters."""
        index = max(1, math.ceil(math.log2(P))) if P > 1 else 1
        if self.name in ("topk", "randk"):
            return float(self.k * (VALUE_BITS + index))
        if self.name == "sign":
            return float(P + VALUE_BITS)
        if self.name == "qsgd":
            return float(VALUE_BITS + P * (1 + math.ceil(math.log2(self.s + 1))))
        return float(P * VALUE_BITS)

    def apply(self, g: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """The decoded messages of gradients ``g`` ``(W, P)``."""
        W, P = g.shape
        if self.name == "none":
            return g.copy()
        if self.name == "topk":
            if self.k >= P:
                return g.copy()
            keep = np.argpartition(-np.abs(g), self.k - 1, axis=1)[:, : self.k]
            out = np.zeros_like(g)
            np.put_along_axis(out, keep, np.take_along_axis(g, keep, axis=1), axis=1)
            return out
        if self.name == "randk":
            keep = np.argsort(rng.random((W, P)), axis=1)[:, : self.k]
            out = np.zeros_like(g)
            np.put_along_axis(out, keep, np.take_along_axis(g, keep, axis=1) * (P / self.k), axis=1)
            return out
        if self.name == "sign":
            return np.mean(np.abs(g), axis=1, keepdims=True) * np.sign(g)
        # qsgd
        norm = np.sqrt(np.sum(g * g, axis=1, keepdims=True))
        safe = np.where(norm > 0, norm, 1.0)
        level = np.abs(g) / safe * self.s
        low = np.floor(level)
        xi = low + (rng.random(g.shape) < level - low)
        return np.where(norm > 0, safe * np.sign(g) * xi / self.s, 0.0)


def compressor(name: str = "none", **options) -> Compressor:
    """``compressor("topk", k=10)``, ``compressor("randk", k=10)``, ``compressor("sign")``,
    ``compressor("qsgd", s=4)``, ``compressor("none")``."""
    check_choice("compressor", name, COMPRESSORS)
    check_options(f"compressor {name!r}", options, _OPTIONS[name])
    if name in ("topk", "randk"):
        return Compressor(name, k=check_number("k", options.get("k", 1), lo=1, integer=True))
    if name == "qsgd":
        return Compressor(name, s=check_number("s", options.get("s", 1), lo=1, hi=2**20, integer=True))
    return Compressor(name)


def as_compressor(spec, P: int) -> Compressor | None:
    """None, a name or a Compressor, checked against the model's size; None for no compression."""
    if spec is None:
        return None
    comp = compressor(spec) if isinstance(spec, str) else spec
    if not isinstance(comp, Compressor):
        raise ValueError(
            "compression must be None, a name (none, sign) or gdviz.parallel.compressor(...), "
            f"got {type(spec).__name__}"
        )
    if comp.name in ("topk", "randk") and not 1 <= comp.k <= P:
        raise ValueError(f"k must be ≤ the number of parameters {P} (a whole number ≥ 1), got {comp.k}")
    return None if comp.name == "none" else comp


def compress(
    comp: Compressor, g: np.ndarray, residual: np.ndarray | None, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray | None]:
    """(messages, new residual): with error feedback (``residual`` not None) what was dropped is
    carried to the next step; without, ``residual`` stays None."""
    if residual is None:
        return comp.apply(g, rng), None
    p = g + residual
    sent = comp.apply(p, rng)
    return sent, p - sent
