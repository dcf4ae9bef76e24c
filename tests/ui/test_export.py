"""Exports of the race view (gdviz.export): the headless view of a link is the page's, the files
decode back to what was drawn (GIF, MP4 with imageio), the HTML plays offline in Chromium, the
records round-trip exactly."""

from __future__ import annotations

import json
import subprocess

import imageio.v3 as iio
import imageio_ffmpeg
import numpy as np
import pytest
from PIL import Image

import gdviz
from gdviz import limits
from gdviz.export import files, render
from gdviz.export.render import Renderer
from gdviz.export.view import RaceView, query_params, race_view
from gdviz.ui.i18n import EN, ZH

LINK = "?problem=quadratic&condition=10&steps=60&run=gd,0.1&run=momentum,0.05,momentum=0.7&run=adam,0.1&frames=50&lang=zh"


@pytest.fixture(scope="module")
def view() -> RaceView:
    return race_view("https://gdviz.example.org/race" + LINK)


# --- the headless view ---------------------------------------------------------------------------------
def test_the_view_is_the_links_race(view):
    assert view.lang == "zh" and view.config.steps == 60 and view.repairs == ()
    assert [r.spec.rule for r in view.runs] == ["gd", "momentum", "adam"]
    # the labels and figure texts are the page's, in the link's language
    assert view.runs[0].label == f"1. {ZH['rule.gd']} α=0.1"
    assert view.labels["step_word"] == ZH["fig.step_word"]
    direct = gdviz.run(gdviz.problem("quadratic", condition=10.0), gdviz.optimizer("adam", lr=0.1), steps=60)
    np.testing.assert_array_equal(view.records[2].params, direct.params)
    assert len(view.frame_steps()) == 50 and view.frame_steps()[-1] == 60
    # the re-encoded link gives the same view
    again = race_view(view.link)
    assert again.query == view.query
    np.testing.assert_array_equal(again.records[1].loss, view.records[1].loss)


def test_a_lesson_link_loads_the_lesson():
    v = race_view("?lesson=momentum_ravine&lang=en&steps=20")
    assert v.lesson == "momentum_ravine" and v.config.steps == 200  # the lesson's, not the link's
    assert "steps" in v.repairs
    assert v.runs[1].label == f"2. {EN['rule.momentum']} α=0.015 μ=0.9"  # as the page names it


def test_the_link_is_repaired_like_the_page_does():
    v = race_view("?problem=rosenbrock&steps=40&run=gd,0.0003&run=nonsense,1&lang=xx")
    assert v.lang == "en" and len(v.runs) == 1
    assert "lang" in v.repairs and any("nonsense" in r for r in v.repairs)


@pytest.mark.parametrize(
    ("link", "says"),
    [
        ("not a link", "query string"),
        ("?foo=1", "race page's state"),
        ("?problem=formula&expr=x+%2B&steps=20", "formula"),
    ],
)
def test_bad_links_raise_one_value_error(link, says):
    with pytest.raises(ValueError, match=says):
        race_view(link)


def test_query_params_reads_like_streamlit():
    assert query_params("https://h/p?run=a,1&run=b,2&lang=en&lang=zh") == {
        "run": ["a,1", "b,2"],
        "lang": "zh",
    }
    assert query_params("problem=beale") == {"problem": "beale"}


# --- pictures --------------------------------------------------------------------------------------------
def _mean_diff(a, b) -> float:
    return float(np.abs(np.asarray(a, dtype=float)[..., :3] - np.asarray(b, dtype=float)[..., :3]).mean())


