"""Your own formula and your own data: the sidebar sections and the problems they build.

Nothing typed or uploaded is ever executed: formulas go through gdviz.formula's allowlisted parser,
files through gdviz.problems.data.csv. Errors come back as messages with a stable code; the page
shows a translated headline, the precise English detail, and for formulas the offending part.
"""

from __future__ import annotations

import streamlit as st

from gdviz import formula
from gdviz.problems.data import csv as csvdata
from gdviz.ui.i18n import t
from gdviz.ui.numbers import number
from gdviz.ui.quirks import ensure as _ensure
from gdviz.ui.race.compute import get_problem
from gdviz.ui.race.uploads import read_table, remember_upload, table_choices
from gdviz.ui.specs import ProblemSpec
from gdviz.ui.text import literal

SS = st.session_state
DEFAULT_FORMULA = "(1 - x)^2 + 100*(y - x^2)^2"
# The window offered for a formula that has no automatic one: the first automatic candidate.
HAND_WINDOW = ((-3.0, 3.0), (-3.0, 3.0))
# The widgets drawn in a run where this section gives no problem (a rejected formula).
DRAWN_WHEN_NONE = ("p.formula.expr",)


def formula_section() -> ProblemSpec | None:
    """The formula problem the sidebar shows; None (nothing raced) while the formula is rejected:
    racing another function instead would show its chart and warnings for a formula the student
    never typed."""
    _ensure("p.formula.expr", DEFAULT_FORMULA)
    text = st.text_input(
        t("formula.input"), key="p.formula.expr", max_chars=formula.MAX_LENGTH, help=t("formula.help")
    )
    try:
        expr = formula.parse(text)
    except formula.FormulaError as err:
        show_formula_error(text, err)
        return None
    st.latex(f"f(x, y) = {expr.to_latex()}")
    default = ProblemSpec("formula", (("expr", DEFAULT_FORMULA),))
    auto = _automatic_window(text)
    _ensure("p.formula.own_window", False)
    own = st.toggle(t("formula.own_window"), key="p.formula.own_window")
    if isinstance(auto, formula.FormulaError):
        # f is nowhere finite enough on the automatic windows (sqrt(1 - x^2 - y^2) fills 9 % of ±3):
        # only a window set by hand can show it.
        st.warning(t("formula.no_auto_window", err=literal(auto)))
        if not own:
            st.caption(t("formula.set_window_hint"))
            return default
        st.caption(t("formula.hand_window"))
    opts: list[tuple[str, object]] = [("expr", text)]
    if own:
        start = HAND_WINDOW if isinstance(auto, formula.FormulaError) else auto
        c1, c2 = st.columns(2)
        vals = []
        for i, (k, v) in enumerate(
            (("xmin", start[0][0]), ("xmax", start[0][1]), ("ymin", start[1][0]), ("ymax", start[1][1]))
        ):
            key = f"p.formula.{k}"
            _ensure(key, float(v))
            vals.append(
                number(k, -1e6, 1e6, key=key, default=float(v), where=c1 if i % 2 == 0 else c2, format="%g")
            )
        if vals[0] < vals[1] and vals[2] < vals[3]:
            opts.append(("window", ((vals[0], vals[1]), (vals[2], vals[3]))))
        else:
            st.error(t("formula.bad_window"))
            if isinstance(auto, formula.FormulaError):
                return default
    spec = ProblemSpec("formula", tuple(opts))
    try:
        get_problem(spec)
    except ValueError as err:  # e.g. a window where f is nowhere finite
        st.error(t("formula.window_refused", err=literal(err)))
        return default
    return spec


def _automatic_window(text: str):
    """The automatic window of the formula ``text`` (parsed already), or the FormulaError saying why
    there is none."""
    try:
        return get_problem(ProblemSpec("formula", (("expr", text),))).window
    except formula.FormulaError as err:
        return err


def show_formula_error(text: str, err: formula.FormulaError):
    st.error(f"**{t('formula.rejected')}** {t(f'formula.err.{err.code}', '')}\n\n{literal(err)}")
    if err.span is not None and text:
        a, b = err.span
        b = max(b, a + 1)
        shown = text.replace("\n", " ")
        st.code(f"{shown}\n{' ' * a}{'^' * (b - a)}", language=None)


def _size(unit: str, n: str) -> str:
    return t("size.MB", n=n) if unit == "MB" else t("size.bytes", n=n)


