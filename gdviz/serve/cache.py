"""Caches bounded in bytes and in time, shared by every session of a server process.

Streamlit's own caches bound the number of entries, not their size: 256 entries of a network's
record were 27 GB on paper. Here every entry is weighed (``nbytes``) when it is stored, the least
recently used entries are dropped while the total is over the budget, and entries older than the
TTL are dropped on access. Values are shared, not copied: store immutable things (frozen records
with read-only arrays, figure specs) and never modify what ``get`` returns.
"""

from __future__ import annotations

import dataclasses
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable

import numpy as np

_MISSING = object()
# Builds behind get_or_make run two at a time: forty sessions opening forty 10⁶-sample problems at
# once would each hold ~100 MB of temporaries together, a peak the allocator then keeps.
_BUILDS = threading.BoundedSemaphore(2)
# Above this many bytes made in one go, freed memory is handed back to the OS (see release_memory).
RELEASE_AFTER_BYTES = 16 * 2**20
_last_release = [0.0]


def release_memory(min_interval: float = 2.0) -> None:
    """Give freed heap memory back to the operating system.

    glibc keeps what large temporaries leave behind in its per-thread arenas: measured here, twelve
    cached 10⁶-sample problems (366 MB) left the process at 1.2–1.5 GB resident after builds in
    threads, 0.4–0.7 GB after ``malloc_trim(0)``. Called after big work, at most every
    ``min_interval`` seconds (a trim walks the arenas). A no-op off glibc.
    """
    now = time.monotonic()
    if now - _last_release[0] < min_interval:
        return
    _last_release[0] = now
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def nbytes(obj, _seen: set | None = None) -> int:
    """Bytes held by ``obj``: NumPy buffers counted once however often they are referenced, plus
    the containers, strings and dataclass fields around them."""
    seen = set() if _seen is None else _seen
    if id(obj) in seen:
        return 0
    seen.add(id(obj))
    if isinstance(obj, np.ndarray):
        base = obj
        while isinstance(base.base, np.ndarray):
            base = base.base
        if base is not obj:
            if id(base) in seen:
                return 0
            seen.add(id(base))
        return int(base.nbytes) + 112
    if isinstance(obj, (str, bytes, bytearray, int, float, bool, type(None))):
        return sys.getsizeof(obj)
    if isinstance(obj, dict):
        return sys.getsizeof(obj) + sum(nbytes(k, seen) + nbytes(v, seen) for k, v in obj.items())
    if isinstance(obj, (list, tuple, set, frozenset)):
        return sys.getsizeof(obj) + sum(nbytes(v, seen) for v in obj)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return sys.getsizeof(obj) + sum(nbytes(getattr(obj, f.name), seen) for f in dataclasses.fields(obj))
    sized = getattr(obj, "__gdviz_nbytes__", None)
    if sized is not None:
        return int(sized())
    if hasattr(obj, "__dict__"):
        return sys.getsizeof(obj) + nbytes(vars(obj), seen)
    return sys.getsizeof(obj)


def freeze(obj):
    """Make every NumPy array reachable from ``obj`` read-only (what a shared cache hands out)."""
    stack, seen = [obj], set()
    while stack:
        o = stack.pop()
        if id(o) in seen:
            continue
        seen.add(id(o))
        if isinstance(o, np.ndarray):
            o.flags.writeable = False
        elif isinstance(o, dict):
            stack.extend(o.values())
        elif isinstance(o, (list, tuple)):
            stack.extend(o)
        elif dataclasses.is_dataclass(o) and not isinstance(o, type):
            stack.extend(getattr(o, f.name) for f in dataclasses.fields(o))
    return obj


class ByteCache:
    """A thread-safe LRU cache holding at most ``max_bytes`` (and entries at most ``ttl`` seconds).

    An entry larger than ``max_bytes / 4`` is not kept at all: one visitor's giant result must not
    evict everybody else's.
    """

    def __init__(self, name: str, max_bytes: int, ttl: float | None = 3600.0):
        if max_bytes <= 0:
            raise ValueError(f"cache {name!r}: max_bytes must be > 0, got {max_bytes!r}")
        self.name, self.max_bytes, self.ttl = name, int(max_bytes), ttl
        self._items: OrderedDict[Hashable, tuple[object, int, float]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self._making: dict[Hashable, threading.Lock] = {}
        self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._items)

    @property
    def bytes(self) -> int:
        return self._bytes

    def get(self, key: Hashable, default=None):
        now = time.monotonic()
        with self._lock:
            item = self._items.get(key, _MISSING)
            if item is _MISSING:
                self.misses += 1
                return default
            value, size, born = item
            if self.ttl is not None and now - born > self.ttl:
                del self._items[key]
                self._bytes -= size
                self.misses += 1
                return default
            self._items.move_to_end(key)
            self.hits += 1
            return value

    def keys(self) -> list[Hashable]:
        """The keys held now, oldest use first (expired ones included until their next get)."""
        with self._lock:
            return list(self._items)

    def __contains__(self, key: Hashable) -> bool:
        return self.get(key, _MISSING) is not _MISSING

    def put(self, key: Hashable, value, size: int | None = None) -> bool:
        """Store ``value`` (weighed with :func:`nbytes` unless ``size`` is given); False when it is
        too large to keep."""
        size = nbytes(value) if size is None else int(size)
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            if size > self.max_bytes // 4:
                return False
            self._items[key] = (value, size, time.monotonic())
            self._bytes += size
            while self._bytes > self.max_bytes and self._items:
                _, (_, s, _) = self._items.popitem(last=False)
                self._bytes -= s
        return True

    def get_or_make(self, key: Hashable, make: Callable[[], object]):
        """The cached value, or ``make()`` stored and returned. Sessions asking for the same key at
        once wait for one build; at most two builds of any keys run at a time."""
        value = self.get(key, _MISSING)
        if value is not _MISSING:
            return value
        with self._lock:
            lock = self._making.setdefault(key, threading.Lock())
        with lock:
            value = self.get(key, _MISSING)
            if value is _MISSING:
                with _BUILDS:
                    value = freeze(make())
                size = nbytes(value)
                self.put(key, value, size)
                if size >= RELEASE_AFTER_BYTES:
                    release_memory()
        with self._lock:
            self._making.pop(key, None)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0


__all__ = ["ByteCache", "freeze", "nbytes", "release_memory"]
