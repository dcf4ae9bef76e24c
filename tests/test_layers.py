"""Layering (DEVELOPERS.md): core is NumPy only, figures never import streamlit, only the UI does."""

from __future__ import annotations

import ast
import importlib.util
import json
import pkgutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PKG_DIR = Path(importlib.util.find_spec("gdviz").origin).parent
NOT_CORE = ("gdviz.ui", "gdviz.figures", "gdviz.export", "gdviz.cli", "gdviz.__main__")
# At the UI's level without Streamlit: the exports and the command line use the figures and the
# Streamlit-free modules of gdviz.ui (link codec, specs, lessons, tables, race pipeline).
HEADLESS = ("gdviz.export", "gdviz.cli", "gdviz.__main__")


def _modules(path: Path, prefix: str) -> list[str]:
    # Walks the file tree instead of pkgutil.walk_packages, which imports every package it visits
    # (gdviz.ui included, and with it streamlit).
    names = []
    for info in pkgutil.iter_modules([str(path)], prefix):
        names.append(info.name)
        if info.ispkg:
            names += _modules(path / info.name.rpartition(".")[2], info.name + ".")
    return names


def _is_under(name: str, packages: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


ALL_MODULES = ["gdviz", *_modules(PKG_DIR, "gdviz.")]
CORE_MODULES = [m for m in ALL_MODULES if not _is_under(m, NOT_CORE)]
FIGURE_MODULES = [m for m in ALL_MODULES if _is_under(m, ("gdviz.figures",))]
HEADLESS_MODULES = [m for m in ALL_MODULES if _is_under(m, HEADLESS) and m != "gdviz.__main__"]

# Imports each module in turn in a clean interpreter and reports, per module, the non-stdlib top-level
# packages that appeared in sys.modules (the baseline taken first excludes site hooks).
_PROBE = textwrap.dedent("""
    import importlib, json, sys

    def tops():
        return {m.partition(".")[0] for m in sys.modules}

    baseline = tops()
    allowed = set(sys.stdlib_module_names) | {"gdviz"} | set(json.loads(sys.argv[2]))
    report = []
    for name in json.loads(sys.argv[1]):
        importlib.import_module(name)
        extra = sorted(t for t in tops() - baseline - allowed if not t.startswith("_"))
        report.append([name, extra])
    print(json.dumps(report))
""")


def _probe(modules: list[str], allowed: list[str]) -> list[tuple[str, list[str]]]:
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(modules), json.dumps(allowed)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=ROOT,
    )
    if out.returncode != 0:
        pytest.fail(f"importing {modules} failed:\n{out.stderr[-5000:]}", pytrace=False)
    return [tuple(row) for row in json.loads(out.stdout)]


def test_core_modules_were_discovered():
    assert "gdviz" in CORE_MODULES
    assert "gdviz.errors" in CORE_MODULES and "gdviz.limits" in CORE_MODULES
    assert not [m for m in CORE_MODULES if _is_under(m, NOT_CORE)]


def test_core_imports_numpy_only():
    report = _probe(CORE_MODULES, ["numpy"])
    assert [name for name, _ in report] == CORE_MODULES
    # The first module to pull in a package is the culprit; later ones only inherit it.
    offenders = {}
    for name, extra in report:
        for pkg in extra:
            offenders.setdefault(pkg, name)
    assert not offenders, f"core modules must import NumPy only; first importer of each: {offenders}"


@pytest.mark.skipif(not FIGURE_MODULES, reason="gdviz.figures has no modules yet")
def test_figures_do_not_import_streamlit():
    report = _probe(FIGURE_MODULES, ["numpy", "plotly"])
    bad = {name: extra for name, extra in report if "streamlit" in extra}
    assert not bad, f"gdviz.figures must not import streamlit: {bad}"


def test_exports_and_the_command_line_do_not_import_streamlit():
    assert "gdviz.cli" in HEADLESS_MODULES and "gdviz.export.files" in HEADLESS_MODULES
    report = _probe(HEADLESS_MODULES, ["numpy", "plotly", "PIL"])
    bad = {name: extra for name, extra in report if "streamlit" in extra}
    assert not bad, f"gdviz.export and gdviz.cli must not import streamlit: {bad}"


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return sorted(found)


