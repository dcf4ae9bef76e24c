"""Hard limits enforced by the core, so that a hosted demo cannot be asked for unbounded work.

The UI clamps its controls to the same numbers; the core re-checks them because share links and
notebook callers bypass the widgets.
"""

import os


def _cores() -> int:
    """Cores this process may use (a container's CPU set, not the host's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 2


MAX_STEPS = 20_000
MAX_RUNS = 5_000
MAX_SAMPLES = 1_000_000
MAX_PARAMS = 10_000
MAX_GRID = 400
# steps × runs × params stored in one record (float64): 5e7 values = 400 MB would be too much for a
# shared server, 2e7 (160 MB) is the ceiling.
MAX_RECORD_VALUES = 20_000_000

# --- budgets of one request on a shared server (gdviz.serve) -------------------------------------
# Work estimated (gdviz.serve.cost) under BUDGET_AUTO_SECONDS of server CPU runs at once; up to
# BUDGET_MAX_SECONDS it waits for an explicit click; above that, or above BUDGET_MAX_BYTES of memory,
# it is refused with a message saying what to reduce. Two seconds is what a visitor waits for a
# chart without wondering; a minute is what one stranger may take from a shared core.
# (GDVIZ_BUDGET_AUTO_SECONDS sets it: the test servers raise it so that what they draw does not
# depend on the machine's load, tests/browser_support.py.)
BUDGET_AUTO_SECONDS = float(os.environ.get("GDVIZ_BUDGET_AUTO_SECONDS", "2.0"))
BUDGET_MAX_SECONDS = 60.0
BUDGET_MAX_BYTES = 512 * 2**20
# Work estimated under INLINE_SECONDS runs in the server process (a worker round trip would cost
# more than it saves); longer work goes to a worker process (gdviz.serve.jobs).
INLINE_SECONDS = float(os.environ.get("GDVIZ_INLINE_SECONDS", "0.25"))
# Worker processes per server process: all cores but one, which stays for interactive reruns. Several
# replicas on one host share its cores: deploy/serve.py gives each one worker (GDVIZ_JOB_WORKERS).
JOB_WORKERS = int(os.environ.get("GDVIZ_JOB_WORKERS", "0")) or max(1, _cores() - 1)
JOB_QUEUE_MAX = 16
JOB_HEARTBEAT_SECONDS = 3.0
JOB_KILL_GRACE_SECONDS = 5.0
WORKER_MEMORY_BYTES = 2 * 2**30
WORKER_NICE = 10
# Each session's CPU seconds: a burst of one maximal request, then 15 s per minute.
SESSION_CPU_BURST = BUDGET_MAX_SECONDS
SESSION_CPU_RATE = 0.25
# Caches shared by the sessions of one server process, in bytes (gdviz.serve.cache); entries also
# expire after CACHE_TTL_SECONDS. With the pages' own (network 192 MB, sweeps 48 MB, inspector
# 32 MB) and the exported files' 32 MB they hold at most 0.99 GB, whatever the number of visitors.
CACHE_TTL_SECONDS = 3600.0
CACHE_PROBLEM_BYTES = 256 * 2**20
CACHE_RUN_BYTES = 192 * 2**20
CACHE_VIEW_BYTES = 96 * 2**20
CACHE_FIGURE_BYTES = 96 * 2**20
CACHE_UPLOAD_BYTES = 48 * 2**20
CACHE_EXPORT_BYTES = 32 * 2**20
# A record whose states and gradients would take more than this is thinned (gdviz.train keep=):
# float32 states, about RECORD_THIN_BYTES of them, no gradients.
RECORD_FULL_BYTES = 8 * 2**20
RECORD_THIN_BYTES = 4 * 2**20
# A loss surface gets the resolution its problem can afford in about this much server time.
VIEW_SECONDS = 1.0

# --- exports (gdviz.export): GIF, MP4, PNG and HTML files of the race view -----------------------
# Frames of one animation file; the page offers at most 500 (FRAMES_CHOICES).
MAX_EXPORT_FRAMES = 1000
# Width of a picture; the PNG export is 1920 wide, a 4K screen 3840.
MAX_EXPORT_WIDTH = 3840
# Pixels drawn for one animation (frames × width × height): 300 frames of 1280 × 640 are 2.5e8; the
# cap keeps one export under about a minute of one core.
MAX_EXPORT_PIXELS = 600_000_000

# --- simulated training at scale (gdviz.parallel) -------------------------------------------------
# 64 workers is where a ring all-reduce's latency term already dominates a small model's step on any
# network: more would draw the same lesson at more cost.
MAX_WORKERS = 64
# Micro-batches accumulated per step: beyond this the global batch exceeds any data set here.
MAX_ACCUMULATE = 1024
