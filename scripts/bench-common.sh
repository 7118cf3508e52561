# Shared by the dashboard benchmarks (sourced, not run): the binary to measure, a simulator at
# the service's own pace on a loopback port, and the config of a set of its offers.
#
# BIN=path measures another build (an earlier commit's, side by side); OLD_CONFIG=1 leaves out
# poll_interval_max, for a build from before it (its polls were fixed anyway).

# bench_binary PROFILE: builds the project with that cargo profile unless BIN is set.
bench_binary() {
  if [ -z "${BIN:-}" ]; then
    cargo build --profile "$1" --quiet
    BIN=$PWD/target/$1/offerdeck
  fi
}

# bench_simulator SESSION OFFERS: a simulator serving OFFERS offers at time scale 1 (publishes
# stay in flight for days), in a fresh WORK folder; on exit the tmux SESSION, the simulator
# and WORK go.
bench_simulator() {
  BENCH_SESSION=$1
  WORK=$(mktemp -d)
  PORT=$((20000 + RANDOM % 20000))
  export OFFERDECK_DEMO_SECRET=demo-secret
  unset OFFERDECK_TOKEN OFFERDECK_CONFIG
  trap bench_cleanup EXIT
  # A tmux server already running keeps its own environment: commands started in it are given
  # what they need on their command line.
  OFFERDECK_DATA_DIR=$WORK/sim "$BIN" simulate --addr "127.0.0.1:$PORT" --time-scale 1 --offers "$2" >/dev/null &
  SIM=$!
  # Wait until the simulator listens (at most 10 s).
  for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done
}

bench_cleanup() {
  tmux kill-session -t "$BENCH_SESSION" 2>/dev/null || true
  [ -n "${SIM:-}" ] && kill "$SIM" 2>/dev/null || true
  [ -n "${KEEP_WORK:-}" ] && echo "kept $WORK" >&2 || rm -rf "$WORK"
}

# bench_config FILE FIRST COUNT: a config of offers FIRST to FIRST+COUNT-1, polled every 5 s.
bench_config() {
  {
    printf '[api]\nbase_url = "http://127.0.0.1:%s"\npoll_interval = "5s"\n' "$PORT"
    [ -n "${OLD_CONFIG:-}" ] || printf 'poll_interval_max = "5s"\n'
    printf '[auth]\ntenant_id = "t"\nclient_id = "offerdeck-demo"\nclient_secret_env = "OFFERDECK_DEMO_SECRET"\nauthority = "http://127.0.0.1:%s"\n' "$PORT"
    for i in $(seq -f '%04g' "$2" $(($2 + $3 - 1))); do
      printf '[[offers]]\npublisher = "bench"\noffer = "offer-%s"\nnotification_emails = ["ops@bench.com"]\n' "$i"
    done
  } >"$1"
}