def csv_section() -> ProblemSpec | None:
    """The upload and, when its columns can serve, the choice of task, target and features.

    Every refusal comes before the first keyed widget: when the section returns None the page
    writes the session's values back (sidebar.keep_state), and Streamlit forbids writing the value
    of a widget drawn in the same run. So the selectors offer only what works (csvdata.choices).
    """
    up = st.file_uploader(t("csv.upload"), type=["csv", "txt", "tsv"], key="p.csv.file", help=t("csv.help"))
    if up is None:
        st.info(t("csv.none"))
        return None
    data = up.getvalue()
    if len(data) > csvdata.MAX_BYTES:
        unit, size, limit = csvdata.sizes(len(data), csvdata.MAX_BYTES)
        st.error(t("csv.too_large.exact", size=_size(unit, size), limit=_size(unit, limit)))
        return None
    sha = remember_upload(data)
    # the upload widget's value ends with the run that draws it: its hash is what the state keeps
    SS["p.csv.sha"] = sha
    try:
        table = read_table(sha)
        options = table_choices(sha)
    except csvdata.CsvError as err:
        st.error(f"**{t('csv.rejected')}** {literal(err)}")
        return None
    tasks = [task for task in csvdata.TASKS if options.targets[task]]
    if not tasks:
        st.error(f"**{t('csv.cannot_serve')}** {_why_not(options)}")
        return None
    st.caption(t("csv.read", rows=len(table.values), cols=len(table.columns), enc=table.encoding))
    if SS.get("p.csv.task") not in tasks:
        SS["p.csv.task"] = tasks[0]
    task = st.radio(
        t("csv.task"), tasks, key="p.csv.task", horizontal=True, format_func=lambda v: t(f"csv.task.{v}")
    )
    for other in csvdata.TASKS:
        if other not in tasks:
            st.caption(t("csv.task_unavailable", task=t(f"csv.task.{other}")))
    targets = list(options.targets[task])
    if SS.get("p.csv.target") not in targets:
        SS["p.csv.target"] = targets[-1]
    target = st.selectbox(t("csv.target"), targets, key="p.csv.target")
    choices = [c for c in options.features if c != target]  # never empty: see csvdata.choices
    if not SS.get("p.csv.features") or not set(SS["p.csv.features"]) <= set(choices):
        SS["p.csv.features"] = choices[:1]
    SS[_PREV_FEATURES] = list(SS["p.csv.features"])
    feats = st.multiselect(
        t("csv.features"),
        choices,
        key="p.csv.features",
        max_selections=2,
        help=t("csv.features.help"),
        on_change=_keep_a_feature,
    )
    if options.refused:
        st.caption(t("csv.not_offered", why=_why_not(options, only_refused=True)))
    _ensure("p.csv.standardize", False)
    std = st.toggle(t("csv.standardize"), key="p.csv.standardize", help=t("csv.standardize.help"))
    opts = [
        ("sha", sha),
        ("target", target),
        ("features", tuple(feats)),
        ("task", task),
        ("standardize", bool(std)),
    ]
    if task == "classification":
        _ensure("p.csv.l2", 0.0)
        opts.append(
            ("l2", number(t("ctl.l2"), 0.0, 10.0, key="p.csv.l2", default=0.0, step=0.01, format="%g"))
        )
    else:
        _ensure("p.csv.loss", "half_mse")
        opts.append(
            (
                "loss",
                st.selectbox(
                    t("ctl.loss"),
                    ("half_mse", "mse"),
                    key="p.csv.loss",
                    format_func=lambda v: t(f"opt.loss.{v}"),
                ),
            )
        )
    spec = ProblemSpec("csv", tuple(opts))
    # The choices above are what select() accepts, so this builds (tests/core/test_csvdata.py checks it).
    _, _, info = csvdata.select(table, target, list(feats), task, bool(std))
    get_problem(spec)
    if task == "classification" and info.get("classes"):
        c0, c1 = info["classes"]
        st.caption(t("csv.classes", c0=literal(c0), c1=literal(c1)))
    return spec


_PREV_FEATURES = "_prev.p.csv.features"


def _keep_a_feature():
    # Emptying the selection would leave nothing to fit; a callback may still write the widget's
    # value (code after the widget may not), so the last feature stays chosen.
    if not SS.get("p.csv.features"):
        SS["p.csv.features"] = SS.get(_PREV_FEATURES) or []


def _why_not(options: csvdata.Choices, *, only_refused: bool = False, shown: int = 3) -> str:
    """Why columns are not offered: the reasons of the first few, as literal text."""
    parts = []
    if not only_refused:
        if not options.features:
            parts.append(t("csv.no_feature"))
        elif len(options.features) == 1:
            parts.append(t("csv.only_feature", name=literal(repr(options.features[0]))))
    reasons = [str(err) for err in options.refused.values()]
    more = " …" if len(reasons) > shown else ""
    parts += [literal("; ".join(reasons[:shown])) + more] if reasons else []
    return " ".join(parts)
