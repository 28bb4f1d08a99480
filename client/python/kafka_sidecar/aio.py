"""Native asyncio client: one pipelined connection per event loop, no threads.

All methods must be called from the event loop's thread. Responses are
parsed in the protocol's data_received() and resolve futures (or run
on_delivery callbacks) right there on the loop: no poll thread, no
call_soon_threadsafe.

Lifetime: constructing the client needs no loop and touches no socket; the
first request connects. A connection that dies fails its in-flight requests
with ConnectionLostError and the next request reconnects. If the client is
later used from a different event loop (tests, reloads) it starts over on
that loop.
"""

import asyncio
import itertools
import logging
import os
import sys

from . import _coalesce
from . import _protocol as wire
from ._waiters import (HELLO_ID, CallbackWaiter, FutureWaiter, HelloWaiter,
                       connection_error)
from .errors import (ClientClosedError, ConnectionLostError,
                     DaemonUnavailableError, KafkaSidecarError,
                     ProduceTimeoutError)

log = logging.getLogger("kafka_sidecar")

# Bumped in a forked child: cheaper to compare on every call than getpid()
# (a system call with current glibc).
_forks = 0


def _after_fork_in_child():
    global _forks
    _forks += 1


os.register_at_fork(after_in_child=_after_fork_in_child)


class _Tracker:
    """Counts requests awaiting an answer, so flush() can wait for zero."""

    def __init__(self):
        self.count = 0
        self.idle = []

    def add(self):
        self.count += 1

    def done(self, n=1):
        self.count -= n
        if self.count == 0 and self.idle:
            idle, self.idle = self.idle, []
            for f in idle:
                if not f.done():
                    f.set_result(None)

    async def wait_idle(self, timeout):
        if self.count == 0:
            return 0
        f = asyncio.get_running_loop().create_future()
        self.idle.append(f)
        try:
            await asyncio.wait_for(f, timeout)
        except asyncio.TimeoutError:
            pass
        return self.count


