# Shared helpers for the demo and the benchmarks: start a mock cluster or a
# daemon in the background and wait for its readiness line (no sleeps).
# Source it; set BUILD first. Everything started is stopped on exit.

KS_PIDS=()
KS_TMP=$(mktemp -d /tmp/kafka-sidecar.XXXXXX)

ks_cleanup() {
  for pid in "${KS_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${KS_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$KS_TMP"
}
trap ks_cleanup EXIT

# ks_wait_line FILE PREFIX -> prints the rest of the first line starting
# with PREFIX, waiting (bounded) for the writer to produce it.
ks_wait_line() {
  local file=$1 prefix=$2 line
  # tail -F follows the file as it grows; grep -m1 stops at the first match.
  line=$(timeout 30 tail -n +1 -F "$file" 2>/dev/null | grep -m1 "^$prefix") ||
    { echo "timed out waiting for '$prefix' in $file" >&2; return 1; }
  echo "${line#"$prefix"}"
}

# Starts a standalone mock cluster; sets KS_BOOTSTRAP and KS_MOCK_IN (a fifo
# accepting fault-injection commands).
ks_start_cluster() {
  KS_MOCK_IN=$KS_TMP/mock.in
  mkfifo "$KS_MOCK_IN"
  "$BUILD/tools/kafka-sidecar-mock" --brokers "${1:-3}" \
    <"$KS_MOCK_IN" >"$KS_TMP/mock.out" 2>"$KS_TMP/mock.err" &
  KS_PIDS+=($!)
  exec {KS_MOCK_FD}>"$KS_MOCK_IN"  # keep its stdin open
  KS_BOOTSTRAP=$(ks_wait_line "$KS_TMP/mock.out" "bootstrap: ")
}

# ks_start_daemon SOCKET [daemon args...]; sets KS_DAEMON_PID.
ks_start_daemon() {
  local socket=$1; shift
  "$BUILD/daemon/kafka-sidecard" -s "$socket" "$@" \
    >"$KS_TMP/daemon.out" 2>"$KS_TMP/daemon.err" &
  KS_DAEMON_PID=$!
  KS_PIDS+=($KS_DAEMON_PID)
  ks_wait_line "$KS_TMP/daemon.out" "serving: " >/dev/null
}

# Sum of high watermarks of a topic (independent client: confluent-kafka).
ks_high_watermarks() {
  /usr/bin/python3 - "$KS_BOOTSTRAP" "$1" <<'PY'
import sys
from confluent_kafka import Consumer, TopicPartition
c = Consumer({"bootstrap.servers": sys.argv[1], "group.id": "ks-bench"})
md = c.list_topics(sys.argv[2], timeout=10).topics[sys.argv[2]]
print(sum(c.get_watermark_offsets(TopicPartition(sys.argv[2], p), timeout=10)[1]
          for p in md.partitions))
c.close()
PY
}
