"""The first check of a formula: its text, character by character, against an allowlist.

Only ASCII, the allowed names (functions.py), numbers, ``+ - * / ^ **``, commas and parentheses
pass, nested at most ``MAX_PAREN_DEPTH`` deep, with grammar checks that point at the exact token.
What passes is re-assembled as Python source for ``ast.parse`` (parser.py), which only builds a tree.
"""

from __future__ import annotations

import re
import unicodedata

from gdviz.errors import cut
from gdviz.formula.errors import FormulaError
from gdviz.formula.functions import ALIASES, CONSTANTS, FUNCTIONS, VARIABLES
from gdviz.formula.limits import MAX_PAREN_DEPTH

ALLOWED_NAMES = frozenset(VARIABLES) | frozenset(CONSTANTS) | frozenset(FUNCTIONS) | frozenset(ALIASES)
ALLOWED_HELP = "only x, y, pi, e and the functions " + ", ".join(f for f in FUNCTIONS) + " are allowed"

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


def tokenize(text: str) -> tuple[str, list[int]]:
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
            a = "(…)" if prev == ")" else cut(text[prev_span[0] : prev_span[1]])
            b = "(…)" if kind == "(" else cut(cur)
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
                a, b = cut(m.group()), cut(nxt.group() if nxt else text[end])
                raise FormulaError(
                    "missing_operator",
                    f"missing operator between `{a}` and `{b}`: write `{a}*{b}` to multiply",
                    (i, end + len(b)),
                )
            emit(m.group(), i, "operand", end)
            i = end
        elif c.isalpha() or c == "_":
            name = _NAME.match(text, i).group()
            end = i + len(name)
            if name not in ALLOWED_NAMES:
                raise FormulaError(
                    "unknown_name",
                    f"`{cut(name)}` is not allowed: {ALLOWED_HELP}{_name_hint(name)}",
                    (i, end),
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
    if name.lower() in ALLOWED_NAMES:
        return f" (names are case-sensitive: write {name.lower()})"  # an allowed name: short
    atoms = ("pi", "x", "y", "e")
    best: dict[int, list[str]] = {0: []}
    for i in range(len(name)):
        if i in best:
            for a in atoms:
                if name.startswith(a, i) and i + len(a) not in best:
                    best[i + len(a)] = [*best[i], a]
    parts = best.get(len(name))
    return f" (to multiply, write {cut('*'.join(parts))})" if parts and len(parts) > 1 else ""
