"""``parse``: a formula's text to its :class:`Expr` tree, through two allowlists.

The tokenizer (tokens.py) checks the text; ``ast.parse`` then only builds a syntax tree of the
re-assembled tokens, and :class:`_Converter` takes that tree through an allowlist of node types into
an Expr, checking every cap. Nothing is ever passed to ``eval``, ``exec`` or ``compile``. Both stages
check the allowlist, so a gap in one is caught by the other.
"""

from __future__ import annotations

import ast
import math

import numpy as np

from gdviz.errors import cut
from gdviz.formula.errors import FormulaError
from gdviz.formula.functions import ALIASES, CONSTANTS, FUNCTIONS, OPERATORS, TABLE, VARIABLES
from gdviz.formula.limits import MAX_DEPTH, MAX_EXPONENT, MAX_LENGTH, MAX_LITERAL, MAX_NODES
from gdviz.formula.tokens import ALLOWED_HELP, tokenize
from gdviz.formula.tree import Expr


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
    source, where = tokenize(text)
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        raise _syntax_error(text, source, where, exc) from None
    except Exception:
        # Defense in depth: the tokenizer bounds length and nesting, so the parser cannot recurse
        # deeply or run out of memory; should it still fail, the user gets a clean rejection.
        raise FormulaError("syntax", "the formula could not be parsed") from None
    return _Converter(text, where).convert(tree.body)


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
        "syntax", f"unexpected `{cut(text[start:end])}` here: the formula is not well formed", (start, end)
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
        return cut(self.text[start:end])

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
            self.fail("unknown_name", f"`{cut(node.id)}` is not allowed: {ALLOWED_HELP}", node)
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
                    value = self.finite(OPERATORS[kind](lv, rv), node)
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
            self.fail("not_callable", f"`{cut(func.id)}` is not a function: {ALLOWED_HELP}", func)
        if node.keywords or len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
            self.fail("bad_call", f"`{func.id}` takes exactly one argument, e.g. {func.id}(x)", node)
        arg, value = self.node(node.args[0])
        if value is not None:
            with np.errstate(all="ignore"):
                value = self.finite(TABLE[name].ufunc(value), node)
        return Expr("call", (arg,), name), value

    def finite(self, value, node: ast.AST):
        if not np.isfinite(value):
            self.fail("not_finite", f"`{self.snippet(node)}` is not a finite number", node)
        return np.float64(value)
