"""What must hold without any daemon: the app always starts."""

import asyncio
import threading
import time

import pytest

import kafka_sidecar as ks
from kafka_sidecar import _protocol as wire
from kafka_sidecar import sidecar_pb2 as pb


def test_socket_path_default_and_env(monkeypatch):
    monkeypatch.delenv("KAFKA_SIDECAR_SOCKET", raising=False)
    assert ks.Client().socket_path == "/run/kafka-sidecar/kafka-sidecar.sock"
    assert ks.AsyncClient().socket_path == ks.DEFAULT_SOCKET_PATH
    monkeypatch.setenv("KAFKA_SIDECAR_SOCKET", "/tmp/elsewhere.sock")
    assert ks.Client().socket_path == "/tmp/elsewhere.sock"
    assert ks.Client("/x.sock").socket_path == "/x.sock"


def test_sync_client_without_daemon_fails_fast_and_clearly(tmp_path):
    path = str(tmp_path / "absent.sock")
    start = time.monotonic()
    c = ks.Client(path)
    with pytest.raises(ks.DaemonUnavailableError) as e:
        c.produce("t", b"v")
    assert e.value.retriable and e.value.persistence == "NOT_PERSISTED"
    assert path in str(e.value)
    f = c.produce_async("t", b"v")
    assert isinstance(f.exception(timeout=5), ks.DaemonUnavailableError)
    got = []
    c.send("t", b"v", on_delivery=lambda err, md: got.append((err, md)))
    assert isinstance(got[0][0], ks.DaemonUnavailableError) and got[0][1] is None
    with pytest.raises(ks.DaemonUnavailableError):
        c.send("t", b"v")  # fire-and-forget still must not lose silently
    assert c.flush(1) == 0
    c.close()
    with pytest.raises(ks.ClientClosedError):
        c.produce("t", b"v")
    assert time.monotonic() - start < 2


@pytest.mark.asyncio
async def test_async_client_without_daemon_fails_fast(tmp_path):
    c = ks.AsyncClient(str(tmp_path / "absent.sock"))
    with pytest.raises(ks.DaemonUnavailableError):
        await c.produce("t", b"v")
    done = asyncio.get_running_loop().create_future()
    c.send("t", b"v", on_delivery=lambda err, md: done.set_result(err))
    assert isinstance(await asyncio.wait_for(done, 5), ks.DaemonUnavailableError)
    with pytest.raises(ks.DaemonUnavailableError):
        await c.produce_batch([{"topic": "t", "value": b"v"}])
    assert await c.flush(1) == 0
    await c.close()


def test_bad_arguments_raise_before_sending(tmp_path):
    c = ks.Client(str(tmp_path / "absent.sock"))
    with pytest.raises(TypeError):
        c.produce("t", 123)
    with pytest.raises(ValueError):
        c.produce("", b"v")
    with pytest.raises(ValueError):
        c.produce("t", b"v", partition=-1)
    with pytest.raises(TypeError):
        c.produce_async("t", b"v", timestamp=1.5)
    with pytest.raises(TypeError):
        c.produce_batch([{"topic": "t", "valeu": b"v"}])


def test_frame_buffer_split_at_every_byte():
    msgs = [pb.Response(id=i, ping=pb.PingResponse(daemon_version="x" * i))
            for i in range(1, 6)]
    stream = b"".join(wire.frame(m) for m in msgs)
    for cut in range(len(stream) + 1):
        buf = wire.FrameBuffer()
        out = buf.feed(stream[:cut]) + buf.feed(stream[cut:])
        assert [wire.parse_response(p).id for p in out] == [1, 2, 3, 4, 5]
    out = []
    buf = wire.FrameBuffer()
    for i in range(len(stream)):
        out += buf.feed(stream[i:i + 1])
    assert len(out) == 5


def test_frame_buffer_rejects_absurd_length():
    with pytest.raises(ks.ProtocolError):
        wire.FrameBuffer().feed(b"\xff\xff\xff\xff")


def test_error_from_wire_is_precise():
    e = ks.ProduceError.from_pb(pb.Error(
        code=pb.ERROR_CODE_KAFKA, kafka_code=10, name="MSG_SIZE_TOO_LARGE",
        message="too big", retriable=False,
        persistence=pb.PERSISTENCE_NOT_PERSISTED))
    assert isinstance(e, ks.KafkaError)
    assert (e.code, e.kafka_code, e.name, e.retriable, e.persistence) == (
        "KAFKA", 10, "MSG_SIZE_TOO_LARGE", False, "NOT_PERSISTED")
    assert "MSG_SIZE_TOO_LARGE" in str(e) and "too big" in str(e)
    q = ks.ProduceError.from_pb(pb.Error(code=pb.ERROR_CODE_QUEUE_FULL,
                                         retriable=True))
    assert isinstance(q, ks.QueueFullError) and q.retriable


def test_construction_spawns_no_thread_and_no_socket(tmp_path):
    before = threading.active_count()
    ks.Client(str(tmp_path / "absent.sock"))
    ks.AsyncClient(str(tmp_path / "absent.sock"))
    assert threading.active_count() == before


def test_hand_encoded_produce_frame_matches_protobuf():
    import datetime
    import random
    rng = random.Random(7)
    cases = [
        (1, 0, "t", b"v", None, None, None, None),
        (2**64 - 1, 2, "topic-\u00fc", "", "",
         [("a", b""), ("b", None), ("a", "x")], 0, 0),
        (300, 1, "t", None, b"k" * 300, {"h": b"1" * 200}, 2**31 - 1, -1),
        (5, 0, "t", b"x" * 100_000, None, None, 7, 1732375000123),
        (5, 0, "t", bytearray(b"x"), memoryview(b"k"), None, None,
         datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)),
    ]
    for _ in range(300):
        def maybe(v):
            return v if rng.random() < 0.5 else None
        cases.append((
            rng.randrange(1, 2**64), rng.choice([0, 1, 2]),
            "t%d" % rng.randrange(10**6),
            maybe(rng.randbytes(rng.randrange(0, 300))),
            maybe(rng.randbytes(rng.randrange(0, 20))),
            maybe([("h%d" % i, maybe(rng.randbytes(rng.randrange(5))))
                   for i in range(rng.randrange(4))]),
            maybe(rng.randrange(0, 2**31)),
            maybe(rng.randrange(-2**63, 2**63))))
    for c in cases:
        fast = wire.produce_frame(*c)
        assert fast == wire.produce_frame_pb(*c), c
        req = pb.Request()
        req.ParseFromString(fast[4:])
        assert req.id == c[0] and req.produce.ack == c[1]


def test_fail_fast_is_encoded_as_protobuf_would():
    fields = [wire.record_field("t", b"v%d" % i, None, None, None, None)
              for i in range(3)]
    for ack in (0, 1, 2):
        for fail_fast in (False, True):
            data = wire.records_frame(9, ack, fields, fail_fast=fail_fast)
            req = pb.Request()
            req.ParseFromString(data[4:])
            assert req.produce.fail_fast == fail_fast
            assert req.produce.ack == ack
            assert [r.value for r in req.produce.records] == \
                [b"v0", b"v1", b"v2"]
            assert data[4:] == req.SerializeToString()
            batch = wire.batch_requests(ack, [{"topic": "t", "value": b"x"}],
                                        1 << 20, fail_fast=fail_fast)
            assert batch[0][0].produce.fail_fast == fail_fast
