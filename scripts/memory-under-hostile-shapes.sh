#!/usr/bin/env bash
# Peak memory of offerdeck's commands against a loopback service whose answers stay within the
# 8 MiB read cap but are shaped to expand: dense lists of `{}`, the most values an answer may hold,
# thousands of steps or job errors, pages of products. Each command must stay under 64 MiB,
# whether the answer is refused (a limit named, exit 8) or used (within what offerdeck keeps).
#
#   scripts/memory-under-hostile-shapes.sh [path/to/offerdeck]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/release/offerdeck}
[ -x "$bin" ] || cargo build --release --quiet
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (Debian package 'time')" >&2; exit 2; }
work=$(mktemp -d)
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT

# The service. The first path segment picks the shape: `dense` is 8 MiB of `{}` (refused),
# `fill` the most values one answer may hold (used), `pages` many pages of real-looking products.
cat >"$work/server.py" <<'PY'
import http.server, json, re
NEAR_8_MIB = (8 << 20) - 4096
FILL = 99_000  # values; the limit is 100,000

def dense(prefix, suffix):
    n = (NEAR_8_MIB - len(prefix) - len(suffix)) // 3
    return prefix + "{}," * n + "{}" + suffix

def fill(prefix, suffix, item="{}", values=1):
    n = FILL // values - 10
    return prefix + ",".join([item] * n) + suffix

def product(i):
    return {"id": "product/%08d-0000-0000-0000-000000000000" % i, "identity": {"externalId": "alpha" if i == 0 else "offer-%d" % i},
            "type": "azureVirtualMachine", "alias": "Product number %d of a long list" % i}

