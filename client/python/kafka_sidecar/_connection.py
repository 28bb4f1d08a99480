"""One socket to the daemon, shared by every thread of a process.

Frames are queued whole and written by whichever thread finds no writer
active (one send for everything queued meanwhile); single records queued
meanwhile are coalesced into one request per topic and ack mode. Responses
are matched to requests by id.

Reading is leader/follower: one thread at a time holds the reader role. A
caller blocked for its answer reads the socket itself when nobody else is
(no hand-off to another thread on the hot path), dispatches whatever other
answers arrive, and when its own has come passes the role to another
blocked caller. A background thread takes the role only when nobody is
blocked but futures or callbacks are outstanding.
"""

import collections
import logging
import os
import select
import socket
import threading
import time

from . import _coalesce
from . import _protocol as wire
from ._waiters import (HELLO_ID, HelloWaiter, Latch, connection_error,
                       timeout_error, wake)
from .errors import ConnectionLostError, DaemonUnavailableError

log = logging.getLogger("kafka_sidecar")

_CONNECT_TIMEOUT = 5.0
_RECV_BYTES = 256 * 1024

# Set on a thread while it dispatches answers: user callbacks run there, and
# a blocking call from one would wait for a role its own thread holds.
_tls = threading.local()
_MAX_QUEUED_BYTES = 4 * 1024 * 1024


class NotSent(Exception):
    """The connection was dead before the frame went out; safe to retry."""


class Connection:
    """One socket, its reader role and background reader. Dies once; never
    reused after."""

    def __init__(self, path, client_name, ids, fail_fast=False):
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
        self.fail_fast = fail_fast
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
        except NotSent:
            pass

    def submit(self, req_id, data, waiter):
        """Queues one frame for sending; raises NotSent if the connection
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
                raise NotSent()
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
        NotSent like submit()."""
        with self.cond:
            while self.queued_bytes > _MAX_QUEUED_BYTES and not self.dead:
                self._cond_wait()
            if self.dead:
                raise NotSent()
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
                                         self.max_records, self.fail_fast)
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
        check_not_in_callback()
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
        if resp.id == 0:  # about the connection itself: it closes next
            self.death = connection_error(resp)
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



def _is_async(waiter):
    """True if nobody blocks for this answer (future, callback, hello)."""
    if waiter.__class__ is Latch:
        return False
    if waiter.kind == _coalesce.GROUP:
        return any(w.__class__ is not Latch for w in waiter.waiters)
    return True



def check_not_in_callback():
    """Refuses a blocking call from a thread that is dispatching answers."""
    if getattr(_tls, "dispatching", False):
        raise RuntimeError("blocking kafka_sidecar call inside an "
                           "on_delivery callback would deadlock; use "
                           "send() or produce_async() there")
