"""Helpers to run a real kafka-sidecard and a mock Kafka cluster in tests.

Not imported by the package itself. Used by this repository's tests,
examples and benchmark; usable by applications for their own integration
tests:

    with MockCluster(build + "/tools/kafka-sidecar-mock") as cluster, \\
         Daemon(build + "/daemon/kafka-sidecard", sock, cluster.bootstrap):
        ...

Readiness is read from the processes' stdout ("bootstrap: ...",
"serving: ..."), never guessed with sleeps.
"""

import os
import queue
import signal
import subprocess
import threading
import time
import uuid

READY_TIMEOUT = 30.0


def build_dir():
    """$KS_BUILD_DIR, else <repo>/build."""
    d = os.environ.get("KS_BUILD_DIR")
    if d:
        return d
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.normpath(os.path.join(here, "..", "..", "..", "build"))


def daemon_binary():
    return os.path.join(build_dir(), "daemon", "kafka-sidecard")


def mock_binary():
    return os.path.join(build_dir(), "tools", "kafka-sidecar-mock")


class _LineReader:
    """Reads a process's stdout lines on a thread so waits can time out."""

    def __init__(self, stream, echo_prefix=None):
        self.lines = queue.Queue()
        self.seen = []
        self._thread = threading.Thread(target=self._run, args=(stream,),
                                        daemon=True)
        self._thread.start()

    def _run(self, stream):
        for line in stream:
            line = line.rstrip("\n")
            self.seen.append(line)
            self.lines.put(line)
        self.lines.put(None)  # EOF

    def next(self, timeout):
        try:
            return self.lines.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError("no output within %ss" % timeout) from None

    def wait_for(self, prefix, timeout, proc, log_path=None):
        """Returns the rest of the first line starting with prefix."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            line = None
            if left > 0:
                try:
                    line = self.next(left)
                except TimeoutError:
                    line = None
            if line is None:
                raise RuntimeError("%s did not print %r (exit %s); output: %s%s"
                                   % (proc.args[0], prefix, proc.poll(),
                                      self.seen[-20:], _tail(log_path)))
            if line.startswith(prefix):
                return line[len(prefix):].strip()


def _tail(path, n=30):
    if not path or not os.path.exists(path):
        return ""
    with open(path, errors="replace") as f:
        return "\nlog tail:\n" + "".join(f.readlines()[-n:])


def _stop(proc, sig=signal.SIGTERM, timeout=15.0):
    if proc.poll() is not None:
        return proc.returncode
    proc.send_signal(sig)
    try:
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait()


class MockCluster:
    """The standalone librdkafka mock cluster (tools/kafka-sidecar-mock)."""

    def __init__(self, binary=None, args=(), log_path=None):
        self.binary = binary or mock_binary()
        self.log_path = log_path
        err = open(log_path, "ab") if log_path else subprocess.DEVNULL
        self.proc = subprocess.Popen(
            [self.binary, *args], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=err, text=True, bufsize=1)
        if log_path:
            err.close()
        self._out = _LineReader(self.proc.stdout)
        self._lock = threading.Lock()
        try:
            self.bootstrap = self._out.wait_for("bootstrap:", READY_TIMEOUT,
                                                self.proc, log_path)
        except Exception:
            self.close()
            raise

    def command(self, line, timeout=10.0):
        """Sends one command ("down 1", "topic t 3", ...); returns reply."""
        with self._lock:
            self.proc.stdin.write(line + "\n")
            self.proc.stdin.flush()
            reply = self._out.next(timeout)
        if reply is None or not reply.startswith("ok"):
            raise RuntimeError("mock cluster: %r -> %r" % (line, reply))
        return reply

    def create_topic(self, name, partitions):
        self.command("topic %s %d" % (name, partitions))

    def close(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                _stop(self.proc)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Daemon:
    """kafka-sidecard on a given socket; started at construction."""

    def __init__(self, socket_path, bootstrap=None, binary=None, args=(),
                 log_path=None):
        self.binary = binary or daemon_binary()
        self.socket_path = socket_path
        self.bootstrap = bootstrap
        self.args = list(args)
        self.log_path = log_path
        self.proc = None
        self.start()

    def start(self):
        assert self.proc is None or self.proc.poll() is not None
        cmd = [self.binary, "-s", self.socket_path]
        if self.bootstrap:
            cmd += ["-b", self.bootstrap]
        cmd += self.args
        err = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=err,
                                     text=True, bufsize=1)
        if self.log_path:
            err.close()
        self._out = _LineReader(self.proc.stdout)
        try:
            self._out.wait_for("serving:", READY_TIMEOUT, self.proc,
                               self.log_path)
        except Exception:
            _stop(self.proc, signal.SIGKILL)
            raise

    def stop(self, timeout=15.0):
        """SIGTERM (graceful: flush, answer everything); returns exit code."""
        return _stop(self.proc, signal.SIGTERM, timeout)

    def kill(self):
        """SIGKILL: the daemon dies without answering anything."""
        return _stop(self.proc, signal.SIGKILL)

    def restart(self):
        self.stop()
        self.start()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def unique_topic(prefix="t"):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:12])


def read_back(bootstrap, topic, count, timeout=30.0):
    """Reads `count` records of `topic` from the beginning with an
    independent client (python3-confluent-kafka), then checks that the
    topic holds exactly `count` (no duplicates). Returns the messages
    sorted by (partition, offset)."""
    from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

    c = Consumer({"bootstrap.servers": bootstrap,
                  "group.id": "ks-readback-" + uuid.uuid4().hex,
                  "enable.auto.commit": False,
                  "auto.offset.reset": "earliest"})
    try:
        md = c.list_topics(topic, timeout=10).topics[topic]
        if md.error is not None:
            raise RuntimeError("topic %s: %s" % (topic, md.error))
        parts = sorted(md.partitions)
        c.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in parts])
        msgs = []
        deadline = time.monotonic() + timeout
        while len(msgs) < count and time.monotonic() < deadline:
            for m in c.consume(min(1000, count - len(msgs)), 0.5):
                if m.error() is None:
                    msgs.append(m)
        total = 0
        for p in parts:
            lo, hi = c.get_watermark_offsets(TopicPartition(topic, p),
                                             timeout=10)
            total += hi - lo
        if len(msgs) != count or total != count:
            raise AssertionError("topic %s: read %d, log holds %d, expected %d"
                                 % (topic, len(msgs), total, count))
        msgs.sort(key=lambda m: (m.partition(), m.offset()))
        return msgs
    finally:
        c.close()


# librdkafka's mock broker answers every Produce with LogAppendTime = 1234
# (hard-coded in rdkafka_mock_handlers.c), so librdkafka - and hence the
# daemon - report timestamp 1234 of type LOG_APPEND_TIME for every record,
# while the log keeps the record's real CreateTime. A real broker answers -1
# for CreateTime topics and the record's own timestamp is reported.
MOCK_LOG_APPEND_TIME = 1234


def timestamp_matches(md, msg):
    """True if the reported metadata timestamp is what the log holds for
    `msg` (a confluent_kafka Message), allowing the mock broker's quirk."""
    if md.timestamp_type == "LOG_APPEND_TIME" and \
            md.timestamp == MOCK_LOG_APPEND_TIME:
        return True
    return md.timestamp == msg.timestamp()[1]
