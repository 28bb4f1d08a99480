#!/usr/bin/env bash
# make bench: the same messages pushed (a) by kcat -P straight to the
# cluster, the librdkafka ceiling, and (b) by `kafka-sidecar produce` through
# the daemon with DELIVERED acks. Same cluster, same producer settings,
# alternating runs; prints each run, the medians and the ratio.
set -euo pipefail
BUILD=$(cd "${1:-build}" && pwd)
MESSAGES=${MESSAGES:-1000000}
SIZE=${SIZE:-100}
RUNS=${RUNS:-3}
cd "$(dirname "$0")/.."
source bench/lib.sh

# Producer settings shared by both paths (the daemon's defaults).
PRODUCER_PROPS=(-X enable.idempotence=true -X acks=all -X linger.ms=5)

ks_start_cluster 3
ks_start_daemon "$KS_TMP/sidecar.sock" -b "$KS_BOOTSTRAP" --log-level warn

if [ "${SKIP_CPP:-0}" != 1 ]; then

INPUT=$KS_TMP/input.txt
awk -v n="$MESSAGES" -v s="$SIZE" 'BEGIN {
  pad = sprintf("%" s "s", ""); gsub(/ /, "x", pad);
  for (i = 0; i < n; i++) { m = i "-" pad; print substr(m, 1, s) } }' >"$INPUT"

seconds() { date +%s.%N; }
rate() { awk -v n="$MESSAGES" -v t="$1" 'BEGIN { printf "%.0f", n / t }'; }
median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

run_kcat() {
  kcat -P -b "$KS_BOOTSTRAP" -t "$1" "${PRODUCER_PROPS[@]}" <"$INPUT"
}
run_sidecar() {
  "$BUILD/client/kafka-sidecar" produce -s "$KS_TMP/sidecar.sock" -t "$1" \
    --ack delivered <"$INPUT" 2>"$KS_TMP/cli.err" ||
    { cat "$KS_TMP/cli.err" >&2; return 1; }
}

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -r)"
echo "workload: $MESSAGES messages of $SIZE bytes, acks=all, idempotent, $RUNS runs each"
printf '%-28s %8s %12s\n' "path" "run" "msg/s"
: >"$KS_TMP/kcat.rates"; : >"$KS_TMP/sidecar.rates"
for run in $(seq 1 "$RUNS"); do
  for path in kcat sidecar; do
    topic="bench-$path-$run"
    start=$(seconds)
    "run_$path" "$topic"
    elapsed=$(awk -v a="$start" -v b="$(seconds)" 'BEGIN { print b - a }')
    stored=$(ks_high_watermarks "$topic")
    if [ "$stored" -ne "$MESSAGES" ]; then
      echo "FAIL: $path run $run stored $stored of $MESSAGES messages" >&2
      exit 1
    fi
    r=$(rate "$elapsed")
    echo "$r" >>"$KS_TMP/$path.rates"
    printf '%-28s %8s %12s\n' "$path" "$run" "$r"
  done
done
kcat_median=$(median <"$KS_TMP/kcat.rates")
sidecar_median=$(median <"$KS_TMP/sidecar.rates")
echo
printf '%-40s %12s msg/s\n' "kcat -P straight to Kafka (median)" "$kcat_median"
printf '%-40s %12s msg/s\n' "kafka-sidecar produce, DELIVERED (median)" "$sidecar_median"
awk -v s="$sidecar_median" -v k="$kcat_median" \
  'BEGIN { printf "ratio sidecar / kcat: %.2fx (target >= 0.80x)\n", s / k }'
fi

# The Python table once per linger.ms: 5 is librdkafka's and the daemon's
# default, 0 is kafka-python's. The daemon is restarted with each value so
# every producer in a table runs with the same setting.
if [ -f bench/python/bench.py ] && [ "${SKIP_PYTHON:-0}" != 1 ]; then
  for linger in ${PY_LINGERS:-5 0}; do
    kill -TERM "$KS_DAEMON_PID" && wait "$KS_DAEMON_PID" || true
    rm -f "$KS_TMP/sidecar.sock" "$KS_TMP/daemon.out" "$KS_TMP/daemon.err"
    ks_start_daemon "$KS_TMP/sidecar.sock" -b "$KS_BOOTSTRAP" --log-level warn \
      -X "linger.ms=$linger"
    echo
    /usr/bin/python3 bench/python/bench.py --bootstrap "$KS_BOOTSTRAP" \
      --socket "$KS_TMP/sidecar.sock" --linger-ms "$linger" ${PY_BENCH_ARGS:-}
  done
fi
