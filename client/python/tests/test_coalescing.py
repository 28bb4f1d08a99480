"""Single-record calls queued together go out as one multi-record request
(kafka_sidecar/_coalesce.py): each caller still gets exactly its own
outcome. Offline checks of the packing, then against a real daemon and mock
cluster, read back with confluent-kafka."""

import asyncio
import itertools
import threading

import pytest

import kafka_sidecar as ks
from kafka_sidecar import _coalesce
from kafka_sidecar import _protocol as wire
from kafka_sidecar import sidecar_pb2 as pb
from kafka_sidecar.testing import read_back, unique_topic


class _Box:
    def __init__(self, topic="t"):
        self.kind, self.topics, self.got = wire.ONE, topic, []

    def finish(self, value, exc):
        self.got.append((value, exc))


def _item(topic, value, ack=wire.ACK_DELIVERED):
    field = wire.record_field(topic, value, None, None, None, None)
    return (topic, ack, field, None if ack == wire.ACK_NONE else _Box(topic))


def _requests(data):
    """The Requests in a byte string of frames."""
    return [pb.Request.FromString(p) for p in wire.FrameBuffer().feed(data)]


# -- offline ---------------------------------------------------------------

def test_records_frame_equals_protobuf_encoding():
    fields = [wire.record_field("t", b"v%d" % i, b"k" if i % 2 else None,
                                {"h": b"1"} if i == 3 else None,
                                i % 3 if i > 5 else None,
                                1700000000000 + i if i == 4 else None)
              for i in range(10)]
    for ack in (wire.ACK_DELIVERED, wire.ACK_ACCEPTED, wire.ACK_NONE):
        req = pb.Request(id=2**40 + 7)
        req.produce.ack = ack
        for f in fields:
            rec = req.produce.records.add()
            rec.MergeFromString(f[2:] if f[1] < 128 else f[3:])
        assert wire.records_frame(2**40 + 7, ack, fields) == wire.frame(req)


def test_pack_groups_by_topic_and_ack_keeping_order():
    items = [_item("a", b"1"), _item("b", b"2"), _item("a", b"3"),
             _item("a", b"4", wire.ACK_NONE), _item("a", b"5"),
             _item("b", b"6")]
    data, regs = _coalesce.pack(items, itertools.count(1), 1 << 20)
    reqs = _requests(data)
    got = [(r.id, r.produce.ack, [(x.topic, x.value) for x in
                                  r.produce.records]) for r in reqs]
    assert got == [
        (1, wire.ACK_DELIVERED, [("a", b"1"), ("a", b"3")]),
        (2, wire.ACK_DELIVERED, [("b", b"2"), ("b", b"6")]),
        (3, wire.ACK_NONE, [("a", b"4")]),
        (4, wire.ACK_DELIVERED, [("a", b"5")]),
    ]
    # NONE is never answered: no waiter; a one-record group needs no fan-out
    assert [i for i, _ in regs] == [1, 2, 4]
    assert regs[0][1].kind == _coalesce.GROUP and regs[2][1] is items[4][3]


def test_pack_whole_frame_closes_open_groups():
    ping = wire.ping_frame(99)
    data, regs = _coalesce.pack([_item("a", b"1"), ping, _item("a", b"2")],
                                itertools.count(1), 1 << 20)
    reqs = _requests(data)
    assert [r.WhichOneof("body") for r in reqs] == ["produce", "ping",
                                                    "produce"]
    assert [r.id for r in reqs] == [1, 99, 2]


def test_pack_respects_record_and_frame_limits(monkeypatch):
    monkeypatch.setattr(_coalesce, "MAX_COALESCED_RECORDS", 7)
    items = [_item("a", b"x" * 100) for _ in range(50)]
    data, _ = _coalesce.pack(items, itertools.count(1), 1 << 20)
    assert [len(r.produce.records) for r in _requests(data)] == [7] * 7 + [1]
    monkeypatch.setattr(_coalesce, "MAX_COALESCED_RECORDS", 1000)
    frames = wire.FrameBuffer().feed(
        _coalesce.pack(items, itertools.count(1), 1000)[0])
    assert all(len(f) <= 1000 for f in frames)
    assert sum(len(pb.Request.FromString(f).produce.records)
               for f in frames) == 50 and len(frames) > 5


