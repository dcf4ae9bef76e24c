"""English and Chinese strings: the two tables agree, and every key the page asks for exists.

The page's code is read with ``ast``: literal keys ``t("…")`` must be in the English table, keys built
as f-strings (``t(f"rule.{r}")``) are expanded over the value sets they range over, and no
user-visible text may be passed to a Streamlit widget without going through ``t``.
"""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest
from figure_support import PREFIXES

from gdviz import formula
from gdviz.figures import inspect, race, surface3d
from gdviz.figures import network as network_figures
from gdviz.optim import registry
from gdviz.problems.data import csv as csvdata
from gdviz.ui import i18n, specs
from gdviz.ui.i18n import EN, ZH, figure_labels, t

UI_DIR = Path(i18n.__file__).resolve().parent
UI_FILES = sorted(p for p in UI_DIR.rglob("*.py") if p.name != "i18n.py")

# Streamlit calls whose first argument (or label/help keywords) a visitor reads.
LABEL_CALLS = {
    "button", "selectbox", "slider", "radio", "toggle", "number_input", "select_slider", "expander",
    "tabs", "markdown", "caption", "subheader", "header", "title", "info", "warning", "error", "success",
    "text_input", "text_area", "file_uploader", "multiselect", "segmented_control", "checkbox", "pills",
    "write", "toast", "metric", "download_button", "link_button", "popover", "spinner",
}  # fmt: skip
LABEL_KEYWORDS = ("label", "help", "placeholder")
# Text that is the same in every language (symbols, variable names); none is needed today.
ALLOWED_LITERALS: set[str] = set()
WORDS = re.compile(r"[A-Za-z]{2,}|[\u4e00-\u9fff]")


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def _trees():
    for path in UI_FILES:
        yield path, ast.parse(path.read_text(), filename=str(path))


def _t_calls():
    """Every call ``t(...)`` in the page's code: (file, line, first argument, has a default)."""
    for path, tree in _trees():
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "t"
                and node.args
            ):
                yield (
                    path.name,
                    node.lineno,
                    node.args[0],
                    len(node.args) > 1 or any(k.arg == "default" for k in node.keywords),
                )


def _template_regex(node: ast.JoinedStr) -> re.Pattern:
    parts = []
    for v in node.values:
        if isinstance(v, ast.Constant):
            parts.append(re.escape(str(v.value)))
        else:
            parts.append(r"[^.]+")
    return re.compile("".join(parts) + r"\Z")


def _all_controls():
    for rule in specs.rules():
        yield from specs.rule_controls(rule)
    for table in (specs.PROBLEM_CONTROLS, specs.SCHEDULE_CONTROLS):
        for controls in table.values():
            yield from controls


def required_keys() -> set[str]:
    """Keys built from the value sets the page iterates over: each must be in the English table."""
    keys = set()
    # what each update rule the pages offer declares of its texts (gdviz.optim.registry.strings)
    keys |= {k for r in specs.rules() for k in registry.strings(r)}
    keys |= {f"variant.{v}" for v in specs.VARIANTS} | {f"variant.{v}.short" for v in specs.VARIANTS}
    keys |= {f"schedule.{s}" for s in specs.SCHEDULES}
    keys |= {f"problem.{p}" for p in specs.PROBLEMS} | {f"problem.{p}.about" for p in specs.PROBLEMS}
    for c in _all_controls():
        keys.add(f"ctl.{c.key}")
        # numbers (n_features 1 or 2) read the same in every language and fall back to themselves
        keys |= {f"opt.{c.key}.{v}" for v in c.choices if isinstance(v, str)}
    # the options of the view's radios and panel switch (literal tuples in sidebar.py, visualizer.py)
    keys |= {f"x_axis.{v}" for v in ("step", "epoch")} | {f"plane.{v}" for v in ("slice", "pca")}
    from gdviz.ui.race.links import PANELS

    keys |= {f"tab.{v}" for v in PANELS}
    keys |= {f"formula.err.{c}" for c in formula.ERROR_CODES}
    keys |= {f"csv.task.{v}" for v in csvdata.TASKS}
    from gdviz.ui import work
    from gdviz.ui.network import page as page_network

    keys |= {f"work.part.{p}" for p in work.PARTS}
    from gdviz.export.jobs import KINDS

    keys |= {f"export.kind.{k}" for k in KINDS}
    from gdviz.serve import cost

    keys |= {f"work.refused.{r}" for r in cost.REFUSALS}
    from gdviz.ui.race.lessons import LESSONS

    keys |= {f"net.lesson.{k}.title" for k in page_network.LESSONS}
    # the figures' texts, asked for key by key as each figure module declares them
    keys |= {f"net.fig.{k}" for k in network_figures.LABEL_KEYS}
    keys |= {f"insp.fig.{k}" for k in inspect.LABEL_KEYS}
    keys |= _scale_keys()
    for lesson in LESSONS:
        keys |= {f"lesson.{lesson.key}.{part}" for part in ("title", "intro", "question", "notice")}
    return keys