class _Connection(asyncio.Protocol):
    """One socket on one loop. Dies once; never reused after."""

    def __init__(self, tracker, ids, fail_fast):
        self.tracker = tracker
        self.fail_fast = fail_fast
        self.ids = ids  # the client's request id counter
        self.transport = None
        self.pending = {}
        self.frames = wire.FrameBuffer()
        self.dead = False
        self.death = None
        self.paused = False
        self.drainers = []
        self.outbuf = []  # frames and record items (see _coalesce)
        self.flush_scheduled = False
        self.version = None
        self.max_frame_bytes = wire.DEFAULT_MAX_FRAME_BYTES
        self.max_records = wire.DEFAULT_MAX_RECORDS

    # asyncio.Protocol callbacks -------------------------------------------

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        try:
            for payload in self.frames.feed(data):
                self._dispatch(wire.parse_response(payload))
        except Exception as e:  # corrupt stream
            log.exception("kafka_sidecar: bad data from daemon")
            self.death = "bad data from daemon: %s" % e
            self.transport.abort()

    def connection_lost(self, exc):
        why = "daemon closed the connection" if exc is None else str(exc)
        if self.death:
            why = "%s (%s)" % (why, self.death)
        self.die(ConnectionLostError(
            "%s with the request in flight; outcome unknown" % why))

    def pause_writing(self):
        self.paused = True

    def resume_writing(self):
        self.paused = False
        self._wake_drainers()

    # ----------------------------------------------------------------------

    def _wake_drainers(self):
        drainers, self.drainers = self.drainers, []
        for f in drainers:
            if not f.done():
                f.set_result(None)

    async def drain(self):
        """Waits while the socket buffer is over its high-water mark."""
        while self.paused and not self.dead:
            f = asyncio.get_running_loop().create_future()
            self.drainers.append(f)
            await f

    def write(self, req_id, data, waiter):
        # Frames written in one loop iteration go out in one send(): a
        # syscall per record would cost more than everything else here.
        if waiter is not None:
            self.pending[req_id] = waiter
        self.outbuf.append(data)
        if not self.flush_scheduled:
            self.flush_scheduled = True
            asyncio.get_running_loop().call_soon(self._flush)

    def write_record(self, item):
        """Queues a record item (topic, ack, field, waiter); the records
        queued in one loop iteration go out coalesced (see _coalesce).

        The first record of an iteration goes out at once, alone: the
        daemon hands it to librdkafka, whose linger.ms clock starts then,
        while this loop is still running the other tasks of the iteration;
        their records join the same Kafka batch when they arrive within
        linger.ms. Holding it back would add the iteration's own duration
        to every record's latency.
        """
        self.outbuf.append(item)
        if not self.flush_scheduled:
            self.flush_scheduled = True
            asyncio.get_running_loop().call_soon(self._flush)
            if len(self.outbuf) == 1:
                self._write_out()

    def _flush(self):
        self.flush_scheduled = False
        self._write_out()

    def _write_out(self):
        if self.dead or not self.outbuf:
            self.outbuf = []
            return
        data, regs = _coalesce.pack(self.outbuf, self.ids,
                                    self.max_frame_bytes, self.max_records,
                                    self.fail_fast)
        self.outbuf = []
        if regs:
            self.pending.update(regs)
        self.transport.write(data)

    async def wait_written(self):
        """Pushes queued frames to the kernel: fire-and-forget records are
        the daemon's once there."""
        self._flush()
        while not self.dead and self.transport.get_write_buffer_size():
            await asyncio.sleep(0.001)

    def close(self):
        """Closes after writing what is queued; in-flight requests fail."""
        self._flush()
        self.transport.close()

    def _dispatch(self, resp):
        if resp.id == 0:  # about the connection itself: it closes next
            self.death = connection_error(resp)
            return
        waiter = self.pending.pop(resp.id, None)
        if waiter is None:
            log.warning("kafka_sidecar: response for unknown id %d", resp.id)
            return
        _coalesce.finish_response(waiter, resp)
        if waiter.kind != wire.HELLO:
            self.tracker.done(_coalesce.waiter_records(waiter))

    def die(self, exc):
        first = not self.dead
        self.dead = True
        pending, self.pending = self.pending, {}
        unsent, self.outbuf = self.outbuf, []
        if first and self.transport is not None:
            self.transport.abort()
        for waiter in pending.values():
            waiter.finish(None, exc)
            if waiter.kind != wire.HELLO:
                self.tracker.done(_coalesce.waiter_records(waiter))
        for item in unsent:  # queued records have no pending entry yet
            if item.__class__ is not bytes and item[3] is not None:
                item[3].finish(None, exc)
                self.tracker.done()
        self._wake_drainers()