def test_group_response_fans_out_per_record():
    boxes = [_Box("t") for _ in range(3)]
    group = _coalesce.GroupWaiter(boxes)
    resp = pb.Response(id=1)
    r = resp.produce.results
    r.add().delivered.offset = 10
    e = r.add().error
    e.code, e.name = pb.ERROR_CODE_KAFKA, "_UNKNOWN_PARTITION"
    r.add().delivered.offset = 11
    _coalesce.finish_response(group, resp)
    assert [b.got[0][0].offset for b in (boxes[0], boxes[2])] == [10, 11]
    assert boxes[0].got[0][1] is None and boxes[1].got[0][0] is None
    assert boxes[1].got[0][1].name == "_UNKNOWN_PARTITION"
    assert all(len(b.got) == 1 for b in boxes)

    # a request-level error: each caller its own exception instance
    boxes = [_Box("t") for _ in range(3)]
    err = pb.Response(id=1)
    err.error.code = pb.ERROR_CODE_INVALID_REQUEST
    _coalesce.finish_response(_coalesce.GroupWaiter(boxes), err)
    excs = [b.got[0][1] for b in boxes]
    assert all(isinstance(x, ks.InvalidRequestError) for x in excs)
    assert len({id(x) for x in excs}) == 3

    boxes = [_Box("t") for _ in range(2)]
    short = pb.Response(id=1)
    short.produce.results.add().delivered.offset = 1
    _coalesce.finish_response(_coalesce.GroupWaiter(boxes), short)
    assert all(isinstance(b.got[0][1], ks.ProtocolError) for b in boxes)


# -- against the daemon -----------------------------------------------------

@pytest.fixture
def spy(monkeypatch):
    """Records the Requests each pack() produced."""
    sent = []
    real = _coalesce.pack

    def pack(items, ids, *limits):
        data, regs = real(items, ids, *limits)
        sent.extend(_requests(data))
        return data, regs
    monkeypatch.setattr(_coalesce, "pack", pack)
    return sent


def _sizes(sent):
    return [len(r.produce.records) for r in sent
            if r.WhichOneof("body") == "produce"]


@pytest.mark.asyncio
async def test_async_concurrent_calls_one_result_each(daemon, cluster, topic,
                                                      spy):
    other = unique_topic()
    cluster.create_topic(other, 2)
    async with ks.AsyncClient(daemon.socket_path) as c:
        calls = []
        for i in range(600):
            t = other if i % 3 == 0 else topic
            bad = i == 250
            calls.append(c.produce(t, b"v%d" % i, key=b"%d" % i,
                                   partition=42 if bad else None))
        out = await asyncio.gather(*calls, return_exceptions=True)
    assert isinstance(out[250], ks.KafkaError)
    assert "PARTITION" in out[250].name
    ok = [(i, md) for i, md in enumerate(out) if i != 250]
    assert all(isinstance(md, ks.RecordMetadata) for _, md in ok)
    assert all(md.topic == (other if i % 3 == 0 else topic) for i, md in ok)
    assert max(_sizes(spy)) > 50  # really coalesced
    for t in (topic, other):
        mine = {(md.partition, md.offset): b"v%d" % i for i, md in ok
                if md.topic == t}
        got = {(m.partition(), m.offset()): m.value()
               for m in read_back(cluster.bootstrap, t, len(mine))}
        assert got == mine


