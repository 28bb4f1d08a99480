"""Wire format shared by the sync and asyncio clients: no I/O here.

A frame is a 4-byte big-endian length followed by one serialized protobuf
message (``Request`` towards the daemon, ``Response`` back), see
proto/sidecar.proto.
"""

import datetime
import os
import struct
from dataclasses import dataclass
from typing import NamedTuple

from . import sidecar_pb2 as pb
from .errors import (FrameTooLargeError, ProduceError, ProtocolError)

DEFAULT_SOCKET_PATH = "/run/kafka-sidecar/kafka-sidecar.sock"
SOCKET_ENV = "KAFKA_SIDECAR_SOCKET"
PROTOCOL_VERSION = 1
# The daemon's default; the Hello answer tells the real value.
DEFAULT_MAX_FRAME_BYTES = 4 * 1024 * 1024
# The daemon's default max_records_per_request, assumed until its Hello
# answer says otherwise (and for daemons that do not announce it).
DEFAULT_MAX_RECORDS = 100000
# Responses are small; anything bigger means the stream is corrupt.
MAX_RESPONSE_BYTES = 64 * 1024 * 1024

_LEN = struct.Struct(">I")

ACK_DELIVERED = pb.ACK_MODE_DELIVERED
ACK_ACCEPTED = pb.ACK_MODE_ACCEPTED
ACK_NONE = pb.ACK_MODE_NONE

_TS_TYPES = {v: k[len("TIMESTAMP_TYPE_"):] for k, v in pb.TimestampType.items()}


def resolve_socket_path(socket_path):
    """Explicit path, else $KAFKA_SIDECAR_SOCKET, else the daemon default."""
    if socket_path:
        return os.fspath(socket_path)
    return os.environ.get(SOCKET_ENV) or DEFAULT_SOCKET_PATH


class RecordMetadata(NamedTuple):
    """Where Kafka stored a record (an immutable named tuple).

    ``timestamp`` is in milliseconds since the epoch; ``timestamp_type`` is
    "CREATE_TIME" or "LOG_APPEND_TIME".
    """

    topic: str
    partition: int
    offset: int
    timestamp: int
    timestamp_type: str = "CREATE_TIME"


@dataclass(frozen=True)
class DaemonStatus:
    """The daemon's answer to a ping."""

    daemon_version: str
    protocol_version: int
    kafka_reachable: bool
    brokers_up: int
    brokers_total: int
    uptime_ms: int
    in_flight_records: int
    connections: int


@dataclass(frozen=True)
class BrokerHealth:
    """One broker as the daemon's producer sees it."""

    name: str  # "host:port/node id"
    node_id: int
    state: str  # librdkafka's: UP, DOWN, CONNECT, AUTH, INIT, ...
    rtt_avg_us: int
    rtt_p99_us: int


@dataclass(frozen=True)
class DaemonHealth:
    """The daemon's answer to a status request: what an operator or a
    health check asks first. `problems` says why `healthy` is False."""

    ping: DaemonStatus
    healthy: bool
    problems: tuple
    brokers: tuple  # of BrokerHealth
    queue_messages: int
    queue_bytes: int
    records_delivered: int
    records_failed: int
    records_accepted: int
    records_denied: int
    connections_denied: int
    delivered_per_second: float
    failed_per_second: float
    rate_window_ms: int
    delivery_errors: dict  # Kafka error name -> count since start
    stats_age_ms: int
    shutting_down: bool


@dataclass(frozen=True)
class Record:
    """One record for ``produce_batch`` (a dict with these keys works too)."""

    topic: str
    value: object = None
    key: object = None
    headers: object = None
    partition: object = None
    timestamp: object = None


def _as_bytes(v, what):
    if isinstance(v, bytes):
        return v
    if isinstance(v, str):
        return v.encode("utf-8")
    if isinstance(v, (bytearray, memoryview)):
        return bytes(v)
    raise TypeError("%s must be bytes, str or None, not %s" %
                    (what, type(v).__name__))


def _as_millis(ts):
    if isinstance(ts, datetime.datetime):
        if ts.tzinfo is None:
            raise ValueError("timestamp datetime must be timezone-aware")
        return int(ts.timestamp() * 1000)
    if isinstance(ts, int) and not isinstance(ts, bool):
        return ts
    raise TypeError("timestamp must be int milliseconds or an aware datetime, "
                    "not %s" % type(ts).__name__)


