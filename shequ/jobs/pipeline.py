"""How an import runs fast: every thread and process-wide setting of the import pipeline.

Switched on only while ``import_job_run`` runs a job (in the task worker, the command or a
test), never when a module is imported:

- ``fewer_collections``: the garbage collector leaves the job's many live objects alone;
- on PostgreSQL (``write_ahead_possible``), a ``Writer`` thread writes validated rows in
  the job's one transaction while later rows are validated, a ``ReadAhead`` thread sends
  the next chunk's lookups early, and ``quick_handovers`` lets the two threads take turns
  more often. SQLite runs the same steps on one thread, one after the other.
"""

import contextlib
import gc
import queue
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from django.db import connection, transaction

from shequ.jobs.models import ImportJob

# Whether PostgreSQL imports write ahead (the bench turns it off to compare), and how many
# validated rows go to the writer at a time after the first chunk (which goes at once, so
# that it starts soon): enough for few round trips (docs/benchmarks.md has the measurements).
WRITE_AHEAD = True
WRITE_AHEAD_ROWS = 3_000
# How often (seconds) the interpreter hands its lock over while a writer runs; Python's
# default 0.005 kept the writer, woken by the server's answer, waiting on the validator.
WRITE_AHEAD_SWITCH_INTERVAL = 0.0005


@contextlib.contextmanager
def fewer_collections() -> Iterator[None]:
    """A job's rows and plans stay alive until the write: without this, the cyclic garbage
    collector rescans them every few hundred allocations. What exists before the job is
    frozen out of the scans, collections are rare, and both are restored at the end."""
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(200_000, 50, 1000)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


_switch_lock = threading.Lock()
_switch_users = 0
_switch_saved = 0.0


@contextlib.contextmanager
def quick_handovers() -> Iterator[None]:
    """Shorten the interpreter's switch interval while a writer runs (process-wide, so
    counted: the last import to end restores it)."""
    global _switch_users, _switch_saved
    with _switch_lock:
        if _switch_users == 0:
            _switch_saved = sys.getswitchinterval()
            sys.setswitchinterval(WRITE_AHEAD_SWITCH_INTERVAL)
        _switch_users += 1
    try:
        yield
    finally:
        with _switch_lock:
            _switch_users -= 1
            if _switch_users == 0:
                sys.setswitchinterval(_switch_saved)


def write_ahead_possible(job: ImportJob) -> bool:
    """Only on PostgreSQL (SQLite has one writer, which the progress updates would wait
    for), never inside a caller's transaction (its rows are invisible to another connection
    and the import must commit with it), and not for a dry run."""
    return (
        WRITE_AHEAD
        and not job.dry_run
        and connection.vendor == "postgresql"
        and not connection.in_atomic_block
    )


class ReadAhead:
    """One thread with its own connection for an import's look-ahead reads: the next
    chunk's query runs while this chunk is validated. It reads only committed rows, as the
    validating connection does."""

    def __init__(self) -> None:
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-reader")

    def submit(self, function: Callable, *args: Any) -> Future:
        return self.pool.submit(function, *args)

    def close(self) -> None:
        # A function resolving the connection in the reader's thread: ``connection.close``
        # named here would be the method of this thread's connection.
        self.pool.submit(_close_connection).result()
        self.pool.shutdown()


def _close_connection() -> None:
    connection.close()


class _WriterAborted(Exception):
    pass


class Writer:
    """Writes validated rows' plans on its own thread (hence connection) while the main
    thread validates the next rows, in ONE transaction that ends with the job's completion
    and commits, or rolls back when the import must not be applied.

    Validating is Python, writing mostly PostgreSQL's work, so the two overlap; constraints
    are checked at each statement, not at commit, so that work overlaps too. What validation
    needs is what was committed before the import; what the file itself creates the
    importer keeps in memory, as when it writes at the end.
    """

    _END = object()
    _ABORT = object()

    def __init__(self, importer: Any) -> None:
        self.importer = importer
        self.queue: queue.Queue = queue.Queue(maxsize=2)
        self.error: BaseException | None = None
        self.stopped = False
        self.thread = threading.Thread(target=self._work, name="import-writer", daemon=True)
        self.thread.start()

    def put(self, plans: Any) -> None:
        if self.error is not None:
            raise self.error
        if not self.stopped:
            self.queue.put(plans)

    def finish(self, complete: Callable[[], None]) -> None:
        """Run ``complete`` in the write transaction, commit, and wait for it; re-raises
        what failed in the writer."""
        self.put(complete)
        self.queue.put(self._END)
        self.stopped = True
        self.thread.join()
        if self.error is not None:
            raise self.error

    def close(self) -> None:
        """Stop and roll back unless finished; wait for the thread. Safe to call twice."""
        if not self.stopped:
            self.stopped = True
            self.queue.put(self._ABORT)
        self.thread.join()

    def _work(self) -> None:
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                while (item := self.queue.get()) is not self._END:
                    if item is self._ABORT:
                        raise _WriterAborted
                    if callable(item):
                        item()
                    else:
                        self.importer.write(item)
        except _WriterAborted:
            pass
        except BaseException as exc:  # handed to the main thread, which reports it
            self.error = exc
            while self.queue.get() not in (self._END, self._ABORT):
                pass  # let the main thread's puts through until it stops
        finally:
            connection.close()
