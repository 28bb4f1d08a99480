#!/usr/bin/python3
"""Writes the request fuzzer's seed corpus (fuzz/corpus/) from sidecar.proto.

Usage: fuzz/make_seeds.py   (Debian python3-protobuf and protoc)
"""
import os
import struct
import subprocess
import sys
import tempfile

here = os.path.dirname(os.path.abspath(__file__))
proto_dir = os.path.join(here, "..", "proto")
with tempfile.TemporaryDirectory() as gen:
    subprocess.check_call(["protoc", "-I", proto_dir, "--python_out", gen,
                           os.path.join(proto_dir, "sidecar.proto")])
    sys.path.insert(0, gen)
    import sidecar_pb2 as pb


def frame(msg):
    body = msg if isinstance(msg, bytes) else msg.SerializeToString()
    return struct.pack(">I", len(body)) + body


def produce(rid, topic="fuzz", n=1, ack=pb.ACK_MODE_DELIVERED, **record):
    req = pb.Request(id=rid)
    req.produce.ack = ack
    for i in range(n):
        r = req.produce.records.add(topic=topic, value=b"v%d" % i)
        for k, v in record.items():
            if k == "headers":
                for hk, hv in v:
                    h = r.headers.add(key=hk)
                    if hv is not None:
                        h.value = hv
            else:
                setattr(r, k, v)
    return req


seeds = {
    "hello": frame(pb.Request(id=1, hello=pb.Hello(max_version=1,
                                                   client_name="seed"))),
    "ping": frame(pb.Request(id=2, ping=pb.PingRequest())),
    "produce_delivered": frame(produce(3, n=3, key=b"k")),
    "produce_accepted": frame(produce(4, ack=pb.ACK_MODE_ACCEPTED)),
    "produce_none": frame(produce(5, ack=pb.ACK_MODE_NONE)),
    "produce_fail_fast": frame(pb.Request(id=6, produce=pb.ProduceRequest(
        records=[pb.Record(topic="fuzz", value=b"x")], fail_fast=True))),
    "headers_partition_ts": frame(produce(
        7, partition=1, timestamp_ms=1700000000000,
        headers=[("a", b"1"), ("null", None)])),
    "bad_partition": frame(produce(8, partition=-5)),
    "bad_topic": frame(produce(9, topic="bad topic!")),
    "empty_produce": frame(pb.Request(id=10, produce=pb.ProduceRequest())),
    "unknown_kind": frame(b"\x08\x0b\x92\x03\x00"),
    "garbage_frame": frame(b"\xff\xff\xff garbage"),
    "zero_frame": frame(b""),
    "oversize": b"\x00\x01\x00\x00",
    "pipeline": b"".join(frame(produce(i, n=2)) for i in range(20, 25))
    + frame(pb.Request(id=26, ping=pb.PingRequest())),
    "truncated": frame(produce(30, n=2))[:-3],
}
out = os.path.join(here, "corpus")
os.makedirs(out, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
print("wrote %d seeds to %s" % (len(seeds), out))
