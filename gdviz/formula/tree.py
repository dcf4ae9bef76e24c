"""The formula tree: the immutable :class:`Expr` node, the lightly simplifying constructors derived
trees are built with, and exact partial derivatives.

Differentiation lives here, with the constructors it builds with, because ``Expr.diff`` offers it:
a module of its own would import this one and be imported by it. The operators' rules (sum,
product, quotient, power) are below; each function's rule is its entry in the table
(functions.py). The evaluator and the printers only read trees, so they do not import this module.
"""

from __future__ import annotations

import ast

import numpy as np

from gdviz.formula.evaluator import Evaluator
from gdviz.formula.functions import OPERATORS, TABLE, VARIABLES, rule_tree
from gdviz.formula.printing import latex, text

KINDS = ("num", "var", "const", "neg", "add", "sub", "mul", "div", "pow", "call")


class Expr:
    """An immutable node of a validated formula.

    ``kind`` is one of ``KINDS``; ``value`` holds the
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
            raise ValueError(f"var must be x or y (the variables of a formula), got {var!r}")
        return _diff(self, var, {})

    def gradient(self) -> tuple[Expr, Expr]:
        return self.diff("x"), self.diff("y")

    # --- display --------------------------------------------------------------------------
    def to_string(self) -> str:
        """Python-syntax text (``**`` for powers) that ``parse`` reads back into the same tree."""
        return text(self)

    def to_latex(self) -> str:
        return latex(self)

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
        elif kind in OPERATORS:
            v = OPERATORS[kind](*vals)
        else:
            v = TABLE[kind].ufunc(vals[0])
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
_BUILD = {ast.Add: _add, ast.Sub: _sub, ast.Mult: _mul, ast.Div: _div, ast.Pow: _pow}
# The constants derived trees have always shared: a rule's 2 is the same node as the power rule's.
_SHARED = {0.0: ZERO, 1.0: ONE, 2.0: TWO}


def _build(rule: ast.expr, names: dict[str, Expr]) -> Expr:
    """A function's derivative: its rule (checked by functions.rule_tree) built with the constructors
    above, in the order the rule nests them."""
    if isinstance(rule, ast.Name):
        return names[rule.id]
    if isinstance(rule, ast.Constant):
        v = float(rule.value)
        return _SHARED[v] if v in _SHARED else _num(v)
    if isinstance(rule, ast.UnaryOp):
        return _neg(_build(rule.operand, names))
    if isinstance(rule, ast.BinOp):
        return _BUILD[type(rule.op)](_build(rule.left, names), _build(rule.right, names))
    return _call(rule.func.id, _build(rule.args[0], names))


_RULES = {name: rule_tree(fn.derivative, TABLE) for name, fn in TABLE.items()}


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
    elif kind == "call":
        (u,) = node.args
        r = _build(_RULES[node.value], {"u": u, "du": _diff(u, v, memo), "f": node})
    else:
        raise ValueError(f"node kind must be one of {', '.join(KINDS)}, got {kind!r}")
    memo[id(node)] = r
    return r
