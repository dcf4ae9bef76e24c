"""The race page on a classroom projector (``projector=1``): the chart sized to the window, the lesson
large beside it, the runs' messages in one box, Play/Pause and the step slider the only controls, a
fullscreen that keeps the animation and Space for Play/Pause. And the same page on a phone: the
chart before its controls.

Everything here is look and browser behaviour; what is drawn comes from the page (``page.py``) and
the state owner (``state.read_projector``).
"""

from __future__ import annotations

from html import escape

import streamlit as st

from gdviz.ui import quirks
from gdviz.ui.i18n import t

CHART_BOX = "race_chart_box"  # the chart's container, sized by CSS
STAGE = "projector_stage"  # the chart and the column beside it: what fullscreen shows
SIDE = "projector_side"
FULLSCREEN_CLASS = "gdviz-fullscreen"
COPY_CLASS = "gdviz-copy"

# The chart's height is the window's: Streamlit sizes a chart drawn with height="stretch" to its
# container, which these rules size from the viewport (vh), so a projector's 720 rows and a phone's
# 844 both get the whole chart on the first screen. The top padding clears Streamlit's header (its
# logo and the sidebar's ›), 4.6rem is that padding and a little air below (measured at 1280×720 and
# 1920×1080, tests/browser/test_browser_projector.py). !important: Streamlit's own class rules on
# the same elements come later in the page, and a flex-basis of 0 would overrule the height.
CSS = f"""<style>
.block-container{{padding-top:3.9rem;padding-bottom:1rem}}
div.st-key-{CHART_BOX}{{flex:0 0 auto !important;height:calc(100vh - 4.6rem) !important;min-height:340px}}
div.st-key-{CHART_BOX} > [data-testid="stElementContainer"]{{flex:1 1 auto;height:100% !important}}
div.st-key-{CHART_BOX} [data-testid="stFullScreenFrame"],
div.st-key-{CHART_BOX} [data-testid="stPlotlyChart"]{{height:100% !important}}
div.st-key-{STAGE}:fullscreen{{background:#fff;padding:1rem 1.5rem;overflow:auto}}
div.st-key-{STAGE}:fullscreen div.st-key-{CHART_BOX}{{height:calc(100vh - 2rem) !important}}
.gdviz-legend{{list-style:none;margin:0 0 .8rem 0;padding:0}}
.gdviz-legend li{{font-size:clamp(1.15rem, 1.05vw, 1.6rem);line-height:1.35;margin:.2rem 0;display:flex;gap:.5rem;align-items:baseline}}
.gdviz-legend .swatch{{flex:0 0 1.6rem;height:.35rem;border-radius:.2rem;transform:translateY(-.25rem)}}
.gdviz-legend .star{{flex:0 0 1.6rem;text-align:center;color:#FFD400;-webkit-text-stroke:1px #333}}
div.st-key-{SIDE}{{max-height:calc(100vh - 4.6rem);overflow-y:auto;flex-wrap:nowrap}}
.st-key-{SIDE} p{{font-size:clamp(1.3rem, 1.2vw, 1.9rem);line-height:1.45}}
.st-key-{SIDE} [data-testid="stCaptionContainer"] p{{font-size:1rem}}
.st-key-{SIDE} h3{{font-size:clamp(1.7rem, 1.6vw, 2.4rem);padding-top:0}}
.{FULLSCREEN_CLASS}{{font:inherit;font-size:1.1rem;padding:.35rem .9rem;border-radius:.5rem;
  border:1px solid #c4ccd6;background:#fff;color:#1b1f24;cursor:pointer}}
.{FULLSCREEN_CLASS}:hover{{border-color:#0a58ca;color:#0a58ca}}
</style>"""

# On a phone (below Streamlit's 640 px, where columns stack) the chart comes before the view
# controls and the panel switch drawn above it for a wide screen, and the title shrinks from four
# lines of a 390 px screen to two. CSS order moves the chart's own block within the chart's section.
PHONE_CSS = f"""<style>
@media (max-width: 640px) {{
  [data-testid="stLayoutWrapper"]:has(> .st-key-{CHART_BOX}){{order:-1}}
  [data-testid="stMainBlockContainer"] h1{{font-size:1.9rem}}
}}
</style>"""

