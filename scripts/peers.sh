#!/usr/bin/env bash
# Runs the maintained Python clients of the two APIs, unchanged, against `offerdeck simulate`:
# Red Hat's cloudpub 1.7.6 and SUSE's azure-img-utils 2.7.0 on Product Ingestion, and
# azure-img-utils 1.2.0 on the Cloud Partner Portal API. Each step prints PASS or FAIL; the
# script exits non-zero if any step failed. The virtual environments live under the cargo
# target directory (never committed); only loopback is contacted besides PyPI.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
target="${CARGO_TARGET_DIR:-$repo/target}"
work="$target/peers"
mkdir -p "$work"

venv() { # venv DIR PACKAGE...: a virtual environment with exactly these peers
    local dir="$1"; shift
    local stamp="$dir/.installed"
    if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$*" ]]; then
        rm -rf "$dir"
        python3 -m venv "$dir"
        "$dir/bin/pip" install --quiet --disable-pip-version-check "$@"
        echo "$*" > "$stamp"
    fi
}
venv "$work/ingestion" cloudpub==1.7.6 azure-img-utils==2.7.0
venv "$work/cpp" azure-img-utils==1.2.0

cargo build --release --quiet --manifest-path "$repo/Cargo.toml"
binary="$target/release/offerdeck"

# One simulator per run, on a free loopback port it picks itself; a fast clock (a day of
# certification in well under a second), so the peers' own waits end quickly.
log="$work/simulator.log"
"$binary" simulate --addr 127.0.0.1:0 --time-scale 200000 > "$log" 2>&1 &
simulator=$!
trap 'kill "$simulator" 2>/dev/null || true; wait "$simulator" 2>/dev/null || true' EXIT

address=""
for _ in $(seq 1 100); do
    address="$(sed -n 's/.*listening on \(http:\/\/127\.0\.0\.1:[0-9]*\)\/.*/\1/p' "$log")"
    [[ -n "$address" ]] && break
    kill -0 "$simulator" 2>/dev/null || { cat "$log"; echo "FAIL the simulator did not start"; exit 1; }
    sleep 0.1
done
[[ -n "$address" ]] || { echo "FAIL the simulator did not say where it listens"; exit 1; }
echo "simulator at $address"

status=0
export OFFERDECK_SIMULATOR="$address" PYTHONPATH="$here/peers" PYTHONDONTWRITEBYTECODE=1 \
    OFFERDECK_BINARY="$binary" OFFERDECK_DEMO_CONFIG="$repo/assets/demo.toml"
echo "== Product Ingestion: cloudpub 1.7.6, azure-img-utils 2.7.0"
timeout 600 "$work/ingestion/bin/python" "$here/peers/product_ingestion.py" || status=1
echo "== Cloud Partner Portal: azure-img-utils 1.2.0"
timeout 600 "$work/cpp/bin/python" "$here/peers/cpp.py" || status=1

if [[ $status -eq 0 ]]; then echo "peers: every step passed"; else echo "peers: some steps failed"; fi
exit $status
