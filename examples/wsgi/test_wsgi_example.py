"""Runs examples/wsgi under gunicorn (pre-forked workers with threads) as
its README shows, then sends concurrent requests."""

import json
import os
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from example_harness import free_port
import kafka_sidecar as ks
from kafka_sidecar.testing import read_back, timestamp_matches, unique_topic

HERE = os.path.dirname(os.path.abspath(__file__))


def _post(url, body, key):
    req = urllib.request.Request(url, data=body, headers={"X-Key": key})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_threaded_preforked_workers(serve, daemon, cluster):
    items, events = unique_topic("items"), unique_topic("events")
    cluster.create_topic(items, 3)
    cluster.create_topic(events, 2)
    port = free_port()
    serve(["/usr/bin/gunicorn", "--preload", "--workers", "2",
           "--threads", "8", "--bind", "127.0.0.1:%d" % port, "app:app"],
          HERE, {"KAFKA_SIDECAR_SOCKET": daemon.socket_path,
                 "ITEMS_TOPIC": items, "EVENTS_TOPIC": events},
          "Listening at")
    base = "http://127.0.0.1:%d" % port

    def add(i):
        return _post(base + "/items", b"item-%d" % i, "k%d" % i)

    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(add, range(120)))
        fired = list(pool.map(
            lambda i: _post(base + "/events", b"ev-%d" % i, "e"), range(40)))
    assert all(s == 200 for s, _ in answers), answers[:3]
    assert all(s == 202 for s, _ in fired)
    msgs = read_back(cluster.bootstrap, items, 120)
    got = {(m.partition(), m.offset()): m for m in msgs}
    for i, (_, body) in enumerate(answers):
        m = got[(body["partition"], body["offset"])]
        assert (m.key(), m.value()) == (b"k%d" % i, b"item-%d" % i)
        assert timestamp_matches(ks.RecordMetadata(
            items, body["partition"], body["offset"], body["timestamp"],
            body["timestamp_type"]), m)
    ev = read_back(cluster.bootstrap, events, 40)
    assert {m.value() for m in ev} == {b"ev-%d" % i for i in range(40)}
    with urllib.request.urlopen(base + "/healthz", timeout=10) as r:
        assert json.loads(r.read())["kafka_reachable"] is True
