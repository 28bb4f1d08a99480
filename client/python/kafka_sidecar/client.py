"""Synchronous, thread-safe client: one pipelined connection per process.

Any thread may call any method. All threads share one Unix socket: frames
are queued whole and written by whichever thread finds no writer active
(one send for everything queued meanwhile). Responses are matched to
requests by id, so many requests are in flight at once and the daemon
batches them into Kafka.

Reading is leader/follower: one thread at a time holds the reader role. A
caller blocked for its answer reads the socket itself when nobody else is
(no hand-off to another thread on the hot path), dispatches whatever other
answers arrive, and when its own has come passes the role to another
blocked caller. A background thread takes the role only when nobody is
blocked but futures or callbacks are outstanding.

Lifetime: nothing connects until the first request. A connection that dies
(daemon restarted) fails its in-flight requests with ConnectionLostError and
the next request opens a new one. After os.fork() the child drops what it
inherited (without touching the parent's socket) and connects on its own.
"""

import collections
import itertools
import logging
import os
import select
import socket
import threading
import time
import weakref
from concurrent.futures import Future

from . import _coalesce
from . import _protocol as wire
from ._waiters import (HELLO_ID, CallbackWaiter, FutureWaiter, HelloWaiter,
                       Latch, timeout_error, wake)
from .errors import (ClientClosedError, ConnectionLostError,
                     DaemonUnavailableError, KafkaSidecarError, ProduceError)

log = logging.getLogger("kafka_sidecar")

_CONNECT_TIMEOUT = 5.0
_RECV_BYTES = 256 * 1024

# Set on a thread while it dispatches answers: user callbacks run there, and
# a blocking call from one would wait for a role its own thread holds.
_tls = threading.local()
_MAX_QUEUED_BYTES = 4 * 1024 * 1024


class _NotSent(Exception):
    """The connection was dead before the frame went out; safe to retry."""


