#!/usr/bin/env bash
# Daemon CPU and context switches per record at low batching, per thread:
# `kafka-sidecar produce --batch 1 --window W` against a standalone mock
# cluster, daemon at -X linger.ms=$LINGER (default 0), read from
# /proc/PID/task/*/{stat,status}. PROFILE="perf record -g ..." wraps each run
# (attached with -p PID, output /tmp/ks-lowbatch-wW.out).
# Usage: N=10000 WINDOWS="1 16" bash bench/low_batching.sh build
set -euo pipefail
BUILD=$(cd "${1:-build}" && pwd)
N=${N:-20000}
WINDOWS=${WINDOWS:-"1 16"}
LINGER=${LINGER:-0}
cd "$(dirname "$0")/.."
source bench/lib.sh
ks_start_cluster 3
ks_start_daemon "$KS_TMP/sidecar.sock" -b "$KS_BOOTSTRAP" --log-level warn -X linger.ms=$LINGER
PID=$KS_DAEMON_PID
HZ=$(getconf CLK_TCK)
snap() { for t in /proc/$PID/task/*; do
  awk -v tid=${t##*/} '{ s=$0; sub(/^[^(]*\(/, "", s); name=substr(s,1,index(s,")")-1); sub(/^[^)]*\) /, "", s); split(s,f," "); print tid, name, f[12]+f[13] }' $t/stat | tr '\n' ' '; grep -h voluntary_ctxt $t/status | awk '{printf "%s ", $2}'; echo; done; }
seq 1 $N | sed 's/^/msg-/' > $KS_TMP/in.txt
# warm-up
"$BUILD/client/kafka-sidecar" produce -s "$KS_TMP/sidecar.sock" -t warm --batch 1 --window 16 < <(head -2000 $KS_TMP/in.txt) 2>/dev/null
for W in $WINDOWS; do
  snap > $KS_TMP/a
  if [ -n "${PROFILE:-}" ]; then $PROFILE -p $PID -o /tmp/ks-lowbatch-w$W.out & PROF=$!; sleep 0.5; fi
  start=$(date +%s.%N)
  "$BUILD/client/kafka-sidecar" produce -s "$KS_TMP/sidecar.sock" -t lb-$W --batch 1 --window $W < $KS_TMP/in.txt 2>$KS_TMP/cli.err
  end=$(date +%s.%N)
  snap > $KS_TMP/b
  if [ -n "${PROFILE:-}" ]; then kill -INT $PROF; wait $PROF || true; fi
  echo "== window $W linger $LINGER: $N records, $(awk -v a=$start -v b=$end 'BEGIN{printf "%.2f s, %.0f rec/s", b-a, '$N'/(b-a)}')"
  join <(sort $KS_TMP/a) <(sort $KS_TMP/b) | awk -v hz=$HZ -v n=$N '{ d=($7-$3)/hz; cs=($8-$4)+($9-$5); tot+=d; tcs+=cs; if (d>0||cs>n/10) printf "  %-8s %-18s %7.2f s  %7.1f us/rec %6.2f cs/rec\n", $1, $2, d, d*1e6/n, cs/n } END { printf "  %-27s %7.2f s  %7.1f us/rec %6.2f cs/rec\n", "TOTAL", tot, tot*1e6/n, tcs/n }'
done