def _scale_keys() -> set[str]:
    from gdviz.figures import scale as scale_figures
    from gdviz.parallel import STRATEGIES
    from gdviz.ui.scale import state as scale_state

    keys = {f"scale.fig.{k}" for k in scale_figures.LABEL_KEYS + scale_figures.paths.LABEL_KEYS}
    keys |= {f"scale.strategy.{s}" for s in STRATEGIES} | {f"scale.explain.{s}" for s in STRATEGIES}
    keys |= {f"scale.insp.rule.{s}" for s in STRATEGIES}
    keys |= {f"scale.problem.{p}" for p in scale_state.PROBLEMS}
    keys |= {f"scale.network.{n}" for n in scale_state.CONTROLS["scale.network"].choices}
    keys |= {f"scale.compression.{c}" for c in scale_state.COMPRESSIONS}
    keys |= {f"scale.shards.{v}" for v in scale_state.SHARDS} | {f"scale.x.{v}" for v in scale_state.X_AXES}
    for lesson in scale_state.LESSONS:
        keys |= {f"scale.lesson.{lesson}.{part}" for part in ("title", "summary", "body")}
    return keys


def optional_keys() -> set[str]:
    """Keys the page asks for with a default (help texts): a missing one shows nothing, not the key."""
    return {f"ctl.{c.key}.help" for c in _all_controls()}


# --- the tables ---------------------------------------------------------------------------------------
def test_both_languages_have_the_same_keys():
    assert sorted(set(EN) - set(ZH)) == [], "keys missing in Chinese"
    assert sorted(set(ZH) - set(EN)) == [], "keys only in Chinese"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_no_empty_strings(lang):
    table = i18n.TABLES[lang]
    assert [k for k, v in table.items() if not isinstance(v, str) or not v.strip()] == []


def test_same_placeholders_in_both_languages():
    bad = {k: (_fields(EN[k]), _fields(ZH[k])) for k in EN if k in ZH and _fields(EN[k]) != _fields(ZH[k])}
    assert bad == {}


def test_chinese_strings_are_translated():
    # identical text is fine for names and symbols (Adam, β1, ε) but not for sentences
    same = [k for k in EN if ZH.get(k) == EN[k] and len(WORDS.findall(EN[k])) > 2]
    assert same == [], "English sentences in the Chinese table"


# --- keys the code uses ------------------------------------------------------------------------------
def test_every_literal_key_exists():
    calls = list(_t_calls())
    literal = [
        (f, n, a.value) for f, n, a, _ in calls if isinstance(a, ast.Constant) and isinstance(a.value, str)
    ]
    assert len(literal) > 50, "the scan should find the page's t(...) calls"
    missing = [(f, n, k) for f, n, k in literal if k not in EN]
    assert missing == []


def test_every_expanded_key_exists():
    missing = sorted(required_keys() - set(EN))
    assert missing == []


def test_every_key_template_is_covered_by_a_known_value_set():
    known = required_keys() | optional_keys()
    templates = [(f, n, a, d) for f, n, a, d in _t_calls() if isinstance(a, ast.JoinedStr)]
    assert len(templates) > 10, "the scan should find the page's t(f'…') calls"
    uncovered = []
    for f, n, node, has_default in templates:
        rx = _template_regex(node)
        matches = {k for k in known if rx.match(k)}
        required = {k for k in required_keys() if rx.match(k)}
        # a template without a default must range over required keys only, which all exist
        if not matches or (not has_default and not required):
            uncovered.append(f"{f}:{n} {ast.unparse(node)}")
    assert uncovered == [], "key templates whose values are not known to this test"
    other = [
        (f, n, ast.unparse(a))
        for f, n, a, _ in _t_calls()
        if not isinstance(a, (ast.Constant, ast.JoinedStr)) and ast.unparse(a) not in COMPUTED_KEYS
    ]
    assert other == [], "t() called with a computed key this test cannot check (add it to COMPUTED_KEYS)"


def _page_title_keys() -> set[str]:
    from gdviz.ui.network.page import PAGE as network
    from gdviz.ui.race.page import PAGE as race
    from gdviz.ui.scale.page import PAGE as scale
    from gdviz.ui.sweeps.page import PAGE as sweeps

    return {p.title_key for p in (race, sweeps, network, scale)}


