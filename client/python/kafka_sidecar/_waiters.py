"""How a pending request delivers its outcome, shared by both clients.

finish(value, exc) is called exactly once: on the connection's reader
(thread or event loop), or on the caller's thread for a local failure.
"""

import _thread
import logging

from . import _protocol as wire
from .errors import ConnectionLostError, ProduceError, ProduceTimeoutError, \
    UnsupportedVersionError

log = logging.getLogger("kafka_sidecar")

# Request ids come from a counter starting at 1; the handshake takes the top.
HELLO_ID = 2**64 - 1


class Latch:
    """Blocks one caller; cheaper than a Future on the hot path.

    `lock` is only a wake-up: released by finish() and by the sync
    client's reader-role hand-over (promote), at most one pending wake-up
    is kept. The truth is in `done` and `promoted`, which the waiting
    thread rereads after every wake-up.
    """

    __slots__ = ("kind", "topics", "lock", "value", "exc", "done",
                 "promoted")

    def __init__(self, kind, topics):
        self.kind = kind
        self.topics = topics
        self.lock = _thread.allocate_lock()
        self.lock.acquire()
        self.value = self.exc = None
        self.done = self.promoted = False

    def finish(self, value, exc):
        self.value, self.exc = value, exc
        self.done = True
        wake(self.lock)

    def result(self):
        if self.exc is not None:
            raise self.exc
        return self.value

    def wait(self, timeout):
        if not self.lock.acquire(True, -1 if timeout is None else timeout):
            raise timeout_error(timeout)
        return self.result()


def wake(lock):
    try:
        lock.release()
    except RuntimeError:  # a wake-up is already pending
        pass


def timeout_error(timeout):
    return ProduceTimeoutError(
        "no answer from the daemon within %ss; the request is still "
        "in flight and its outcome unknown" % timeout)


class FutureWaiter:
    """Resolves a concurrent.futures.Future or an asyncio.Future (same API)."""

    __slots__ = ("kind", "topics", "future")

    def __init__(self, kind, topics, future):
        self.kind = kind
        self.topics = topics
        self.future = future

    def finish(self, value, exc):
        if self.future.done():  # cancelled by the caller
            return
        if exc is not None:
            self.future.set_exception(exc)
        else:
            self.future.set_result(value)


class CallbackWaiter:
    __slots__ = ("kind", "topics", "callback")

    def __init__(self, kind, topics, callback):
        self.kind = kind
        self.topics = topics
        self.callback = callback

    def finish(self, value, exc):
        try:
            self.callback(exc, value)
        except Exception:  # a user bug must not kill the reader thread
            log.exception("kafka_sidecar: on_delivery callback raised")


class HelloWaiter:
    __slots__ = ("kind", "topics", "conn")

    def __init__(self, conn):
        self.kind = wire.HELLO
        self.topics = None
        self.conn = conn

    def finish(self, value, exc):
        if isinstance(exc, ConnectionLostError):
            return
        if exc is not None:
            log.error("kafka_sidecar: handshake failed: %s", exc)
            if isinstance(exc, UnsupportedVersionError):
                self.conn.die(exc)
            return
        self.conn.version = value.version
        if value.max_frame_bytes:
            self.conn.max_frame_bytes = value.max_frame_bytes
        if value.max_records_per_request:
            self.conn.max_records = value.max_records_per_request


def connection_error(resp):
    """For an answer with id 0 (the daemon's verdict on the connection
    itself, e.g. a frame too large, sent before it closes): logs it and
    returns its text."""
    err = ProduceError.from_pb(resp.error)
    log.error("kafka_sidecar: daemon reported: %s", err)
    return str(err)
