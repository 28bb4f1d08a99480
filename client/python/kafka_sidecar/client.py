"""Synchronous, thread-safe client: one pipelined connection per process.

Any thread may call any method. All threads share one pipelined Unix
socket (see _connection.py: coalesced writes, leader/follower reading), so
many requests are in flight at once and the daemon batches them into Kafka.

Lifetime: nothing connects until the first request. A connection that dies
(daemon restarted) fails its in-flight requests with ConnectionLostError and
the next request opens a new one. After os.fork() the child drops what it
inherited (without touching the parent's socket) and connects on its own.
"""

import itertools
import os
import threading
import time
import weakref
from concurrent.futures import Future

from . import _coalesce
from . import _protocol as wire
from ._connection import Connection, NotSent, check_not_in_callback
from ._waiters import CallbackWaiter, FutureWaiter, Latch
from .errors import (ClientClosedError, ConnectionLostError,
                     DaemonUnavailableError, KafkaSidecarError)


_clients = weakref.WeakSet()


def _after_fork_in_child():
    for client in list(_clients):
        client._reset_after_fork()


os.register_at_fork(after_in_child=_after_fork_in_child)


class Client:
    """Synchronous kafka-sidecar client; share one instance per process.

    Constructing it never touches the socket: an app starts even while the
    daemon or Kafka is down; requests made meanwhile raise
    DaemonUnavailableError (or pass it to their future / callback).

    With fail_fast=True, records that find the daemon's producer queue full
    (Kafka unreachable for long, or slower than the host produces) fail at
    once with QueueFullError (retriable, not persisted) instead of waiting
    for room: for request handlers that must answer quickly.
    """

    def __init__(self, socket_path=None, *, client_name=None, fail_fast=False):
        self.socket_path = wire.resolve_socket_path(socket_path)
        self.client_name = client_name
        self.fail_fast = bool(fail_fast)
        self._ids = itertools.count(1)
        self._init_state()
        _clients.add(self)

    def _init_state(self):
        self._pid = os.getpid()
        self._lock = threading.Lock()
        self._conn = None
        self._closed = False

    def _reset_after_fork(self):
        conn = self._conn
        closed = self._closed
        self._init_state()
        self._closed = closed
        if conn is not None:
            conn.abandon_after_fork()

    # -- plumbing ----------------------------------------------------------

    def _connection(self):
        # No getpid() here (a syscall per call): os.fork() runs the at-fork
        # hook, which resets the child's clients. flush() still checks.
        conn = self._conn
        if conn is not None and not conn.dead:
            return conn
        with self._lock:
            if self._closed:
                raise ClientClosedError("client is closed; nothing was sent")
            conn = self._conn
            if conn is None or conn.dead:
                conn = Connection(self.socket_path,
                                  self.client_name or
                                  wire.default_client_name(), self._ids,
                                  self.fail_fast)
                self._conn = conn
            return conn

    def _on_live_connection(self, send):
        """Calls send(conn) on the current connection, redialling once if it
        turns out dead before anything went out; returns the connection."""
        for _ in range(2):
            conn = self._connection()
            try:
                send(conn)
                return conn
            except NotSent:
                pass
        raise DaemonUnavailableError(
            "connection to the daemon at %s keeps dropping; nothing was sent"
            % self.socket_path)

    def _submit(self, make_frame, waiter):
        """Sends a request built by make_frame(id); raises if not sent."""
        req_id = next(self._ids)
        data = make_frame(req_id)

        def send(conn):
            too_big = wire.check_frame_size(data, conn.max_frame_bytes)
            if too_big is not None:
                raise too_big
            conn.submit(req_id, data, waiter)
        return self._on_live_connection(send)

    def _submit_record(self, topic, ack, field, waiter):
        """Queues one encoded record (coalesced with others by the writer);
        raises if not sent."""
        item = (topic, ack, field, waiter)

        def send(conn):
            too_big = _coalesce.record_too_large(field, conn.max_frame_bytes)
            if too_big is not None:
                raise too_big
            conn.submit_record(item)
        return self._on_live_connection(send)

    # -- produce -----------------------------------------------------------

    def produce(self, topic, value, key=None, headers=None, partition=None,
                timestamp=None, timeout=None):
        """Produces one record and blocks until Kafka acknowledged it.

        Returns RecordMetadata; raises ProduceError (Kafka or daemon said
        no), DaemonUnavailableError (nothing sent), ConnectionLostError or
        ProduceTimeoutError (outcome unknown).
        """
        check_not_in_callback()
        field = wire.record_field(topic, value, key, headers, partition,
                                  timestamp)
        waiter = Latch(wire.ONE, topic)
        conn = self._submit_record(topic, wire.ACK_DELIVERED, field, waiter)
        return conn.wait_answer(waiter, timeout)

    def produce_async(self, topic, value, key=None, headers=None,
                      partition=None, timestamp=None):
        """Like produce() but returns a concurrent.futures.Future at once."""
        field = wire.record_field(topic, value, key, headers, partition,
                                  timestamp)
        future = Future()
        future.set_running_or_notify_cancel()
        waiter = FutureWaiter(wire.ONE, topic, future)
        try:
            self._submit_record(topic, wire.ACK_DELIVERED, field, waiter)
        except (TypeError, ValueError):
            raise
        except Exception as e:
            future.set_exception(e)
        return future

    def send(self, topic, value, key=None, headers=None, partition=None,
             timestamp=None, on_delivery=None):
        """Hands a record over and returns at once.

        With on_delivery, ``on_delivery(err, metadata)`` is called once the
        outcome is known (on whichever thread reads the connection: a caller
        blocked in produce() or the client's background reader; keep it
        short, and do not block on this client from it). Without it the record is fire-and-forget
        (ack mode NONE): the daemon logs and counts failures; only a daemon
        that cannot be reached raises here.
        """
        ack = wire.ACK_NONE if on_delivery is None else wire.ACK_DELIVERED
        field = wire.record_field(topic, value, key, headers, partition,
                                  timestamp)
        waiter = None
        if on_delivery is not None:
            waiter = CallbackWaiter(wire.ONE, topic, on_delivery)
        try:
            self._submit_record(topic, ack, field, waiter)
        except (TypeError, ValueError):
            raise
        except Exception as e:
            if on_delivery is None:
                raise
            waiter.finish(None, e)

    def produce_batch(self, records, timeout=None):
        """Produces many records and waits for all of them.

        `records` holds Record objects or dicts (topic, value, key, headers,
        partition, timestamp). Returns a list in the same order with, for
        each record, its RecordMetadata or an exception instance: the
        daemon's ProduceError for it, or ConnectionLostError /
        ProduceTimeoutError when the answer for its part never came. A batch
        too big for one frame is split into several pipelined requests.
        Raises only when nothing could be sent (DaemonUnavailableError,
        ClientClosedError) or for invalid arguments.
        """
        check_not_in_callback()
        records = list(records)
        if not records:
            return []
        conn = self._conn
        limit = conn.max_frame_bytes if conn is not None else \
            wire.DEFAULT_MAX_FRAME_BYTES
        max_records = conn.max_records if conn is not None else \
            wire.DEFAULT_MAX_RECORDS
        out = [None] * len(records)
        waits = []
        for i, (req, topics, first) in enumerate(wire.batch_requests(
                wire.ACK_DELIVERED, records, limit, max_records,
                self.fail_fast)):
            if isinstance(req, Exception):
                out[first] = req
                continue
            waiter = Latch(wire.BATCH, topics)
            conn = None
            try:
                conn = self._submit(
                    lambda n, req=req: wire.request_frame(req, n), waiter)
            except (DaemonUnavailableError, ClientClosedError) as e:
                if not waits:
                    raise
                waiter.finish(None, e)
            waits.append((first, len(topics), waiter, conn))
        deadline = None if timeout is None else time.monotonic() + timeout
        for first, n, waiter, conn in waits:
            left = None if deadline is None else max(
                0.0, deadline - time.monotonic())
            try:
                out[first:first + n] = waiter.wait(left) if conn is None \
                    else conn.wait_answer(waiter, left)
            except KafkaSidecarError as e:
                out[first:first + n] = [e] * n
        return out

    def ping(self, timeout=10.0):
        """Asks the daemon for its status (is Kafka reachable, ...)."""
        check_not_in_callback()
        waiter = Latch(wire.PING, None)
        conn = self._submit(wire.ping_frame, waiter)
        return conn.wait_answer(waiter, timeout)

    def status(self, timeout=10.0):
        """The daemon's health and figures (DaemonHealth): healthy and why
        not, brokers and their state, producer queue, delivery counts and
        rates, errors by Kafka name. For health checks and dashboards."""
        check_not_in_callback()
        waiter = Latch(wire.STATUS, None)
        conn = self._submit(wire.status_frame, waiter)
        return conn.wait_answer(waiter, timeout)

    # -- lifetime ----------------------------------------------------------

    def flush(self, timeout=None):
        """Waits until every request awaiting an answer has one.

        Returns how many are still outstanding (0 unless timeout expired).
        Fire-and-forget records are waited for until written to the
        socket: from there they are the daemon's.
        """
        if self._pid != os.getpid():
            self._reset_after_fork()
        conn = self._conn
        if conn is None:
            return 0
        deadline = None if timeout is None else time.monotonic() + timeout
        conn.wait_written(timeout)
        # Polled rather than signalled: keeps a lock off every record's path.
        pause = 0.0005
        while True:
            left = conn.unanswered()
            if left == 0 or (deadline is not None and
                             time.monotonic() >= deadline):
                return left
            time.sleep(pause)
            pause = min(pause * 2, 0.01)

    def close(self, timeout=None):
        """Flushes (bounded by timeout), then closes the connection.

        Requests still outstanding then fail with ConnectionLostError.
        Idempotent.
        """
        if self._closed:
            return
        self.flush(timeout)
        with self._lock:
            self._closed = True
            conn, self._conn = self._conn, None
        if conn is not None:
            conn.die(ConnectionLostError("client closed with the request in "
                                         "flight; outcome unknown"))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        state = "closed" if self._closed else (
            "connected" if self._conn is not None and not self._conn.dead
            else "idle")
        return "<kafka_sidecar.Client %s %s>" % (self.socket_path, state)
