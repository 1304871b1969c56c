"""Background worker of the web app: heavy runs off the request, with progress, cached on disk.

A route never computes: it asks :class:`JobRunner` for the result of a *job* (a function that
writes its outputs into a folder) under a *key* (a hash of the pack's files and the options).
If the folder is complete in the cache the route reads it; otherwise the runner starts the job
in a worker thread (once per key, however many requests ask) and the route answers ``202``
with the job's progress, which the page polls.

A finished job's folder is a result folder (:func:`jamlik.storage.result_folder`): written
under a hidden staging name and swapped into place whole when complete, so a crash or a kill
never leaves a half-written or mixed result that a later request would read. Jobs run
one at a time (a 2-core server shares its cores between the numba kernels of one run).

Why hand-written: the app needs four things only (start once per key, progress, errors kept
for the page, results that survive restarts); a task queue (Celery, RQ, arq) would add a
broker process for that.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from jamlik.errors import JamlikError
from jamlik.i18n import t
from jamlik.storage import result_folder

__all__ = ["Job", "JobRunner", "Progress", "cache_key"]

log = logging.getLogger(__name__)

#: ``progress(label, done, total)``, as the runs of :mod:`jamlik.runs` call it.
Progress = Callable[[str, int, int], None]
#: A job writes its outputs into the folder it is given, reporting progress.
Work = Callable[[Path, Progress], None]
State = Literal["queued", "running", "done", "failed"]
_DONE = ".complete"


def cache_key(kind: str, files: list[Path], options: Mapping[str, Any]) -> str:
    """Return a key for ``kind`` over the content identity of ``files`` and ``options``.

    Files count by resolved path, size and modification time (hashing a region's OSM extract
    on every request would take seconds); ``options`` by their JSON text.
    """
    digest = hashlib.sha256(kind.encode())
    for path in sorted(files, key=str):
        stat = path.stat()
        digest.update(f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}".encode())
    digest.update(json.dumps(options, sort_keys=True, default=str).encode())
    return f"{kind}-{digest.hexdigest()[:20]}"


@dataclass
class Job:
    """One job's state, as the page shows it."""

    key: str
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    state: State = "queued"
    label: str = ""
    done: int = 0
    total: int = 0
    error: str | None = None
    #: ``True`` when the job failed on a bug rather than on bad input.
    bug: bool = False
    started: float = field(default_factory=time.monotonic)
    seconds: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return the job as JSON-ready data."""
        return {
            "id": self.id,
            "key": self.key,
            "state": self.state,
            "label": self.label,
            "done": self.done,
            "total": self.total,
            "error": self.error,
            "seconds": self.seconds,
        }


class JobRunner:
    """Runs jobs one at a time in a worker thread; results are folders in ``cache_dir``.

    Parameters
    ----------
    cache_dir
        Where finished results are kept between restarts (created when needed).
    """

    def __init__(self, cache_dir: Path) -> None:
        self.cache_dir = Path(cache_dir)
        self._lock = threading.Lock()
        self._jobs: dict[str, Job] = {}
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="jamlik-job")

    def folder(self, key: str) -> Path:
        """Return the folder of ``key``'s result (complete or not)."""
        return self.cache_dir / key

    def ready(self, key: str) -> Path | None:
        """Return the result folder of ``key`` when it is complete, else ``None``."""
        folder = self.folder(key)
        return folder if (folder / _DONE).is_file() else None

    def job(self, key: str) -> Job | None:
        """Return the latest job of ``key`` started by this runner, if any."""
        with self._lock:
            return self._jobs.get(key)

    def by_id(self, job_id: str) -> Job | None:
        """Return the job with ``job_id``, if this runner started it."""
        with self._lock:
            return next((j for j in self._jobs.values() if j.id == job_id), None)

    def submit(self, key: str, work: Work, *, retry: bool = False) -> Job:
        """Start ``work`` for ``key`` unless it is running or done; return its job.

        A failed job stays failed (its error is shown) until ``retry`` is asked for.
        """
        with self._lock:
            current = self._jobs.get(key)
            if current is not None and (current.state != "failed" or not retry):
                return current
            job = Job(key=key)
            if self.ready(key) is not None:
                job.state, job.seconds = "done", 0.0
                self._jobs[key] = job
                return job
            self._jobs[key] = job
        self._pool.submit(self._run, job, work)
        return job

    def wait(self, key: str, timeout_s: float = 600.0) -> Job:
        """Block until ``key``'s job ends (for tests and scripts, never in a request)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            job = self.job(key)
            if job is None or job.state in ("done", "failed"):
                if job is None:
                    raise KeyError(key)
                return job
            time.sleep(0.05)
        raise TimeoutError(t("web_jobs.timeout", key=key, timeout_s=f"{timeout_s:g}"))

    def shutdown(self) -> None:
        """Stop accepting jobs and wait for the running one."""
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _run(self, job: Job, work: Work) -> None:
        job.state = "running"
        target = self.folder(job.key)

        def progress(label: str, done: int, total: int) -> None:
            job.label, job.done, job.total = label, done, total

        try:
            # A result folder: staged, then swapped in whole; an earlier (incomplete) one of the
            # same key is replaced, anything else in the cache is refused, never deleted.
            with result_folder(target, command=f"web {job.key}", overwrite=True) as folder:
                work(folder.staging, progress)
                stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
                (folder.staging / _DONE).write_text(stamp)
            job.state = "done"
        except JamlikError as exc:  # bad input: its message names the file, row or feature
            job.state, job.error = "failed", str(exc)
        except Exception as exc:  # a bug: logged with its traceback, shown as its type
            log.exception(t("web_jobs.failed", key=job.key))
            job.state, job.error, job.bug = "failed", f"{type(exc).__name__}: {exc}", True
        finally:
            job.seconds = time.monotonic() - job.started
