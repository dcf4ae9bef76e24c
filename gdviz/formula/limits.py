"""The bounds that keep a formula cheap to parse and to evaluate (the cost model in ``gdviz.formula``):
characters, parenthesis nesting, tree depth and size, constant exponents and number literals."""

from __future__ import annotations

MAX_LENGTH = 300
MAX_PAREN_DEPTH = 20
MAX_DEPTH = 50
MAX_NODES = 200
MAX_EXPONENT = 100.0
MAX_LITERAL = 1e15
