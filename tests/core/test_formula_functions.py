"""gdviz.formula.functions: the one table of allowed functions (ufunc, derivative rule, LaTeX form),
and the check that refuses a function with one of them missing or borrowed from another."""

from __future__ import annotations

import numpy as np
import pytest

from gdviz.formula import FUNCTIONS, FormulaError, parse
from gdviz.formula.functions import ALIASES, TABLE, Function, check_table
from gdviz.formula.tokens import ALLOWED_NAMES

ALLOWED = (*FUNCTIONS, *ALIASES.values())


def test_every_allowed_function_has_an_entry_with_a_ufunc_a_derivative_rule_and_a_latex_form():
    check_table(TABLE, ALLOWED)
    # The tokenizer's allowlist is the table's: a function cannot be typed without an entry.
    assert ALLOWED_NAMES - {"x", "y", "pi", "e"} == set(TABLE) | set(ALIASES)
    for name in [*FUNCTIONS, *ALIASES]:
        e = parse(f"{name}(x)")
        assert e.to_string() == f"{ALIASES.get(name, name)}(x)"
        assert e.to_latex().startswith(TABLE[ALIASES.get(name, name)].latex[0])
    with pytest.raises(FormulaError, match="`asin` is not allowed"):
        parse("asin(x)")


@pytest.mark.parametrize("name", FUNCTIONS)
def test_each_rule_is_the_derivative_of_its_own_function(name):
    # Through an inner function, so that the rule's du (the chain rule) is checked too: u = 2x - 0.1.
    x = np.array([0.2, 0.35, 0.55, 0.72])
    d = parse(f"{name}(2*x - 0.1)").diff("x").evaluate(x, 0.0)
    f = TABLE[name].ufunc
    h = 1e-6
    numeric = (f(2 * (x + h) - 0.1) - f(2 * (x - h) - 0.1)) / (2 * h)
    np.testing.assert_allclose(d, numeric, rtol=1e-6, atol=1e-8)


def _without(name, **change):
    table = dict(TABLE)
    if change:
        table[name] = TABLE[name]._replace(**change)
    else:
        del table[name]
    return table


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (_without("tanh"), "tanh: no entry"),
        (_without("tanh", derivative=None), "tanh: no derivative rule, got None"),
        (_without("tanh", derivative=" "), "tanh: no derivative rule, got ' '"),
        # Another function's entry filed under this one's name: its rule would be borrowed.
        ({**TABLE, "tanh": TABLE["sinh"]}, "tanh: the entry is 'sinh''s"),
        (_without("cosh"), "sinh: the rule 'cosh\\(u\\) \\* du' calls 'cosh', which has no entry"),
        (
            _without("tanh", derivative="1 - g**2"),
            "tanh: the rule '1 - g\\*\\*2' uses 'g'; allowed: u, du, f",
        ),
        (_without("tanh", derivative="(1 - f**2) *"), "tanh: the rule .* is not a formula"),
        (_without("tanh", derivative="du if u else 0"), "tanh: the rule .* holds `du if u else 0`"),
        (_without("tanh", derivative="sin(u, du)"), "tanh: the rule .* calls sin with other than one"),
        (_without("tanh", ufunc=np.add), "tanh: ufunc must be a one-argument NumPy ufunc"),
        (_without("tanh", ufunc=None), "tanh: ufunc must be a one-argument NumPy ufunc, got None"),
        (_without("tanh", latex=("", "")), "tanh: no LaTeX form"),
        (_without("tanh", latex=r"\tanh"), r"tanh: latex must be \(before, after\) the argument"),
    ],
)
def test_an_incomplete_entry_fails_the_check(table, message):
    with pytest.raises(ValueError, match="incomplete function table: .*" + message):
        check_table(table, ALLOWED)


def test_a_new_function_needs_an_entry_before_it_can_be_allowed():
    with pytest.raises(ValueError, match="asinh: no entry"):
        check_table(TABLE, (*ALLOWED, "asinh"))
    table = {**TABLE, "asinh": Function("asinh", np.arcsinh, "du / sqrt(1 + u**2)", (r"\sinh^{-1}(", ")"))}
    check_table(table, (*ALLOWED, "asinh"))
