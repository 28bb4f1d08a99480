"""Runs an example server as a subprocess and waits for its ready line."""

import socket
import subprocess
import threading


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A subprocess whose output is watched for a readiness line."""

    def __init__(self, cmd, cwd, env, ready, log_path, timeout=60):
        self.log_path = log_path
        self.lines = []
        self.proc = subprocess.Popen(cmd, cwd=cwd, env=env, text=True,
                                     stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        self._ready = threading.Event()
        threading.Thread(target=self._pump, args=(ready,), daemon=True).start()
        if not self._ready.wait(timeout) or self.proc.poll() is not None:
            self.stop()
            raise RuntimeError("%s not ready: %s" % (cmd, self.lines[-30:]))

    def _pump(self, ready):
        with open(self.log_path, "a") as log:
            for line in self.proc.stdout:
                self.lines.append(line.rstrip())
                log.write(line)
                log.flush()
                if ready in line:
                    self._ready.set()
        self._ready.set()  # EOF: let the waiter see the exit

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

