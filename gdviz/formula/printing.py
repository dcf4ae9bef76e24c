"""A formula tree as Python-syntax text (which ``parse`` reads back into the same tree) and as LaTeX.

Both printers read nodes through ``kind``, ``args`` and ``value`` only. Binding strength: sums 1,
products 2, unary minus 3, powers 4, atoms 5 (Python's own order); a part binding less tightly
than its place needs is parenthesized.
"""

from __future__ import annotations

from gdviz.formula.functions import TABLE


def text(node) -> str:
    return _text(node)[0]


def latex(node) -> str:
    return _latex(node)[0]


def _number_text(v: float) -> str:
    if float(v).is_integer() and abs(v) < 1e16:
        return str(int(v))
    return repr(float(v))


def _text(node) -> tuple[str, int]:
    kind = node.kind
    if kind == "num":
        return _number_text(node.value), (3 if node.value < 0 else 5)
    if kind in ("var", "const"):
        return node.value, 5
    if kind == "call":
        return f"{TABLE[node.value].name}({_text(node.args[0])[0]})", 5
    if kind == "neg":
        return "-" + _wrap(node.args[0], 4), 3
    a, b = node.args
    if kind in ("add", "sub"):
        return f"{_wrap(a, 1)} {'+' if kind == 'add' else '-'} {_wrap(b, 2)}", 1
    if kind in ("mul", "div"):
        return f"{_wrap(a, 2)}{'*' if kind == 'mul' else '/'}{_wrap(b, 3)}", 2
    return f"{_wrap(a, 5)}**{_wrap(b, 3)}", 4


def _wrap(node, need: int) -> str:
    s, prec = _text(node)
    return s if prec >= need else f"({s})"


def _latex(node) -> tuple[str, int]:
    kind = node.kind
    if kind == "num":
        mant, _, exp = repr(float(node.value)).partition("e")
        s = _number_text(node.value) if not exp else rf"{mant} \cdot 10^{{{int(exp)}}}"
        return s, (3 if node.value < 0 else 5)
    if kind == "var":
        return node.value, 5
    if kind == "const":
        return (r"\pi" if node.value == "pi" else "e"), 5
    if kind == "call":
        before, after = TABLE[node.value].latex
        return before + _latex(node.args[0])[0] + after, 5
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


def _latex_wrap(node, need: int) -> str:
    s, prec = _latex(node)
    return s if prec >= need else rf"\left({s}\right)"
