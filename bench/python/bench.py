#!/usr/bin/python3
"""Python producers side by side, same run, same cluster: prints a table.

  sidecar   kafka_sidecar.Client / AsyncClient through kafka-sidecard
  confluent python3-confluent-kafka in-process: the usual asyncio wrapper
            (a poll thread, futures resolved with call_soon_threadsafe)
  kafka-py  python3-kafka (kafka-python) with a pool of producers

Every scenario waits for Kafka's acknowledgement of every record (acks=all)
and runs for --seconds per repetition; the rate is records acknowledged per
second of wall time, median of --reps repetitions. Ratios compare rows of
this same run.

  /usr/bin/python3 bench/python/bench.py --bootstrap HOST:PORT --socket PATH

A cluster and a daemon must already be running (bench/run.sh starts them).
"""

import argparse
import asyncio
import os
import queue
import statistics
import sys
import threading
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "client", "python"))

import kafka_sidecar as ks  # noqa: E402


def new_topic():
    return "bench-py-" + uuid.uuid4().hex[:10]


# -- the work loops: each returns (records acknowledged, seconds) ----------

def run_threads(n_threads, seconds, one_call):
    """n_threads call one_call(i) until the deadline; returns (count, s)."""
    counts = [0] * n_threads
    errors = []
    start_gate = threading.Barrier(n_threads + 1)

    def work(t):
        start_gate.wait()
        n = 0
        try:
            while time.monotonic() < deadline:
                one_call(n)
                n += 1
        except Exception as e:  # reported, never hidden
            errors.append(e)
        counts[t] = n

    threads = [threading.Thread(target=work, args=(t,))
               for t in range(n_threads)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + seconds
    t0 = time.monotonic()
    start_gate.wait()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - t0
    if errors:
        raise RuntimeError("%d errors, first: %r" % (len(errors), errors[0]))
    return sum(counts), elapsed


async def run_tasks(n_tasks, seconds, one_call):
    counts = [0] * n_tasks
    deadline = time.monotonic() + seconds

    async def work(t):
        n = 0
        while time.monotonic() < deadline:
            await one_call(n)
            n += 1
        counts[t] = n

    t0 = time.monotonic()
    await asyncio.gather(*[work(t) for t in range(n_tasks)])
    return sum(counts), time.monotonic() - t0


# -- sidecar ---------------------------------------------------------------

def sidecar_sync(args, n_threads):
    topic = new_topic()
    value = b"x" * args.size
    with ks.Client(args.socket) as c:
        c.produce(topic, value)  # warm up: connection, topic metadata
        return run_threads(n_threads, args.seconds,
                           lambda i: c.produce(topic, value))


def sidecar_async(args, n_tasks):
    topic = new_topic()
    value = b"x" * args.size

    async def main():
        async with ks.AsyncClient(args.socket) as c:
            await c.produce(topic, value)
            return await run_tasks(n_tasks, args.seconds,
                                   lambda i: c.produce(topic, value))
    return asyncio.run(main())


def sidecar_async_send(args):
    """Out-of-band send() with on_delivery callbacks on the loop, keeping
    at most `window` records unanswered."""
    topic = new_topic()
    value = b"x" * args.size
    window = 10000

    async def main():
        async with ks.AsyncClient(args.socket) as c:
            await c.produce(topic, value)
            loop = asyncio.get_running_loop()
            state = {"done": 0, "sent": 0, "err": None, "wake": None}

            def on_delivery(err, md):
                state["done"] += 1
                if err is not None and state["err"] is None:
                    state["err"] = err
                w = state["wake"]
                if w is not None and not w.done():
                    w.set_result(None)

            t0 = time.monotonic()
            deadline = t0 + args.seconds
            while time.monotonic() < deadline:
                while state["sent"] - state["done"] < window:
                    c.send(topic, value, on_delivery=on_delivery)
                    state["sent"] += 1
                    if state["sent"] % 256 == 0:
                        break
                if state["sent"] - state["done"] >= window:
                    state["wake"] = loop.create_future()
                    await state["wake"]
                else:
                    await asyncio.sleep(0)
            await c.flush()
            if state["err"] is not None:
                raise state["err"]
            return state["done"], time.monotonic() - t0
    return asyncio.run(main())


def windowed(submit, window):
    """A call that keeps up to `window` futures in flight per thread: each
    call submits one record and, when the window is full, waits for the
    oldest. Returns the per-thread call (records are counted when
    submitted; run_windowed waits for the rest before the clock stops)."""
    local = threading.local()

    def one(i):
        q = getattr(local, "q", None)
        if q is None:
            q = local.q = []
            local.head = 0
        q.append(submit())
        if len(q) - local.head >= window:
            q[local.head].result(30) if hasattr(q[local.head], "result") \
                else q[local.head].get(timeout=30)
            q[local.head] = None
            local.head += 1
    return one, local


def sidecar_sync_pipelined(args, n_threads, window):
    topic = new_topic()
    value = b"x" * args.size
    with ks.Client(args.socket) as c:
        c.produce(topic, value)
        one, _ = windowed(lambda: c.produce_async(topic, value), window)
        n, s = run_threads(n_threads, args.seconds, one)
        t0 = time.monotonic()
        c.flush()  # every submitted record acknowledged
        return n, s + (time.monotonic() - t0)


# -- python3-confluent-kafka in-process --------------------------------------

def confluent_config(args):
    # Same producer settings as the daemon's defaults: idempotent, acks=all.
    return {"bootstrap.servers": args.bootstrap, "acks": "all",
            "enable.idempotence": True, "linger.ms": args.linger_ms}


class AIOProducer:
    """The usual asyncio wrapper around confluent_kafka.Producer: a thread
    polls for delivery reports and resolves asyncio futures with
    call_soon_threadsafe (as in confluent-kafka-python's examples)."""

    def __init__(self, config, loop):
        from confluent_kafka import Producer
        self._loop = loop
        self._producer = Producer(config)
        self._cancelled = False
        self._poll_thread = threading.Thread(target=self._poll_loop)
        self._poll_thread.start()

    def _poll_loop(self):
        while not self._cancelled:
            self._producer.poll(0.1)

    def close(self):
        self._cancelled = True
        self._poll_thread.join()
        self._producer.flush(30)

    def produce(self, topic, value):
        result = self._loop.create_future()

        def ack(err, msg):
            if err:
                self._loop.call_soon_threadsafe(
                    result.set_exception, RuntimeError(str(err)))
            else:
                self._loop.call_soon_threadsafe(result.set_result, msg)

        while True:
            try:
                self._producer.produce(topic, value, on_delivery=ack)
                return result
            except BufferError:
                self._producer.poll(0.01)


def confluent_async(args, n_tasks):
    topic = new_topic()
    value = b"x" * args.size

    async def main():
        p = AIOProducer(confluent_config(args), asyncio.get_running_loop())
        try:
            await p.produce(topic, value)
            return await run_tasks(n_tasks, args.seconds,
                                   lambda i: p.produce(topic, value))
        finally:
            p.close()
    return asyncio.run(main())


def confluent_sync(args, n_threads):
    """One shared Producer; each call produces and waits for its report."""
    from confluent_kafka import Producer
    topic = new_topic()
    value = b"x" * args.size
    p = Producer(confluent_config(args))
    stop = threading.Event()

    def poll():
        while not stop.is_set():
            p.poll(0.1)

    poller = threading.Thread(target=poll)
    poller.start()

    def one(i):
        done = threading.Event()
        box = []
        p.produce(topic, value,
                  on_delivery=lambda err, msg: (box.append(err), done.set()))
        done.wait()
        if box[0] is not None:
            raise RuntimeError(str(box[0]))

    try:
        one(0)
        return run_threads(n_threads, args.seconds, one)
    finally:
        stop.set()
        poller.join()
        p.flush(30)


# -- python3-kafka (kafka-python) with a pool of producers ------------------

def kafka_python(args, n_threads, pool_size):
    from kafka import KafkaProducer
    topic = new_topic()
    value = b"x" * args.size
    pool = queue.Queue()
    producers = [KafkaProducer(bootstrap_servers=args.bootstrap.split(","),
                               acks="all", linger_ms=args.linger_ms,
                               api_version=(2, 5, 0))
                 for _ in range(pool_size)]
    for p in producers:
        pool.put(p)

    def one(i):
        p = pool.get()
        try:
            fut = p.send(topic, value)
        finally:
            pool.put(p)
        fut.get(timeout=30)

    try:
        for p in producers:
            p.send(topic, value).get(timeout=30)
        return run_threads(n_threads, args.seconds, one)
    finally:
        for p in producers:
            p.close(10)


def kafka_python_pipelined(args, n_threads, pool_size, window):
    from kafka import KafkaProducer
    topic = new_topic()
    value = b"x" * args.size
    producers = [KafkaProducer(bootstrap_servers=args.bootstrap.split(","),
                               acks="all", linger_ms=args.linger_ms,
                               api_version=(2, 5, 0))
                 for _ in range(pool_size)]
    counter = iter(range(10**12))

    def submit():
        return producers[next(counter) % pool_size].send(topic, value)

    try:
        for p in producers:
            p.send(topic, value).get(timeout=30)
        one, _ = windowed(submit, window)
        n, s = run_threads(n_threads, args.seconds, one)
        t0 = time.monotonic()
        for p in producers:
            p.flush(60)  # every submitted record acknowledged
        return n, s + (time.monotonic() - t0)
    finally:
        for p in producers:
            p.close(10)


# -- table -------------------------------------------------------------------

def measure(name, fn, reps):
    rates = []
    for _ in range(reps):
        n, s = fn()
        rates.append(n / s)
    rate = statistics.median(rates)
    spread = (max(rates) - min(rates)) / rate * 100 if rate else 0
    print("  %-62s %10.0f msg/s  (±%.0f%%, %d reps)" % (name, rate, spread / 2,
                                                       reps), flush=True)
    return rate


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bootstrap", required=True)
    ap.add_argument("--socket", required=True)
    ap.add_argument("--seconds", type=float, default=2.0,
                    help="duration of one repetition (default 2)")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--size", type=int, default=100, help="value bytes")
    ap.add_argument("--window", type=int, default=64,
                    help="records in flight per thread, pipelined rows")
    ap.add_argument("--linger-ms", type=int, default=5,
                    help="linger.ms of the in-process peers (librdkafka's "
                         "default, like the daemon's)")
    ap.add_argument("--only", default="",
                    help="comma-separated scenario keys (sc_seq, sc_16, "
                         "sc_aio, sc_send, cf_aio, cf_seq, cf_16, kp_seq, "
                         "kp_16, sc_16p, kp_16p); default all")
    args = ap.parse_args()

    print("Python producers, %d-byte values, acks=all, linger.ms=%d, "
          "%gs x %d reps, median rate" % (args.size, args.linger_ms,
                                          args.seconds, args.reps))
    print("  cluster %s, daemon %s" % (args.bootstrap, args.socket))
    w = args.window
    scenarios = [
        ("sc_seq", "sidecar sync, sequential produce()",
         lambda: sidecar_sync(args, 1)),
        ("sc_16", "sidecar sync, 16 threads, one Client",
         lambda: sidecar_sync(args, 16)),
        ("sc_aio", "sidecar asyncio, 100 concurrent produce()",
         lambda: sidecar_async(args, 100)),
        ("sc_send", "sidecar asyncio, send() + on_delivery",
         lambda: sidecar_async_send(args)),
        ("cf_aio", "confluent-kafka asyncio wrapper, 100 concurrent",
         lambda: confluent_async(args, 100)),
        ("cf_seq", "confluent-kafka sync, sequential produce + wait",
         lambda: confluent_sync(args, 1)),
        ("cf_16", "confluent-kafka sync, 16 threads, one Producer",
         lambda: confluent_sync(args, 16)),
        ("kp_seq", "kafka-python, sequential send().get()",
         lambda: kafka_python(args, 1, 1)),
        ("kp_16", "kafka-python, 16 threads, pool of 4 producers",
         lambda: kafka_python(args, 16, 4)),
        ("sc_16p", "pipelined: sidecar sync, 16 thr x %d, produce_async()"
         % w, lambda: sidecar_sync_pipelined(args, 16, w)),
        ("kp_16p", "pipelined: kafka-python, 16 thr x %d, pool of 4" % w,
         lambda: kafka_python_pipelined(args, 16, 4, w)),
    ]
    only = set(args.only.split(",")) if args.only else None
    r = {}
    for key, label, fn in scenarios:
        if only is None or key in only:
            r[key] = measure("%-7s %s" % (key, label), fn, args.reps)

    print("\nRatios (same run, linger.ms=%d):" % args.linger_ms)
    rows = [
        ("sidecar asyncio / confluent-kafka asyncio wrapper", "sc_aio",
         "cf_aio", 1.0),
        ("sidecar sync 16 threads / kafka-python pool 16 threads", "sc_16",
         "kp_16", 10.0),
        ("sidecar sync sequential / kafka-python sequential", "sc_seq",
         "kp_seq", None),
        ("sidecar sync 16 threads / confluent-kafka sync 16 threads", "sc_16",
         "cf_16", None),
        ("sidecar sync sequential / confluent-kafka sync sequential",
         "sc_seq", "cf_seq", None),
        ("confluent-kafka sync 16 threads / kafka-python 16 threads",
         "cf_16", "kp_16", None),
        ("pipelined: sidecar sync 16 threads / kafka-python 16 threads",
         "sc_16p", "kp_16p", 10.0),
    ]
    for label, a, b, target in rows:
        if a not in r or b not in r:
            continue
        ratio = r[a] / r[b] if r[b] else float("inf")
        verdict = ""
        if target is not None:
            verdict = "  target >= %g: %s" % (
                target, "met" if ratio >= target else "NOT MET")
        print("  %-58s %6.2fx%s" % (label, ratio, verdict))

if __name__ == "__main__":
    main()
