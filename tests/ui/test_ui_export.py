"""The race page's downloads (AppTest): nothing is drawn before the visitor asks; the file asked for
is made from the page's own link by a worker, then offered for download, and holds that view."""

from __future__ import annotations

import io

from apptest_support import APP, run
from PIL import Image
from streamlit.testing.v1 import AppTest

from gdviz import limits
from gdviz.export import files
from gdviz.serve import tasks
from gdviz.ui.i18n import EN
from gdviz.ui.race import export

QUERY = {"problem": "rosenbrock", "steps": "120", "frames": "50", "run": ["gd,0.001", "adam,0.05"]}


def open_page() -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=90)
    for k, v in QUERY.items():
        at.query_params[k] = v
    return run(at)


def downloads(at: AppTest):
    return list(at.get("download_button"))


def prepare(at: AppTest, kind: str) -> AppTest:
    at.selectbox(key="export_kind").set_value(kind)
    run(at)
    at.button(key="export.prepare").click()
    return run(at)


def _file(kind: str) -> bytes:
    found = [export.FILES.get(k) for k in export.FILES.keys() if k[0] == "export" and k[2] == kind]
    assert len(found) == 1, f"one {kind} file is cached, found {len(found)}"
    return found[0]


def test_nothing_is_drawn_until_asked_then_the_csv_holds_the_view(tmp_path):
    export.FILES.clear()
    at = open_page()
    assert not at.exception and not at.error
    assert downloads(at) == [] and len(export.FILES) == 0, "no file before the click"
    at = prepare(at, "csv")
    assert not at.exception and not at.error
    (button,) = downloads(at)
    assert button.proto.label.startswith(EN["export.download"].split("{")[0])
    path = tmp_path / "runs.csv"
    path.write_bytes(_file("csv"))
    meta, runs = files.read_csv(path)
    assert "problem=rosenbrock" in meta["link"] and "steps=120" in meta["link"]
    assert len(runs) == 2 and all(len(r["loss"]) == 121 for r in runs), "steps + 1 rows per run"


def test_a_gif_is_drawn_in_a_worker_with_the_views_frames(monkeypatch):
    monkeypatch.setattr(limits, "INLINE_SECONDS", 0.0)  # the worker must import the export by name
    export.FILES.clear()
    at = prepare(open_page(), "gif")
    assert not at.exception and not at.error
    assert len(downloads(at)) == 1
    gif = Image.open(io.BytesIO(_file("gif")))
    assert gif.format == "GIF" and gif.n_frames == 50 and gif.size[0] == export.WIDTHS["gif"]


def test_another_choice_needs_its_own_click():
    export.FILES.clear()
    at = prepare(open_page(), "csv")
    at.selectbox(key="export_kind").set_value("json")
    run(at)
    assert downloads(at) == [], "choosing another file draws nothing by itself"


def test_only_export_modules_run_by_name():
    for name in ("os:system", "gdviz.export.jobs:nope", "gdviz.exportx:render", "subprocess:run"):
        try:
            tasks.run(name, {}, lambda f: None)
        except ValueError as err:
            assert "unknown task" in str(err), err
        else:
            raise AssertionError(f"{name} ran")


def test_a_large_models_export_is_budgeted_as_thinned_as_the_page_runs_it():
    # issue 14's MLP link: six runs of 3000 steps of a 2-32-32-32-1 net, which the page keeps thinned;
    # the worker keeps them the same way for the file, so that is what the export's budget counts
    from gdviz.ui.race.pipeline import get_problem, keep_for, runs_estimate
    from gdviz.ui.specs import PageConfig, ProblemSpec, RunSpec

    spec = ProblemSpec("mlp", (("dataset", "spirals"), ("depth", 3), ("n", 10), ("width", 32)))
    cfg = PageConfig(problem=spec, runs=tuple(RunSpec("adam", 0.01, seed=s) for s in range(6)), steps=3000)
    p = get_problem(spec)
    keep = keep_for(p, cfg.steps)
    assert keep is not None, "the page thins this model's runs"
    est = export._estimate(cfg, p, "csv")
    assert est.bytes == runs_estimate(p, cfg, cfg.runs, keep).bytes
    assert est.bytes < runs_estimate(p, cfg, cfg.runs, None).bytes / 4, "not the full float64 states"
