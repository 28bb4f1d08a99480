"""Fixtures for the example tests: the shared daemon/cluster fixtures plus
`serve`, which runs an example server exactly as its README shows."""

import os
import sys
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
CLIENT_DIR = os.path.join(os.path.dirname(HERE), "client", "python")
sys.path.insert(0, CLIENT_DIR)
sys.path.insert(0, HERE)

from example_harness import Server  # noqa: E402
from kafka_sidecar.pytest_plugin import *  # noqa: E402,F401,F403


@pytest.fixture
def serve(sock_dir):
    """serve(cmd, cwd, extra_env, ready_text) -> Server, stopped after."""
    servers = []

    def start(cmd, cwd, extra_env, ready):
        env = dict(os.environ)
        env["PYTHONPATH"] = CLIENT_DIR + os.pathsep + env.get("PYTHONPATH", "")
        env.update(extra_env)
        s = Server(cmd, cwd, env, ready, os.path.join(
            sock_dir, "server-%d-%d.log" % (os.getpid(), time.monotonic_ns())))
        servers.append(s)
        return s

    yield start
    for s in servers:
        s.stop()
