"""Your own formula and your own data: the sidebar sections and the problems they build.

Nothing typed or uploaded is ever executed: formulas go through gdviz.formula's allowlisted parser,
files through gdviz.csvdata's reader. Errors come back as messages with a stable code; the page
shows a translated headline, the precise English detail, and for formulas the offending part.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

import streamlit as st

import gdviz
from gdviz import csvdata, formula
from gdviz.problems.regression import linear_regression_from_data, logistic_regression_from_data
from gdviz.ui.i18n import t
from gdviz.ui.specs import ProblemSpec
from gdviz.ui.widgets import ensure as _ensure

SS = st.session_state
DEFAULT_FORMULA = "(1 - x)^2 + 100*(y - x^2)^2"
MAX_UPLOADS = 16  # uploaded files kept in memory for the whole server (each ≤ 5 MB)

_uploads: OrderedDict[str, bytes] = OrderedDict()
_lock = threading.Lock()


def remember_upload(data: bytes) -> str:
    sha = hashlib.sha256(data).hexdigest()[:32]
    with _lock:
        _uploads[sha] = data
        _uploads.move_to_end(sha)
        while len(_uploads) > MAX_UPLOADS:
            _uploads.popitem(last=False)
    return sha


def _upload(sha: str) -> bytes:
    with _lock:
        data = _uploads.get(sha)
    if data is None:
        raise ValueError(t("csv.gone"))
    return data


@st.cache_resource(max_entries=16, show_spinner=False)
def read_table(sha: str) -> csvdata.Table:
    return csvdata.read_csv(_upload(sha))


@st.cache_resource(max_entries=16, show_spinner=False)
def csv_problem(spec: ProblemSpec):
    o = dict(spec.options)
    table = read_table(o["sha"])
    X, y, _ = csvdata.select(table, o["target"], list(o["features"]), o["task"], bool(o["standardize"]))
    name = "csv"
    if o["task"] == "classification":
        return logistic_regression_from_data(X, y, l2=float(o.get("l2", 0.0)), name=name)
    return linear_regression_from_data(X, y, loss=o.get("loss", "half_mse"), name=name)


def formula_section() -> ProblemSpec:
    _ensure("p.formula.expr", DEFAULT_FORMULA)
    text = st.text_input(
        t("formula.input"), key="p.formula.expr", max_chars=formula.MAX_LENGTH, help=t("formula.help")
    )
    try:
        expr = formula.parse(text)
    except formula.FormulaError as err:
        show_formula_error(text, err)
        text = DEFAULT_FORMULA
        expr = formula.parse(text)
    st.latex(f"f(x, y) = {expr.to_latex()}")
    opts: list[tuple[str, object]] = [("expr", text)]
    _ensure("p.formula.own_window", False)
    if st.toggle(t("formula.own_window"), key="p.formula.own_window"):
        auto = gdviz.problem("formula", expr=text).window
        c1, c2 = st.columns(2)
        vals = []
        for i, (k, v) in enumerate(
            (("xmin", auto[0][0]), ("xmax", auto[0][1]), ("ymin", auto[1][0]), ("ymax", auto[1][1]))
        ):
            key = f"p.formula.{k}"
            _ensure(key, float(v))
            vals.append((c1 if i % 2 == 0 else c2).number_input(k, -1e6, 1e6, key=key, format="%g"))
        if vals[0] < vals[1] and vals[2] < vals[3]:
            opts.append(("window", ((vals[0], vals[1]), (vals[2], vals[3]))))
        else:
            st.error(t("formula.bad_window"))
    return ProblemSpec("formula", tuple(opts))


def show_formula_error(text: str, err: formula.FormulaError):
    st.error(f"**{t('formula.rejected')}** {t(f'formula.err.{err.code}', '')}\n\n{err}")
    if err.span is not None and text:
        a, b = err.span
        b = max(b, a + 1)
        shown = text.replace("\n", " ")
        st.code(f"{shown}\n{' ' * a}{'^' * (b - a)}", language=None)


def csv_section() -> ProblemSpec | None:
    up = st.file_uploader(t("csv.upload"), type=["csv", "txt", "tsv"], key="p.csv.file", help=t("csv.help"))
    if up is None:
        st.info(t("csv.none"))
        return None
    data = up.getvalue()
    if len(data) > csvdata.MAX_BYTES:
        st.error(t("csv.too_large", mb=csvdata.MAX_BYTES // 1_000_000))
        return None
    sha = remember_upload(data)
    try:
        table = read_table(sha)
    except csvdata.CsvError as err:
        st.error(f"**{t('csv.rejected')}** {err}")
        return None
    numeric = [c for c in table.columns if c not in table.issues]
    st.caption(t("csv.read", rows=len(table.values), cols=len(table.columns), enc=table.encoding))
    task = st.radio(
        t("csv.task"),
        csvdata.TASKS,
        key="p.csv.task",
        horizontal=True,
        format_func=lambda v: t(f"csv.task.{v}"),
    )
    targets = list(table.columns) if task == "classification" else numeric
    if not targets or len(numeric) < 1:
        st.error(t("csv.no_numeric"))
        return None
    if SS.get("p.csv.target") not in targets:
        SS["p.csv.target"] = targets[-1]
    target = st.selectbox(t("csv.target"), targets, key="p.csv.target")
    choices = [c for c in numeric if c != target]
    if not choices:
        st.error(t("csv.no_features"))
        return None
    if not SS.get("p.csv.features") or not set(SS["p.csv.features"]) <= set(choices):
        SS["p.csv.features"] = choices[:1]
    feats = st.multiselect(
        t("csv.features"), choices, key="p.csv.features", max_selections=2, help=t("csv.features.help")
    )
    if not feats:
        st.warning(t("csv.pick_feature"))
        return None
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
        opts.append(("l2", st.number_input(t("ctl.l2"), 0.0, 10.0, key="p.csv.l2", step=0.01, format="%g")))
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
    try:
        _, _, info = csvdata.select(table, target, list(feats), task, bool(std))
        csv_problem(spec)
    except (csvdata.CsvError, ValueError) as err:
        st.error(f"**{t('csv.rejected')}** {err}")
        return None
    if task == "classification" and info.get("classes"):
        c0, c1 = info["classes"]
        st.caption(t("csv.classes", c0=c0, c1=c1))
    return spec
