#!/usr/bin/env bash
# Where a watching dashboard's time goes: the dashboard watches 50 in-flight publishes polled
# every 5 s (fixed), under valgrind's callgrind, which counts instructions (repeatable on a
# shared machine, unlike timings). Counting starts after the start-up and lasts DURATION
# seconds (default 30); the script prints the instructions per second and the functions that
# take the most, inclusive. Needs tmux and valgrind. Usage: scripts/profile-watch.sh (BIN=,
# OLD_CONFIG=: see scripts/bench-common.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-30}
OFFERS=50
. scripts/bench-common.sh
bench_binary profiling
bench_simulator od-profile $OFFERS
bench_config "$WORK/config.toml" 1 $OFFERS
for i in $(seq -f '%04g' 1 $OFFERS); do
  OFFERDECK_DATA_DIR=$WORK/data "$BIN" --config "$WORK/config.toml" publish "bench/offer-$i" >/dev/null 2>&1
done

tmux new-session -d -s od-profile -x 160 -y 60 \
  "OFFERDECK_DATA_DIR=$WORK/data OFFERDECK_DEMO_SECRET=$OFFERDECK_DEMO_SECRET valgrind --tool=callgrind --callgrind-out-file=$WORK/callgrind.out.%p $BIN --config $WORK/config.toml 2>$WORK/valgrind.err"
sleep 20 # start-up under valgrind is slow, and not what is measured
callgrind_control -z >/dev/null
sleep "$DURATION"
callgrind_control -d >/dev/null
sleep 2
tmux send-keys -t od-profile q
sleep 5
out=$(ls -t "$WORK"/callgrind.out.*.1 | head -1)
total=$(callgrind_annotate "$out" | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')
# Frames drawn: the calls of view::render (callgrind names a function in full once, then by
# its number).
id=$(grep -m1 -oE '^c?fn=\([0-9]+\) offerdeck::tui::view::render$' "$out" | grep -oE '\([0-9]+\)' || true)
frames=$(awk -v id="cfn=$id" '$1 == id { getline; sub("calls=", "", $1); n += $1 } END { print n + 0 }' "$out")
echo "watching $OFFERS publishes, 5 s polls, ${DURATION}s: $total instructions ($((total / DURATION)) a second), $frames frames"
# Each row: instructions, share, function (the source file's path left out; inlined frames
# repeat their caller's count).
callgrind_annotate --inclusive=yes "$out" | grep -E '^ *[0-9,]+ \(' |
  grep -E 'offerdeck::|ratatui|reqwest|hyper|rusqlite|serde_json' |
  sed -E -e 's/\[[^]]*\]$//' -e 's#\) +[^ ]*\.rs:#)  #' | awk '!seen[$0]++' | cut -c1-140 | head -"${TOP:-25}"
