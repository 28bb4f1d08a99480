"""Precise errors, daemon down at start, daemon restarted mid-run."""

import asyncio
import concurrent.futures
import threading
import time

import pytest

import kafka_sidecar as ks
from kafka_sidecar.testing import read_back, unique_topic


def test_unknown_partition(client, topic):
    with pytest.raises(ks.KafkaError) as e:
        client.produce(topic, b"x", partition=3)  # topic has 0..2
    err = e.value
    assert err.code == "KAFKA" and "UNKNOWN_PARTITION" in err.name
    assert err.kafka_code != 0 and not err.retriable
    assert err.persistence == "NOT_PERSISTED"
    assert client.produce(topic, b"ok").topic == topic  # connection intact


def test_record_too_large_for_kafka(client, topic):
    with pytest.raises(ks.KafkaError) as e:
        client.produce(topic, b"x" * (2 * 1024 * 1024))
    assert "TOO_LARGE" in e.value.name
    assert e.value.persistence == "NOT_PERSISTED"
    assert client.produce(topic, b"ok").offset >= 0


def test_frame_too_large_is_refused_locally(client, topic):
    """A frame over the daemon's limit would make it drop the shared
    connection (failing every other thread's requests): refuse it here."""
    client.produce(topic, b"warm up")  # handshake gave max_frame_bytes
    futures = [client.produce_async(topic, b"bystander%d" % i)
               for i in range(50)]
    with pytest.raises(ks.FrameTooLargeError) as e:
        client.produce(topic, b"x" * (5 * 1024 * 1024))
    assert e.value.persistence == "NOT_PERSISTED"
    assert all(f.result(30).topic == topic for f in futures)


def test_daemon_down_at_construction_then_started(cluster, make_daemon, topic):
    path = make_daemon.path("late")
    c = ks.Client(path)
    a = ks.AsyncClient(path)
    with pytest.raises(ks.DaemonUnavailableError):
        c.produce(topic, b"too early")
    make_daemon(cluster.bootstrap, socket_path=path)
    assert c.produce(topic, b"sync").topic == topic

    async def go():
        return await a.produce(topic, b"async")
    assert asyncio.run(go()).topic == topic
    c.close()
    msgs = read_back(cluster.bootstrap, topic, 2)
    assert sorted(m.value() for m in msgs) == [b"async", b"sync"]


def _producing_threads(c, topic, stop, n_threads=4):
    """Threads producing until stopped; returns (successes, errors)."""
    ok, errs = [], []
    seq = iter(range(10**9))

    def work():
        while not stop.is_set():
            v = b"r%d" % next(seq)
            try:
                md = c.produce(topic, v, timeout=30)
                ok.append((md.partition, md.offset, v))
            except ks.KafkaSidecarError as e:
                errs.append(e)
                time.sleep(0.005)

    ts = [threading.Thread(target=work) for _ in range(n_threads)]
    for t in ts:
        t.start()
    return ts, ok, errs


@pytest.mark.parametrize("how", ["sigterm", "sigkill"])
def test_daemon_restarted_mid_run(cluster, make_daemon, how):
    topic = unique_topic()
    cluster.create_topic(topic, 3)
    d = make_daemon(cluster.bootstrap)
    c = ks.Client(d.socket_path)
    stop = threading.Event()
    threads, ok, errs = _producing_threads(c, topic, stop)
    try:
        _wait_until(lambda: len(ok) >= 200)
        d.stop() if how == "sigterm" else d.kill()
        n_down = len(ok)
        _wait_until(lambda: len(errs) >= 1)
        d.start()
        _wait_until(lambda: len(ok) >= n_down + 200)
    finally:
        stop.set()
        for t in threads:
            t.join(60)
    # Only the documented error kinds, each with the right meaning.
    allowed = (ks.DaemonUnavailableError, ks.ConnectionLostError,
               ks.ShuttingDownError)
    assert all(isinstance(e, allowed) for e in errs), errs[:5]
    assert c.produce(topic, b"after").topic == topic
    c.close()
    # Every success is really in Kafka, exactly where it was reported.
    expected = len(ok) + 1
    if how == "sigterm":
        msgs = read_back(cluster.bootstrap, topic, expected)
    else:  # killed: records in flight may have landed unreported
        msgs = _read_at_least(cluster.bootstrap, topic, expected)
    got = {(m.partition(), m.offset()): m.value() for m in msgs}
    for p, o, v in ok:
        assert got[(p, o)] == v


