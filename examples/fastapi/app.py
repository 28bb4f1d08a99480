"""FastAPI app producing to Kafka through kafka-sidecard (asyncio client).

POST /items   awaits Kafka's acknowledgement, answers where the item landed
              (partition, offset, Kafka timestamp) - or a precise error.
POST /events  fire-and-forget: answers 202 at once.
GET  /healthz daemon and Kafka status.

Run: see README.md next to this file.
"""

import json
import os

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from kafka_sidecar import (AsyncClient, ConnectionLostError,
                           DaemonUnavailableError, KafkaSidecarError,
                           ProduceError, ProduceTimeoutError)

ITEMS_TOPIC = os.environ.get("ITEMS_TOPIC", "items")
EVENTS_TOPIC = os.environ.get("EVENTS_TOPIC", "events")

app = FastAPI(title="kafka-sidecar FastAPI example")
# Module level is fine: no loop, no socket, no failure until first use.
# The socket comes from $KAFKA_SIDECAR_SOCKET (or the daemon's default).
kafka = AsyncClient(client_name="fastapi-example")


class Item(BaseModel):
    id: str
    name: str
    price: float


@app.post("/items")
async def create_item(item: Item):
    md = await kafka.produce(ITEMS_TOPIC, item.json(), key=item.id,
                             headers={"content-type": "application/json"},
                             timeout=10)
    return {"topic": md.topic, "partition": md.partition,
            "offset": md.offset, "timestamp": md.timestamp,
            "timestamp_type": md.timestamp_type}


@app.post("/events", status_code=202)
async def track_event(event: dict):
    kafka.send(EVENTS_TOPIC, json.dumps(event), key=event.get("user"))
    return {"accepted": True}


@app.get("/healthz")
async def healthz():
    status = await kafka.ping(timeout=2)
    return {"kafka_reachable": status.kafka_reachable,
            "brokers_up": status.brokers_up,
            "daemon_version": status.daemon_version}


@app.exception_handler(KafkaSidecarError)
async def kafka_error(request: Request, exc: KafkaSidecarError):
    # Never a 200 hiding an error: say what happened and whether a retry
    # is safe (persistence) and may help (retriable).
    if isinstance(exc, DaemonUnavailableError):
        status = 503
    elif isinstance(exc, (ConnectionLostError, ProduceTimeoutError)):
        status = 504  # outcome unknown
    elif isinstance(exc, ProduceError) and not exc.retriable:
        status = 422
    else:
        status = 503
    return JSONResponse(status_code=status, content={
        "error": type(exc).__name__,
        "name": getattr(exc, "name", None),
        "message": str(exc),
        "retriable": exc.retriable,
        "persistence": exc.persistence,
    })


@app.on_event("shutdown")
async def close_kafka():
    await kafka.close(timeout=5)
