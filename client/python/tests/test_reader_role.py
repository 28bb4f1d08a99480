"""The sync client's reader role (leader/follower): blocked callers read the
socket themselves and hand the role round; the background reader serves
futures and callbacks nobody blocks for. Real daemon and mock cluster."""

import threading
import time

import kafka_sidecar as ks
from kafka_sidecar import _connection
from kafka_sidecar.testing import read_back, unique_topic


def _count_reads(monkeypatch):
    """Records the name of the thread behind every recv."""
    names = []
    orig = _connection.Connection._read_once

    def read_once(self):
        names.append(threading.current_thread().name)
        return orig(self)

    monkeypatch.setattr(_connection.Connection, "_read_once", read_once)
    return names


def test_blocked_threads_hand_the_reader_role_round(client, cluster, topic,
                                                   monkeypatch):
    client.produce(topic, b"warm up")  # handshake answered
    names = _count_reads(monkeypatch)
    n_threads, per_thread = 16, 100
    results, errors = [], []
    start = threading.Barrier(n_threads)

    def work(t):
        start.wait()
        for i in range(per_thread):
            try:
                md = client.produce(topic, b"%d-%d" % (t, i))
                results.append((md.partition, md.offset, b"%d-%d" % (t, i)))
            except Exception as e:  # pragma: no cover - reported below
                errors.append(e)

    threads = [threading.Thread(target=work, args=(t,), name="w%d" % t)
               for t in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    # Nobody but the blocked callers read: no hand-off to a reader thread.
    assert "kafka-sidecar-reader" not in names
    assert len(set(names)) > 1  # the role went round
    conn = client._conn
    assert not conn.reading and not conn.pending
    n = n_threads * per_thread
    msgs = read_back(cluster.bootstrap, topic, n + 1)
    assert set(results) <= {(m.partition(), m.offset(), m.value())
                            for m in msgs}


def test_callbacks_complete_after_the_blocked_caller_leaves(client, cluster,
                                                            topic):
    """A blocked caller reads while callbacks are outstanding, gets its own
    answer and returns: the rest must still be answered (background)."""
    n = 300
    done = []
    all_done = threading.Event()

    def on_delivery(err, md):
        done.append((err, md))
        if len(done) == n:
            all_done.set()

    client.produce(topic, b"warm up")
    for i in range(n):
        client.send(topic, b"cb%d" % i, on_delivery=on_delivery)
    md = client.produce(topic, b"sync")
    assert md.topic == topic
    assert all_done.wait(30)
    assert all(err is None for err, _ in done)
    msgs = read_back(cluster.bootstrap, topic, n + 2)
    got = {(m.partition(), m.offset()): m.value() for m in msgs}
    assert sorted(got[(md.partition, md.offset)] for _, md in done) == \
        sorted(b"cb%d" % i for i in range(n))


def test_futures_only_complete_with_nobody_blocked(client, topic,
                                                   monkeypatch):
    client.produce(topic, b"warm up")
    names = _count_reads(monkeypatch)
    futures = [client.produce_async(topic, b"f%d" % i) for i in range(200)]
    assert all(f.result(30).topic == topic for f in futures)
    assert set(names) == {"kafka-sidecar-reader"}


def test_blocking_call_in_callback_on_a_leader_thread_raises(client, topic):
    """Callbacks may run on a caller holding the role: a blocking call from
    one must raise, not wait for a role its own thread holds."""
    seen = []
    got = threading.Event()

    def on_delivery(err, md):
        try:
            client.produce(topic, b"nested")
        except RuntimeError as e:
            seen.append(e)
        got.set()

    client.produce(topic, b"warm up")
    client.send(topic, b"cb", on_delivery=on_delivery)
    client.produce(topic, b"sync")
    assert got.wait(30)
    assert len(seen) == 1 and "deadlock" in str(seen[0])


def _stuck(cl, d, n_followers, reader_timeout):
    """Kafka down, one caller holding the reader role (timeout
    reader_timeout) and n_followers blocked behind it (timeout 60)."""
    topic = unique_topic()
    cl.create_topic(topic, 1)
    c = ks.Client(d.socket_path)
    c.produce(topic, b"up")
    conn = c._conn
    for b in range(1, len(cl.bootstrap.split(",")) + 1):
        cl.command("down %d" % b)
    out = {}

    def call(name, timeout):
        try:
            out[name] = c.produce(topic, name.encode(), timeout=timeout)
        except Exception as e:
            out[name] = e

    reader = threading.Thread(target=call, args=("reader", reader_timeout))
    reader.start()
    _wait_until(lambda: conn.reading)
    followers = [threading.Thread(target=call, args=("f%d" % i, 60))
                 for i in range(n_followers)]
    for t in followers:
        t.start()
    _wait_until(lambda: len(conn.followers) == n_followers)
    return c, topic, reader, followers, out


def test_timeout_of_the_reader_passes_the_role_on(make_cluster, make_daemon):
    cl = make_cluster()
    d = make_daemon(cl.bootstrap)
    c, topic, reader, followers, out = _stuck(cl, d, 3, 0.5)
    reader.join(30)
    assert isinstance(out["reader"], ks.ProduceTimeoutError)
    assert c._conn.reading  # handed to a follower, not dropped
    for b in range(1, len(cl.bootstrap.split(",")) + 1):
        cl.command("up %d" % b)
    t0 = time.monotonic()
    for t in followers:
        t.join(60)
    assert time.monotonic() - t0 < 30  # answered, not timed out at 60 s
    assert all(isinstance(out["f%d" % i], ks.RecordMetadata)
               for i in range(3)), out
    assert c.flush(60) == 0  # the timed-out record is delivered too
    c.close()
    msgs = read_back(cl.bootstrap, topic, 5)
    assert sorted(m.value() for m in msgs) == [b"f0", b"f1", b"f2",
                                               b"reader", b"up"]


def test_connection_lost_while_a_thread_reads(make_cluster, make_daemon):
    cl = make_cluster()
    d = make_daemon(cl.bootstrap)
    c, topic, reader, followers, out = _stuck(cl, d, 3, 60)
    conn = c._conn
    d.kill()
    for t in [reader] + followers:
        t.join(30)
    assert all(isinstance(e, ks.ConnectionLostError) for e in out.values()), \
        out
    assert len(out) == 4
    assert conn.dead and conn.closed_fd and not conn.reading
    d.start()
    for b in range(1, len(cl.bootstrap.split(",")) + 1):
        cl.command("up %d" % b)
    assert c.produce(topic, b"again", timeout=60).topic == topic
    c.close()


def _wait_until(cond, timeout=30):
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met within %ss" % timeout)
        time.sleep(0.005)
