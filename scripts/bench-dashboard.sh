#!/usr/bin/env bash
# Dashboard cost, measured on the release binary against the simulator on loopback:
#   - CPU while watching 50 in-flight publishes polled every 5 s, fixed (target <= 1 % of a core)
#   - CPU while idle: 50 other offers, nothing in flight (target < 0.5 %)
#   - peak RSS (VmHWM; target <= 15 MiB)
#   - time from process start to the first drawn frame (from the log)
# Each measurement is repeated RUNS times (default 3) over DURATION seconds (default 30); the
# medians are printed. Needs tmux. Usage: scripts/bench-dashboard.sh (BIN=, OLD_CONFIG=: see
# scripts/bench-common.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
DURATION=${DURATION:-30}
OFFERS=50
. scripts/bench-common.sh
bench_binary release
bench_simulator od-bench $((2 * OFFERS))
bench_config "$WORK/watching.toml" 1 $OFFERS
# The idle set: offers nothing ever ran on (the watched ones run at the service, and the
# dashboard would find and follow them).
bench_config "$WORK/idle.toml" $((OFFERS + 1)) $OFFERS

# The watched set: 50 publishes recorded in their own data folder.
mkdir -p "$WORK/watching" "$WORK/idle"
for i in $(seq -f '%04g' 1 $OFFERS); do
  OFFERDECK_DATA_DIR=$WORK/watching "$BIN" --config "$WORK/watching.toml" publish "bench/offer-$i" >/dev/null 2>&1
done

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

measure() { # $1 = data dir name; prints "cpu% rss_kib first_frame_ms"
  local data=$WORK/$1
  rm -f "$data/logs/offerdeck.log"
  tmux new-session -d -s od-bench -x 160 -y 60 \
    "OFFERDECK_DATA_DIR=$data OFFERDECK_DEMO_SECRET=$OFFERDECK_DEMO_SECRET $BIN --config $WORK/$1.toml"
  sleep 3 # start-up and the first round of requests are not part of the steady state
  local pid
  pid=$(tmux display-message -p -t od-bench '#{pane_pid}')
  local t0 t1
  t0=$(ticks "$pid")
  sleep "$DURATION"
  t1=$(ticks "$pid")
  local rss
  rss=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
  tmux send-keys -t od-bench C-c
  sleep 0.5
  tmux kill-session -t od-bench 2>/dev/null || true
  local first
  first=$(grep -o 'ms=[0-9.]*' "$data/logs/offerdeck.log" | head -1 | cut -d= -f2)
  awk -v a="$t0" -v b="$t1" -v hz="$hz" -v d="$DURATION" -v rss="$rss" -v f="$first" \
    'BEGIN { printf "%.3f %d %.1f\n", (b - a) / hz / d * 100, rss, f }'
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

for mode in watching idle; do
  : > "$WORK/$mode.results"
  for _ in $(seq "$RUNS"); do
    measure "$mode" >> "$WORK/$mode.results"
  done
  echo "$mode ($OFFERS offers, ${DURATION}s x $RUNS runs):"
  echo "  CPU % of one core, runs: $(cut -d' ' -f1 "$WORK/$mode.results" | tr '\n' ' ')  median: $(cut -d' ' -f1 "$WORK/$mode.results" | median)"
  echo "  peak RSS KiB, runs:      $(cut -d' ' -f2 "$WORK/$mode.results" | tr '\n' ' ')  median: $(cut -d' ' -f2 "$WORK/$mode.results" | median)"
  echo "  first frame ms, runs:    $(cut -d' ' -f3 "$WORK/$mode.results" | tr '\n' ' ')  median: $(cut -d' ' -f3 "$WORK/$mode.results" | median)"
done
