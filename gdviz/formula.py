"""User formulas f(x, y): a safe parser, exact symbolic gradients and vectorized NumPy evaluation.

Security model: user text is never executed. ``parse`` first runs a strict tokenizer of its own
(ASCII only, an allowlist of names, numbers and operators, bounded length and nesting), then hands the
re-assembled token stream to ``ast.parse`` — which only builds a syntax tree — and converts that tree
through an allowlist of node types into our own small :class:`Expr` tree. Nothing is ever passed to
``eval``, ``exec``, ``compile`` (beyond ``ast.parse`` itself), sympy or numexpr. Both stages check the
allowlist, so a gap in one is caught by the other.

Cost model: the text length, the number of nodes and the tree depth are capped, constant exponents
are bounded, and all arithmetic happens in float64 (an overflow gives inf, never a huge integer), so
parsing takes microseconds and evaluation a bounded number of ufunc calls per chunk of points
(the heaviest formulas allowed take about 0.13 s for f and its gradient on a 400×400 grid). The
calls are compiled once (:class:`Evaluator`), so one optimizer step costs little more than its
ufunc calls: f and its gradient at one point take about 6 µs for the page's default formula and
115 µs for the most expensive formula found (benchmarks/bench_input.py).
"""

from __future__ import annotations

import ast
import math
import operator
import re
import threading
import unicodedata
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

MAX_LENGTH = 300
MAX_PAREN_DEPTH = 20
MAX_DEPTH = 50
MAX_NODES = 200
MAX_EXPONENT = 100.0
MAX_LITERAL = 1e15

VARIABLES = ("x", "y")
CONSTANTS = {"pi": math.pi, "e": math.e}
# ``sign`` is allowed because it appears in the derivative of ``abs``; ``atan`` is an alias.
FUNCTIONS = ("sin", "cos", "tan", "exp", "log", "sqrt", "abs", "tanh", "sinh", "cosh", "arctan", "sign")
ALIASES = {"atan": "arctan"}
_UFUNCS = {
    "sin": np.sin,
    "cos": np.cos,
    "tan": np.tan,
    "exp": np.exp,
    "log": np.log,
    "sqrt": np.sqrt,
    "abs": np.abs,
    "tanh": np.tanh,
    "sinh": np.sinh,
    "cosh": np.cosh,
    "arctan": np.arctan,
    "sign": np.sign,
}
_BINARY = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide, "pow": np.power}
_ALLOWED_NAMES = frozenset(VARIABLES) | frozenset(CONSTANTS) | frozenset(FUNCTIONS) | frozenset(ALIASES)
_ALLOWED_HELP = "only x, y, pi, e and the functions " + ", ".join(f for f in FUNCTIONS) + " are allowed"

