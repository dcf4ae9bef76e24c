"""Every name a formula may use: the variables, the constants, the operators, and one table of the
functions in which each function's ufunc, derivative rule and LaTeX form sit together.

The tokenizer allows exactly the functions of the table (and their aliases), the evaluator and the
constant folding call the table's ufunc, differentiation builds the table's rule and the printers
use its LaTeX form. :func:`check_table` runs at import, so a function cannot be allowed with one of
the three missing, nor borrow another function's rule.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Iterable, Mapping
from typing import NamedTuple

import numpy as np

VARIABLES = ("x", "y")
CONSTANTS = {"pi": math.pi, "e": math.e}
OPERATORS = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide, "pow": np.power}
# The names a rule is written in: the function's argument, the argument's derivative, the call itself.
RULE_NAMES = ("u", "du", "f")


class Function(NamedTuple):
    """One allowed function, printed as ``name(...)``.

    ``derivative`` is ∂/∂v name(u) as a formula in ``u``, ``du`` = ∂u/∂v and ``f`` = name(u) (so that
    exp, sqrt and tanh reuse the call), written in the order of operations the derived tree is built
    in: ``du / cos(u)**2`` is not ``1/cos(u)**2 * du`` to the last bit. ``latex`` is what goes before
    and after the LaTeX of the argument.
    """

    name: str
    ufunc: np.ufunc
    derivative: str
    latex: tuple[str, str]


def _applied(command: str) -> tuple[str, str]:
    return command + r"\left(", r"\right)"


TABLE: Mapping[str, Function] = {
    f.name: f
    for f in (
        Function("sin", np.sin, "cos(u) * du", _applied(r"\sin")),
        Function("cos", np.cos, "-(sin(u) * du)", _applied(r"\cos")),
        Function("tan", np.tan, "du / cos(u)**2", _applied(r"\tan")),
        Function("exp", np.exp, "f * du", _applied(r"\exp")),
        Function("log", np.log, "du / u", _applied(r"\ln")),
        Function("sqrt", np.sqrt, "du / (2 * f)", (r"\sqrt{", "}")),
        Function("abs", np.abs, "sign(u) * du", (r"\left|", r"\right|")),
        Function("tanh", np.tanh, "(1 - f**2) * du", _applied(r"\tanh")),
        Function("sinh", np.sinh, "cosh(u) * du", _applied(r"\sinh")),
        Function("cosh", np.cosh, "sinh(u) * du", _applied(r"\cosh")),
        Function("arctan", np.arctan, "du / (1 + u**2)", _applied(r"\arctan")),
        # Allowed because it appears in the derivative of abs.
        Function("sign", np.sign, "0", _applied(r"\operatorname{sign}")),
    )
}
FUNCTIONS = tuple(TABLE)
ALIASES = {"atan": "arctan"}

_RULE_OPERATORS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow)


def rule_tree(text: str, table: Mapping[str, Function]) -> ast.expr:
    """The syntax tree of a derivative rule, after checking that it uses only numbers, ``u``,
    ``du``, ``f``, + - * / ** (and unary -) and one-argument calls of the table's functions."""
    try:
        body = ast.parse(text, mode="eval").body
    except SyntaxError:
        raise ValueError(f"the rule {text!r} is not a formula") from None
    stack = [body]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Name):
            if node.id not in RULE_NAMES:
                raise ValueError(f"the rule {text!r} uses {node.id!r}; allowed: {', '.join(RULE_NAMES)}")
        elif isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                raise ValueError(f"the rule {text!r} holds {node.value!r}; only numbers are allowed")
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            stack.append(node.operand)
        elif isinstance(node, ast.BinOp) and isinstance(node.op, _RULE_OPERATORS):
            stack += [node.left, node.right]
        elif isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in table:
                raise ValueError(f"the rule {text!r} calls {ast.unparse(node.func)!r}, which has no entry")
            if len(node.args) != 1 or node.keywords:
                raise ValueError(f"the rule {text!r} calls {node.func.id} with other than one argument")
            stack.append(node.args[0])
        else:
            raise ValueError(
                f"the rule {text!r} holds `{ast.unparse(node)}`; allowed: numbers, u, du, f, "
                "+ - * / **, unary - and calls of the table's functions"
            )
    return body


def check_table(table: Mapping[str, Function], allowed: Iterable[str]) -> None:
    """ValueError naming each function of ``allowed`` whose entry is missing or incomplete (no
    ufunc, no derivative rule or one that is not a rule, no LaTeX form), and each entry that is
    filed under another name."""
    problems = []
    for name in allowed:
        entry = table.get(name)
        if entry is None:
            problems.append(f"{name}: no entry")
            continue
        if entry.name != name:
            problems.append(f"{name}: the entry is {entry.name!r}'s")
        if not isinstance(entry.ufunc, np.ufunc) or entry.ufunc.nin != 1:
            problems.append(f"{name}: ufunc must be a one-argument NumPy ufunc, got {entry.ufunc!r}")
        if not isinstance(entry.derivative, str) or not entry.derivative.strip():
            problems.append(f"{name}: no derivative rule, got {entry.derivative!r}")
        else:
            try:
                rule_tree(entry.derivative, table)
            except ValueError as err:
                problems.append(f"{name}: {err}")
        latex = entry.latex
        if not (isinstance(latex, tuple) and len(latex) == 2 and all(isinstance(s, str) for s in latex)):
            problems.append(f"{name}: latex must be (before, after) the argument, got {latex!r}")
        elif not latex[0]:
            problems.append(f"{name}: no LaTeX form, got {latex!r}")
    if problems:
        raise ValueError("incomplete function table: " + "; ".join(problems))


check_table(TABLE, (*FUNCTIONS, *ALIASES.values()))