def fill_record(rec, topic, value, key, headers, partition, timestamp):
    """Copies one record's fields into a ``pb.Record``, validating types."""
    if not isinstance(topic, str) or not topic:
        raise ValueError("topic must be a non-empty str")
    rec.topic = topic
    if value is not None:
        rec.value = _as_bytes(value, "value")
    if key is not None:
        rec.key = _as_bytes(key, "key")
    if headers:
        items = headers.items() if hasattr(headers, "items") else headers
        for hk, hv in items:
            h = rec.headers.add()
            h.key = hk
            if hv is not None:
                h.value = _as_bytes(hv, "header value")
    if partition is not None:
        if not isinstance(partition, int) or partition < 0:
            raise ValueError("partition must be an int >= 0")
        rec.partition = partition
    if timestamp is not None:
        rec.timestamp_ms = _as_millis(timestamp)


def _record_fields(r):
    if isinstance(r, Record):
        return (r.topic, r.value, r.key, r.headers, r.partition, r.timestamp)
    if isinstance(r, dict):
        unknown = set(r) - {"topic", "value", "key", "headers", "partition",
                            "timestamp"}
        if unknown:
            raise TypeError("unknown record fields: %s" % sorted(unknown))
        return (r["topic"], r.get("value"), r.get("key"), r.get("headers"),
                r.get("partition"), r.get("timestamp"))
    raise TypeError("records must be Record or dict, not %s" %
                    type(r).__name__)


def frame(msg):
    body = msg.SerializeToString()
    return _LEN.pack(len(body)) + body


# The hot path encodes a one-record produce request by hand: about twice as
# fast as filling protobuf message objects from Python, and byte-identical
# to SerializeToString() (pinned by a test). Field numbers and wire types
# are those of proto/sidecar.proto.
_VARINT1 = [bytes([i]) for i in range(128)]
_U64 = (1 << 64) - 1


def _varint(n):
    if n < 128:
        return _VARINT1[n]
    out = bytearray()
    while n > 0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def _field(tag, data):
    return tag + _varint(len(data)) + data


# Encoded ``Record.topic`` fields by topic: apps use few topics, and the
# check + UTF-8 encoding is a visible share of a record's cost. Bounded.
_TOPIC_FIELDS = {}
_MAX_CACHED_TOPICS = 1024


def _topic_field(topic):
    t = _TOPIC_FIELDS.get(topic)
    if t is not None:
        return t
    if not isinstance(topic, str) or not topic:
        raise ValueError("topic must be a non-empty str")
    t = _field(b"\x0a", topic.encode("utf-8"))
    if len(_TOPIC_FIELDS) >= _MAX_CACHED_TOPICS:
        _TOPIC_FIELDS.clear()
    _TOPIC_FIELDS[topic] = t
    return t


def record_field(topic, value, key, headers, partition, timestamp):
    """One record as a ``ProduceRequest.records`` field (tag, length,
    ``Record``), encoded without message objects; raises TypeError or
    ValueError for invalid arguments."""
    rec = _topic_field(topic)                                   # 1 topic
    if key is not None:
        rec += _field(b"\x12", _as_bytes(key, "key"))            # 2 key
    if value is not None:
        if value.__class__ is not bytes:
            value = _as_bytes(value, "value")
        n = len(value)
        rec += (b"\x1a" + _VARINT1[n] if n < 128 else
                b"\x1a" + _varint(n)) + value                    # 3 value
    if headers:
        items = headers.items() if hasattr(headers, "items") else headers
        for hk, hv in items:
            if not isinstance(hk, str):
                raise TypeError("header key must be str, not %s"
                                % type(hk).__name__)
            h = _field(b"\x0a", hk.encode("utf-8"))
            if hv is not None:
                h += _field(b"\x12", _as_bytes(hv, "header value"))
            rec += _field(b"\x22", h)                             # 4 headers
    if partition is not None:
        if not isinstance(partition, int) or not 0 <= partition < 2**31:
            raise ValueError("partition must be an int >= 0")
        rec += b"\x28" + _varint(partition)                     # 5 partition
    if timestamp is not None:
        ts = _as_millis(timestamp)
        if not -2**63 <= ts < 2**63:
            raise ValueError("timestamp out of range")
        rec += b"\x30" + _varint(ts & _U64)                     # 6 timestamp
    return _field(b"\x0a", rec)