_NUMBER = re.compile(r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_DIGITS = frozenset("0123456789")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Look-alikes that have no ASCII NFKC form but are easy to type by accident.
_CONFUSABLES = {
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i", "ѕ": "s",
    "π": "pi", "ο": "o", "ν": "v", "−": "-", "–": "-", "—": "-", "×": "*", "·": "*", "⋅": "*", "÷": "/",
}  # fmt: skip
_CHAR_HINTS = {
    "'": "strings are not part of a formula",
    '"': "strings are not part of a formula",
    "[": "subscripts and lists are not allowed",
    "]": "subscripts and lists are not allowed",
    "{": "sets and dicts are not allowed",
    "}": "sets and dicts are not allowed",
    "=": "assignments and comparisons are not allowed",
    "<": "comparisons are not allowed",
    ">": "comparisons are not allowed",
    "!": "comparisons are not allowed",
    ";": "write a single expression",
    ":": "only a single expression is allowed",
    "\n": "write the formula on one line",
    "\r": "write the formula on one line",
    "@": "matrix products are not allowed",
    "%": "the remainder operator is not allowed",
    "&": "bitwise operators are not allowed",
    "|": "bitwise operators are not allowed (use abs(u) for |u|)",
    "~": "bitwise operators are not allowed",
    "\\": "backslashes are not allowed",
    "#": "comments are not allowed",
}


# Stable identifiers of every rejection, so that the UI can translate messages by code.
ERROR_CODES = (
    "not_text", "empty", "too_long", "null_byte", "non_ascii", "bad_character", "unknown_name",
    "missing_operator", "missing_operand", "bare_function", "unbalanced", "attribute", "syntax",
    "incomplete", "too_deep", "too_many_nodes", "not_allowed", "not_callable", "bad_call",
    "exponent_too_large", "number_too_large", "not_finite", "nowhere_finite",
)  # fmt: skip


class FormulaError(ValueError):
    """A rejected formula. ``code`` is one of ``ERROR_CODES``; ``position`` the 1-based column of the
    offending part (None when the whole text is at fault), ``span`` its ``(start, stop)`` slice in
    the text, and ``detail`` the English message without the column."""

    def __init__(self, code: str, message: str, span: tuple[int, int] | None = None):
        self.code = code
        self.span = span
        self.position = None if span is None else span[0] + 1
        self.detail = message
        super().__init__(message if span is None else f"{message} (column {span[0] + 1})")


class Expr:
    """An immutable node of a validated formula.

    ``kind`` is one of num, var, const, neg, add, sub, mul, div, pow, call; ``value`` holds the
    number (float), variable or constant name, or function name. Derived trees share subtrees with
    the tree they come from; :class:`Evaluator` computes each distinct subexpression once.
    """

    __slots__ = ("_evaluator", "args", "kind", "value", "variables")

    def __init__(self, kind: str, args: tuple[Expr, ...] = (), value=None):
        self.kind = kind
        self.args = args
        self.value = value
        self._evaluator = None
        if kind == "var":
            self.variables = frozenset((value,))
        else:
            self.variables = frozenset().union(*(a.variables for a in args))

    # --- evaluation -----------------------------------------------------------------------
    def evaluate(self, x, y) -> np.ndarray:
        """f(x, y) as a float64 array of the broadcast shape of ``x`` and ``y`` (NaN/inf allowed)."""
        if self._evaluator is None:
            # A cache, not state: building it twice (e.g. from two threads) gives the same result.
            self._evaluator = Evaluator([self])
        return self._evaluator(x, y)[0]

    __call__ = evaluate

    # --- calculus -------------------------------------------------------------------------
    def diff(self, var: str) -> Expr:
        """The exact partial derivative ∂/∂var as a new (lightly simplified) tree."""
        if var not in VARIABLES:
            raise ValueError(f"can only differentiate with respect to x or y, got {var!r}")
        return _diff(self, var, {})

    def gradient(self) -> tuple[Expr, Expr]:
        return self.diff("x"), self.diff("y")

    # --- display --------------------------------------------------------------------------
    def to_string(self) -> str:
        """Python-syntax text (``**`` for powers) that ``parse`` reads back into the same tree."""
        return _fmt(self)[0]

    def to_latex(self) -> str:
        return _latex(self)[0]

    @property
    def n_nodes(self) -> int:
        """Number of distinct nodes (shared subtrees count once)."""
        seen, stack = set(), [self]
        while stack:
            node = stack.pop()
            if id(node) not in seen:
                seen.add(id(node))
                stack.extend(node.args)
        return len(seen)

    def __repr__(self) -> str:
        return f"Expr({self.to_string()!r})"


def evaluate(exprs: Sequence[Expr], x, y) -> list[np.ndarray]:
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

    def __init__(self, exprs: Sequence[Expr]):
        steps: list[tuple[str, object, tuple[int, ...]]] = []
        by_key: dict[tuple, int] = {}
        by_id: dict[int, int] = {}
        roots = []
        for root in exprs:
            if not isinstance(root, Expr):
                raise ValueError(f"expected formula trees (Expr), got {type(root).__name__}")
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
            raise ValueError(f"choose trees by position 0 … {len(self._roots) - 1}, got {which!r}")
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
                    v = ("c", _UFUNCS[value](args[0][1])) if constant else emit(_UFUNCS[value], args[0])
                elif kind == "pow":
                    v = ("c", _power(args[0][1], args[1][1])) if constant else _emit_power(emit, *args)
                elif constant:
                    v = ("c", _BINARY[kind](args[0][1], args[1][1]))
                else:
                    v = emit(_BINARY[kind], *args)
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


# --- construction with light simplification ------------------------------------------------------
def _num(v) -> Expr:
    # np.float64 so that folding and evaluation overflow to inf instead of raising like Python floats.
    return Expr("num", value=np.float64(v))


ZERO, ONE, TWO = _num(0.0), _num(1.0), _num(2.0)


def _number(node: Expr):
    """The value of a number or of a negated number (as parsed from ``-2``), else None."""
    if node.kind == "num":
        return node.value
    if node.kind == "neg" and node.args[0].kind == "num":
        return -node.args[0].value
    return None


def _is(node: Expr, v: float) -> bool:
    return _number(node) == v


def _fold(kind: str, *args: Expr) -> Expr | None:
    """The folded number if every argument is a number and the result is finite, else None."""
    vals = [_number(a) for a in args]
    if any(v is None for v in vals):
        return None
    with np.errstate(all="ignore"):
        if kind == "neg":
            v = -vals[0]
        elif kind in _BINARY:
            v = _BINARY[kind](*vals)
        else:
            v = _UFUNCS[kind](vals[0])
    return _num(v) if np.isfinite(v) else None


def _neg(a: Expr) -> Expr:
    if a.kind == "neg":
        return a.args[0]
    if a.kind == "mul" and a.args[0].kind == "num":
        return _mul(_num(-a.args[0].value), a.args[1])
    return _fold("neg", a) or Expr("neg", (a,))


def _add(a: Expr, b: Expr) -> Expr:
    if _is(a, 0.0):
        return b
    if _is(b, 0.0):
        return a
    if b.kind == "neg":
        return _sub(a, b.args[0])
    if b.kind == "num" and b.value < 0:
        return _sub(a, _num(-b.value))
    return _fold("add", a, b) or Expr("add", (a, b))


def _sub(a: Expr, b: Expr) -> Expr:
    if _is(b, 0.0):
        return a
    if _is(a, 0.0):
        return _neg(b)
    if b.kind == "neg":
        return _add(a, b.args[0])
    return _fold("sub", a, b) or Expr("sub", (a, b))


def _mul(a: Expr, b: Expr) -> Expr:
    # 0·a = 0 even where a is inf or NaN: these zeros are exact symbolic derivatives, not samples.
    if _is(a, 0.0) or _is(b, 0.0):
        return ZERO
    if _is(a, 1.0):
        return b
    if _is(b, 1.0):
        return a
    if _is(a, -1.0):
        return _neg(b)
    if _is(b, -1.0):
        return _neg(a)
    if b.kind == "num" and a.kind != "num":
        a, b = b, a
    if a.kind == "num" and b.kind == "mul" and b.args[0].kind == "num":
        folded = _fold("mul", a, b.args[0])
        if folded is not None:
            return _mul(folded, b.args[1])
    if a.kind == "num" and b.kind == "neg":
        return _mul(_neg(a), b.args[0])
    return _fold("mul", a, b) or Expr("mul", (a, b))


def _div(a: Expr, b: Expr) -> Expr:
    if _is(a, 0.0):
        return ZERO
    if _is(b, 1.0):
        return a
    return _fold("div", a, b) or Expr("div", (a, b))


def _pow(a: Expr, b: Expr) -> Expr:
    if _is(b, 0.0):
        return ONE
    if _is(b, 1.0):
        return a
    return _fold("pow", a, b) or Expr("pow", (a, b))


def _call(name: str, a: Expr) -> Expr:
    return _fold(name, a) or Expr("call", (a,), name)


# --- differentiation ------------------------------------------------------------------------------
def _diff(node: Expr, v: str, memo: dict[int, Expr]) -> Expr:
    hit = memo.get(id(node))
    if hit is not None:
        return hit
    kind = node.kind
    if v not in node.variables:
        r = ZERO
    elif kind == "var":
        r = ONE
    elif kind == "neg":
        r = _neg(_diff(node.args[0], v, memo))
    elif kind in ("add", "sub"):
        a, b = (_diff(arg, v, memo) for arg in node.args)
        r = _add(a, b) if kind == "add" else _sub(a, b)
    elif kind == "mul":
        a, b = node.args
        r = _add(_mul(_diff(a, v, memo), b), _mul(a, _diff(b, v, memo)))
    elif kind == "div":
        a, b = node.args
        da = _diff(a, v, memo)
        if v not in b.variables:
            r = _div(da, b)
        else:
            r = _div(_sub(_mul(da, b), _mul(a, _diff(b, v, memo))), _pow(b, TWO))
    elif kind == "pow":
        a, b = node.args
        if v not in b.variables:
            r = _mul(_mul(b, _pow(a, _sub(b, ONE))), _diff(a, v, memo))
        elif v not in a.variables:
            r = _mul(_mul(node, _call("log", a)), _diff(b, v, memo))
        else:
            inner = _add(_mul(_diff(b, v, memo), _call("log", a)), _div(_mul(b, _diff(a, v, memo)), a))
            r = _mul(node, inner)
    else:  # call
        (u,) = node.args
        du = _diff(u, v, memo)
        name = node.value
        if name == "sin":
            r = _mul(_call("cos", u), du)
        elif name == "cos":
            r = _neg(_mul(_call("sin", u), du))
        elif name == "tan":
            r = _div(du, _pow(_call("cos", u), TWO))
        elif name == "exp":
            r = _mul(node, du)
        elif name == "log":
            r = _div(du, u)
        elif name == "sqrt":
            r = _div(du, _mul(TWO, node))
        elif name == "abs":
            r = _mul(_call("sign", u), du)
        elif name == "sign":
            r = ZERO
        elif name == "tanh":
            r = _mul(_sub(ONE, _pow(node, TWO)), du)
        elif name == "sinh":
            r = _mul(_call("cosh", u), du)
        elif name == "cosh":
            r = _mul(_call("sinh", u), du)
        else:  # arctan
            r = _div(du, _add(ONE, _pow(u, TWO)))
    memo[id(node)] = r
    return r


# --- printing ---------------------------------------------------------------------------------------
# Binding strength: sums 1, products 2, unary minus 3, powers 4, atoms 5 (Python's own order).
def _number_text(v: float) -> str:
    if float(v).is_integer() and abs(v) < 1e16:
        return str(int(v))
    return repr(float(v))


def _fmt(node: Expr) -> tuple[str, int]:
    kind = node.kind
    if kind == "num":
        return _number_text(node.value), (3 if node.value < 0 else 5)
    if kind in ("var", "const"):
        return node.value, 5
    if kind == "call":
        return f"{node.value}({_fmt(node.args[0])[0]})", 5
    if kind == "neg":
        return "-" + _wrap(node.args[0], 4), 3
    a, b = node.args
    if kind in ("add", "sub"):
        return f"{_wrap(a, 1)} {'+' if kind == 'add' else '-'} {_wrap(b, 2)}", 1
    if kind in ("mul", "div"):
        return f"{_wrap(a, 2)}{'*' if kind == 'mul' else '/'}{_wrap(b, 3)}", 2
    return f"{_wrap(a, 5)}**{_wrap(b, 3)}", 4


def _wrap(node: Expr, need: int) -> str:
    text, prec = _fmt(node)
    return text if prec >= need else f"({text})"


_LATEX_FUNCS = {
    "sin": r"\sin",
    "cos": r"\cos",
    "tan": r"\tan",
    "exp": r"\exp",
    "log": r"\ln",
    "tanh": r"\tanh",
    "sinh": r"\sinh",
    "cosh": r"\cosh",
    "arctan": r"\arctan",
    "sign": r"\operatorname{sign}",
}


def _latex(node: Expr) -> tuple[str, int]:
    kind = node.kind
    if kind == "num":
        mant, _, exp = repr(float(node.value)).partition("e")
        text = _number_text(node.value) if not exp else rf"{mant} \cdot 10^{{{int(exp)}}}"
        return text, (3 if node.value < 0 else 5)
    if kind == "var":
        return node.value, 5
    if kind == "const":
        return (r"\pi" if node.value == "pi" else "e"), 5
    if kind == "call":
        inner = _latex(node.args[0])[0]
        if node.value == "sqrt":
            return rf"\sqrt{{{inner}}}", 5
        if node.value == "abs":
            return rf"\left|{inner}\right|", 5
        return rf"{_LATEX_FUNCS[node.value]}\left({inner}\right)", 5
    if kind == "neg":
        return "-" + _latex_wrap(node.args[0], 2), 3
    a, b = node.args
    if kind in ("add", "sub"):
        return f"{_latex_wrap(a, 1)} {'+' if kind == 'add' else '-'} {_latex_wrap(b, 2)}", 1
    if kind == "mul":
        return rf"{_latex_wrap(a, 2)} \cdot {_latex_wrap(b, 3)}", 2
    if kind == "div":
        return rf"\frac{{{_latex(a)[0]}}}{{{_latex(b)[0]}}}", 3
    return f"{_latex_wrap(a, 5)}^{{{_latex(b)[0]}}}", 4


def _latex_wrap(node: Expr, need: int) -> str:
    text, prec = _latex(node)
    return text if prec >= need else rf"\left({text}\right)"


# --- parsing ----------------------------------------------------------------------------------------
def parse(text: str) -> Expr:
    """Validate ``text`` as a formula in x and y and return its tree; FormulaError otherwise."""
    if not isinstance(text, str):
        raise FormulaError("not_text", f"a formula must be text, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise FormulaError(
            "too_long", f"the formula has {len(text)} characters; at most {MAX_LENGTH} are allowed"
        )
    if not text.strip():
        raise FormulaError("empty", "the formula is empty: type an expression in x and y, e.g. x**2 + y**2")
    source, where = _tokenize(text)
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        raise _syntax_error(text, source, where, exc) from None
    except Exception:
        # Defense in depth: the tokenizer bounds length and nesting, so the parser cannot recurse
        # deeply or run out of memory; should it still fail, the user gets a clean rejection.
        raise FormulaError("syntax", "the formula could not be parsed") from None
    return _Converter(text, where).convert(tree.body)


def _tokenize(text: str) -> tuple[str, list[int]]:
    """Check ``text`` character by character; return the token stream as Python source (``^`` as
    ``**``, tokens separated by spaces) and, for each source character, its index in ``text``."""
    parts: list[str] = []
    where: list[int] = []
    opens: list[int] = []
    prev = None  # kind of the previous token: "operand", "func", "(", ")", "binop" or "sign"
    prev_span = (0, 0)
    i, n = 0, len(text)

    def emit(tok: str, start: int, kind: str, end: int):
        # Grammar checks that Python's parser would report less clearly (or not at all, e.g. ``x(y)``
        # parses as a call): every error found here points at the exact token.
        nonlocal prev, prev_span
        cur = text[start:end]
        if prev in ("operand", ")") and kind in ("operand", "func", "("):
            a = "(…)" if prev == ")" else text[prev_span[0] : prev_span[1]]
            b = "(…)" if kind == "(" else cur
            raise FormulaError(
                "missing_operator",
                f"missing operator between `{a}` and `{b}`: write `{a}*{b}` to multiply",
                (start, end),
            )
        if prev == "func" and kind != "(":
            name = text[prev_span[0] : prev_span[1]]
            raise FormulaError(
                "bare_function",
                f"the function `{name}` must be called with parentheses, e.g. {name}(x)",
                prev_span,
            )
        if kind == ")" and prev == "(":
            raise FormulaError(
                "missing_operand", "empty parentheses: put a value inside", (prev_span[0], end)
            )
        if kind in (")", "binop") and prev in (None, "(", "binop", "sign"):
            where_ = "before `)`" if kind == ")" else f"on the left of `{cur}`"
            raise FormulaError("missing_operand", f"a value is missing {where_}", (start, end))
        if parts:
            parts.append(" ")
            where.append(start)
        parts.append(tok)
        # ``^`` becomes the two-character ``**``: both map back to the one character typed.
        where.extend(range(start, end) if end - start == len(tok) else [start] * len(tok))
        prev, prev_span = kind, (start, end)

    while i < n:
        c = text[i]
        if c in " \t":
            i += 1
        elif c == "\x00":
            raise FormulaError("null_byte", "the formula contains a null character", (i, i + 1))
        elif ord(c) > 127:
            raise _non_ascii(c, i)
        # ASCII digits only: str.isdigit() is also true of "²", which no number pattern takes
        elif c in _DIGITS or (c == "." and text[i + 1 : i + 2] in _DIGITS):
            m = _NUMBER.match(text, i)
            end = m.end()
            if end < n and (text[end].isalnum() or text[end] in "_("):
                nxt = _NAME.match(text, end)
                b = nxt.group() if nxt else text[end]
                raise FormulaError(
                    "missing_operator",
                    f"missing operator between `{m.group()}` and `{b}`: write `{m.group()}*{b}` to multiply",
                    (i, end + len(b)),
                )
            emit(m.group(), i, "operand", end)
            i = end
        elif c.isalpha() or c == "_":
            name = _NAME.match(text, i).group()
            end = i + len(name)
            if name not in _ALLOWED_NAMES:
                raise FormulaError(
                    "unknown_name", f"`{name}` is not allowed: {_ALLOWED_HELP}{_name_hint(name)}", (i, end)
                )
            emit(name, i, "func" if name in FUNCTIONS or name in ALIASES else "operand", end)
            i = end
        elif c == "(":
            opens.append(i)
            if len(opens) > MAX_PAREN_DEPTH:
                raise FormulaError(
                    "too_deep", f"parentheses are nested more than {MAX_PAREN_DEPTH} levels deep", (i, i + 1)
                )
            emit("(", i, "(", i + 1)
            i += 1
        elif c == ")":
            if not opens:
                raise FormulaError("unbalanced", "this `)` has no matching `(`", (i, i + 1))
            opens.pop()
            emit(")", i, ")", i + 1)
            i += 1
        elif c in "+-*/^,":
            if text.startswith("//", i):
                raise FormulaError("not_allowed", "`//` (floor division) is not allowed: use /", (i, i + 2))
            tok = "**" if c == "^" or text.startswith("**", i) else c
            width = 2 if text.startswith("**", i) else 1
            # A comma separates arguments; treat it like a binary operator for the grammar checks.
            emit(tok, i, "sign" if c in "+-" else "binop", i + width)
            i += width
        elif c == ".":
            raise FormulaError(
                "attribute",
                "`.` is only allowed inside a number: attribute access is not allowed",
                (i, i + 1),
            )
        else:
            hint = _CHAR_HINTS.get(c, "use numbers, x, y, pi, e, + - * / ^ ** and parentheses")
            shown = repr(c) if not c.isprintable() else f"`{c}`"
            raise FormulaError("bad_character", f"the character {shown} is not allowed: {hint}", (i, i + 1))
    if opens:
        raise FormulaError("unbalanced", "this `(` is never closed", (opens[-1], opens[-1] + 1))
    if prev == "func":
        name = text[prev_span[0] : prev_span[1]]
        raise FormulaError(
            "bare_function",
            f"the function `{name}` must be called with parentheses, e.g. {name}(x)",
            prev_span,
        )
    if prev in ("binop", "sign"):
        op = text[prev_span[0] : prev_span[1]]
        raise FormulaError(
            "missing_operand", f"the formula ends with `{op}`: a value is missing after it", prev_span
        )
    return "".join(parts), where


def _non_ascii(c: str, i: int) -> FormulaError:
    name = unicodedata.name(c, f"U+{ord(c):04X}")
    plain = _CONFUSABLES.get(c) or unicodedata.normalize("NFKC", c)
    if c in "\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u3000":
        hint = "; use an ordinary space"
    elif plain.isascii() and plain.strip():
        hint = f"; did you mean `{plain}`?"
    else:
        hint = ""
    return FormulaError(
        "non_ascii",
        f"the character {c!r} (U+{ord(c):04X} {name}) is not allowed: formulas use plain ASCII{hint}",
        (i, i + 1),
    )


def _name_hint(name: str) -> str:
    """A hint for a near miss: wrong case (``PI``), or allowed names run together (``xy``)."""
    if name.lower() in _ALLOWED_NAMES:
        return f" (names are case-sensitive: write {name.lower()})"
    atoms = ("pi", "x", "y", "e")
    best: dict[int, list[str]] = {0: []}
    for i in range(len(name)):
        if i in best:
            for a in atoms:
                if name.startswith(a, i) and i + len(a) not in best:
                    best[i + len(a)] = [*best[i], a]
    parts = best.get(len(name))
    return f" (to multiply, write {'*'.join(parts)})" if parts and len(parts) > 1 else ""


def _syntax_error(text: str, source: str, where: list[int], exc: SyntaxError) -> FormulaError:
    off = (exc.offset or 1) - 1
    if off >= len(source.rstrip()) or not where:
        return FormulaError("incomplete", "the formula ends too early: an operand is missing at the end")
    start = where[off]
    end = start + 1
    if text[start].isalnum():
        while end < len(text) and (text[end].isalnum() or text[end] in "._"):
            end += 1
    elif text.startswith("**", start):
        end += 1
    return FormulaError(
        "syntax", f"unexpected `{text[start:end]}` here: the formula is not well formed", (start, end)
    )


_CONSTRUCTS = {
    ast.Attribute: "attribute access",
    ast.Subscript: "subscripts",
    ast.Tuple: "a tuple (comma-separated values)",
    ast.List: "lists",
    ast.Dict: "dicts",
    ast.Set: "sets",
    ast.Lambda: "lambda functions",
    ast.GeneratorExp: "comprehensions",
    ast.ListComp: "comprehensions",
    ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions",
    ast.IfExp: "conditional expressions",
    ast.Compare: "comparisons",
    ast.BoolOp: "boolean operators",
    ast.NamedExpr: "assignments",
    ast.Starred: "starred arguments",
    ast.JoinedStr: "strings",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
}
_BINOPS = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.Pow: "pow"}


