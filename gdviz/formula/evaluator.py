"""The compiled evaluator: formula trees turned once into a flat list of ufunc calls on reused
buffers, run on chunks of points (and on NumPy scalars for one point).

It reads trees through ``kind``, ``args`` and ``value`` only, so that tree.py can build one for
``Expr.evaluate`` without this module importing it.
"""

from __future__ import annotations

import operator
import threading
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from gdviz.formula.functions import CONSTANTS, OPERATORS, TABLE
from gdviz.formula.limits import MAX_EXPONENT


def evaluate(exprs: Sequence, x, y) -> list[np.ndarray]:
    """Evaluate several trees at once (see :class:`Evaluator`); build an Evaluator to reuse it."""
    return Evaluator(exprs)(x, y)


class _Program(NamedTuple):
    array_ops: tuple
    scalar_ops: tuple
    consts: tuple  # (value, as_array) per constant slot
    n_buffers: int
    root_slots: tuple


class Evaluator:
    """Evaluates fixed trees on arrays, e.g. ``Evaluator([f, fx, fy])(x, y) -> [F, FX, FY]``.

    Every distinct subexpression — by structure, so the ``cos(x*y)`` that both ∂/∂x and ∂/∂y of
    ``sin(x*y)`` contain counts once — is computed once per call. The trees are compiled once into a
    flat list of ufunc calls writing into reused buffers (``out=``): subexpressions without x or y
    are computed at compile time, and a buffer is reused once its value is dead. The points are
    processed in chunks, so memory stays at a few chunk-sized buffers however large the grid.

    The calls and their operands are exactly those of a plain tree walk (the same ufuncs on the
    same arrays and scalars, in the same order), so results are the same to the last bit; only the
    Python work per operation is gone, which is most of the cost of one optimizer step on a few runs.
    """

    CHUNK = 16_384
    # Buffers of small calls (the optimizer loop: one point per run) are kept per thread and reused
    # from call to call; larger calls allocate theirs (the ufunc work dwarfs the allocation).
    KEEP_BUFFERS_UP_TO = 1024

    def __init__(self, exprs: Sequence):
        steps: list[tuple[str, object, tuple[int, ...]]] = []
        by_key: dict[tuple, int] = {}
        by_id: dict[int, int] = {}
        roots = []
        for root in exprs:
            if not _is_tree(root):
                raise ValueError(f"exprs must be formula trees (Expr, from parse), got {type(root).__name__}")
            # Iterative post-order: derived trees can be deeper than the recursion limit likes.
            stack = [(root, False)]
            while stack:
                node, ready = stack.pop()
                if id(node) in by_id:
                    continue
                if not ready:
                    stack.append((node, True))
                    stack.extend((c, False) for c in reversed(node.args) if id(c) not in by_id)
                    continue
                children = tuple(by_id[id(c)] for c in node.args)
                value = float(node.value).hex() if node.kind == "num" else node.value
                key = (node.kind, value, children)
                sid = by_key.get(key)
                if sid is None:
                    sid = by_key[key] = len(steps)
                    steps.append((node.kind, node.value, children))
                by_id[id(node)] = sid
            roots.append(by_id[id(root)])
        self._steps = steps
        self._roots = roots
        self._program = None
        self._local = threading.local()

    def __getstate__(self):
        # The per-thread buffers are a cache; they neither pickle nor need to.
        return {k: v for k, v in self.__dict__.items() if k != "_local"}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._local = threading.local()

    @property
    def n_steps(self) -> int:
        """Number of distinct subexpressions computed per point."""
        return len(self._steps)

    def part(self, *which: int) -> Evaluator:
        """An evaluator of some of these trees (by position), e.g. ``Evaluator([f, fx, fy]).part(0)``
        for f alone: the same as building one from those trees, without walking them again."""
        if not which or not all(isinstance(i, int) and 0 <= i < len(self._roots) for i in which):
            raise ValueError(
                f"which must be positions of these trees: choose trees by position 0 … "
                f"{len(self._roots) - 1}, got {which!r}"
            )
        need = [False] * len(self._steps)
        for i in which:
            need[self._roots[i]] = True
        for k in range(len(self._steps) - 1, -1, -1):  # children come before their parents
            if need[k]:
                for c in self._steps[k][2]:
                    need[c] = True
        new_id = {}
        steps = []
        for k, (kind, value, ch) in enumerate(self._steps):
            if need[k]:
                new_id[k] = len(steps)
                steps.append((kind, value, tuple(new_id[c] for c in ch)))
        part = object.__new__(Evaluator)
        part._steps = steps
        part._roots = [new_id[self._roots[i]] for i in which]
        part._program = None
        part._local = threading.local()
        return part

    def _compile(self) -> _Program:
        """Turn the steps into ops ``(func, a, b, out)`` on the slots of one list per call (on first
        use: a problem builds evaluators it may never call).

        Slots 0 and 1 are x and y, then the constants, then the buffers; ``b`` is None for a
        one-argument function. ``scalar_ops`` is the same program on NumPy scalars, for one
        point (one run of the optimizer loop): exact arithmetic there is NumPy's scalar arithmetic
        (the same IEEE operations, ~0.1 µs instead of ~0.5 µs a ufunc call) and every other function
        the same ufunc. While compiling, values are ``("c", scalar)`` or ``("r", register)``.
        """
        ops: list[list] = []  # [func, a, b, out register]
        n_regs = 2  # registers 0 and 1 are x and y

        def emit(func, a, b=None):
            nonlocal n_regs
            ops.append([func, a, b, n_regs])
            n_regs += 1
            return ("r", n_regs - 1)

        vals: list = []
        with np.errstate(all="ignore"):
            for kind, value, ch in self._steps:
                args = [vals[c] for c in ch]
                constant = all(a[0] == "c" for a in args)
                if kind == "num":
                    v = ("c", value)
                elif kind == "var":
                    v = ("r", 0 if value == "x" else 1)
                elif kind == "const":
                    v = ("c", np.float64(CONSTANTS[value]))
                elif kind == "neg":
                    v = ("c", np.negative(args[0][1])) if constant else emit(np.negative, args[0])
                elif kind == "call":
                    v = (
                        ("c", TABLE[value].ufunc(args[0][1]))
                        if constant
                        else emit(TABLE[value].ufunc, args[0])
                    )
                elif kind == "pow":
                    v = ("c", _power(args[0][1], args[1][1])) if constant else _emit_power(emit, *args)
                elif constant:
                    v = ("c", OPERATORS[kind](args[0][1], args[1][1]))
                else:
                    v = emit(OPERATORS[kind], *args)
                vals.append(v)
        roots = [vals[r] for r in self._roots]

        # Registers to buffers: a buffer is free again after the last op reading its register, but
        # only once that op's own output has a buffer, so no op writes into one of its inputs.
        last: dict[int, int] = {}
        for k, (_, a, b, _) in enumerate(ops):
            for v in (a, b):
                if v is not None and v[0] == "r":
                    last[v[1]] = k
        for r in roots:
            if r[0] == "r":
                last[r[1]] = len(ops)
        buffer_of: dict[int, int] = {}
        free: list[int] = []
        n_buffers = 0
        for k, (_, a, b, out) in enumerate(ops):
            if free:
                buffer_of[out] = free.pop()
            else:
                buffer_of[out] = n_buffers
                n_buffers += 1
            read = {v[1] for v in (a, b) if v is not None and v[0] == "r" and v[1] > 1}
            free.extend(buffer_of[r] for r in read if last[r] == k)

        # A constant operand of exact arithmetic gets a slot that holds a full array of it in the
        # array program (a same-shape operand is the ufuncs' fastest path, and the result is the same
        # IEEE operation); anywhere else (pow, a root) it stays the scalar the tree walk passes.
        consts: list[tuple[np.float64, bool]] = []
        const_slot: dict[tuple[int, bool], int] = {}

        def const(value, as_array: bool) -> int:
            key = (id(value), as_array)
            if key not in const_slot:
                const_slot[key] = 2 + len(consts)
                consts.append((np.float64(value), as_array))
            return const_slot[key]

        def slot(v, as_array: bool = False) -> int:
            if v[0] == "c":
                return const(v[1], as_array)
            return v[1] if v[1] < 2 else -1 - buffer_of[v[1]]  # buffers are numbered once consts are

        exact = {np.add, np.subtract, np.multiply, np.divide}
        placed = [
            (func, slot(a, func in exact), None if b is None else slot(b, func in exact), out)
            for func, a, b, out in ops
        ]
        root_slots = [slot(r) for r in roots]
        base = 2 + len(consts)

        def final(i: int) -> int:
            return i if i >= 0 else base - 1 - i

        array_ops = tuple(
            (func, final(a), None if b is None else final(b), base + buffer_of[out])
            for func, a, b, out in placed
        )
        scalar_ops = tuple((_SCALAR.get(func, func), a, b, out) for func, a, b, out in array_ops)
        # A cache, not state: two threads compiling at once build equal programs.
        self._program = _Program(
            array_ops, scalar_ops, tuple(consts), n_buffers, tuple(final(r) for r in root_slots)
        )
        return self._program

    def _slots(self, prog: _Program, x, y, n: int) -> list:
        """The slot list of one call on n points: x, y, the constants and the buffers."""
        if n > self.KEEP_BUFFERS_UP_TO:
            return [x, y, *(c for c, _ in prog.consts), *(np.empty(n) for _ in range(prog.n_buffers))]
        kept = self._local.__dict__
        tail = kept.get(n)
        if tail is None:
            if len(kept) >= 8:
                kept.clear()
            consts = [np.full(n, c) if as_array else c for c, as_array in prog.consts]
            tail = kept[n] = consts + [np.empty(n) for _ in range(prog.n_buffers)]
        return [x, y, *tail]

    def __call__(self, x, y) -> list[np.ndarray]:
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        if x.shape == y.shape:
            shape, xs, ys = x.shape, x.reshape(-1), y.reshape(-1)
        else:
            shape = np.broadcast_shapes(x.shape, y.shape)
            xs, ys = (np.broadcast_to(a, shape).reshape(-1) for a in (x, y))
        out = [np.empty(xs.size) for _ in self._roots]
        # NaN and inf are legitimate results over part of a window; the caller masks them.
        with np.errstate(all="ignore"):
            self.into(xs, ys, out)
        return [arr.reshape(shape) for arr in out]

    def into(self, x: np.ndarray, y: np.ndarray, out: Sequence[np.ndarray]) -> None:
        """Write the results for 1-D float64 ``x``, ``y`` of one length into ``out`` (arrays or views of
        that length, one per tree). For hot loops: the caller holds ``np.errstate(all="ignore")``."""
        prog = self._program or self._compile()
        n = x.shape[0]
        roots = prog.root_slots
        if n == 1:
            values = [x[0], y[0], *(c for c, _ in prog.consts), *([None] * prog.n_buffers)]
            for func, a, b, o in prog.scalar_ops:
                values[o] = func(values[a]) if b is None else func(values[a], values[b])
            for arr, r in zip(out, roots, strict=True):
                arr[...] = values[r]
            return
        for lo in range(0, max(n, 1), self.CHUNK):
            sl = slice(lo, lo + self.CHUNK) if n > self.CHUNK else slice(None)
            xs = x[sl]
            values = self._slots(prog, xs, y[sl], xs.shape[0])
            for func, a, b, o in prog.array_ops:
                if b is None:
                    func(values[a], values[o])
                else:
                    func(values[a], values[b], values[o])
            for arr, r in zip(out, roots, strict=True):
                arr[sl] = values[r]


