"""Plain WSGI app producing to Kafka through kafka-sidecard (sync client),
meant for gunicorn with pre-forked workers and threads.

POST /items   body = the item (any bytes, JSON by convention), header
              X-Key = the Kafka key; blocks until Kafka acknowledged and
              answers {"partition", "offset", "timestamp", "worker"}.
POST /events  fire-and-forget, answers 202.
GET  /healthz daemon and Kafka status.

One Client per process, shared by all worker threads over one pipelined
connection. With `gunicorn --preload` it is created in the master before
the fork; each worker then transparently opens its own connection.
"""

import json
import os

from kafka_sidecar import (Client, ConnectionLostError,
                           DaemonUnavailableError, KafkaSidecarError,
                           ProduceError, ProduceTimeoutError)

ITEMS_TOPIC = os.environ.get("ITEMS_TOPIC", "items")
EVENTS_TOPIC = os.environ.get("EVENTS_TOPIC", "events")

kafka = Client(client_name="wsgi-example")


def _reply(start_response, status, body):
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"),
                            ("Content-Length", str(len(data)))])
    return [data]


def _error(start_response, exc):
    if isinstance(exc, DaemonUnavailableError):
        status = "503 Service Unavailable"
    elif isinstance(exc, (ConnectionLostError, ProduceTimeoutError)):
        status = "504 Gateway Timeout"  # outcome unknown
    elif isinstance(exc, ProduceError) and not exc.retriable:
        status = "422 Unprocessable Entity"
    else:
        status = "503 Service Unavailable"
    return _reply(start_response, status, {
        "error": type(exc).__name__, "name": getattr(exc, "name", None),
        "message": str(exc), "retriable": exc.retriable,
        "persistence": exc.persistence})


def app(environ, start_response):
    method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "/")
    try:
        if method == "POST" and path in ("/items", "/events"):
            size = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(size)
            key = environ.get("HTTP_X_KEY")
            if path == "/events":
                kafka.send(EVENTS_TOPIC, body, key=key)
                return _reply(start_response, "202 Accepted",
                              {"accepted": True})
            md = kafka.produce(ITEMS_TOPIC, body, key=key, timeout=10)
            return _reply(start_response, "200 OK", {
                "partition": md.partition, "offset": md.offset,
                "timestamp": md.timestamp,
                "timestamp_type": md.timestamp_type, "worker": os.getpid()})
        if method == "GET" and path == "/healthz":
            s = kafka.ping(timeout=2)
            return _reply(start_response, "200 OK", {
                "kafka_reachable": s.kafka_reachable,
                "brokers_up": s.brokers_up, "worker": os.getpid()})
        return _reply(start_response, "404 Not Found", {"error": "not found"})
    except KafkaSidecarError as e:
        return _error(start_response, e)