def _rule_notes(*fields: str):
    """The i18n keys the update rules declare in ``fields`` (the inspector's notes)."""
    return lambda: {getattr(registry.entry(r).rule, f) for r in specs.rules() for f in fields} - {""}


# Keys passed to t() as expressions, and where their values come from.
COMPUTED_KEYS = {
    "p.title_key": _page_title_keys,
    "note_key": _rule_notes("note", "memory_note"),
    "effective_key": _rule_notes("effective_note"),
}


def test_every_computed_key_exists():
    missing = {expr: sorted(keys() - set(EN)) for expr, keys in COMPUTED_KEYS.items() if keys() - set(EN)}
    assert missing == {}


def label_reads(tree: ast.AST) -> tuple[set[str], list[re.Pattern], list[str]]:
    """What a figure module reads from its texts ``lab``: literal keys ``lab["k"]``, key templates
    ``lab[f"axis.{name}"]`` (as patterns), and any other read (an expression this scan cannot check)."""
    literal, templates, other = set(), [], []
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == "lab":
            key = node.slice
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                literal.add(key.value)
            elif isinstance(key, ast.JoinedStr):
                templates.append(_template_regex(key))
            else:
                other.append(ast.unparse(key))
    return literal, templates, other


def label_problems(module, prefix: str) -> list[str]:
    """Everything wrong between what ``module`` reads, what it declares (LABEL_KEYS) and what the
    i18n tables hold under ``prefix``; empty when the figure's every text exists in both languages."""
    declared = set(module.LABEL_KEYS)
    literal, templates, other = label_reads(ast.parse(Path(module.__file__).read_text()))
    problems = [f"reads {k!r} without declaring it" for k in sorted(literal - declared)]
    problems += [f"reads lab[{e}], which this scan cannot check" for e in other]
    problems += [
        f"no declared key matches {rx.pattern!r}" for rx in templates if not any(map(rx.match, declared))
    ]
    matched = literal | {k for k in declared for rx in templates if rx.match(k)}
    problems += [f"declares {k!r} but never reads it" for k in sorted(declared - matched)]
    for name, table in (("English", EN), ("Chinese", ZH)):
        problems += [f"{prefix}{k} is missing in {name}" for k in sorted(declared) if prefix + k not in table]
    return problems


FIGURE_MODULES = [m for m in PREFIXES if hasattr(m, "__file__") and not m.__file__.endswith("__init__.py")]


@pytest.mark.parametrize("module", FIGURE_MODULES, ids=lambda m: m.__name__)
def test_every_label_a_figure_reads_exists_in_both_languages(module):
    assert label_problems(module, PREFIXES[module]) == []


def test_every_figure_module_with_texts_is_checked():
    import pkgutil

    import gdviz.figures

    found = set()
    for info in pkgutil.walk_packages(gdviz.figures.__path__, "gdviz.figures."):
        mod = __import__(info.name, fromlist=["_"])
        if "lab[" in Path(mod.__file__).read_text():
            found.add(mod.__name__)
    assert found == {m.__name__ for m in FIGURE_MODULES}


def test_the_label_check_finds_what_is_wrong(tmp_path):
    # the check above must be able to fail: a figure reading an undeclared, an unknown or a
    # computed key, declaring one it never reads, or declaring one the tables lack
    src = tmp_path / "fake_figure.py"
    src.write_text('def f(lab, k):\n    return lab["loss"], lab["nope"], lab[f"axis.{k}"], lab[k]\n')
    fake = type("Fake", (), {"__file__": str(src), "LABEL_KEYS": ("loss", "axis.lr", "unused", "absent")})
    problems = label_problems(fake, "sweep.fig.")
    assert problems == [
        "reads 'nope' without declaring it",
        "reads lab[k], which this scan cannot check",
        "declares 'absent' but never reads it",
        "declares 'unused' but never reads it",
        "sweep.fig.absent is missing in English",
        "sweep.fig.unused is missing in English",
        "sweep.fig.absent is missing in Chinese",
        "sweep.fig.unused is missing in Chinese",
    ]


def test_figure_labels_cover_the_figure_vocabulary(monkeypatch):
    # the race page passes figure_labels() to race_figure and surface3d_figure
    wanted = set(race.LABEL_KEYS) | set(surface3d.LABEL_KEYS)
    en = figure_labels()
    assert wanted <= set(en)
    assert all(en[k] == EN[f"fig.{k}"] for k in wanted)
    monkeypatch.setattr(i18n, "lang", lambda: "zh")
    zh = figure_labels()
    assert wanted <= set(zh)
    assert all(zh[k] == ZH[f"fig.{k}"] for k in wanted)
    assert zh["play"] != en["play"]