def _emit_power(emit, a, b):
    """``a ** b`` as ops, the same calls as :func:`_power` makes on arrays."""
    if b[0] == "c" and a[0] == "r":
        p = float(b[1])
        if p.is_integer() and abs(p) <= 2 * MAX_EXPONENT:
            n = int(p)
            if n == 0:
                return emit(_fill_one, a)
            result, base, k = None, a, abs(n)
            while k:
                if k & 1:
                    result = base if result is None else emit(np.multiply, result, base)
                k >>= 1
                if k:
                    base = emit(np.multiply, base, base)
            return emit(np.divide, ("c", 1.0), result) if n < 0 else result
        if p == 0.5:
            return emit(np.sqrt, a)
        return emit(np.exp, emit(np.multiply, emit(np.log, a), ("c", p)))
    return emit(np.power, a, b)


def _fill_one(a, out=None):
    if out is None:
        return np.float64(1.0)
    out.fill(1.0)


# The scalar program's exact arithmetic (NumPy scalars: IEEE results, inf/NaN instead of exceptions).
_SCALAR = {
    np.add: operator.add,
    np.subtract: operator.sub,
    np.multiply: operator.mul,
    np.divide: operator.truediv,
    np.negative: operator.neg,
}


def _power(a, b):
    """``a ** b``; a constant exponent takes a fast path (NumPy's general pow costs ~20× an exp)."""
    if np.ndim(b) == 0 and np.ndim(a) > 0:
        p = float(b)
        if p.is_integer() and abs(p) <= 2 * MAX_EXPONENT:
            return _int_power(a, int(p))
        if p == 0.5:
            return np.sqrt(a)
        # Same special values as pow (NaN for a < 0; 0 or inf at a = 0 by the sign of p); the
        # relative error is about |p·ln a| ulps, invisible in a plot.
        return np.exp(p * np.log(a))
    return np.power(a, b)


def _int_power(a: np.ndarray, n: int) -> np.ndarray:
    if n == 0:
        return np.ones_like(a)
    result, base, k = None, a, abs(n)
    while k:
        if k & 1:
            result = base if result is None else result * base
        k >>= 1
        if k:
            base = base * base
    return 1.0 / result if n < 0 else result


def _is_tree(node) -> bool:
    # By shape, not class (see the module's docstring): what the compiler below reads.
    return isinstance(getattr(node, "kind", None), str) and isinstance(getattr(node, "args", None), tuple)
