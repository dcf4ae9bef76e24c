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

The parts, by job: ``tokens`` (the character-level allowlist) and ``parser`` (syntax tree to
Expr), ``tree`` (Expr, its simplifying constructors and derivatives), ``functions`` (the names a
formula may use: one table of functions with ufunc, derivative rule and LaTeX form), ``evaluator``
(the compiled evaluator), ``printing`` (text and LaTeX), ``errors`` and ``limits``. The modules are
not named after the functions exported here, which would hide them as attributes of the package.
"""

from gdviz.formula.errors import ERROR_CODES, FormulaError
from gdviz.formula.evaluator import Evaluator, evaluate
from gdviz.formula.functions import CONSTANTS, FUNCTIONS, VARIABLES
from gdviz.formula.limits import MAX_DEPTH, MAX_EXPONENT, MAX_LENGTH, MAX_LITERAL, MAX_NODES, MAX_PAREN_DEPTH
from gdviz.formula.parser import parse
from gdviz.formula.tree import Expr

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
