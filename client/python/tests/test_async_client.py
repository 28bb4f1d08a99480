"""AsyncClient against a real daemon and mock cluster."""

import asyncio
import threading
import time

import pytest

import kafka_sidecar as ks
from kafka_sidecar.testing import read_back, timestamp_matches


@pytest.mark.asyncio
async def test_thousand_concurrent_tasks(daemon, cluster, topic):
    threads_before = threading.active_count()
    async with ks.AsyncClient(daemon.socket_path) as c:
        mds = await asyncio.gather(*[
            c.produce(topic, b"t%d" % i, key=b"%d" % i) for i in range(1000)])
        assert threading.active_count() == threads_before  # no helper thread
    assert len({(md.partition, md.offset) for md in mds}) == 1000
    msgs = read_back(cluster.bootstrap, topic, 1000)
    got = {(m.partition(), m.offset()): (m.key(), m.value()) for m in msgs}
    for i, md in enumerate(mds):
        assert got[(md.partition, md.offset)] == (b"%d" % i, b"t%d" % i)


@pytest.mark.asyncio
async def test_fields_headers_tombstone_timestamp(daemon, cluster, topic):
    ts = int(time.time() * 1000) - 3_600_000
    async with ks.AsyncClient(daemon.socket_path) as c:
        md = await c.produce(topic, b"v", key=b"k", headers={"a": b"1",
                             "n": None}, partition=1, timestamp=ts)
        tomb = await c.produce(topic, None, key=b"k", partition=1)
    assert (md.partition, tomb.offset) == (1, md.offset + 1)
    m, t = read_back(cluster.bootstrap, topic, 2)
    assert (m.key(), m.value(), m.timestamp()[1]) == (b"k", b"v", ts)
    assert timestamp_matches(md, m) and timestamp_matches(tomb, t)
    assert list(m.headers()) == [("a", b"1"), ("n", None)]
    assert (t.key(), t.value()) == (b"k", None)


@pytest.mark.asyncio
async def test_send_callback_runs_on_the_loop(daemon, cluster, topic):
    loop = asyncio.get_running_loop()
    loop_thread = threading.get_ident()
    seen = []
    done = loop.create_future()

    def on_delivery(err, md):
        seen.append((err, md, threading.get_ident(),
                     asyncio.get_running_loop()))
        if len(seen) == 200 and not done.done():
            done.set_result(None)

    async with ks.AsyncClient(daemon.socket_path) as c:
        for i in range(200):
            c.send(topic, b"s%d" % i, on_delivery=on_delivery)
        await asyncio.wait_for(done, 60)
        for i in range(300):
            c.send(topic, b"f%d" % i)  # fire-and-forget
        assert await c.flush(10) == 0
    assert all(err is None and md.topic == topic and tid == loop_thread
               and lp is loop for err, md, tid, lp in seen)
    msgs = read_back(cluster.bootstrap, topic, 500)
    assert {m.value() for m in msgs} == (
        {b"s%d" % i for i in range(200)} | {b"f%d" % i for i in range(300)})


@pytest.mark.asyncio
async def test_batch_and_errors(daemon, cluster, topic):
    async with ks.AsyncClient(daemon.socket_path) as c:
        out = await c.produce_batch(
            [{"topic": topic, "value": b"b%d" % i} for i in range(50)] +
            [{"topic": topic, "value": b"x", "partition": 7}])
        assert all(isinstance(md, ks.RecordMetadata) for md in out[:50])
        assert isinstance(out[50], ks.KafkaError)
        with pytest.raises(ks.KafkaError) as e:
            await c.produce(topic, b"x", partition=42)
        assert "PARTITION" in e.value.name and not e.value.retriable
        assert e.value.persistence == "NOT_PERSISTED"
        status = await c.ping()
        assert status.kafka_reachable
    read_back(cluster.bootstrap, topic, 50)


@pytest.mark.asyncio
async def test_cancelled_waiter_does_not_break_the_connection(daemon, topic):
    async with ks.AsyncClient(daemon.socket_path) as c:
        t = asyncio.ensure_future(c.produce(topic, b"cancel me"))
        await asyncio.sleep(0)
        t.cancel()
        with pytest.raises(asyncio.CancelledError):
            await t
        md = await c.produce(topic, b"after")
        assert md.topic == topic


@pytest.mark.asyncio
async def test_close_writes_out_fire_and_forget(daemon, cluster, topic):
    c = ks.AsyncClient(daemon.socket_path)
    for i in range(400):
        c.send(topic, b"x%d" % i)  # before the connection even exists
    await c.close()
    read_back(cluster.bootstrap, topic, 400)


@pytest.mark.asyncio
async def test_big_batch_is_split(daemon, cluster, topic):
    async with ks.AsyncClient(daemon.socket_path) as c:
        out = await c.produce_batch(
            [ks.Record(topic, b"%d" % i) for i in range(12_000)] +
            [ks.Record(topic, b"z" * (5 * 1024 * 1024))])
    assert isinstance(out.pop(), ks.FrameTooLargeError)
    assert len({(md.partition, md.offset) for md in out}) == 12_000
    read_back(cluster.bootstrap, topic, 12_000, timeout=60)
