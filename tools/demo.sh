#!/usr/bin/env bash
# make demo: the daemon with an embedded Kafka mock cluster, messages sent
# with the CLI, their acks, the records read back with kcat, an error, and a
# graceful shutdown.
set -euo pipefail
BUILD=$(cd "${1:-build}" && pwd)
cd "$(dirname "$0")/.."
source bench/lib.sh
CLI=$BUILD/client/kafka-sidecar
SOCK=$KS_TMP/demo.sock

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

ks_start_daemon "$SOCK" --dev
DAEMON=$KS_DAEMON_PID
step "kafka-sidecard --dev serves $SOCK (embedded Kafka at $KS_BOOTSTRAP)"

step "5 messages with key user-42, DELIVERED acks (partition, offset, timestamp per message)"
printf '%s\n' "signed up" "added item 17" "added item 4" "checked out" \
  "paid 42.00 EUR" | "$CLI" produce -s "$SOCK" -t demo-events -k user-42 --print-acks

step "1000 more, pipelined in batches"
seq 1 1000 | "$CLI" produce -s "$SOCK" -t demo-counter

step "read back from Kafka with kcat, an independent client"
kcat -C -b "$KS_BOOTSTRAP" -t demo-events -e -q \
  -f 'partition %p  offset %o  key %k  value %s\n'

step "a message to a partition that does not exist gets a precise error"
if echo "lost?" | "$CLI" produce -s "$SOCK" -t demo-events -p 99; then
  echo "unexpected success" >&2; exit 1
else
  echo "(exit status $?: the failure is reported, never silent)"
fi

step "ping: is the daemon up, is Kafka reachable?"
"$CLI" ping -s "$SOCK" || true

step "SIGTERM: graceful shutdown"
kill -TERM "$DAEMON"
wait "$DAEMON" && echo "kafka-sidecard exited with status 0"
KS_PIDS=()
sed 's/^/  daemon log: /' "$KS_TMP/daemon.err"