class AsyncClient:
    """asyncio kafka-sidecar client; share one instance per process.

    Constructing it never touches the socket or needs a running loop, so it
    can live at module level in a FastAPI/Starlette app.

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
        self._closed = False
        self._reset()

    def _reset(self):
        self._pid = os.getpid()
        self._forks = _forks
        self._loop = None
        self._conn = None
        self._connecting = None
        # Sent once connected: (id, frame, waiter) or (0, record item,
        # waiter).
        self._backlog = []
        self._tracker = _Tracker()

    def _bind_loop(self):
        loop = asyncio.get_running_loop()
        if loop is self._loop and self._forks == _forks:
            return loop
        if self._pid != os.getpid():
            # Forked: the parent's transport lives in the parent's loop;
            # touching it here could disturb the parent. Start afresh.
            self._reset()
        if loop is not self._loop:
            if self._conn is not None and self._loop is not None:
                old = self._conn
                try:
                    self._loop.call_soon_threadsafe(
                        old.die, ConnectionLostError("client moved to another "
                                                     "event loop"))
                except RuntimeError:  # old loop closed
                    pass
            self._reset()
            self._loop = loop
        return loop

    # -- plumbing ----------------------------------------------------------

    def _submit(self, make_frame, waiter):
        """Writes (or queues until connected) a request; returns the live
        connection it went to, or None when queued."""
        loop = self._bind_loop()
        if self._closed:
            raise ClientClosedError("client is closed; nothing was sent")
        req_id = next(self._ids)
        data = make_frame(req_id)
        conn = self._conn
        limit = conn.max_frame_bytes if conn else wire.DEFAULT_MAX_FRAME_BYTES
        too_big = wire.check_frame_size(data, limit)
        if too_big is not None:
            raise too_big
        if waiter is not None:
            self._tracker.add()
        if conn is not None and not conn.dead:
            conn.write(req_id, data, waiter)
            return conn
        self._backlog.append((req_id, data, waiter))
        if self._connecting is None:
            self._connecting = loop.create_task(self._connect())
        return None

    def _submit_record(self, topic, ack, field, waiter, loop):
        """Queues one encoded record; records queued in the same loop
        iteration go out as one request. Returns the live connection, or
        None when queued until connected."""
        if self._closed:
            raise ClientClosedError("client is closed; nothing was sent")
        conn = self._conn
        limit = conn.max_frame_bytes if conn else wire.DEFAULT_MAX_FRAME_BYTES
        too_big = _coalesce.record_too_large(field, limit)
        if too_big is not None:
            raise too_big
        if waiter is not None:
            self._tracker.add()
        item = (topic, ack, field, waiter)
        if conn is not None and not conn.dead:
            conn.write_record(item)
            return conn
        self._backlog.append((0, item, waiter))
        if self._connecting is None:
            self._connecting = loop.create_task(self._connect())
        return None

    async def _connect(self):
        loop = self._loop
        tracker = self._tracker
        try:
            _, conn = await loop.create_unix_connection(
                lambda: _Connection(tracker, self._ids, self.fail_fast),
                self.socket_path)
        except OSError as e:
            self._connecting = None
            err = DaemonUnavailableError(
                "cannot reach kafka-sidecar daemon at %s: %s; nothing was sent"
                % (self.socket_path, e.strerror or e))
            self._fail_backlog(err)
            return
        self._connecting = None
        if loop is not self._loop:  # moved on meanwhile
            conn.die(ConnectionLostError("client moved to another loop"))
            return
        self._conn = conn
        conn.write(HELLO_ID, wire.hello_frame(
            HELLO_ID, self.client_name or wire.default_client_name()),
            HelloWaiter(conn))
        backlog, self._backlog = self._backlog, []
        for req_id, data, waiter in backlog:
            if req_id:
                conn.write(req_id, data, waiter)
            else:
                conn.write_record(data)

    def _fail_backlog(self, err):
        backlog, self._backlog = self._backlog, []
        dropped = 0
        for _, _, waiter in backlog:
            if waiter is None:
                dropped += 1
                continue
            waiter.finish(None, err)
            self._tracker.done()
        if dropped:
            log.error("kafka_sidecar: %d fire-and-forget records not sent: %s",
                      dropped, err)

    async def _await(self, conn, future, timeout):
        if conn is not None and conn.paused:
            await conn.drain()
        if timeout is None:
            return await future
        try:
            return await asyncio.wait_for(asyncio.shield(future), timeout)
        except asyncio.TimeoutError:
            if future.done():
                raise
            raise ProduceTimeoutError(
                "no answer from the daemon within %ss; the request is still "
                "in flight and its outcome unknown" % timeout) from None

    # -- produce -----------------------------------------------------------

    async def produce(self, topic, value, key=None, headers=None,
                      partition=None, timestamp=None, timeout=None):
        """Produces one record; returns once Kafka acknowledged it.

        Returns RecordMetadata; raises ProduceError, DaemonUnavailableError,
        ConnectionLostError or ProduceTimeoutError as Client.produce does.
        """
        field = wire.record_field(topic, value, key, headers, partition,
                                  timestamp)
        loop = self._bind_loop()
        future = loop.create_future()
        conn = self._submit_record(topic, wire.ACK_DELIVERED, field,
                                   FutureWaiter(wire.ONE, topic, future), loop)
        if timeout is None and conn is not None and not conn.paused:
            return await future
        return await self._await(conn, future, timeout)

    def send(self, topic, value, key=None, headers=None, partition=None,
             timestamp=None, on_delivery=None):
        """Hands a record over and returns at once (call it on the loop).

        ``on_delivery(err, metadata)`` runs on the event loop once the
        outcome is known. Without it the record is fire-and-forget (ack mode
        NONE); if the daemon turns out to be unreachable that is logged.
        """
        ack = wire.ACK_NONE if on_delivery is None else wire.ACK_DELIVERED
        field = wire.record_field(topic, value, key, headers, partition,
                                  timestamp)
        waiter = None
        if on_delivery is not None:
            waiter = CallbackWaiter(wire.ONE, topic, on_delivery)
        self._submit_record(topic, ack, field, waiter, self._bind_loop())

    async def produce_batch(self, records, timeout=None):
        """Produces many records; see Client.produce_batch (same results,
        same splitting, same errors)."""
        records = list(records)
        if not records:
            return []
        loop = self._bind_loop()
        conn = self._conn
        limit = conn.max_frame_bytes if conn is not None else \
            wire.DEFAULT_MAX_FRAME_BYTES
        max_records = conn.max_records if conn is not None else \
            wire.DEFAULT_MAX_RECORDS
        out = [None] * len(records)
        waits = []
        last = None
        for req, topics, first in wire.batch_requests(
                wire.ACK_DELIVERED, records, limit, max_records,
                self.fail_fast):
            if isinstance(req, Exception):
                out[first] = req
                continue
            future = loop.create_future()
            last = self._submit(lambda n, req=req: wire.request_frame(req, n),
                                FutureWaiter(wire.BATCH, topics, future))
            waits.append((first, len(topics), future))
        deadline = None if timeout is None else loop.time() + timeout
        for first, n, future in waits:
            left = None if deadline is None else max(0.0,
                                                     deadline - loop.time())
            try:
                out[first:first + n] = await self._await(last, future, left)
            except (DaemonUnavailableError, ClientClosedError):
                if first == waits[0][0]:
                    raise  # nothing of the batch was sent
                out[first:first + n] = [sys.exc_info()[1]] * n
            except KafkaSidecarError as e:
                out[first:first + n] = [e] * n
        return out

    async def ping(self, timeout=10.0):
        """Asks the daemon for its status (is Kafka reachable, ...)."""
        future = self._bind_loop().create_future()
        conn = self._submit(wire.ping_frame,
                            FutureWaiter(wire.PING, None, future))
        return await self._await(conn, future, timeout)

    async def status(self, timeout=10.0):
        """The daemon's health and figures; see Client.status()."""
        future = self._bind_loop().create_future()
        conn = self._submit(wire.status_frame,
                            FutureWaiter(wire.STATUS, None, future))
        return await self._await(conn, future, timeout)

    # -- lifetime ----------------------------------------------------------

    async def flush(self, timeout=None):
        """Waits until every request awaiting an answer has one; returns how
        many are still outstanding (0 unless timeout expired)."""
        self._bind_loop()
        if self._connecting is not None:  # backlog goes out once connected
            await asyncio.shield(self._connecting)
        conn = self._conn
        if conn is not None and not conn.dead:
            await conn.wait_written()
        return await self._tracker.wait_idle(timeout)

    async def close(self, timeout=None):
        """Flushes (bounded by timeout), then closes. Idempotent."""
        if self._closed:
            return
        if self._loop is not None and self._pid == os.getpid():
            await self.flush(timeout)
        self._closed = True
        conn, self._conn = self._conn, None
        if conn is not None and not conn.dead:
            conn.close()

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        await self.close()

    def __repr__(self):
        state = "closed" if self._closed else (
            "connected" if self._conn is not None and not self._conn.dead
            else "idle")
        return "<kafka_sidecar.AsyncClient %s %s>" % (self.socket_path, state)

