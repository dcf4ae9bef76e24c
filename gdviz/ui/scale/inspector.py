"""The scale page's step inspector: one update of one strategy's shared model, taken apart.

Every strategy applies θ ← θ − α·ĝ to the shared model; what differs is ĝ (K fresh gradients
averaged, K·m micro-batches, one worker's stale gradient, the average of the workers' own local
gradients). The inspector shows ĝ's recipe as an equation, the numbers of the chosen update, and
the residual of θ_{k+1} − (θ_k − α·ĝ) measured on the run: the rule holds to round-off.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from gdviz.analysis.scale import ScaleRun
from gdviz.ui.i18n import t
from gdviz.ui.scale import state

SS = st.session_state

# ĝ of each strategy, the math the step applies (LaTeX); texts around it come from i18n
RULES = {
    "sync": r"\hat g_k = \frac{1}{K}\sum_{i=1}^{K} \nabla L_{B_i}(\theta_k)",
    "accumulate": r"\hat g_k = \frac{1}{Km}\sum_{i=1}^{K}\sum_{j=1}^{m} \nabla L_{B_{ij}}(\theta_k)",
    "async": r"\hat g_k = \nabla L_{B_i}(\theta_{k-\tau_k})",
    "local": r"\hat g_k = \sum_{i=1}^{K} w_i\, \nabla L_{B_i}(\theta^{(i)}_k),\quad "
    r"\theta_k = \sum_i w_i \theta^{(i)}_k",
}
DIGITS = 6


def _num(v: float) -> str:
    return f"{v:.{DIGITS}g}"


def _nearest(run: ScaleRun, step: int) -> int:
    """The index of the kept update nearest to ``step`` (the page keeps up to 400 of them)."""
    return int(np.argmin(np.abs(run.update - int(step))))


def residual(run: ScaleRun, i: int) -> float:
    """max |θ_{k+1} − (θ_k − α·ĝ)| of kept update i: what the rule leaves unexplained."""
    return float(np.max(np.abs(run.next_params[i] - (run.params[i] - run.lr[i] * run.grad[i]))))


def panel(runs: list[tuple[str, ScaleRun]], param_names, name) -> None:
    """Drawn inside the page, under the paths; the chosen strategy and update live in the state's
    keys (``scale.insp``, ``scale.at``) and so in the address bar."""
    shown = [s for s, r in runs if r.update.size]
    if not shown:
        return
    # open when a link (or the visitor) chose an update: what it points at is then on screen
    chosen = SS.get("scale.at", 0) != state.DEFAULTS["scale.at"]
    with st.expander(t("scale.insp"), expanded=chosen):
        if SS.get("scale.insp") not in shown:
            SS["scale.insp"] = shown[0]
        st.radio(t("scale.insp.of"), shown, key="scale.insp", format_func=name, horizontal=True)
        run = dict(runs)[SS["scale.insp"]]
        steps = [int(k) for k in run.update]
        i = _nearest(run, int(SS.get("scale.at", state.DEFAULTS["scale.at"])))
        SS["scale.at"] = steps[i]  # snapped to a kept update before the slider is drawn
        st.select_slider(t("scale.insp.step"), steps, key="scale.at")
        k = int(run.update[i])
        st.latex(r"\theta_{k+1} = \theta_k - \alpha\,\hat g_k, \qquad " + RULES[SS["scale.insp"]])
        strategy = SS["scale.insp"]
        st.caption(t(f"scale.insp.rule.{strategy}"))
        rows = [
            {
                t("scale.insp.col.param"): param_names[j],
                "θ(k)": _num(run.params[i][j]),
                "ĝ(k)": _num(run.grad[i][j]),
                "α·ĝ(k)": _num(run.lr[i] * run.grad[i][j]),
                "θ(k+1)": _num(run.next_params[i][j]),
            }
            for j in range(min(len(param_names), 12))
        ]
        st.dataframe(rows, hide_index=True, width="stretch")
        if len(param_names) > len(rows):
            st.caption(t("scale.insp.first", n=len(rows), total=len(param_names)))
        st.caption(
            t(
                "scale.insp.facts",
                k=k,
                lr=_num(run.lr[i]),
                tau=int(run.staleness[i]),
                bits=f"{run.bits[i]:,.0f}",
                res=f"{residual(run, i):.2g}",
            )
        )