def test_gif_decodes_to_the_drawn_frames(view, tmp_path):
    seen = []
    path = files.to_gif(view, tmp_path / "race.gif", width=640, progress=lambda d, t: seen.append((d, t)))
    decoded = iio.imread(path, index=None, mode="RGB")
    assert decoded.shape == (50, 320, 640, 3)
    assert iio.immeta(path)["duration"] == 40  # the page's 1× speed
    # every frame differs from the one before (the heads and the step move), and the last one shows
    # the frame the renderer draws (up to the shared palette)
    assert all(_mean_diff(decoded[i], decoded[i + 1]) > 0 for i in range(49))
    last = Renderer(view, width=640).frame(49)
    assert _mean_diff(decoded[-1], last) < 2.0
    assert _mean_diff(decoded[0], decoded[-1]) > 0.5
    assert seen[-1][0] == seen[-1][1] and [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert path.stat().st_size < 1_000_000


def test_mp4_decodes_with_its_frames(view, tmp_path):
    path = files.to_mp4(view, tmp_path / "race.mp4", width=640, fps=10)
    # decoded by imageio-ffmpeg's ffmpeg (its read_frames, and imageio's FFMPEG plugin, leave the
    # pipes open at the end of a file, which -W error turns into a failure)
    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    raw = subprocess.run(
        [ffmpeg, "-v", "error", "-i", str(path), "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout
    decoded = np.frombuffer(raw, np.uint8).reshape(-1, 320, 640, 3)
    probe = subprocess.run([ffmpeg, "-i", str(path)], capture_output=True, text=True, timeout=60).stderr
    assert "h264" in probe and "yuv420p" in probe and "640x320" in probe and "10 fps" in probe
    assert decoded.shape == (50, 320, 640, 3)
    assert _mean_diff(decoded[0], decoded[-1]) > 0.5
    assert _mean_diff(decoded[-1], Renderer(view, width=640).frame(49)) < 4.0  # lossy, but the same picture


def test_png_is_1920_wide_and_shows_the_asked_step(view, tmp_path):
    path = files.to_png(view, tmp_path / "last.png")
    with Image.open(path) as im:
        assert im.size == (1920, 960)
        last = np.asarray(im.convert("RGB"))
    first = np.asarray(Image.open(files.to_png(view, tmp_path / "first.png", step=0)).convert("RGB"))
    assert _mean_diff(first, last) > 0.5
    with pytest.raises(ValueError, match="step must be"):
        files.to_png(view, tmp_path / "x.png", step=61)


def test_frames_are_drawn_in_the_run_colours(view):
    img = np.asarray(Renderer(view, width=960).frame(49))
    for color in ("#0072B2", "#D55E00", "#009E73"):
        rgb = np.array([int(color[i : i + 2], 16) for i in (1, 3, 5)])
        assert (np.abs(img.astype(int) - rgb).sum(axis=-1) == 0).sum() > 50, color


def test_frames_random_access_equals_playing(view):
    r = Renderer(view, width=480)
    played = [np.asarray(f).copy() for f in r.frames()]
    np.testing.assert_array_equal(np.asarray(r.frame(10)), played[10])
    np.testing.assert_array_equal(np.asarray(r.frame(49)), played[49])


def test_export_caps(view, tmp_path, monkeypatch):
    with pytest.raises(ValueError, match="frames must be"):
        files.to_gif(view, tmp_path / "a.gif", frames=limits.MAX_EXPORT_FRAMES + 1)
    with pytest.raises(ValueError, match="width must be"):
        files.to_gif(view, tmp_path / "a.gif", width=limits.MAX_EXPORT_WIDTH + 1)
    with pytest.raises(ValueError, match="fps must be"):
        files.to_gif(view, tmp_path / "a.gif", fps=0)
    monkeypatch.setattr(limits, "MAX_EXPORT_PIXELS", 50 * 640 * 320 - 1)
    with pytest.raises(ValueError, match="pixels"):
        files.to_mp4(view, tmp_path / "a.mp4", width=640)
    assert not (tmp_path / "a.mp4").exists() and not (tmp_path / "a.gif").exists()


def test_without_fontconfig_the_default_font_is_used_and_said(view, monkeypatch):
    monkeypatch.setattr(render.shutil, "which", lambda _: None)
    render.font_choice.cache_clear()
    render._font.cache_clear()
    try:
        choice = render.font_choice("zh")
        assert choice.path is None and "fonts-noto-cjk" in choice.note
        assert Renderer(view, width=480).frame(0).size == (480, 240)
    finally:
        render.font_choice.cache_clear()
        render._font.cache_clear()


def test_chinese_text_has_a_cjk_font_here():
    choice = render.font_choice("zh")
    if choice.path is None:
        pytest.skip(choice.note)
    assert render._has_cjk(choice.path, choice.index)
    latin = render._fc_match("DejaVu Sans")
    if latin and "DejaVu" in latin[0]:
        assert not render._has_cjk(*latin)  # the check tells a Latin-only font apart


def test_ticks():
    assert render.nice_ticks(0, 306) == [0, 100, 200, 300]
    assert render.nice_ticks(-1.2, 1.2, 5) == pytest.approx([-1, -0.5, 0, 0.5, 1])
    assert render.power_text(-3) == ("10", "−3") and render.power_text(1) == "10"
    assert render.tick_text(-0.5) == "−0.5"


# --- HTML ------------------------------------------------------------------------------------------------
def test_html_is_standalone(view, tmp_path):
    path = files.to_html(view, tmp_path / "race.html")
    text = path.read_text(encoding="utf-8")
    assert "<script src=" not in text  # plotly.js is inside
    assert view.link.replace("&", "&amp;") in text and "<title>gdviz — " in text
    assert len(text) > 3_000_000  # plotly.js itself


@pytest.mark.browser
def test_html_plays_offline_in_chromium(view, tmp_path, browser):
    path = files.to_html(view, tmp_path / "race.html")
    context = browser.new_context()
    asked = []

    def route(r):
        asked.append(r.request.url)
        return r.abort() if not r.request.url.startswith("file:") else r.continue_()

    context.route("**/*", route)
    try:
        page = context.new_page()
        page.goto(path.as_uri())
        page.wait_for_function(
            "() => window.Plotly && document.getElementById('race').querySelector('.main-svg')"
        )
        assert page.evaluate("() => document.getElementById('race').layout.sliders[0].active") == 0
        page.evaluate(
            """() => { const gd = document.getElementById('race'); window.animated = 0;
            gd.on('plotly_animated', () => { window.animated += 1; }); }"""
        )
        page.get_by_text(ZH["fig.play"]).click()
        page.wait_for_function(
            "() => document.getElementById('race').layout.sliders[0].active > 5", timeout=15_000
        )
        page.wait_for_function("() => window.animated > 0", timeout=15_000)
        # the heads moved along the frames
        heads = page.evaluate(
            "() => document.getElementById('race').data.filter(d => d.mode === 'markers' && d.text).map(d => d.x)"
        )
        assert heads
        assert all(u.startswith("file:") for u in asked)
    finally:
        context.close()


# --- records ---------------------------------------------------------------------------------------------
COLUMNS = ("loss", "batch_loss", "lr", "epoch", "samples_seen", "grad_evals", "time", "params", "grad")


def test_csv_round_trips_every_record_exactly(view, tmp_path):
    path = files.to_csv(view, tmp_path / "runs.csv")
    meta, runs = files.read_csv(path)
    assert meta["link"] == view.link and meta["config"]["steps"] == 60
    assert len(runs) == 3
    lines = [line for line in path.read_text().splitlines() if not line.startswith("#")]
    assert len(lines) == 1 + 3 * 61  # the header, then steps + 1 rows a run
    for got, rec, res in zip(runs, view.records, view.drawn, strict=True):
        assert got["meta"]["label"] == res.label and got["meta"]["optimizer"] == rec.optimizer
        for c in COLUMNS:
            a, b = got[c], np.asarray(getattr(rec, c))
            assert a.shape == b.shape and np.allclose(a, b, rtol=0, atol=0, equal_nan=True), c


def test_csv_of_a_thinned_record(tmp_path):
    p = gdviz.problem("rosenbrock")
    rec = gdviz.run(p, gdviz.optimizer("adam", lr=0.05), steps=40, keep=5)
    meta, (got,) = files.read_csv(files.to_csv(rec, tmp_path / "t.csv", meta={"command": "test"}))
    assert meta == {"command": "test"}
    np.testing.assert_array_equal(got["param_steps"], rec.param_steps)
    np.testing.assert_array_equal(got["params"], rec.params.astype(float))
    np.testing.assert_array_equal(got["loss"], rec.loss)
    assert "grad" not in got


def test_json_holds_the_records_and_the_link(view, tmp_path):
    doc = json.loads(files.to_json(view, tmp_path / "runs.json").read_text())
    assert doc["link"] == view.link and doc["lang"] == "zh" and len(doc["runs"]) == 3
    run = doc["runs"][1]
    assert run["optimizer"] == view.records[1].optimizer
    np.testing.assert_array_equal(np.array(run["params"]), view.records[1].params)
    np.testing.assert_array_equal(np.array(run["loss"]), view.records[1].loss)
    assert len(run["lr"]) == 60 and len(run["loss"]) == 61


def test_json_writes_non_finite_numbers_as_null(tmp_path):
    rec = gdviz.run(gdviz.problem("quadratic"), gdviz.optimizer("gd", lr=5.0), steps=400)
    assert rec.diverged is not None
    text = files.to_json(rec, tmp_path / "d.json").read_text()
    assert "NaN" not in text and "Infinity" not in text
    assert json.loads(text)["runs"][0]["diverged"] == rec.diverged


def test_records_must_be_records(tmp_path):
    with pytest.raises(ValueError, match="records must be"):
        files.to_csv([1, 2], tmp_path / "x.csv")


def test_the_headless_copies_match_the_page_and_labels_speak_the_language():
    # what view.py restates of the page (the default formula, a lesson link's keys) must not drift
    # from the page's own; run labels are one function the page calls
    from gdviz.export import view as headless
    from gdviz.ui.race import state
    from gdviz.ui.specs import RunSpec

    assert headless.DEFAULT_FORMULA == state.DEFAULT_FORMULA
    assert headless.LESSON_LINK_KEYS == state.LESSON_LINK_KEYS
    labels = [
        headless.run_label(0, RunSpec("gd", 0.1, variant="mini", batch_size=8), True, g) for g in ("en", "zh")
    ]
    assert labels == ["1. Gradient descent α=0.1 · mini-batch b=8", "1. 梯度下降 α=0.1 · 小批量 b=8"]


def _loss_panel_pixels(r: Renderer, img, color: str) -> int:
    a = np.asarray(img).astype(int)
    sx, sy = a.shape[1] / r.size[0], a.shape[0] / r.size[1]
    b = r.loss
    panel = a[
        round(b.top * sy) : round((b.top + b.height) * sy),
        round(b.left * sx) : round((b.left + b.width) * sx),
    ]
    rgb = np.array([int(color[i : i + 2], 16) for i in (1, 3, 5)])
    return int((np.abs(panel - rgb).sum(axis=-1) < 30).sum())


def test_an_export_shows_no_loss_beyond_its_frame(view):
    """As on the page before Play: frame 0 has no loss curve to the right of step 0."""
    r = Renderer(view, width=960)
    first, last = r.frame(0), r.frame(49)
    for t in view.traces:
        assert _loss_panel_pixels(r, last, t.color) > 200
        # the head disc at step 0 only: a few dozen pixels, not a curve across the panel
        assert _loss_panel_pixels(r, first, t.color) < 0.2 * _loss_panel_pixels(r, last, t.color)


def test_an_export_of_negative_losses_has_the_pages_linear_axis_and_says_so():
    link = "?problem=formula&expr=x**2%20%2B%2010*sin(y)&steps=40&run=gd,0.05&frames=20"
    v = race_view("https://gdviz.example.org/race" + link)
    assert np.nanmin(v.traces[0].loss) < 0
    r = Renderer(v, width=640)
    page_axis = v.figure().spec["layout"]["yaxis2"]
    assert r.axis.log is False and page_axis["type"] == "linear"
    assert r.axis.range == pytest.approx(page_axis["range"])
    assert r.axis.range[0] < np.nanmin(v.traces[0].loss)  # the negative part is on the axis
    assert v.labels["loss_linear"] in r.loss_axis_title  # and the title says why it is linear


def test_rastrigins_first_view_labels_its_short_log_axis_with_whole_values():
    v = race_view("https://gdviz.example.org/race?problem=rastrigin")
    ya = v.figure().spec["layout"]["yaxis2"]
    assert ya["type"] == "log" and ya["range"][1] - ya["range"][0] < 2
    # labels such as "20" and "50", not Plotly's bare "2" and "5" between decades
    assert any(len(t) == 2 for t in ya["ticktext"]) and all(
        float(t) == val for t, val in zip(ya["ticktext"], ya["tickvals"], strict=True)
    )


def test_rosenbrocks_first_view_tells_a_story():
    """Issue 15: three of four default runs used to end near the start. Now plain GD crawls, the
    other three get far along the valley, and every run ends visibly apart, inside the view."""
    v = race_view("https://gdviz.example.org/race?problem=rosenbrock")
    (x0, x1), (y0, y1) = v.view.window
    span = np.array([x1 - x0, y1 - y0])
    ends, moved = [], []
    for t in v.traces:
        xy = np.asarray(t.xy, dtype=float)
        ends.append(xy[-1] / span)
        moved.append(np.linalg.norm((xy[-1] - xy[0]) / span))
        assert x0 <= xy[-1, 0] <= x1 and y0 <= xy[-1, 1] <= y1
    d = np.linalg.norm(np.array(ends)[:, None] - np.array(ends)[None], axis=-1)
    assert d[np.triu_indices(len(ends), 1)].min() > 0.05  # end markers never cover each other
    assert moved[0] < 0.1 and sorted(moved)[1] > 0.25  # GD near its start, the others far from theirs


@pytest.mark.parametrize(
    ("query", "start"),
    [
        ("?problem=rosenbrock&start=1,2,3&run=gd,0.001", None),
        ("?problem=rosenbrock&start=1&run=gd,0.001", None),
        ("?problem=rosenbrock&start=1e6,-1e6&run=gd,0.001", "clamped"),
        ("?problem=mlp&start=1,2&run=gd,0.1", None),
    ],
)
def test_an_export_repairs_a_links_start_as_the_page_does(query, start):
    from gdviz.export.view import read_link
    from gdviz.ui.race import repairs

    read = read_link(query)
    assert "start" in read.repairs
    if start is None:
        assert read.config.start is None
    else:
        lo, hi = repairs.start_bounds(read.problem)
        assert read.config.start == tuple(float(v) for v in np.clip([1e6, -1e6], lo, hi))
