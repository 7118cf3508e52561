#!/usr/bin/env bash
# Where a watching dashboard's time goes: the dashboard watches 50 in-flight publishes polled
# every 5 s (fixed), under valgrind's callgrind, which counts instructions (repeatable on a
# shared machine, unlike timings). Counting starts after the start-up and lasts DURATION
# seconds (default 30); the script prints the instructions per second and the functions that
# take the most, inclusive. Needs tmux and valgrind. Usage: scripts/profile-watch.sh
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-30}
OFFERS=50
# BIN=path measures another build (an earlier commit's, side by side); OLD_CONFIG=1 leaves out
# poll_interval_max, for a build from before it (its polls were fixed anyway).
if [ -z "${BIN:-}" ]; then
  cargo build --profile profiling --quiet
  BIN=$PWD/target/profiling/offerdeck
fi
WORK=$(mktemp -d)
PORT=$((20000 + RANDOM % 20000))
export OFFERDECK_DEMO_SECRET=demo-secret
unset OFFERDECK_TOKEN OFFERDECK_CONFIG
cleanup() {
  tmux kill-session -t od-profile 2>/dev/null || true
  [ -n "${SIM:-}" ] && kill "$SIM" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# Time scale 1: the publishes stay in flight for days.
OFFERDECK_DATA_DIR=$WORK/sim "$BIN" simulate --addr 127.0.0.1:$PORT --time-scale 1 --offers $OFFERS >/dev/null &
SIM=$!
# Wait until the simulator listens (at most 10 s).
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done
{
  printf '[api]\nbase_url = "http://127.0.0.1:%s"\npoll_interval = "5s"\n' "$PORT"
  [ -n "${OLD_CONFIG:-}" ] || printf 'poll_interval_max = "5s"\n'
  printf '[auth]\ntenant_id = "t"\nclient_id = "offerdeck-demo"\nclient_secret_env = "OFFERDECK_DEMO_SECRET"\nauthority = "http://127.0.0.1:%s"\n' "$PORT"
  for i in $(seq -f '%04g' 1 $OFFERS); do
    printf '[[offers]]\npublisher = "bench"\noffer = "offer-%s"\nnotification_emails = ["ops@bench.com"]\n' "$i"
  done
} > "$WORK/config.toml"
for i in $(seq -f '%04g' 1 $OFFERS); do
  OFFERDECK_DATA_DIR=$WORK/data "$BIN" --config "$WORK/config.toml" publish "bench/offer-$i" >/dev/null 2>&1
done

tmux new-session -d -s od-profile -x 160 -y 60 \
  "OFFERDECK_DATA_DIR=$WORK/data valgrind --tool=callgrind --callgrind-out-file=$WORK/callgrind.out.%p $BIN --config $WORK/config.toml 2>$WORK/valgrind.err"
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