def test_async_client_survives_daemon_restart(cluster, make_daemon):
    topic = unique_topic()
    cluster.create_topic(topic, 3)
    d = make_daemon(cluster.bootstrap)
    c = ks.AsyncClient(d.socket_path)

    async def phase(label):
        return await asyncio.gather(*[c.produce(topic, b"%s%d" % (label, i))
                                      for i in range(100)],
                                    return_exceptions=True)

    async def main():
        first = await phase(b"a")
        d.kill()
        down = await phase(b"b")
        d.start()
        again = await phase(b"c")
        await c.close()
        return first, down, again

    first, down, again = asyncio.run(main())
    assert all(isinstance(m, ks.RecordMetadata) for m in first + again)
    assert all(isinstance(e, (ks.DaemonUnavailableError,
                              ks.ConnectionLostError)) for e in down), down[:3]


def test_timeout_while_kafka_is_down(make_cluster, make_daemon):
    cl = make_cluster()
    topic = unique_topic()
    cl.create_topic(topic, 1)
    d = make_daemon(cl.bootstrap)
    with ks.Client(d.socket_path) as c:
        c.produce(topic, b"up")
        for b in _broker_ids(cl):
            cl.command("down %d" % b)
        with pytest.raises(ks.ProduceTimeoutError) as e:
            c.produce(topic, b"stuck", timeout=0.5)
        assert e.value.persistence == "POSSIBLY_PERSISTED"
        assert isinstance(e.value, TimeoutError)
        for b in _broker_ids(cl):
            cl.command("up %d" % b)
        # the stuck record is still in flight and is delivered eventually
        assert c.produce(topic, b"back", timeout=60).topic == topic
        assert c.flush(60) == 0


def _broker_ids(cl):
    return range(1, len(cl.bootstrap.split(",")) + 1)


def _wait_until(cond, timeout=60):
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met within %ss" % timeout)
        time.sleep(0.01)


def _read_at_least(bootstrap, topic, n):
    from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": unique_topic(),
                  "enable.auto.commit": False})
    try:
        parts = c.list_topics(topic, timeout=10).topics[topic].partitions
        total = sum(c.get_watermark_offsets(TopicPartition(topic, p),
                                            timeout=10)[1] for p in parts)
        assert total >= n
        c.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in parts])
        msgs = []
        deadline = time.monotonic() + 30
        while len(msgs) < total and time.monotonic() < deadline:
            msgs += [m for m in c.consume(1000, 0.5) if m.error() is None]
        return msgs
    finally:
        c.close()


def test_fail_fast_when_the_daemon_queue_is_full(make_cluster, make_daemon):
    """Kafka down, a producer queue of 10 records: a fail_fast client gets
    QUEUE_FULL at once for the records that do not fit; a default client
    waits for room (back-pressure) and is delivered once Kafka is back."""
    cl = make_cluster()
    topic = unique_topic()
    cl.create_topic(topic, 1)
    d = make_daemon(cl.bootstrap,
                    args=("-X", "queue.buffering.max.messages=10"))
    waiting = ks.Client(d.socket_path)
    with ks.Client(d.socket_path, fail_fast=True) as c:
        c.produce(topic, b"up")
        for b in _broker_ids(cl):
            cl.command("down %d" % b)
        futures = [c.produce_async(topic, b"r%d" % i) for i in range(20)]
        done, _ = concurrent.futures.wait(futures[10:], timeout=30)
        assert len(done) == 10
        for f in futures[10:]:
            e = f.exception()
            assert isinstance(e, ks.QueueFullError), e
            assert e.code == "QUEUE_FULL" and e.retriable
            assert e.persistence == "NOT_PERSISTED"
        assert not any(f.done() for f in futures[:10])
        # Without fail_fast the record waits for room instead.
        blocked = waiting.produce_async(topic, b"blocked")
        with pytest.raises(concurrent.futures.TimeoutError):
            blocked.result(timeout=0.5)

        async def async_fail_fast():
            async with ks.AsyncClient(d.socket_path, fail_fast=True) as a:
                with pytest.raises(ks.QueueFullError):
                    await a.produce(topic, b"async", timeout=30)
        asyncio.run(async_fail_fast())

        for b in _broker_ids(cl):
            cl.command("up %d" % b)
        offsets = [f.result(timeout=60).offset for f in futures[:10]]
        assert offsets == list(range(1, 11))
        assert blocked.result(timeout=60).offset == 11
    waiting.close()
    values = [m.value() for m in read_back(cl.bootstrap, topic, 12)]
    assert values == [b"up"] + [b"r%d" % i for i in range(10)] + [b"blocked"]
