"""Hard limits enforced by the core, so that a hosted demo cannot be asked for unbounded work.

The UI clamps its controls to the same numbers; the core re-checks them because share links and
notebook callers bypass the widgets.
"""

MAX_STEPS = 20_000
MAX_RUNS = 5_000
MAX_SAMPLES = 1_000_000
MAX_PARAMS = 10_000
MAX_GRID = 400
# steps × runs × params stored in one record (float64): 5e7 values = 400 MB would be too much for a
# shared server, 2e7 (160 MB) is the ceiling.
MAX_RECORD_VALUES = 20_000_000