def _ack_field(ack, fail_fast=False):
    # ProduceRequest.ack (2), then ProduceRequest.fail_fast (3) when set.
    ackf = b"\x10" + _varint(ack) if ack else b""
    return ackf + b"\x18\x01" if fail_fast else ackf


def records_frame(req_id, ack, fields, size=None, fail_fast=False):
    """A produce Request frame from record_field() outputs."""
    if size is None:
        size = sum(map(len, fields))
    ackf = _ack_field(ack, fail_fast)
    head = b"\x08" + _varint(req_id) + b"\x1a" + _varint(size + len(ackf))
    n = len(head) + size + len(ackf)
    return b"".join((_LEN.pack(n), head, *fields, ackf))


def produce_frame(req_id, ack, topic, value, key, headers, partition,
                  timestamp):
    """One-record produce Request frame, encoded without message objects."""
    return records_frame(req_id, ack, (record_field(
        topic, value, key, headers, partition, timestamp),))


def produce_frame_pb(req_id, ack, topic, value, key, headers, partition,
                     timestamp):
    """Reference encoding through protobuf objects (tests compare)."""
    req = pb.Request(id=req_id)
    p = req.produce
    p.ack = ack
    fill_record(p.records.add(), topic, value, key, headers, partition,
                timestamp)
    return frame(req)


# Records per request of a split batch at most (fewer when the daemon
# announces a lower max_records_per_request): keeps each answer frame small.
MAX_BATCH_RECORDS = 10000
# Room for the request id and the frame header when sizing a batch.
_ID_ROOM = 16


def batch_requests(ack, records, max_frame_bytes,
                   max_records=DEFAULT_MAX_RECORDS, fail_fast=False):
    """Splits a batch into requests that each fit in one frame.

    Returns [(pb.Request without id, [topics], first_index)]. A single
    record too large for any frame comes back as (FrameTooLargeError,
    [topic], index) so the caller reports it in that record's slot.
    """
    pbs, topics = [], []
    for r in records:
        f = _record_fields(r)
        rec = pb.Record()
        fill_record(rec, *f)
        pbs.append(rec)
        topics.append(f[0])
    out = []
    per_request = max(1, min(MAX_BATCH_RECORDS, max_records))
    for lo in range(0, len(pbs), per_request):
        hi = min(lo + per_request, len(pbs))
        _split((ack, fail_fast), pbs, topics, lo, hi, max_frame_bytes, out)
    return out


def _split(mode, pbs, topics, lo, hi, limit, out):
    req = pb.Request()
    req.produce.ack, req.produce.fail_fast = mode
    req.produce.records.extend(pbs[lo:hi])
    size = req.ByteSize() + _ID_ROOM
    if size <= limit:
        out.append((req, topics[lo:hi], lo))
    elif hi - lo == 1:
        out.append((FrameTooLargeError(
            "FRAME_TOO_LARGE", "FRAME_TOO_LARGE",
            "record of about %d bytes exceeds the daemon's max frame of %d "
            "bytes; not sent" % (size, limit), persistence="NOT_PERSISTED"),
            topics[lo:hi], lo))
    else:
        mid = (lo + hi) // 2
        _split(mode, pbs, topics, lo, mid, limit, out)
        _split(mode, pbs, topics, mid, hi, limit, out)


def request_frame(req, req_id):
    req.id = req_id
    return frame(req)


def hello_frame(req_id, client_name):
    return frame(pb.Request(id=req_id, hello=pb.Hello(
        max_version=PROTOCOL_VERSION, min_version=PROTOCOL_VERSION,
        client_name=client_name)))


def ping_frame(req_id):
    return frame(pb.Request(id=req_id, ping=pb.PingRequest()))


def status_frame(req_id):
    return frame(pb.Request(id=req_id, status=pb.StatusRequest()))