def test_sync_threads_one_result_each(client, cluster, topic, spy):
    n_threads, per_thread = 16, 60
    results = {}
    start = threading.Barrier(n_threads)

    def work(t):
        start.wait()
        for i in range(per_thread):
            bad = t == 5 and i == 30
            try:
                out = client.produce(topic, b"%d-%d" % (t, i),
                                     partition=9 if bad else None)
            except ks.KafkaSidecarError as e:
                out = e
            results[(t, i)] = out

    threads = [threading.Thread(target=work, args=(t,))
               for t in range(n_threads)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert len(results) == n_threads * per_thread
    bad = results.pop((5, 30))
    assert isinstance(bad, ks.KafkaError) and "PARTITION" in bad.name
    assert all(isinstance(md, ks.RecordMetadata) for md in results.values())
    assert max(_sizes(spy)) > 1  # threads' records shared requests
    got = {(m.partition(), m.offset()): m.value()
           for m in read_back(cluster.bootstrap, topic, len(results))}
    assert got == {(md.partition, md.offset): b"%d-%d" % k
                   for k, md in results.items()}


@pytest.mark.asyncio
async def test_mixed_ack_modes_not_merged_order_kept(daemon, cluster, spy):
    topic = unique_topic()
    cluster.create_topic(topic, 1)
    seen = []
    async with ks.AsyncClient(daemon.socket_path) as c:
        await c.produce(topic, b"warm")
        del spy[:]
        for i in range(30):  # one loop iteration: all queued together
            if i % 3 == 0:
                c.send(topic, b"%d" % i)  # NONE
            else:
                c.send(topic, b"%d" % i,  # DELIVERED
                       on_delivery=lambda err, md: seen.append((err, md)))
        assert await c.flush(30) == 0
    for r in spy:
        assert r.produce.ack in (wire.ACK_NONE, wire.ACK_DELIVERED)
    acks = {r.produce.ack for r in spy}
    assert acks == {wire.ACK_NONE, wire.ACK_DELIVERED}
    assert len(seen) == 20 and all(e is None for e, _ in seen)
    assert [(r.produce.ack, len(r.produce.records)) for r in spy] == \
        [(wire.ACK_NONE, 1), (wire.ACK_DELIVERED, 2)] * 10
    msgs = read_back(cluster.bootstrap, topic, 31)
    assert [m.value() for m in sorted(msgs, key=lambda m: m.offset())] == \
        [b"warm"] + [b"%d" % i for i in range(30)]


def test_frame_limit_respected_with_small_daemon_frames(cluster, make_daemon,
                                                        topic, spy):
    d = make_daemon(cluster.bootstrap, args=["--max-frame-bytes", "20000"])
    with ks.Client(d.socket_path) as c:
        c.produce(topic, b"warm up")  # the handshake tells the limit
        futures = [c.produce_async(topic, b"x" * 900) for _ in range(300)]
        assert all(f.result(30).topic == topic for f in futures)
    frames = [r.ByteSize() for r in spy]
    assert max(frames) <= 20000 and len(frames) > 1


@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_record_limit_announced_by_the_daemon_is_respected(
        cluster, make_daemon, topic, spy, tmp_path, flavour):
    conf = tmp_path / "small.toml"
    conf.write_text("max_records_per_request = 7\n")
    d = make_daemon(cluster.bootstrap, args=["--config", str(conf)])

    async def run_async():
        async with ks.AsyncClient(d.socket_path) as c:
            await c.produce(topic, b"warm up")  # the handshake tells it
            singles = await asyncio.gather(
                *(c.produce(topic, b"s%d" % i) for i in range(60)))
            batch = await c.produce_batch(
                [{"topic": topic, "value": b"b%d" % i} for i in range(23)])
            return singles, batch

    if flavour == "sync":
        with ks.Client(d.socket_path) as c:
            c.produce(topic, b"warm up")
            futures = [c.produce_async(topic, b"s%d" % i) for i in range(60)]
            singles = [f.result(30) for f in futures]
            batch = c.produce_batch(
                [{"topic": topic, "value": b"b%d" % i} for i in range(23)])
    else:
        singles, batch = asyncio.run(run_async())
    assert all(isinstance(m, ks.RecordMetadata) for m in singles + batch)
    assert max(_sizes(spy)) <= 7
    got = read_back(cluster.bootstrap, topic, 84)
    assert sorted(m.value() for m in got) == sorted(
        [b"warm up"] + [b"s%d" % i for i in range(60)] +
        [b"b%d" % i for i in range(23)])


@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_connection_lost_mid_batch(make_cluster, make_daemon, flavour):
    cl = make_cluster()
    topic = unique_topic()
    cl.create_topic(topic, 1)
    d = make_daemon(cl.bootstrap)
    with ks.Client(d.socket_path) as c:
        c.produce(topic, b"up")
    for b in range(1, len(cl.bootstrap.split(",")) + 1):
        cl.command("down %d" % b)  # nothing gets acknowledged now

    if flavour == "sync":
        with ks.Client(d.socket_path) as c:
            futures = [c.produce_async(topic, b"%d" % i) for i in range(200)]
            _wait_in_flight(d, 200)
            d.kill()
            outs = [f.exception(30) for f in futures]
    else:
        async def main():
            async with ks.AsyncClient(d.socket_path) as c:
                tasks = [asyncio.ensure_future(c.produce(topic, b"%d" % i))
                         for i in range(200)]
                await asyncio.sleep(0)
                await asyncio.get_running_loop().run_in_executor(
                    None, _wait_in_flight, d, 200)
                d.kill()
                return await asyncio.gather(*tasks, return_exceptions=True)
        outs = asyncio.run(main())
    assert len(outs) == 200
    assert all(isinstance(e, ks.ConnectionLostError) for e in outs), outs[:3]


def _wait_in_flight(d, n):
    """Until the daemon reports n records in flight (all sent, none
    answered)."""
    import time
    deadline = time.monotonic() + 30
    with ks.Client(d.socket_path) as probe:
        while probe.ping().in_flight_records < n:
            assert time.monotonic() < deadline
            time.sleep(0.01)
