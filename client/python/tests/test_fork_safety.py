"""A pre-forked worker that inherits a client gets its own connection."""

import os
import threading

import kafka_sidecar as ks
from kafka_sidecar.testing import read_back


def _child(fn):
    """Runs fn() in a forked child; returns its exit status (0 = ok)."""
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            code = 0 if fn() else 2
        except BaseException:
            import traceback
            traceback.print_exc()
        finally:
            os._exit(code)
    return pid


def _wait(pid):
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def test_fork_with_connected_client_and_requests_in_flight(daemon, cluster,
                                                           topic):
    c = ks.Client(daemon.socket_path)
    parent_conn = c._conn if c.produce(topic, b"parent-0") else None
    stop = threading.Event()
    parent_ok = []

    def parent_work():  # keeps the shared locks busy while we fork
        i = 1
        while not stop.is_set():
            parent_ok.append(c.produce(topic, b"parent-%d" % i))
            i += 1

    t = threading.Thread(target=parent_work)
    t.start()
    children = []
    for n in range(3):
        def child_main(n=n):
            assert c._conn is None  # inherited connection dropped
            futures = [c.produce_async(topic, b"child%d-%d" % (n, i))
                       for i in range(100)]
            mds = [f.result(30) for f in futures]
            assert c._conn is not parent_conn
            assert c.flush(30) == 0
            return all(md.topic == topic for md in mds)
        children.append(_child(child_main))
    codes = [_wait(pid) for pid in children]
    stop.set()
    t.join()
    assert codes == [0, 0, 0]
    # The parent's connection was neither shut down nor confused.
    assert c._conn is parent_conn and not parent_conn.dead
    assert c.produce(topic, b"parent-last").topic == topic
    c.close()
    n_parent = 1 + len(parent_ok) + 1
    msgs = read_back(cluster.bootstrap, topic, n_parent + 300)
    values = {m.value() for m in msgs}
    assert {b"child%d-%d" % (n, i) for n in range(3)
            for i in range(100)} <= values


def test_client_created_before_fork_never_connected(daemon, topic):
    """gunicorn --preload: built in the master, used only in workers."""
    c = ks.Client(daemon.socket_path)
    pids = [_child(lambda: c.produce(topic, b"w").topic == topic)
            for _ in range(2)]
    assert [_wait(p) for p in pids] == [0, 0]
    assert c._conn is None  # the master never connected


def test_async_client_in_forked_child(daemon, topic):
    import asyncio
    a = ks.AsyncClient(daemon.socket_path)

    async def produce(v):
        return await a.produce(topic, v)

    assert asyncio.run(produce(b"parent")).topic == topic
    pid = _child(lambda: asyncio.run(produce(b"child")).topic == topic)
    assert _wait(pid) == 0
    assert asyncio.run(produce(b"parent again")).topic == topic