def _source_files() -> list[Path]:
    return sorted(PKG_DIR.rglob("*.py")) + sorted(ROOT.glob("*.py"))


def test_only_ui_and_app_import_streamlit():
    ui_dir = PKG_DIR / "ui"
    offenders = [
        f"{path.relative_to(ROOT)}:{line} imports {mod}"
        for path in _source_files()
        if not (path.is_relative_to(ui_dir) or path == ROOT / "app.py")
        for line, mod in _imports(path)
        if mod.partition(".")[0] == "streamlit"
    ]
    assert not offenders, "only gdviz/ui/ and app.py may import streamlit:\n" + "\n".join(offenders)


def test_only_figures_and_ui_import_plotly():
    allowed_dirs = (PKG_DIR / "ui", PKG_DIR / "figures", PKG_DIR / "export")
    offenders = [
        f"{path.relative_to(ROOT)}:{line} imports {mod}"
        for path in sorted(PKG_DIR.rglob("*.py"))
        if not any(path.is_relative_to(d) for d in allowed_dirs) and path != PKG_DIR / "cli.py"
        for line, mod in _imports(path)
        if mod.partition(".")[0] == "plotly"
    ]
    assert not offenders, "core modules must not import plotly:\n" + "\n".join(offenders)


def test_import_scanner_sees_every_form(tmp_path):
    # Guards the scanner itself: a nested or aliased import must not slip past the checks above.
    src = tmp_path / "m.py"
    src.write_text("import os\ndef f():\n    import streamlit as st\n    from plotly.io import to_json\n")
    assert [m for _, m in _imports(src)] == ["os", "streamlit", "plotly.io"]


# --- no import cycles -------------------------------------------------------------------------------
def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _graph() -> dict[str, set[str]]:
    """gdviz's modules and the gdviz modules each imports, at any depth (lazy imports inside a
    function count: they are how a cycle hides)."""
    files = {_module_name(p): p for p in sorted(PKG_DIR.rglob("*.py"))}
    graph: dict[str, set[str]] = {m: set() for m in files}
    for mod, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            targets = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                targets = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            for t in targets:
                if t in files and t != mod:
                    graph[mod].add(t)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, on, stack, out, counter = {}, {}, set(), [], [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in graph:
        if v not in index:
            visit(v)
    return out


def test_the_ui_has_no_import_cycles():
    graph = _graph()
    ui = {
        m: {t for t in ts if t.startswith("gdviz.ui")} for m, ts in graph.items() if m.startswith("gdviz.ui")
    }
    assert _cycles(ui) == []


def test_the_core_has_no_import_cycles_but_registries():
    # A registry package imports its own modules to register them, and they import it to register:
    # that is the one loop allowed (gdviz.problems, gdviz.optim); anything else is a cycle.
    graph = _graph()
    core = {
        m: {t for t in ts if not _is_under(t, NOT_CORE) and not t.startswith(m + ".")}
        for m, ts in graph.items()
        if not _is_under(m, NOT_CORE)
    }
    assert _cycles(core) == []


def test_the_cycle_finder_finds_one():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == [["a", "b", "c"]]


def test_browser_tests_read_only_plotlys_public_api():
    # Private plotly.js fields (gd._fullLayout, gd._transitionData, a trace's _length …) change between
    # releases without notice; tests and benchmarks read gd.data, gd.layout, events and the DOM.
    private = ("._full", "._transitionData", "._length", "._input", "._offset", ".l2p(")
    found = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for folder in ("tests", "benchmarks")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if path.name != "test_layers.py"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if any(p in line for p in private) and not line.lstrip().startswith("#")
    ]
    assert found == []


def test_tests_mirror_the_layers():
    # A test lives beside the layer it exercises, so "which tests cover figures/?" is a directory.
    layers = {"core", "figures", "ui", "browser", "deploy"}
    misplaced = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "tests").rglob("test_*.py")
        if p.parent.name not in layers and p.name != "test_layers.py"
    ]
    assert misplaced == []
