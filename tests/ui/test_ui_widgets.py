"""gdviz.ui.quirks: the language switch writes every widget value back (so select boxes are
relabelled in the browser), which Streamlit forbids for buttons, uploads and charts that report a
selection. Every such widget on every page must be listed as unwritable, and switching the language
on every page must not raise."""

from __future__ import annotations

import pytest
from apptest_support import APP, goto, run
from hypothesis import given
from hypothesis import strategies as st
from streamlit.runtime.state.common import user_key_from_element_id
from streamlit.testing.v1 import AppTest

from gdviz.ui.quirks import UNWRITABLE_PREFIXES, writable
from gdviz.ui.sweeps import state as sweeps_state
from gdviz.ui.text import WORD_JOINER

TIMEOUT = 30


def unwritable_keys(at: AppTest) -> set[str]:
    """Keys of the buttons, file uploaders and selection-reporting charts the last run drew."""
    keys = {b.key for b in at.button if b.key}
    keys |= {u.key for u in at.get("file_uploader") if getattr(u, "key", None)}
    for chart in at.get("plotly_chart"):
        if list(chart.proto.selection_mode):
            keys.add(user_key_from_element_id(chart.proto.id))
    return {k for k in keys if k}


def every_page_with_its_actions() -> list[tuple[str, AppTest]]:
    """The app on each page, with the sections open that carry buttons or uploads."""
    race = run(AppTest.from_file(str(APP), default_timeout=TIMEOUT))
    race.toggle(key="insp.open").set_value(True)
    race.radio(key="plane").set_value("slice")  # clicks set the start on a slice, not on the PCA plane
    run(race)
    csv = run(AppTest.from_file(str(APP), default_timeout=TIMEOUT))
    csv.selectbox(key="problem").set_value("csv")
    run(csv)
    out = [("race", race), ("csv", csv)]
    for name in sweeps_state.PANELS:
        at = goto(run(AppTest.from_file(str(APP), default_timeout=TIMEOUT)), "sweeps")
        at.session_state["sweep.panel"] = name
        out.append((f"sweeps/{name}", run(at)))
    out.append(("network", goto(run(AppTest.from_file(str(APP), default_timeout=TIMEOUT)), "network")))
    return out


@pytest.fixture(scope="module")
def pages():
    return every_page_with_its_actions()


def test_every_button_upload_and_selecting_chart_is_unwritable(pages):
    seen = set()
    for name, at in pages:
        keys = unwritable_keys(at)
        bad = sorted(k for k in keys if writable(k))
        assert not bad, f"{name}: add these keys to UNWRITABLE_PREFIXES: {bad}"
        seen |= keys
    # the pages really show the kinds listed (else the check above would prove little)
    for prefix in ("dup.", "rm.", "insp.prev_btn", "p.csv.file", "race_chart", "net.lesson.load."):
        assert any(k.startswith(prefix) for k in seen), prefix


def test_plain_values_stay_writable():
    for key in ("problem", "lesson_pick", "lang", "run.3.lr", "sweep.panel", "net.dataset", "steps"):
        assert writable(key)
    assert not writable("_link_applied")
    assert all(not writable(p + "x") for p in UNWRITABLE_PREFIXES)


@pytest.mark.parametrize("index", range(7))
def test_language_switch_on_every_page_writes_no_button(pages, index):
    # One switch per page: AppTest's own radio keeps the first run's labels and cannot switch back
    # (tests/browser/test_browser_app.py switches back and forth in Chromium). One is enough here: the
    # switch's callback writes the values and the same run draws every button, which would raise.
    if index >= len(pages):
        pytest.skip("fewer pages")
    name, at = pages[index]
    at.segmented_control(key="lang").set_value("zh")
    run(at)
    assert at.session_state["lang"] == "zh", name


def test_a_visit_elsewhere_with_the_inspector_open_comes_back_intact():
    # Leaving the race page writes its values back so they survive; the inspector's step buttons
    # share its "insp." prefix and were written too, and the way back raised.
    at = run(AppTest.from_file(str(APP), default_timeout=TIMEOUT))
    at.toggle(key="insp.open").set_value(True)
    run(at)
    goto(at, "sweeps")
    goto(at, "")
    assert at.toggle(key="insp.open").value
    assert any(b.key == "insp.next_btn" for b in at.button)


@pytest.mark.parametrize(
    ("page", "key", "choice"),
    [
        ("", "panel", "surface3d"),
        ("", "lang", "en"),
        ("sweeps", "sweep.panel", "heatmap"),
        ("network", "net.view", "surface"),
    ],
)
def test_deselecting_a_segmented_control_keeps_the_choice(page, key, choice):
    # a second click on the chosen option sends None
    at = run(AppTest.from_file(str(APP), default_timeout=TIMEOUT))
    if page:
        goto(at, page)
    at.segmented_control(key=key).set_value(choice)
    run(at)
    at.segmented_control(key=key).set_value(None)
    run(at)
    assert at.session_state[key] == choice
    assert at.segmented_control(key=key).value == choice


# --- literal(): visitors' text shown as the characters they typed ------------------------------------
HOSTILE = [
    "![x](http://127.0.0.1:1/x.png)",
    "<img src=http://127.0.0.1:1/y.png onerror=alert(1)>",
    "**bold** _it_ `code` ~~gone~~ [a](http://e.x) www.example.com",
    ":smile: :material/home: :red[red] $x^2$ \\(y\\)",
    "# title\n- item\n1. first\n> quote\n    code",
    "&amp; &#60; a\\b | c |",
    "    four leading spaces: a code block",
]


def _unescaped(markdown: str) -> str:
    """What CommonMark shows for text made only of backslash-escaped punctuation and other characters."""
    import re

    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown).replace(WORD_JOINER, "")


def _bare_punctuation(markdown: str) -> list[str]:
    """ASCII punctuation that no backslash escapes (what Markdown could read as syntax)."""
    import string

    bare, i = [], 0
    while i < len(markdown):
        if markdown[i] == "\\" and i + 1 < len(markdown) and markdown[i + 1] in string.punctuation:
            i += 2
        else:
            if markdown[i] in string.punctuation:
                bare.append(markdown[i])
            i += 1
    return bare


@pytest.mark.parametrize("text", HOSTILE)
def test_literal_escapes_every_markdown_and_html_character(text):
    from gdviz.ui.text import literal

    md = literal(text)
    assert _bare_punctuation(md) == [], md
    assert _bare_punctuation(text), "the sample must hold Markdown to escape"
    assert "\n" not in md and not md.startswith(" ")
    shown = _unescaped(md).replace("\u00a0", " ")
    assert shown == text.replace("\n", " ")


@given(st.text(max_size=80).filter(lambda text: WORD_JOINER not in text))
def test_literal_shows_any_text_unchanged_but_for_line_breaks(text):
    import re

    from gdviz.ui.text import literal

    md = literal(text)
    assert "\n" not in md and "\r" not in md
    want = re.sub(r"\r\n|\r|\n", " ", text)
    lead = len(want) - len(want.lstrip(" "))
    assert _unescaped(md) == "\u00a0" * lead + want[lead:]
