#!/usr/bin/env bash
# Peak memory of `offerdeck offers` against a loopback server that answers with a 2 GiB body
# (and one that never ends). offerdeck reads at most 8 MiB of an answer, so its peak resident
# memory must stay under 64 MiB whatever the server sends.
#
#   scripts/memory-under-hostile-body.sh [path/to/offerdeck]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/release/offerdeck}
[ -x "$bin" ] || cargo build --release --quiet
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (Debian package 'time')" >&2; exit 2; }
work=$(mktemp -d)
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT

# The server: 2 GiB announced and sent for /big, chunks without end for /endless; loopback only.
cat >"$work/server.py" <<'PY'
import http.server, sys
CHUNK = b" " * (1 << 20)
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def do_GET(self):
        big = "/publishers/big/" in self.path
        self.send_response(200)
        self.send_header("content-type", "application/json")
        if big:
            self.send_header("content-length", str(2 << 30))
        else:
            self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        try:
            for _ in range(2048):  # 2 GiB at most, then stop
                if big:
                    self.wfile.write(CHUNK)
                else:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(CHUNK), CHUNK))
        except (BrokenPipeError, ConnectionResetError):
            pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
PY
python3 "$work/server.py" >"$work/port" &
server=$!
for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
port=$(cat "$work/port")

limit_kib=$((64 * 1024))
status=0
for publisher in big endless; do
  cat >"$work/config.toml" <<TOML
[api]
base_url = "http://127.0.0.1:$port"
max_retries = 0
request_timeout = "60s"
[[offers]]
publisher = "$publisher"
offer = "o"
TOML
  OFFERDECK_TOKEN=t OFFERDECK_DATA_DIR="$work/data" /usr/bin/time -f "%M" -o "$work/rss" \
    timeout 120 "$bin" --config "$work/config.toml" offers >"$work/out" 2>"$work/err" || true
  rss=$(tail -n 1 "$work/rss")
  verdict=ok
  [ "$rss" -lt "$limit_kib" ] || { verdict="OVER the 64 MiB bound"; status=1; }
  echo "$publisher body: peak RSS $((rss / 1024)) MiB ($verdict); $(grep -o 'goes past [0-9]* MiB[^;]*' "$work/out" "$work/err" | head -n 1 | cut -d: -f2-)"
done
exit $status
