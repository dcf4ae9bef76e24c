"""A worker process of ``gdviz.serve.jobs.Pool``: ``python -m gdviz.serve.worker``.

It runs the tasks of ``gdviz.serve.tasks`` one at a time, at a lower CPU priority than the server
and under a memory limit, so that a long computation never holds the server's GIL, never takes
CPU from an interactive rerun first, and can be killed without harm. Frames on stdin/stdout are a
4-byte length and a pickle; only the pool that started this process writes to its stdin.

Requests: ``("run", job_id, task_name, args)`` and ``("cancel", job_id)``. Answers:
``("ready", pid)``, ``("progress", job_id, fraction)``, ``("done", job_id, result, cpu_seconds)``,
``("error", job_id, kind, message, cpu_seconds)`` with kind "cancelled", "value", "memory" or
"crash".
"""

from __future__ import annotations

import os
import pickle
import struct
import sys
import threading
import time

_HEADER = struct.Struct("<I")


def read_frame(stream):
    head = stream.read(_HEADER.size)
    if len(head) < _HEADER.size:
        return None
    (size,) = _HEADER.unpack(head)
    body = stream.read(size)
    if len(body) < size:
        return None
    return pickle.loads(body)


def write_frame(stream, obj, lock: threading.Lock | None = None) -> None:
    body = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    data = _HEADER.pack(len(body)) + body
    if lock is None:
        stream.write(data)
        stream.flush()
        return
    with lock:
        stream.write(data)
        stream.flush()


class Cancelled(Exception):
    """Raised inside a task when the pool asked the job to stop."""


def _limit_memory(max_bytes: int) -> None:
    try:
        import resource

        # on top of what the interpreter and NumPy already map, so the limit is the job's own
        with open("/proc/self/statm") as f:
            mapped = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        limit = mapped + max_bytes
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, OSError, ValueError):
        pass  # not Linux: the pool's deadline still bounds the job


def main() -> None:
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    # anything a task prints must not corrupt the frames
    sys.stdout = sys.stderr
    inp = sys.stdin.buffer
    nice = int(os.environ.get("GDVIZ_WORKER_NICE", "10"))
    memory = int(os.environ.get("GDVIZ_WORKER_MEMORY", str(2 * 2**30)))
    if nice:
        try:
            os.nice(nice)
        except OSError:
            pass
    from gdviz.serve import tasks  # imports NumPy and the core once, before the memory limit
    from gdviz.serve.cache import release_memory

    _limit_memory(memory)
    lock = threading.Lock()
    cancelled: set[int] = set()
    current: list[int | None] = [None]
    jobs: list[tuple] = []
    wake = threading.Condition()

    def reader():
        while True:
            frame = read_frame(inp)
            if frame is None:
                os._exit(0)  # the pool went away
            with wake:
                if frame[0] == "cancel":
                    cancelled.add(frame[1])
                else:
                    jobs.append(frame)
                wake.notify()

    threading.Thread(target=reader, daemon=True).start()
    write_frame(out, ("ready", os.getpid()), lock)
    while True:
        with wake:
            while not jobs:
                wake.wait()
            _, job_id, name, args = jobs.pop(0)
        current[0] = job_id
        cpu0 = time.process_time()
        last = [0.0]

        def progress(fraction: float, job_id=job_id, last=last) -> None:
            if job_id in cancelled:
                raise Cancelled
            now = time.monotonic()
            if now - last[0] >= 0.1:
                last[0] = now
                write_frame(out, ("progress", job_id, float(fraction)), lock)

        try:
            result = tasks.run(name, args, progress)
        except Cancelled:
            write_frame(out, ("error", job_id, "cancelled", "", time.process_time() - cpu0), lock)
        except MemoryError:
            write_frame(out, ("error", job_id, "memory", "out of memory", time.process_time() - cpu0), lock)
        except ValueError as err:
            write_frame(out, ("error", job_id, "value", str(err), time.process_time() - cpu0), lock)
        except Exception as err:  # a bug in a task must not kill the worker; the page says it failed
            msg = f"{type(err).__name__}: {err}"
            write_frame(out, ("error", job_id, "crash", msg, time.process_time() - cpu0), lock)
        else:
            try:
                write_frame(out, ("done", job_id, result, time.process_time() - cpu0), lock)
            except MemoryError:
                write_frame(out, ("error", job_id, "memory", "result too large", 0.0), lock)
        cancelled.discard(job_id)
        current[0] = None
        result = None
        release_memory(0.0)  # a job's temporaries go back to the OS before the next job


if __name__ == "__main__":
    main()