# --- t() itself ----------------------------------------------------------------------------------------
def test_t_formats_falls_back_and_never_crashes(monkeypatch):
    monkeypatch.setattr(i18n, "lang", lambda: "zh")
    assert t("summary") == ZH["summary"]
    assert t("stopped", label="A", step=7) == ZH["stopped"].format(label="A", step=7)
    assert t("stopped", label="A") == ZH["stopped"], "a missing placeholder shows the text unformatted"
    assert t("no.such.key") == "no.such.key"
    assert t("no.such.key", None) is None
    assert t("no.such.key", "fallback") == "fallback"
    monkeypatch.setitem(i18n.TABLES, "zh", {k: v for k, v in ZH.items() if k != "summary"})
    assert t("summary") == EN["summary"], "a key missing in Chinese falls back to English"


# --- no raw text to widgets -----------------------------------------------------------------------------
def _visible_literal(node) -> str | None:
    """The user-visible literal text in an argument, or None when it goes through t() or a variable."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return None if node.value in ALLOWED_LITERALS or not WORDS.search(node.value) else node.value
    if isinstance(node, ast.JoinedStr):
        text = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
        return text if WORDS.search(text) else None
    if (
        isinstance(node, (ast.List, ast.Tuple))
        and node.elts
        and all(isinstance(e, ast.Constant) for e in node.elts)
    ):
        texts = [_visible_literal(e) for e in node.elts]
        return next((x for x in texts if x), None)
    return None


def test_no_literal_text_passed_to_streamlit_labels():
    found = []
    for path, tree in _trees():
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            if node.func.attr not in LABEL_CALLS:
                continue
            args = node.args[:1] + [k.value for k in node.keywords if k.arg in LABEL_KEYWORDS]
            if node.func.attr == "tabs" and node.args and isinstance(node.args[0], (ast.List, ast.Tuple)):
                args = list(node.args[0].elts)
            for a in args:
                text = _visible_literal(a)
                if text:
                    found.append(f"{path.name}:{node.lineno} {node.func.attr}({text!r})")
    assert found == [], "user-visible text must go through t()"


def test_the_label_scan_catches_raw_text():
    # the heuristic above must actually flag what it is meant to flag
    tree = ast.parse('st.button("Run now")\nst.tabs(["Plot", "Table"])\nst.caption(f"Step {k} done")')
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)]
    flagged = [_visible_literal(c.args[0]) for c in calls]
    assert flagged == ["Run now", "Plot", "Step  done"]
    ok = ast.parse('st.button(t("run"))\nst.markdown(f"## {t(\'summary\')}")\nst.caption(f"{x} · α={lr}")')
    calls = [n for n in ast.walk(ok) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)]
    assert [_visible_literal(c.args[0]) for c in calls] == [None, None, None]


@pytest.mark.parametrize("tab", [EN, ZH], ids=["en", "zh"])
def test_legends_and_controls_use_the_same_terms(tab):
    # a run's name in a legend says its variant with the word the sidebar's control uses
    for v in ("full", "mini", "stochastic"):
        assert tab[f"variant.{v}.short"].lower() in tab[f"variant.{v}"].lower(), v
    if tab is ZH:
        # the learning-rate range test (Smith's LR range test) is a 学习率范围测试, not a 区间测试
        assert ZH["sweep.panel.range"] == "学习率范围测试"
        assert not [k for k, v in ZH.items() if "区间测试" in v]


def test_a_chinese_links_first_view_titles_the_pages_in_chinese(monkeypatch):
    """The page list's titles are made before a page reads its link: they must already speak the
    link's language on the first run (they were English on a Chinese link's first view)."""
    from pathlib import Path

    import streamlit as st
    from apptest_support import run
    from streamlit.testing.v1 import AppTest

    titles = []
    real_page = st.Page

    def page(*args, **kwargs):
        titles.append(kwargs.get("title"))
        return real_page(*args, **kwargs)

    monkeypatch.setattr(st, "Page", page)
    at = AppTest.from_file(str(Path(__file__).resolve().parents[2] / "app.py"), default_timeout=120)
    at.query_params["lang"] = "zh"
    at.query_params["problem"] = "quadratic"
    run(at)
    assert not at.exception
    first = titles[:4]
    assert first == [ZH["page.visualizer"], ZH["page.sweeps"], ZH["page.network"], ZH["page.scale"]]
