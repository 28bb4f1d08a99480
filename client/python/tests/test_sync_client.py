"""Client (sync) against a real daemon and mock cluster, read back with
an independent consumer (python3-confluent-kafka)."""

import asyncio
import threading
import time

import pytest

import kafka_sidecar as ks
from kafka_sidecar.testing import read_back, timestamp_matches


def _headers(m):
    return [(k, v) for k, v in (m.headers() or [])]


def test_produce_roundtrip_fields(client, cluster, topic):
    ts = int(time.time() * 1000) - 60_000
    md = client.produce(topic, b"v1", key=b"k1",
                        headers=[("h1", b"a"), ("h2", None), ("h1", "b")],
                        partition=2, timestamp=ts)
    assert isinstance(md, ks.RecordMetadata)
    assert (md.topic, md.partition) == (topic, 2)
    assert md.offset >= 0
    md2 = client.produce(topic, "text value", key="text key", partition=2)
    assert md2.offset == md.offset + 1
    tomb = client.produce(topic, None, key=b"k1", partition=1)
    nokey = client.produce(topic, b"no key", partition=0)

    msgs = read_back(cluster.bootstrap, topic, 4)
    by_off = {(m.partition(), m.offset()): m for m in msgs}
    m = by_off[(2, md.offset)]
    assert (m.key(), m.value()) == (b"k1", b"v1")
    assert _headers(m) == [("h1", b"a"), ("h2", None), ("h1", b"b")]
    assert m.timestamp()[1] == ts  # the timestamp we set is in the log
    assert timestamp_matches(md, m)
    m = by_off[(2, md2.offset)]
    assert (m.key(), m.value()) == (b"text key", b"text value")
    assert timestamp_matches(md2, m)
    m = by_off[(1, tomb.offset)]
    assert (m.key(), m.value()) == (b"k1", None)
    m = by_off[(0, nokey.offset)]
    assert (m.key(), m.value()) == (None, b"no key")


def test_same_key_same_partition(client, topic):
    parts = {client.produce(topic, b"x", key=b"user-42").partition
             for _ in range(10)}
    assert len(parts) == 1


