"""The committed sidecar_pb2.py must be exactly what protoc makes of
proto/sidecar.proto. Regenerate with (from the repository root):

    protoc -Iproto --python_out=client/python/kafka_sidecar proto/sidecar.proto
"""

import os
import shutil
import subprocess

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
PROTO = os.path.join(REPO, "proto", "sidecar.proto")
COMMITTED = os.path.join(REPO, "client", "python", "kafka_sidecar",
                         "sidecar_pb2.py")


def test_generated_module_matches_proto(tmp_path):
    protoc = shutil.which("protoc") or "/usr/bin/protoc"
    if not os.access(protoc, os.X_OK):
        pytest.fail("protoc not found (Debian package protobuf-compiler)")
    subprocess.run([protoc, "-I" + os.path.dirname(PROTO),
                    "--python_out=" + str(tmp_path), PROTO], check=True)
    fresh = (tmp_path / "sidecar_pb2.py").read_bytes()
    with open(COMMITTED, "rb") as f:
        committed = f.read()
    assert committed == fresh, (
        "client/python/kafka_sidecar/sidecar_pb2.py is stale; regenerate: "
        "protoc -Iproto --python_out=client/python/kafka_sidecar "
        "proto/sidecar.proto")


def test_wire_enums_match_client_names():
    """The client maps wire enums to short names; new values must map."""
    from kafka_sidecar import errors, sidecar_pb2 as pb
    assert set(errors._CODE_NAMES.values()) >= {
        "KAFKA", "INVALID_REQUEST", "FRAME_TOO_LARGE", "NOT_ALLOWED",
        "QUEUE_FULL", "SHUTTING_DOWN", "UNSUPPORTED_VERSION", "INTERNAL"}
    for name in pb.ErrorCode.keys():
        code = name[len("ERROR_CODE_"):]
        if code not in ("UNSPECIFIED", "INTERNAL"):
            assert code in errors._BY_CODE, code
