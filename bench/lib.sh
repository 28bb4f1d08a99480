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

# ks_spawn NAME CMD... runs CMD in the background with its stdout on a fifo
# this shell reads (event-driven: no polling, no sleeps); sets KS_PID and
# KS_OUT_FD (the fifo's read end, kept open so the writer never gets EPIPE).
ks_spawn() {
  local name=$1; shift
  mkfifo "$KS_TMP/$name.out"
  "$@" <"${KS_STDIN:-/dev/null}" >"$KS_TMP/$name.out" 2>"$KS_TMP/$name.err" &
  KS_PID=$!
  KS_PIDS+=($KS_PID)
  exec {KS_OUT_FD}<"$KS_TMP/$name.out"
}

# ks_read_line FD PREFIX prints the rest of the first line starting with
# PREFIX read from FD (30 s at most).
ks_read_line() {
  local fd=$1 prefix=$2 line
  while IFS= read -r -t 30 -u "$fd" line; do
    if [[ $line == "$prefix"* ]]; then
      echo "${line#"$prefix"}"
      return 0
    fi
  done
  echo "timed out waiting for '$prefix'" >&2
  return 1
}

# Starts a standalone mock cluster; sets KS_BOOTSTRAP and KS_MOCK_FD (write
# fault-injection commands to it).
ks_start_cluster() {
  mkfifo "$KS_TMP/mock.in"
  # Opened read-write so it does not block; held open so stdin never ends.
  exec {KS_MOCK_FD}<>"$KS_TMP/mock.in"
  KS_STDIN=$KS_TMP/mock.in ks_spawn mock "$BUILD/tools/kafka-sidecar-mock" \
    --brokers "${1:-3}"
  KS_BOOTSTRAP=$(ks_read_line "$KS_OUT_FD" "bootstrap: ")
}

# ks_start_daemon SOCKET [daemon args...]; sets KS_DAEMON_PID. With --dev,
# KS_BOOTSTRAP is the embedded cluster's.
ks_start_daemon() {
  local socket=$1; shift
  ks_spawn daemon "$BUILD/daemon/kafka-sidecard" -s "$socket" "$@"
  KS_DAEMON_PID=$KS_PID
  local line
  while IFS= read -r -t 30 -u "$KS_OUT_FD" line; do
    case $line in
      "dev cluster: "*) KS_BOOTSTRAP=${line#"dev cluster: "} ;;
      "serving: "*) return 0 ;;
    esac
  done
  echo "kafka-sidecard did not start:" >&2
  cat "$KS_TMP/daemon.err" >&2
  return 1
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
