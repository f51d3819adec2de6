"""A running job's heartbeat: proof that its worker is alive (see jobs/housekeeping.py).

A job stamps ``heartbeat_at`` with each progress save and, from a thread of its own, every
``JOB_HEARTBEAT_SECONDS``, also while a long read or write saves no progress.
"""

import contextlib
import logging
import threading
from collections.abc import Iterator

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Model
from django.utils import timezone

logger = logging.getLogger(__name__)


def beat(model: type[Model], pk: int) -> None:
    """Stamp one running job's heartbeat now (never a finished one's)."""
    model._default_manager.filter(pk=pk, status="running").update(heartbeat_at=timezone.now())


@contextlib.contextmanager
def heartbeat(job: Model) -> Iterator[None]:
    """Keep the job's heartbeat going while the block runs.

    The thread has its own connection, so its stamps commit while the job's write
    transaction is open (on SQLite they wait for it: the housekeeping waits the same way).
    Inside a caller's transaction (a test) the job row is not visible to another
    connection: no thread then.
    """
    interval = settings.JOB_HEARTBEAT_SECONDS
    if interval <= 0 or connection.in_atomic_block:
        yield
        return
    stop = threading.Event()
    thread = threading.Thread(
        target=_beat_until, args=(type(job), job.pk, stop, interval), daemon=True
    )
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _beat_until(model: type[Model], pk: int, stop: threading.Event, interval: float) -> None:
    try:
        while not stop.wait(interval):
            try:
                beat(model, pk)
            except DatabaseError:  # SQLite busy with the job's own write: the next beat
                logger.info("heartbeat of %s %s skipped", model.__name__, pk, exc_info=True)
    finally:
        connection.close()