polls = {}
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def send(self, code, body, headers=()):
        data = body.encode()
        self.send_response(code)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)
    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length") or 0))
        shape = self.path.split("/")[1]
        if self.path.split("?")[0].endswith("/publish"):
            return self.send(202, "", [("location", "/%s/api/publishers/p/offers/o/operations/op1?api-version=2017-10-31" % shape)])
        if "/configure" in self.path:
            return self.send(202, json.dumps({"jobId": "j1", "jobStatus": "notStarted"}))
        self.send(404, "{}")
    def do_GET(self):
        path, _, query = self.path.partition("?")
        shape = path.split("/")[1]
        pick = lambda prefix, suffix, item="{}", values=1: dense(prefix, suffix) if shape == "dense" else fill(prefix, suffix, item, values)
        # Cloud Partner Portal.
        if path.endswith("/status") and "/api/publishers/" in path:
            return self.send(200, pick('{"status":"running","steps":[', "]}"))
        if "/operations/" in path:
            polls[shape] = polls.get(shape, 0) + 1
            status = "running" if polls[shape] < 5 else "failed"
            return self.send(200, pick('{"status":"%s","steps":[' % status, "]}"))
        if path.endswith("/offers"):
            return self.send(200, pick("[", "]"))
        # Product Ingestion.
        if path.endswith("/product"):
            if "externalId=" in query:
                alpha = json.dumps(product(0))
                body = '{"value":[' + alpha + "]}" if shape in ("jobs", "subs", "trees", "densetrees") else pick('{"value":[' + alpha + ",", "]}")
                return self.send(200, body)
            if shape == "pages":
                page = int((re.search(r"page=(\d+)", query) or [0, 0])[1])
                items = ",".join(json.dumps(product(page * 3300 + i)) for i in range(3300))
                link = ',"@nextLink":"product?$version=2022-07-01&page=%d"' % (page + 1) if page < 2 else ""
                return self.send(200, '{"value":[' + items + "]" + link + "}")
            return self.send(200, pick('{"value":[', '],"@nextLink":"product?$version=2022-07-01&page=1"}'))
        if "/resource-tree/" in path:
            # Two trees that differ everywhere: `trees` within the value limit (every resource
            # compared), `densetrees` 8 MiB of {} (refused).
            env = "live" if "targetType=live" in query else "preview"
            head = '{"$schema":"https://schema.mp.microsoft.com/schema/resource-tree/2022-03-01-preview2","root":"product/x","target":{"targetType":"%s"},"resources":[' % env
            if shape == "densetrees":
                return self.send(200, dense(head, "]}"))
            item = lambda i: '{"$schema":"https://schema.mp.microsoft.com/schema/listing/2022-03-01-preview5","id":"listing/x/%d","title":"%s title %d"}' % (i, env, i)
            return self.send(200, head + ",".join(item(i) for i in range(FILL // 5 - 10)) + "]}")
        if "/submission/" in path:
            if shape == "subs":
                return self.send(200, dense('{"value":[', "]}"))
            return self.send(200, '{"value":[]}')
        if path.endswith("/configure/j1/status"):
            error = '{"code":"invalidResource","message":"a problem with the plan"}'
            return self.send(200, fill('{"jobId":"j1","jobStatus":"completed","jobResult":"failed","errors":[', "]}", error, 3))
        self.send(404, "{}")

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
# One command against one shape: its peak RSS, exit code and the first line it said.
measure() {
  local shape=$1 label=$2
  shift 2
  cat >"$work/config.toml" <<TOML
[api]
base_url = "http://127.0.0.1:$port/$shape"
max_retries = 0
poll_interval = "100ms"
poll_interval_max = "100ms"
[ingestion]
base_url = "http://127.0.0.1:$port/$shape/rp/product-ingestion"
poll_interval = "100ms"
poll_interval_max = "100ms"
[[offers]]
publisher = "p"
offer = "o"
[[offers]]
publisher = "fabrikam"
offer = "alpha"
backend = "ingestion"
TOML
  rm -rf "$work/data"
  local code=0
  OFFERDECK_TOKEN=t OFFERDECK_INGESTION_TOKEN=t OFFERDECK_DATA_DIR="$work/data" \
    /usr/bin/time -f "%M" -o "$work/rss" timeout 120 "$bin" --config "$work/config.toml" "$@" \
    >"$work/out" 2>"$work/err" || code=$?
  local rss printed db said verdict=ok
  rss=$(tail -n 1 "$work/rss")
  printed=$(($(wc -c <"$work/out") + $(wc -c <"$work/err")))
  db=$(du -sk "$work/data" 2>/dev/null | cut -f1)
  said=$(grep -ho 'goes past [^;]*\|not kept[^)]*)\|leads back[^;]*' "$work/out" "$work/err" | head -n 1 || true)
  [ "$rss" -lt "$limit_kib" ] || { verdict="OVER the 64 MiB bound"; status=1; }
  printf '| %s | `%s` | %d MiB | %s | exit %d | %d KiB | %d KiB | %s |\n' \
    "$label" "$*" $((rss / 1024)) "$verdict" "$code" $((printed / 1024)) "${db:-0}" "${said:--}"
}

echo "| answer | command | peak RSS | bound | exit | printed | data folder | what it said |"
echo "| --- | --- | ---: | --- | --- | ---: | ---: | --- |"
measure dense "CPP status: 8 MiB of {} steps" status p/o --json
measure fill "CPP status: 99,000 {} steps" status p/o --json
measure dense "CPP offers list: 8 MiB of {}" discover --backend cpp --publisher p
measure fill "CPP offers list: 99,000 {}" discover --backend cpp --publisher p
measure fill "CPP operation: 99,000 {} steps, 5 polls" publish p/o --wait --json
measure dense "Ingestion product: 8 MiB of {}" status fabrikam/alpha --json
measure fill "Ingestion product: 99,000 {}" status fabrikam/alpha --json
measure subs "Ingestion submissions: 8 MiB of {}" status fabrikam/alpha --json
measure jobs "Ingestion job: 33,000 errors" publish fabrikam/alpha --wait --json
measure dense "Ingestion pages: 8 MiB of {} + @nextLink" discover --backend ingestion
measure fill "Ingestion pages: 99,000 {} + @nextLink" discover --backend ingestion
measure pages "Ingestion pages: 3 x 3,300 products" discover --backend ingestion --json

# The dashboard's `D` (what going live would change) over two large trees, driven in tmux at
# 80x24: Enter opens the detail view, D compares; the peak is read from /proc once it answered.
dashboard() {
  local shape=$1 label=$2 session="odmem-$$-$1"
  command -v tmux >/dev/null || { echo "| $label | dashboard D | needs tmux | | | | | |"; return; }
  measure "$shape" "$label (status first)" status fabrikam/alpha >/dev/null
  rm -rf "$work/data"
  tmux new-session -d -s "$session" -x 80 -y 24 \
    "exec env OFFERDECK_TOKEN=t OFFERDECK_INGESTION_TOKEN=t OFFERDECK_DATA_DIR=$work/data $bin --config $work/config.toml --no-mouse"
  local pid seen="" rss code=0
  pid=$(tmux list-panes -t "$session" -F '#{pane_pid}')
  for _ in $(seq 100); do tmux capture-pane -p -t "$session" | grep -q 'fabrikam/alpha' && break; sleep 0.2; done
  tmux send-keys -t "$session" j Enter
  sleep 0.5
  tmux send-keys -t "$session" D
  for _ in $(seq 600); do
    seen=$(tmux capture-pane -p -t "$session" | grep -o 'could not compare[^│]*\|[~+-] \[listing/[^│]*\|no differences found' | head -n 1 || true)
    [ -n "$seen" ] && break
    sleep 0.2
  done
  rss=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
  tmux kill-session -t "$session" 2>/dev/null || true
  local verdict=ok
  [ -n "$seen" ] || { verdict="no answer on screen"; status=1; code=1; }
  [ "$rss" -lt "$limit_kib" ] || { verdict="OVER the 64 MiB bound"; status=1; }
  printf '| %s | `dashboard: Enter, D` | %d MiB | %s | %s | - | - | %s |\n' \
    "$label" $((rss / 1024)) "$verdict" "$([ $code = 0 ] && echo shown || echo none)" "$(echo "${seen:--}" | cut -c1-60 | sed 's/ *$//')"
}
dashboard trees "Ingestion trees: 2 x 19,790 resources, all different"
dashboard densetrees "Ingestion trees: 8 MiB of {}"
exit $status
