"""Exports as work for the job pool: the page's download buttons hand over the share link and get the
file's bytes back, drawn in a worker process (``gdviz.serve.tasks`` runs it by its module name, so
the NumPy core does not import this layer).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from gdviz.errors import check_choice
from gdviz.export import files
from gdviz.export.view import race_view

# kind -> (file extension, MIME type)
KINDS = {
    "gif": ("gif", "image/gif"),
    "mp4": ("mp4", "video/mp4"),
    "html": ("html", "text/html"),
    "png": ("png", "image/png"),
    "csv": ("csv", "text/csv"),
    "json": ("json", "application/json"),
}
_WRITERS = {
    "gif": files.to_gif,
    "mp4": files.to_mp4,
    "html": files.to_html,
    "png": files.to_png,
}


def render(*, link: str, kind: str, progress: Callable[[float], None]) -> bytes:
    """The file of kind ``kind`` showing the view ``link`` describes, as bytes."""
    check_choice("kind", kind, tuple(KINDS))
    # Runs first (about as long as drawing at the defaults), then the file.
    view = race_view(link, progress=lambda done, total: progress(0.5 * done / max(total, 1)))
    ext, _ = KINDS[kind]
    with tempfile.TemporaryDirectory(prefix="gdviz-export-") as tmp:
        path = Path(tmp) / f"gdviz.{ext}"
        if kind in _WRITERS:
            _WRITERS[kind](
                view, path, progress=lambda done, total: progress(0.5 + 0.5 * done / max(total, 1))
            )
        elif kind == "csv":
            files.to_csv(view, path)
        else:
            files.to_json(view, path)
        return path.read_bytes()
