"""What ``gdviz render LINK`` will cost, estimated before any work: the link's runs as the page runs
them (``pipeline.runs_estimate``), the 2-D view's surface, and every file asked for, as one
``gdviz.serve.cost.Estimate``; and ``budget``, the public server's cap on the command line's work
(``gdviz run`` and ``gdviz render``), refused in one line unless forced.

Sizes an export would refuse after the runs (``gdviz.export.files``: frames × width × height) are
refused here, before them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from gdviz import limits
from gdviz.export.files import GIF_WIDTH, MP4_WIDTH, PER_STATE, PER_STEP, PNG_WIDTH
from gdviz.export.render import DESIGN_HEIGHT, DESIGN_WIDTH
from gdviz.export.view import LinkRead
from gdviz.figures.paths import frame_steps
from gdviz.serve import cost
from gdviz.ui.race import pipeline

WIDTHS = {"gif": GIF_WIDTH, "mp4": MP4_WIDTH, "png": PNG_WIDTH}
PNG_SUPERSAMPLE = 2  # files.to_png draws at twice the size and reduces
# Writing a record as text: 1.2 µs a value for CSV and 0.9 µs for JSON on this project's 2-core
# machine (a 1.4-million-value MLP race), doubled for a loaded machine; the peak memory (the text,
# its encoded copy and, for JSON, the lists of Python floats) was 78 and 89 bytes a value.
RECORD_SECONDS_PER_VALUE = 2e-6
RECORD_BYTES_PER_VALUE = 96
# The HTML page: the page's figure and plotly.io.to_html took 0.07–0.18 s for 300 frames; plotly.js
# inside makes the text 6 MB (as ``gdviz.ui.race.export``).
HTML_SECONDS = 0.5
HTML_BYTES = 6 * 2**20

# What to make smaller when a part costs most (the link's keys, the command's flags).
REDUCE = {
    "runs": "fewer steps (steps=), runs (run=) or samples (n=) in the link, or smaller mini-batches",
    "surface": "a smaller problem in the link",
    "gif": "fewer --frames or a smaller --width",
    "mp4": "fewer --frames or a smaller --width",
    "png": "a smaller --width",
    "html": "fewer frames in the link (frames=)",
    "csv": "fewer steps (steps=) or runs (run=) in the link",
    "json": "fewer steps (steps=) or runs (run=) in the link",
}
REDUCE_BYTES = "fewer steps (steps=) or runs (run=) or a smaller model in the link"


def picture_size(kind: str, width: int | None) -> tuple[int, int]:
    w = WIDTHS[kind] if width is None else int(width)
    return w, round(w * DESIGN_HEIGHT / DESIGN_WIDTH)


def animation_frames(read: LinkRead, frames: int | None) -> int:
    """Frames of a GIF or MP4: the link's (or ``frames``), at most one a step."""
    n = read.config.view.frames if frames is None else int(frames)
    return len(frame_steps(read.config.steps, n))


def record_values(read: LinkRead) -> int:
    """Numbers the CSV or JSON of the link's runs holds (every run full length: an upper bound)."""
    steps, P = read.config.steps, read.problem.n_params
    keep = read.keep
    states = steps + 1 if keep is None else min(keep, steps + 1)
    grads = steps * P if keep is None else 0  # a thinned record keeps no gradients
    per_run = (steps + 1) * (2 + len(PER_STATE) + len(PER_STEP)) + states * P + grads
    return per_run * len(read.config.runs)


def file_estimate(read: LinkRead, kind: str, *, frames: int | None = None, width: int | None = None):
    """Cost of writing the file of ``kind``. Raises ValueError for a picture above
    limits.MAX_EXPORT_PIXELS (as the export itself would, after the runs)."""
    if kind in ("csv", "json"):
        values = record_values(read)
        seconds = values * RECORD_SECONDS_PER_VALUE
        return cost.Estimate(seconds, values * RECORD_BYTES_PER_VALUE, ((kind, seconds),))
    if kind == "html":
        return cost.Estimate(HTML_SECONDS, HTML_BYTES, ((kind, HTML_SECONDS),))
    w, h = picture_size(kind, width)
    if kind == "png":
        return cost.export_estimate(1, PNG_SUPERSAMPLE * w, PNG_SUPERSAMPLE * h, name=kind)
    n = animation_frames(read, frames)
    if n * w * h > limits.MAX_EXPORT_PIXELS:
        raise ValueError(
            f"frames × width × height must be at most {limits.MAX_EXPORT_PIXELS:.3g} pixels, "
            f"got {n} × {w} × {h}: fewer --frames or a smaller --width"
        )
    return cost.export_estimate(n, w, h, name=kind)


def render_estimate(
    read: LinkRead, kinds: Iterable[str], *, frames: int | None = None, width: int | None = None
) -> cost.Estimate:
    """Everything ``gdviz render`` does for ``read`` and the files ``kinds``, as one estimate."""
    cfg, problem = read.config, read.problem
    res = pipeline.view_resolution(problem)
    parts = [
        pipeline.runs_estimate(problem, cfg, cfg.runs, read.keep),
        cost.loss_grid_estimate(problem, res * res),
    ]
    parts += [file_estimate(read, k, frames=frames, width=width) for k in kinds]
    return cost.Estimate.total(parts)


def budget(est: cost.Estimate, *, what: str, advice: Callable, force: bool) -> cost.Verdict:
    """The public server's decision on ``est`` (``cost.decide``); a refusal raises ValueError in one
    line (the estimate, the cap, where most of the time goes, ``advice(verdict)``) unless ``force``."""
    verdict = cost.decide(est)
    if verdict.action != cost.REFUSE or force:
        return verdict
    by: dict[str, float] = {}
    for name, seconds in est.parts:
        by[name] = by.get(name, 0.0) + seconds
    most = est.largest()
    part = f" (most of it {most}: {by[most]:.0f} s)" if len(by) > 1 and verdict.reason == "seconds" else ""
    raise ValueError(
        f"{what} is estimated at {est.seconds:.0f} s of CPU and {est.bytes / 2**20:.0f} MB{part}, above "
        f"the public server's cap ({limits.BUDGET_MAX_SECONDS:.0f} s, {limits.BUDGET_MAX_BYTES / 2**20:.0f} "
        f"MB): use {advice(verdict)}, or pass --force"
    )


def what_to_reduce(verdict: cost.Verdict) -> str:
    """The advice of a refusal: for memory, the records; for time, the part that costs most."""
    if verdict.reason == "bytes":
        return REDUCE_BYTES
    return REDUCE.get(verdict.estimate.largest(), REDUCE["runs"])


__all__ = ["budget", "file_estimate", "record_values", "render_estimate", "what_to_reduce"]