class _Converter:
    """Turns an ``ast`` tree into an :class:`Expr` through the allowlist, checking every cap."""

    def __init__(self, text: str, where: list[int]):
        self.text = text
        self.where = where

    def span(self, node: ast.AST) -> tuple[int, int]:
        w = self.where
        start = w[min(node.col_offset, len(w) - 1)]
        end = w[min(max(node.end_col_offset - 1, node.col_offset), len(w) - 1)] + 1
        # ``**`` written as ``^`` maps both source characters to one text character.
        return start, max(end, start + 1)

    def snippet(self, node: ast.AST) -> str:
        start, end = self.span(node)
        s = self.text[start:end]
        return s if len(s) <= 40 else s[:37] + "..."

    def fail(self, code: str, message: str, node: ast.AST):
        raise FormulaError(code, message, self.span(node))

    def convert(self, root: ast.AST) -> Expr:
        # Size and depth first, iteratively, so that the recursive conversion below stays shallow.
        count, stack = 0, [(root, 1)]
        while stack:
            node, depth = stack.pop()
            count += 1
            if depth > MAX_DEPTH:
                self.fail("too_deep", f"the formula is nested more than {MAX_DEPTH} levels deep", node)
            if count > MAX_NODES:
                raise FormulaError(
                    "too_many_nodes", f"the formula has more than {MAX_NODES} parts; simplify it"
                )
            stack.extend((c, depth + 1) for c in ast.iter_child_nodes(node) if isinstance(c, ast.expr))
        return self.node(root)[0]

    def node(self, node: ast.AST) -> tuple[Expr, float | None]:
        """The tree and, for a constant subtree, its float64 value (to check exponents and finiteness)."""
        if isinstance(node, ast.Constant):
            return self.constant(node)
        if isinstance(node, ast.Name):
            name = ALIASES.get(node.id, node.id)
            if name in VARIABLES:
                return Expr("var", value=name), None
            if name in CONSTANTS:
                return Expr("const", value=name), np.float64(CONSTANTS[name])
            if name in FUNCTIONS:
                self.fail(
                    "bare_function", f"the function `{node.id}` must be called, e.g. {node.id}(x)", node
                )
            self.fail("unknown_name", f"`{node.id}` is not allowed: {_ALLOWED_HELP}", node)
        if isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, (ast.USub, ast.UAdd)):
                self.fail("not_allowed", f"`{self.snippet(node)}`: only + and - may precede a value", node)
            inner, value = self.node(node.operand)
            if isinstance(node.op, ast.UAdd):
                return inner, value
            return Expr("neg", (inner,)), None if value is None else self.finite(-value, node)
        if isinstance(node, ast.BinOp):
            kind = _BINOPS.get(type(node.op))
            if kind is None:
                self.fail(
                    "not_allowed", f"`{self.snippet(node)}`: only + - * / and ** (or ^) are allowed", node
                )
            left, lv = self.node(node.left)
            right, rv = self.node(node.right)
            if kind == "pow" and rv is not None and not abs(rv) <= MAX_EXPONENT:
                self.fail(
                    "exponent_too_large",
                    f"the exponent `{self.snippet(node.right)}` is {float(rv):.6g}; "
                    f"constant exponents must lie within ±{MAX_EXPONENT:g}",
                    node.right,
                )
            value = None
            if lv is not None and rv is not None:
                with np.errstate(all="ignore"):
                    value = self.finite(_BINARY[kind](lv, rv), node)
            return Expr(kind, (left, right)), value
        if isinstance(node, ast.Call):
            return self.call(node)
        what = _CONSTRUCTS.get(type(node), "this construct")
        self.fail(
            "not_allowed", f"`{self.snippet(node)}` is not allowed: {what} cannot appear in a formula", node
        )

    def constant(self, node: ast.Constant) -> tuple[Expr, float]:
        v = node.value
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            self.fail("not_allowed", f"`{self.snippet(node)}` is not allowed: only numbers are", node)
        try:
            f = float(v)
        except OverflowError:
            f = math.inf
        if not abs(f) <= MAX_LITERAL:
            self.fail("number_too_large", f"numbers must lie within ±{MAX_LITERAL:g}", node)
        return Expr("num", value=np.float64(f)), np.float64(f)

    def call(self, node: ast.Call) -> tuple[Expr, float | None]:
        func = node.func
        if not isinstance(func, ast.Name):
            self.fail(
                "not_callable", f"`{self.snippet(func)}` cannot be called: only named functions can", func
            )
        name = ALIASES.get(func.id, func.id)
        if name not in FUNCTIONS:
            self.fail("not_callable", f"`{func.id}` is not a function: {_ALLOWED_HELP}", func)
        if node.keywords or len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
            self.fail("bad_call", f"`{func.id}` takes exactly one argument, e.g. {func.id}(x)", node)
        arg, value = self.node(node.args[0])
        if value is not None:
            with np.errstate(all="ignore"):
                value = self.finite(_UFUNCS[name](value), node)
        return Expr("call", (arg,), name), value

    def finite(self, value, node: ast.AST):
        if not np.isfinite(value):
            self.fail("not_finite", f"`{self.snippet(node)}` is not a finite number", node)
        return np.float64(value)


__all__ = [
    "CONSTANTS",
    "ERROR_CODES",
    "FUNCTIONS",
    "MAX_DEPTH",
    "MAX_EXPONENT",
    "MAX_LENGTH",
    "MAX_LITERAL",
    "MAX_NODES",
    "MAX_PAREN_DEPTH",
    "VARIABLES",
    "Evaluator",
    "Expr",
    "FormulaError",
    "evaluate",
    "parse",
]
