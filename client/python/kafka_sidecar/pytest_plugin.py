"""pytest fixtures: a mock Kafka cluster and a real kafka-sidecard.

Use from a conftest.py with ``from kafka_sidecar.pytest_plugin import *``.
Binaries come from $KS_BUILD_DIR (else <repo>/build). If KS_BUILD_DIR is set
and a binary is missing the tests fail; if it is unset they are skipped.
"""

import os
import shutil
import tempfile

import pytest

from . import testing

from .client import Client

__all__ = ["cluster", "daemon", "sock_dir", "make_cluster", "make_daemon",
           "topic", "client", "require_binaries"]


def require_binaries():
    for b in (testing.daemon_binary(), testing.mock_binary()):
        if not os.access(b, os.X_OK):
            msg = "missing %s: run `make build` or set KS_BUILD_DIR" % b
            if os.environ.get("KS_BUILD_DIR"):
                pytest.fail(msg)
            pytest.skip(msg)


@pytest.fixture(scope="session")
def sock_dir():
    """A short temp dir (Unix socket paths are limited to 107 bytes)."""
    d = tempfile.mkdtemp(prefix="ks-", dir="/tmp")
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="session")
def cluster(sock_dir):
    """One mock cluster for the session; tests isolate by topic name."""
    require_binaries()
    c = testing.MockCluster(log_path=os.path.join(sock_dir, "mock.log"))
    yield c
    c.close()


@pytest.fixture(scope="session")
def daemon(cluster, sock_dir):
    """One daemon for the session, on <sock_dir>/ks.sock."""
    d = testing.Daemon(os.path.join(sock_dir, "ks.sock"), cluster.bootstrap,
                       log_path=os.path.join(sock_dir, "daemon.log"))
    yield d
    d.stop()


@pytest.fixture
def make_cluster(sock_dir):
    """Factory for a private cluster (fault injection), closed afterwards."""
    require_binaries()
    made = []

    def make(args=()):
        c = testing.MockCluster(args=args, log_path=os.path.join(
            sock_dir, "mock-%d.log" % len(made)))
        made.append(c)
        return c

    yield make
    for c in made:
        c.close()


@pytest.fixture
def make_daemon(sock_dir):
    """Factory for a private daemon, stopped afterwards. The socket path is
    chosen here unless given, so a test can use it before the daemon runs:
    make_daemon.path(name)."""
    require_binaries()
    made = []

    def make(bootstrap, socket_path=None, args=()):
        path = socket_path or make.path("d%d" % len(made))
        d = testing.Daemon(path, bootstrap, args=args, log_path=os.path.join(
            sock_dir, os.path.basename(path) + ".log"))
        made.append(d)
        return d

    make.path = lambda name: os.path.join(sock_dir, name + ".sock")
    yield make
    for d in made:
        d.stop()


@pytest.fixture
def topic(cluster):
    """A fresh topic with 3 partitions on the session cluster."""
    name = testing.unique_topic()
    cluster.create_topic(name, 3)
    return name


@pytest.fixture
def client(daemon):
    """A Client of the session daemon, closed (after a flush) afterwards."""
    c = Client(daemon.socket_path)
    yield c
    c.close(timeout=30)
