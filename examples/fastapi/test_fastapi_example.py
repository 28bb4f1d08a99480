"""Runs examples/fastapi under uvicorn as its README shows, then talks HTTP."""

import json
import os
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from example_harness import free_port
import kafka_sidecar as ks
from kafka_sidecar.testing import read_back, timestamp_matches, unique_topic

HERE = os.path.dirname(os.path.abspath(__file__))


def _post(url, body):
    req = urllib.request.Request(url, data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def _start(serve, socket_path, items, events):
    port = free_port()
    serve(["/usr/bin/python3", "-m", "uvicorn", "app:app",
           "--port", str(port)], HERE,
          {"KAFKA_SIDECAR_SOCKET": socket_path, "ITEMS_TOPIC": items,
           "EVENTS_TOPIC": events}, "Uvicorn running on")
    return "http://127.0.0.1:%d" % port


def test_items_await_delivery_and_events_fire_and_forget(serve, daemon,
                                                         cluster):
    items, events = unique_topic("items"), unique_topic("events")
    cluster.create_topic(items, 3)
    cluster.create_topic(events, 1)
    base = _start(serve, daemon.socket_path, items, events)

    def add(i):
        return _post(base + "/items", {"id": "item-%d" % i,
                                       "name": "n%d" % i, "price": i + 0.5})

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(add, range(40)))
    assert all(status == 200 for status, _ in answers), answers[:3]
    for i in range(25):
        status, body = _post(base + "/events", {"user": "u%d" % i, "n": i})
        assert status == 202 and body == {"accepted": True}

    msgs = read_back(cluster.bootstrap, items, 40)
    got = {(m.partition(), m.offset()): m for m in msgs}
    for i, (_, body) in enumerate(answers):
        m = got[(body["partition"], body["offset"])]
        assert m.key() == b"item-%d" % i
        assert json.loads(m.value())["name"] == "n%d" % i
        assert timestamp_matches(ks.RecordMetadata(  # the Kafka timestamp
            items, body["partition"], body["offset"], body["timestamp"],
            body["timestamp_type"]), m)
        assert dict(m.headers())["content-type"] == b"application/json"
    ev = read_back(cluster.bootstrap, events, 25)
    assert sorted(json.loads(m.value())["n"] for m in ev) == list(range(25))


def test_app_starts_without_daemon_and_reports_it(serve, sock_dir):
    base = _start(serve, os.path.join(sock_dir, "nobody-home.sock"),
                  "items", "events")
    status, body = _post(base + "/items", {"id": "1", "name": "x",
                                           "price": 1})
    assert status == 503
    assert body["error"] == "DaemonUnavailableError"
    assert body["retriable"] is True and body["persistence"] == "NOT_PERSISTED"
