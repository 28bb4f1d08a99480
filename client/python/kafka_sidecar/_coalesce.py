"""Coalescing: single-record calls queued together go out as one request.

Both clients queue a ``produce()``/``send()`` record as an item (topic, ack
mode, its encoded ``ProduceRequest.records`` field, waiter) instead of a
whole frame. Whoever writes next (the sync client's active writer, the
asyncio client's end-of-iteration flush) packs everything queued meanwhile:
records of the same topic and ack mode become one multi-record
ProduceRequest, answered by one response that a GroupWaiter fans out, each
record getting its own RecordMetadata or error. The daemon then decodes and
answers one request instead of hundreds, and the client parses one response.

Rules that keep this invisible to callers:
- Order within a topic is kept: a record joins only the newest group of its
  topic, and a new group starts when the ack mode differs. Other topics may
  be reordered relative to each other (Kafka orders per partition only).
- Topics are never mixed, so one topic's slow or failing deliveries cannot
  delay the answers of another topic's callers (the daemon answers a
  request once all of its records are settled).
- A whole-frame request (batch, ping, hello) ends the open groups first, so
  everything stays in submission order around it.
- A request stays under the daemon's max frame size and under
  MAX_COALESCED_RECORDS, or the daemon's max_records_per_request when its
  Hello answer announces less.
"""

from . import _protocol as wire
from .errors import ProduceError, ProtocolError

# Records per coalesced request. The gain flattens out well before this
# (the daemon's per-request cost is shared by a few dozen records already).
MAX_COALESCED_RECORDS = 1000
# Frame length, request id, produce tag and length, ack mode.
FRAME_ROOM = 32

GROUP = "group"  # waiter kind of a coalesced request


class GroupWaiter:
    """The waiters of one coalesced request, in record order."""

    __slots__ = ("kind", "topics", "waiters")

    def __init__(self, waiters):
        self.kind = GROUP
        self.topics = None
        self.waiters = waiters

    def finish(self, value, exc):
        """Request-level outcome (connection lost, local failure)."""
        for w in self.waiters:
            w.finish(None, exc)


def record_too_large(field, max_frame_bytes):
    """The error for a record that cannot fit any frame, else None."""
    size = len(field) + FRAME_ROOM
    if size <= max_frame_bytes:
        return None
    from .errors import FrameTooLargeError
    return FrameTooLargeError(
        "FRAME_TOO_LARGE", "FRAME_TOO_LARGE",
        "record of about %d bytes exceeds the daemon's max frame of %d "
        "bytes; not sent" % (size, max_frame_bytes),
        persistence="NOT_PERSISTED")


def pack(items, ids, max_frame_bytes, max_records=wire.DEFAULT_MAX_RECORDS,
         fail_fast=False):
    """Turns queued items into bytes to send.

    `items` holds whole frames (bytes, already registered by the caller)
    and record items (topic, ack, field, waiter); every produce request
    built carries `fail_fast`. Returns (data, regs):
    regs is [(request id, waiter)] to register before sending; requests
    with ack mode NONE get an id but no waiter (never answered).
    """
    out = []
    regs = []
    groups = []  # [ack, fields, waiters, size], in creation order
    newest = {}  # topic -> its newest group
    budget = max_frame_bytes - FRAME_ROOM
    max_group = max(1, min(MAX_COALESCED_RECORDS, max_records))
    for item in items:
        if item.__class__ is bytes:
            if groups:
                _emit(groups, ids, out, regs, fail_fast)
                groups = []
                newest.clear()
            out.append(item)
            continue
        topic, ack, field, waiter = item
        g = newest.get(topic)
        n = len(field)
        if (g is None or g[0] != ack or g[3] + n > budget or
                len(g[1]) >= max_group):
            g = [ack, [], [], 0]
            groups.append(g)
            newest[topic] = g
        g[1].append(field)
        g[2].append(waiter)
        g[3] += n
    if groups:
        _emit(groups, ids, out, regs, fail_fast)
    return (out[0] if len(out) == 1 else b"".join(out)), regs


def _emit(groups, ids, out, regs, fail_fast):
    for ack, fields, waiters, size in groups:
        req_id = next(ids)
        out.append(wire.records_frame(req_id, ack, fields, size, fail_fast))
        if ack == wire.ACK_NONE:
            continue
        regs.append((req_id, waiters[0] if len(waiters) == 1 else
                     GroupWaiter(waiters)))


def waiter_records(waiter):
    """How many records a pending waiter answers for."""
    return len(waiter.waiters) if waiter.kind == GROUP else 1


def finish_response(waiter, resp):
    """Delivers a parsed Response to the waiter of its request."""
    if waiter.kind != GROUP:
        value, exc = wire.interpret(waiter.kind, waiter.topics, resp)
        waiter.finish(value, exc)
        return
    members = waiter.waiters
    which = resp.WhichOneof("body")
    if which == "produce":
        results = resp.produce.results
        if len(results) == len(members):
            outcome = wire.record_outcome
            for w, r in zip(members, results):
                out = outcome(w.topics, r)
                if isinstance(out, Exception):
                    w.finish(None, out)
                else:
                    w.finish(out, None)
            return
        why = "%d results for %d records" % (len(results), len(members))
    else:
        why = "expected a produce response, got %s" % which
    for w in members:  # a fresh exception each: callers raise them
        if which == "error":
            w.finish(None, ProduceError.from_pb(resp.error))
        else:
            w.finish(None, ProtocolError(why))