def test_sixteen_threads_share_one_connection(client, cluster, topic):
    n_threads, per_thread = 16, 150
    results, errors = [], []
    start = threading.Barrier(n_threads)

    def work(t):
        start.wait()
        for i in range(per_thread):
            try:
                md = client.produce(topic, b"%d-%d" % (t, i), key=b"%d" % t)
                results.append((md.partition, md.offset, b"%d-%d" % (t, i)))
            except Exception as e:  # pragma: no cover - reported below
                errors.append(e)

    readers_before = _readers()
    threads = [threading.Thread(target=work, args=(t,))
               for t in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert _readers() - readers_before <= 1  # one connection, one reader
    n = n_threads * per_thread
    assert len({(p, o) for p, o, _ in results}) == n
    msgs = read_back(cluster.bootstrap, topic, n)
    assert {(m.partition(), m.offset(), m.value()) for m in msgs} == set(
        results)


def _readers():
    return sum(1 for t in threading.enumerate()
               if t.name == "kafka-sidecar-reader")


def test_produce_async_futures(client, cluster, topic):
    futures = [client.produce_async(topic, b"a%d" % i, key=b"%d" % (i % 7))
               for i in range(500)]
    mds = [f.result(timeout=60) for f in futures]
    assert len({(md.partition, md.offset) for md in mds}) == 500
    msgs = read_back(cluster.bootstrap, topic, 500)
    got = {(m.partition(), m.offset()): m.value() for m in msgs}
    for i, md in enumerate(mds):
        assert got[(md.partition, md.offset)] == b"a%d" % i


def test_send_with_callback(client, cluster, topic):
    n = 300
    outcomes = []
    all_done = threading.Event()

    def on_delivery(err, md):
        outcomes.append((err, md))
        if len(outcomes) == n:
            all_done.set()

    for i in range(n):
        client.send(topic, b"cb%d" % i, on_delivery=on_delivery)
    assert all_done.wait(60)
    assert [e for e, _ in outcomes if e is not None] == []
    assert all(md.topic == topic and md.offset >= 0 for _, md in outcomes)
    read_back(cluster.bootstrap, topic, n)


def test_send_fire_and_forget(client, cluster, topic):
    for i in range(500):
        client.send(topic, b"ff%d" % i, key=b"%d" % i)
    assert client.flush(10) == 0
    msgs = read_back(cluster.bootstrap, topic, 500)
    assert {m.value() for m in msgs} == {b"ff%d" % i for i in range(500)}


def test_produce_batch_in_order_with_per_record_errors(client, cluster, topic):
    records = [ks.Record(topic, b"b%d" % i, key=b"%d" % i, partition=i % 3,
                         headers={"i": str(i)}) for i in range(100)]
    records.insert(50, {"topic": topic, "value": b"bad", "partition": 99})
    out = client.produce_batch(records)
    assert len(out) == 101
    bad = out.pop(50)
    assert isinstance(bad, ks.KafkaError) and "PARTITION" in bad.name
    for i, md in enumerate(out):
        assert isinstance(md, ks.RecordMetadata), md
        assert md.partition == i % 3
    msgs = read_back(cluster.bootstrap, topic, 100)
    got = {(m.partition(), m.offset()): m for m in msgs}
    for i, md in enumerate(out):
        m = got[(md.partition, md.offset)]
        assert (m.key(), m.value()) == (b"%d" % i, b"b%d" % i)
        assert _headers(m) == [("i", b"%d" % i)]
    assert client.produce_batch([]) == []


def test_ping_and_context_manager(daemon, topic):
    with ks.Client(daemon.socket_path) as c:
        status = c.ping()
        assert status.protocol_version >= 1
        assert status.kafka_reachable
        c.produce(topic, b"x")
    assert c.flush(1) == 0


def test_fire_and_forget_from_threads_then_close(daemon, cluster, topic):
    """close() writes out everything queued by every thread first."""
    c = ks.Client(daemon.socket_path)

    def work(t):
        for i in range(200):
            c.send(topic, b"%d-%d" % (t, i))

    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    c.close()
    msgs = read_back(cluster.bootstrap, topic, 1600)
    assert len({m.value() for m in msgs}) == 1600


def test_big_batches_are_split_into_frames(client, cluster, topic):
    """6 MB of records (over the 4 MiB frame limit) and a record too large
    for any frame: the batch is split, each record gets its own outcome."""
    big = [{"topic": topic, "value": b"%03d" % i + b"x" * 200_000,
            "partition": i % 3} for i in range(30)]
    big.insert(7, {"topic": topic, "value": b"y" * (5 * 1024 * 1024)})
    out = client.produce_batch(big)
    assert isinstance(out.pop(7), ks.FrameTooLargeError)
    assert all(isinstance(md, ks.RecordMetadata) for md in out), out[:3]
    many = client.produce_batch([(ks.Record(topic, b"s%d" % i))
                                 for i in range(25_000)])
    assert all(isinstance(md, ks.RecordMetadata) for md in many)
    assert len({(md.partition, md.offset) for md in out + many}) == 25_030
    msgs = read_back(cluster.bootstrap, topic, 25_030, timeout=60)
    got = {(m.partition(), m.offset()): m.value() for m in msgs}
    for i, md in enumerate(out):
        assert got[(md.partition, md.offset)][:3] == b"%03d" % i


def test_blocking_call_in_callback_raises_instead_of_deadlocking(client,
                                                                  topic):
    seen = []
    done = threading.Event()

    def on_delivery(err, md):
        try:
            client.produce(topic, b"inner")
        except RuntimeError as e:
            seen.append(e)
        client.send(topic, b"inner-ok", on_delivery=lambda e, m: done.set())

    client.send(topic, b"outer", on_delivery=on_delivery)
    assert done.wait(30)
    assert len(seen) == 1 and "deadlock" in str(seen[0])


def test_status_reports_health_counts_and_brokers(cluster, make_daemon, topic):
    d = make_daemon(cluster.bootstrap)  # private: counts start at 0
    with ks.Client(d.socket_path) as c:
        before = c.status()
        assert isinstance(before, ks.DaemonHealth)
        assert before.records_delivered == 0 and before.records_failed == 0
        for i in range(3):
            c.produce(topic, b"s%d" % i)
        with pytest.raises(ks.KafkaError):
            c.produce(topic, b"nowhere", partition=42)
        deadline = time.monotonic() + 30
        s = c.status()
        while s.stats_age_ms == 0 and time.monotonic() < deadline:
            time.sleep(0.05)  # librdkafka statistics arrive once a second
            s = c.status()
        assert s.healthy, s.problems
        assert s.ping.kafka_reachable and not s.shutting_down
        assert (s.records_delivered, s.records_failed) == (3, 1)
        n_brokers = len(cluster.bootstrap.split(","))
        assert len(s.brokers) == n_brokers
        assert all(isinstance(b, ks.BrokerHealth) and b.state
                   for b in s.brokers)
        # librdkafka connects only to the brokers it needs (sparse)
        assert any(b.state == "UP" for b in s.brokers)
        assert s.ping.brokers_up >= 1
        assert s.queue_messages == 0
        assert isinstance(s.delivery_errors, dict)

        async def async_status():
            async with ks.AsyncClient(d.socket_path) as a:
                return await a.status()
        assert asyncio.run(async_status()).records_delivered == 3