class _Connection:
    """One socket, its reader role and background reader. Dies once; never
    reused after."""

    def __init__(self, path, client_name, ids):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(_CONNECT_TIMEOUT)
        try:
            sock.connect(path)
        except OSError as e:
            sock.close()
            raise DaemonUnavailableError(
                "cannot reach kafka-sidecar daemon at %s: %s; nothing was sent"
                % (path, e.strerror or e)) from None
        sock.settimeout(None)
        self.sock = sock
        self.path = path
        self.pid = os.getpid()
        self.ids = ids  # the client's request id counter
        self.pending = {}
        # Guards pending, dead and the outgoing queue below.
        self.lock = threading.Lock()
        self.cond = threading.Condition(self.lock)
        # Frames and record items (see _coalesce) for the active writer.
        self.outq = []
        self.queued_bytes = 0
        self.writing = False  # some thread is in _write_queued()
        self.cond_waiters = 0  # threads in cond.wait(): backpressure, flush
        self.dead = False
        self.death = None  # why it died, for diagnostics
        self.lost = None  # the exception in-flight requests failed with
        self.version = None
        self.max_frame_bytes = wire.DEFAULT_MAX_FRAME_BYTES
        self.max_records = wire.DEFAULT_MAX_RECORDS
        # Reader role, guarded by lock: `reading` while some thread holds
        # it; blocked callers without it queue in `followers`; ids of
        # requests answered to a future or callback (nobody blocks for
        # them) in `async_ids`, the background reader's reason to read.
        self.reading = False
        self.followers = collections.deque()
        self.async_ids = set()
        self.bg_wake = threading.Lock()
        self.bg_wake.acquire()
        self.bg_has_role = False
        self.closed_fd = False
        self.frames = wire.FrameBuffer()
        self.rbuf = bytearray(_RECV_BYTES)
        self.rview = memoryview(self.rbuf)
        self.reader = threading.Thread(target=self._background, daemon=True,
                                       name="kafka-sidecar-reader")
        self.reader.start()
        # Pipelined: requests may follow before the answer arrives. If this
        # send fails the connection is dead and the first request redials.
        try:
            self.submit(HELLO_ID, wire.hello_frame(HELLO_ID, client_name),
                        HelloWaiter(self))
        except _NotSent:
            pass

    def submit(self, req_id, data, waiter):
        """Queues one frame for sending; raises _NotSent if the connection
        was already dead (nothing sent, safe to retry elsewhere).

        Write combining: the first thread to find no writer active becomes
        the writer and sends everything queued meanwhile by other threads in
        one sendall(), so 16 threads cost a few syscalls, not 16. The queue
        is bounded: past _MAX_QUEUED_BYTES callers wait, which carries the
        daemon's backpressure (it stops reading) to every producing thread.
        """
        with self.cond:
            while self.queued_bytes > _MAX_QUEUED_BYTES and not self.dead:
                self._cond_wait()
            if self.dead:
                raise _NotSent()
            if waiter is not None:
                self.pending[req_id] = waiter
                if _is_async(waiter):
                    self._add_async(req_id)
            self.outq.append(data)
            self.queued_bytes += len(data)
            if self.writing:
                return
            self.writing = True
        self._write_queued()

    def submit_record(self, item):
        """Queues one record item (topic, ack, field, waiter) to be sent
        coalesced with the records other threads queue meanwhile; raises
        _NotSent like submit()."""
        with self.cond:
            while self.queued_bytes > _MAX_QUEUED_BYTES and not self.dead:
                self._cond_wait()
            if self.dead:
                raise _NotSent()
            self.outq.append(item)
            self.queued_bytes += len(item[2])
            if self.writing:
                return
            self.writing = True
        self._write_queued()

    def _cond_wait(self):
        self.cond_waiters += 1
        try:
            self.cond.wait()
        finally:
            self.cond_waiters -= 1

    def _notify(self):
        """Under lock; Condition.notify_all() costs even with no waiter."""
        if self.cond_waiters:
            self.cond.notify_all()

    def _write_queued(self):
        while True:
            with self.cond:
                if not self.outq or self.dead:
                    self.writing = False
                    self.outq = []
                    self.queued_bytes = 0
                    self._notify()
                    return
                items = self.outq
                self.outq = []
                self.queued_bytes = 0
                self._notify()
            # Encoding happens outside the lock: other threads keep queuing
            # meanwhile, and go out together in the next round.
            chunk, regs = _coalesce.pack(items, self.ids,
                                         self.max_frame_bytes,
                                         self.max_records)
            if regs:
                with self.lock:
                    if not self.dead:
                        self.pending.update(regs)
                        for req_id, waiter in regs:
                            if _is_async(waiter):
                                self._add_async(req_id)
                        regs = None
                if regs:  # died meanwhile: these were never sent
                    for _, waiter in regs:
                        waiter.finish(None, self.lost)
                    continue
            try:
                self.sock.sendall(chunk)
            except OSError as e:
                # Frames in this chunk may be partly written: their requests
                # are failed as "outcome unknown" by die().
                self.die(ConnectionLostError("send to daemon failed: %s" % e))

    def unanswered(self):
        """Requests still waiting for an answer (the handshake excluded)."""
        with self.lock:
            waiters = list(self.pending.values())
        return sum(map(_coalesce.waiter_records, waiters)) - \
            any(w.kind == wire.HELLO for w in waiters)

    def wait_written(self, timeout):
        """Waits until every queued frame went to the kernel (fire-and-forget
        records are the daemon's from there)."""
        with self.cond:
            self.cond_waiters += 1
            try:
                self.cond.wait_for(lambda: self.dead or not (self.outq or
                                                             self.writing),
                                   timeout)
            finally:
                self.cond_waiters -= 1

    # -- reader role: every method below that says "holding the role" must
    # end with _release_role() --------------------------------------------

    def _add_async(self, req_id):
        """Under lock: an answer nobody blocks for; someone must read."""
        self.async_ids.add(req_id)
        if not self.reading:
            self.reading = True
            self._give_background()

    def _give_background(self):
        self.bg_has_role = True
        wake(self.bg_wake)

    def wait_answer(self, latch, timeout):
        """Blocks until `latch` is finished, reading the socket meanwhile
        whenever no other thread is. Returns or raises its outcome."""
        if getattr(_tls, "dispatching", False):
            raise RuntimeError("blocking kafka_sidecar call inside an "
                               "on_delivery callback would deadlock; use "
                               "send() or produce_async() there")
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            lead = False
            with self.lock:
                if latch.promoted:
                    latch.promoted = False
                    lead = True
                elif latch.done:
                    break
                elif not self.reading and not self.dead:
                    self.reading = lead = True
                else:
                    self.followers.append(latch)
            if lead:
                if not self._read_until(latch, deadline):
                    raise timeout_error(timeout)
                continue
            left = -1 if deadline is None else deadline - time.monotonic()
            if left == -1 or left > 0:
                if latch.lock.acquire(True, left):
                    continue
            if self._give_up(latch):
                raise timeout_error(timeout)
        return latch.result()

    def _give_up(self, latch):
        """A follower timed out: leaves the queue, passing on the role if it
        was handed over meanwhile. False if the answer came after all."""
        with self.lock:
            try:
                self.followers.remove(latch)
            except ValueError:
                pass
            promoted, latch.promoted = latch.promoted, False
        if promoted:
            self._release_role()
        return not latch.done

    def _read_until(self, latch, deadline):
        """Holding the role: reads and dispatches until `latch` is done.
        False on timeout (the role is passed on either way)."""
        ok = True
        try:
            while not latch.done and not self.dead:
                if deadline is not None and not self._readable(deadline):
                    ok = latch.done
                    break
                if not self._read_once():
                    break
        finally:
            self._release_role()
        return ok

    def _readable(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        p = select.poll()
        p.register(self.sock, select.POLLIN)
        return bool(p.poll(left * 1000))

    def _read_once(self):
        """Holding the role: one recv and its answers dispatched. False
        once the connection is dead."""
        why = None
        try:
            n = self.sock.recv_into(self.rbuf)
            if n:
                payloads = self.frames.feed(self.rview[:n])
            else:
                why = "daemon closed the connection"
        except OSError as e:
            why = "connection error: %s" % e
        except Exception as e:  # corrupt stream: framing error
            log.exception("kafka_sidecar: bad data from daemon")
            why = "bad data from daemon: %s" % e
        if why is None:
            why = self._dispatch_all(payloads)
        if why is None:
            return True
        if self.death is not None:
            why = "%s (%s)" % (why, self.death)
        self.die(ConnectionLostError(
            "%s with the request in flight; outcome unknown" % why))
        return False

    def _dispatch_all(self, payloads):
        _tls.dispatching = True
        try:
            for payload in payloads:
                self._dispatch(wire.parse_response(payload))
        except Exception as e:  # corrupt stream: protobuf error
            log.exception("kafka_sidecar: bad data from daemon")
            return "bad data from daemon: %s" % e
        finally:
            _tls.dispatching = False
        return None

    def _release_role(self):
        """Passes the role to a blocked caller still waiting, else to the
        background reader if futures or callbacks are outstanding, else to
        nobody. The fd of a dead connection is closed here, once nobody
        reads it."""
        with self.lock:
            if not self.dead:
                while self.followers:
                    f = self.followers.popleft()
                    if not f.done:
                        f.promoted = True
                        wake(f.lock)
                        return
                if self.async_ids:
                    self._give_background()
                    return
            self.reading = False
            close = self.dead and not self.closed_fd
            self.closed_fd = self.closed_fd or close
        if close:
            self._close_fd()

    def _close_fd(self):
        if self.pid == os.getpid():
            self.sock.close()

    def _background(self):
        """Takes the role when handed it, reads while answers nobody blocks
        for are outstanding, then passes it on; exits once dead."""
        while True:
            self.bg_wake.acquire()
            with self.lock:
                if not self.bg_has_role:
                    if self.dead:
                        return
                    continue
                self.bg_has_role = False
            while self.async_ids and not self.dead:
                if not self._read_once():
                    break
            self._release_role()
            if self.dead:
                return

    def _dispatch(self, resp):
        if resp.id == 0:  # connection-level error, e.g. frame too large
            err = ProduceError.from_pb(resp.error)
            log.error("kafka_sidecar: daemon reported: %s", err)
            self.death = str(err)
            return
        with self.lock:
            waiter = self.pending.pop(resp.id, None)
            self.async_ids.discard(resp.id)
        if waiter is None:
            log.warning("kafka_sidecar: response for unknown id %d", resp.id)
            return
        _coalesce.finish_response(waiter, resp)

    def die(self, exc):
        """Fails everything in flight with `exc` and shuts the socket."""
        with self.cond:
            first = not self.dead
            self.dead = True
            if first:
                self.lost = exc
            pending, self.pending = self.pending, {}
            self.async_ids = set()
            unsent, self.outq = self.outq, []
            self.queued_bytes = 0
            self.cond.notify_all()
            # Nobody reads: nobody else will close the fd.
            close = first and not self.reading and not self.closed_fd
            self.closed_fd = self.closed_fd or close
        if unsent:
            # Requests among them fail below; fire-and-forget ones are lost.
            log.warning("kafka_sidecar: connection died with %d requests "
                        "or records not yet sent: %s", len(unsent), exc)
        if first and self.pid == os.getpid():
            try:  # wakes the role holder, which closes the fd
                self.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        wake(self.bg_wake)  # lets the background reader exit
        if close:
            self._close_fd()
        for waiter in pending.values():
            waiter.finish(None, exc)
        for item in unsent:  # queued records have no pending entry yet
            if item.__class__ is not bytes and item[3] is not None:
                item[3].finish(None, exc)

    def abandon_after_fork(self):
        """In a forked child: forget the parent's connection, never shut it
        down (that would cut the parent's socket too), just drop our fd."""
        self.dead = True
        self.pending = {}
        try:
            self.sock.close()
        except OSError:
            pass


_clients = weakref.WeakSet()


def _after_fork_in_child():
    for client in list(_clients):
        client._reset_after_fork()


os.register_at_fork(after_in_child=_after_fork_in_child)


def _is_async(waiter):
    """True if nobody blocks for this answer (future, callback, hello)."""
    if waiter.__class__ is Latch:
        return False
    if waiter.kind == _coalesce.GROUP:
        return any(w.__class__ is not Latch for w in waiter.waiters)
    return True


class Client:
    """Synchronous kafka-sidecar client; share one instance per process.

    Constructing it never touches the socket: an app starts even while the
    daemon or Kafka is down; requests made meanwhile raise
    DaemonUnavailableError (or pass it to their future / callback).
    """

    def __init__(self, socket_path=None, *, client_name=None):
        self.socket_path = wire.resolve_socket_path(socket_path)
        self.client_name = client_name
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
                conn = _Connection(self.socket_path,
                                   self.client_name or
                                   wire.default_client_name(), self._ids)
                self._conn = conn
            return conn

    def _check_not_in_callback(self):
        if getattr(_tls, "dispatching", False):
            raise RuntimeError("blocking kafka_sidecar call inside an "
                               "on_delivery callback would deadlock; use "
                               "send() or produce_async() there")

    def _submit(self, make_frame, waiter):
        """Sends a request built by make_frame(id); raises if not sent."""
        req_id = next(self._ids)
        data = make_frame(req_id)
        for _ in range(2):  # a dead connection found on send: one redial
            conn = self._connection()
            too_big = wire.check_frame_size(data, conn.max_frame_bytes)
            if too_big is not None:
                raise too_big
            try:
                conn.submit(req_id, data, waiter)
                return conn
            except _NotSent:
                pass
        raise DaemonUnavailableError(
            "connection to the daemon at %s keeps dropping; nothing was sent"
            % self.socket_path)

    def _submit_record(self, topic, ack, field, waiter):
        """Queues one encoded record (coalesced with others by the writer);
        raises if not sent."""
        item = (topic, ack, field, waiter)
        for _ in range(2):  # a dead connection found on send: one redial
            conn = self._connection()
            too_big = _coalesce.record_too_large(field, conn.max_frame_bytes)
            if too_big is not None:
                raise too_big
            try:
                conn.submit_record(item)
                return conn
            except _NotSent:
                pass
        raise DaemonUnavailableError(
            "connection to the daemon at %s keeps dropping; nothing was sent"
            % self.socket_path)

    # -- produce -----------------------------------------------------------

    def produce(self, topic, value, key=None, headers=None, partition=None,
                timestamp=None, timeout=None):
        """Produces one record and blocks until Kafka acknowledged it.

        Returns RecordMetadata; raises ProduceError (Kafka or daemon said
        no), DaemonUnavailableError (nothing sent), ConnectionLostError or
        ProduceTimeoutError (outcome unknown).
        """
        self._check_not_in_callback()
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
        self._check_not_in_callback()
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
                wire.ACK_DELIVERED, records, limit, max_records)):
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
        self._check_not_in_callback()
        waiter = Latch(wire.PING, None)
        conn = self._submit(wire.ping_frame, waiter)
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