# One listener per browser tab, installed by the first page run that shows the button (later runs
# find the flag): a click on the button puts the chart and its column in the browser's fullscreen,
# the page's own elements, so the Plotly chart is neither copied nor redrawn and its animation goes on (Streamlit's chart
# fullscreen draws the figure anew without its frames). Space clicks Plotly's own Play or Pause
# button, and ← → step the slider by one of its steps (the browser's keyboard reaches Plotly only
# through its buttons and slider; Streamlit's st.button shortcuts rerun the script on the server,
# which cannot start an animation that runs in the browser).
_SCRIPT = """<script>
(() => {
  if (window.__gdvizProjector) return;
  window.__gdvizProjector = true;
  const stage = () => document.querySelector('.st-key-%(stage)s');
  const chart = () => { const b = document.querySelector('.st-key-%(box)s'); return b && b.querySelector('.js-plotly-plot'); };
  const click = (el) => el && el.dispatchEvent(new MouseEvent('click', {bubbles: true}));
  document.addEventListener('click', (e) => {
    if (!e.target.closest('.%(cls)s')) return;
    const b = stage();
    if (!b) return;
    if (document.fullscreenElement) document.exitFullscreen(); else b.requestFullscreen();
  });
  // The share box's Copy button: the clipboard API where the page is a secure context (https,
  // localhost), else the older copy of a selected text.
  document.addEventListener('click', (e) => {
    const b = e.target.closest('.%(copy)s');
    if (!b) return;
    const text = b.dataset.copy, done = () => { b.textContent = b.dataset.done; };
    const old = () => {
      const area = document.createElement('textarea');
      area.value = text; document.body.appendChild(area); area.select();
      try { document.execCommand('copy'); done(); } finally { area.remove(); }
    };
    if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(text).then(done, old);
    else old();
  });
  let playing = false;
  document.addEventListener('keydown', (e) => {
    if (!document.querySelector('.%(cls)s')) return;  // the keys are the projector's
    const gd = chart();
    const typing = e.target.closest && e.target.closest('input, textarea, select, [contenteditable]');
    if (!gd || typing || e.altKey || e.ctrlKey || e.metaKey) return;
    const buttons = gd.querySelectorAll('.updatemenu-button');
    if (e.code === 'Space' && buttons.length >= 2) {
      e.preventDefault();
      click(buttons[playing ? 1 : 0]);
      playing = !playing;
    } else if ((e.key === 'ArrowLeft' || e.key === 'ArrowRight') && gd.layout && gd.layout.sliders) {
      const s = gd.layout.sliders[0], rail = gd.querySelector('.slider-rail-rect');
      if (!s || !rail) return;
      e.preventDefault();
      click(buttons[1]);
      playing = false;
      const n = s.steps.length, now = s.active || 0;
      const next = Math.max(0, Math.min(n - 1, now + (e.key === 'ArrowRight' ? 1 : -1)));
      const r = rail.getBoundingClientRect();
      const at = {bubbles: true, clientX: r.left + (r.width * next) / Math.max(1, n - 1), clientY: r.top + r.height / 2};
      const touch = gd.querySelector('.slider-rail-touch-rect') || rail;
      touch.dispatchEvent(new MouseEvent('mousedown', at));
      touch.dispatchEvent(new MouseEvent('mouseup', at));
      document.dispatchEvent(new MouseEvent('mouseup', at));
    }
  });
})();
</script>"""


def _script() -> str:
    return _SCRIPT % {"box": CHART_BOX, "stage": STAGE, "cls": FULLSCREEN_CLASS, "copy": COPY_CLASS}


def copy_button(text: str, label: str, done: str) -> None:
    """A button that copies ``text`` (a share link) to the clipboard and then says ``done``.

    Not st.code's copy button: st.code pulls a 1.5 MB syntax highlighter into every visitor's first
    load (0.65 s of browser CPU per session, measured with benchmarks/bench_load.py)."""
    style = (
        f"<style>.{COPY_CLASS}{{font:inherit;font-size:.95rem;padding:.3rem .8rem;border-radius:.5rem;"
        "border:1px solid #c4ccd6;background:#fff;color:#1b1f24;cursor:pointer}"
        f".{COPY_CLASS}:hover{{border-color:#0a58ca;color:#0a58ca}}</style>"
    )
    st.html(
        style
        + f'<button type="button" class="{COPY_CLASS}" data-copy="{escape(text)}" data-done="{escape(done)}">'
        + f"{escape(label)}</button>"
        + _script(),
        unsafe_allow_javascript=True,
    )


def setup() -> None:
    """The projector's page: sidebar closed, the chart's and the side column's sizes."""
    quirks.sidebar_collapsed()
    st.html(CSS)


def phone() -> None:
    """The normal page's layout on a phone."""
    st.html(PHONE_CSS)


def legend(entries: list[tuple[str, str]], minimum: str | None) -> None:
    """The runs' colours and names beside the chart (``entries``: (name, "#rrggbb")), and the
    minimum's star when there is one. Every text escaped: names may quote a visitor's CSV."""
    items = [
        f'<li><span class="swatch" style="background:{escape(color)}"></span><span>{escape(name)}</span></li>'
        for name, color in entries
    ]
    if minimum:
        items.append(f'<li><span class="star">★</span><span>{escape(minimum)}</span></li>')
    st.html(f'<ul class="gdviz-legend">{"".join(items)}</ul>')


def controls() -> None:
    """The fullscreen button and the keyboard, with a line saying which keys do what."""
    label = escape(t("projector.fullscreen"))
    st.html(
        f'<button type="button" class="{FULLSCREEN_CLASS}" title="{label}">{label}</button>' + _script(),
        unsafe_allow_javascript=True,
    )
    st.caption(t("projector.keys"))


__all__ = [
    "CHART_BOX",
    "CSS",
    "PHONE_CSS",
    "SIDE",
    "STAGE",
    "controls",
    "copy_button",
    "legend",
    "phone",
    "setup",
]
