"""Independent reference packages (torch, scipy) for the comparison tests.

Where one is missing a test skips with the reason, but only locally: CI installs them and sets
GDVIZ_REQUIRE_REFERENCES=1, so there a missing reference fails instead of passing silently.
"""

from __future__ import annotations

import importlib
import os

import pytest

REQUIRE_ENV = "GDVIZ_REQUIRE_REFERENCES"


def reference(module: str):
    """Import `module` (e.g. "torch", "scipy.optimize"), or skip (fail in CI) when it is missing."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        reason = f"reference package {module!r} is not installed ({exc})"
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{reason}; {REQUIRE_ENV}=1 requires it", pytrace=False)
        pytest.skip(reason)