def check_frame_size(data, max_frame_bytes):
    """Refuses locally a request the daemon would answer by disconnecting."""
    size = len(data) - _LEN.size
    if size > max_frame_bytes:
        return FrameTooLargeError(
            "FRAME_TOO_LARGE", "FRAME_TOO_LARGE",
            "request of %d bytes exceeds the daemon's max frame of %d bytes; "
            "not sent" % (size, max_frame_bytes),
            persistence="NOT_PERSISTED")
    return None


class FrameBuffer:
    """Accumulates bytes from the socket and cuts them into payloads."""

    __slots__ = ("_buf",)

    def __init__(self):
        self._buf = bytearray()

    def feed(self, data):
        buf = self._buf
        buf += data
        out = []
        pos = 0
        n = len(buf)
        while n - pos >= 4:
            (length,) = _LEN.unpack_from(buf, pos)
            if length > MAX_RESPONSE_BYTES:
                raise ProtocolError("response frame of %d bytes: stream corrupt"
                                    % length)
            end = pos + 4 + length
            if end > n:
                break
            out.append(bytes(buf[pos + 4:end]))
            pos = end
        if pos:
            del buf[:pos]
        return out


def parse_response(payload):
    resp = pb.Response()
    resp.ParseFromString(payload)
    return resp


# What a pending request expects back.
ONE, BATCH, PING, HELLO, STATUS = range(5)


def record_outcome(topic, r):
    """A RecordResult as RecordMetadata, an exception, or None (accepted)."""
    which = r.WhichOneof("result")
    if which == "delivered":
        d = r.delivered
        return RecordMetadata(topic, d.partition, d.offset, d.timestamp_ms,
                              _TS_TYPES.get(d.timestamp_type, "UNSPECIFIED"))
    if which == "error":
        return ProduceError.from_pb(r.error)
    if which == "accepted":
        return None
    return ProtocolError("record result with no outcome")


def interpret(kind, topics, resp):
    """Turns a response into (value, exception) for a request of `kind`.

    `topics` is the topic (ONE) or list of topics (BATCH) of the request.
    """
    which = resp.WhichOneof("body")
    if which == "error":
        return None, ProduceError.from_pb(resp.error)
    if kind == ONE or kind == BATCH:
        if which != "produce":
            return None, ProtocolError("expected a produce response, got %s"
                                       % which)
        results = resp.produce.results
        if kind == ONE:
            if len(results) != 1:
                return None, ProtocolError("%d results for 1 record"
                                           % len(results))
            out = record_outcome(topics, results[0])
            if isinstance(out, Exception):
                return None, out
            return out, None
        if len(results) != len(topics):
            return None, ProtocolError("%d results for %d records"
                                       % (len(results), len(topics)))
        return [record_outcome(t, r) for t, r in zip(topics, results)], None
    if kind == PING:
        if which != "ping":
            return None, ProtocolError("expected a ping response, got %s"
                                       % which)
        return _daemon_status(resp.ping), None
    if kind == STATUS:
        if which != "status":
            return None, ProtocolError("expected a status response, got %s"
                                       % which)
        return _daemon_health(resp.status), None
    if kind == HELLO:
        if which != "hello":
            return None, ProtocolError("expected a hello response, got %s"
                                       % which)
        return resp.hello, None
    return None, ProtocolError("unknown request kind %r" % kind)


def _daemon_status(p):
    return DaemonStatus(p.daemon_version, p.protocol_version,
                        p.kafka_reachable, p.brokers_up, p.brokers_total,
                        p.uptime_ms, p.in_flight_records, p.connections)


def _daemon_health(s):
    return DaemonHealth(
        _daemon_status(s.ping), s.healthy, tuple(s.problems),
        tuple(BrokerHealth(b.name, b.node_id, b.state, b.rtt_avg_us,
                           b.rtt_p99_us) for b in s.brokers),
        s.queue_messages, s.queue_bytes, s.records_delivered,
        s.records_failed, s.records_accepted, s.records_denied,
        s.connections_denied, s.delivered_per_second, s.failed_per_second,
        s.rate_window_ms, dict(s.delivery_errors), s.stats_age_ms,
        s.shutting_down)


def default_client_name():
    import sys
    prog = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else "?"
    return "%s[%d] kafka-sidecar-python" % (prog, os.getpid())
