"""The race page's summary: one row per run (final loss, distance to the minimum, steps, when it
crossed the threshold or diverged, samples seen, time), as an escaped HTML table."""

from __future__ import annotations

import numpy as np
import streamlit as st

from gdviz.analysis.metrics import distance_to_minimum
from gdviz.export.view import RunResult
from gdviz.problems.base import Problem
from gdviz.ui.htmltable import html_table
from gdviz.ui.i18n import t


def summary_rows(results: list[RunResult], problem: Problem, stop_loss: float | None) -> list[dict]:
    """One row per run that has a record: column (in the session's language) → value; None where a
    column does not apply."""
    rows = []
    for r in results:
        if r.record is None:
            continue
        rec = r.record
        d = distance_to_minimum(problem, rec.final_params)
        hit = stop_loss is not None and bool((rec.loss < stop_loss).any())
        rows.append(
            {
                t("col.run"): r.label,
                t("col.final_loss"): float(rec.loss[-1]),
                t("col.distance"): None if d is None else float(d),
                t("col.steps"): int(rec.steps_done),
                t("col.threshold"): int(np.argmax(rec.loss < stop_loss)) if hit else None,
                t("col.diverged"): rec.diverged,
                t("col.samples"): int(rec.samples_seen[-1]) if rec.n_samples else None,
                t("col.time_ms"): round(1000 * float(rec.time[-1]), 2),
            }
        )
    return rows


def render(results: list[RunResult], problem: Problem, stop_loss: float | None):
    rows = summary_rows(results, problem, stop_loss)
    if rows:
        formats = {t("col.final_loss"): "%.4e", t("col.distance"): "%.4g", t("col.time_ms"): "%.2f"}
        st.html(html_table(rows, formats=formats, label=t("summary")))
