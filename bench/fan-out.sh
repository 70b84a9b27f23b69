#!/usr/bin/env bash
# A hostile sitemap fan-out: every index lists FAN more indexes (default 50,000), forever, served
# over loopback by a small Python server that makes each index on the fly. Walks it with
# `nonce-audit sitemap` at the default budget and reports wall time, peak RSS and the requests
# the server saw, to show the walk stays bounded and ends by itself.
# Usage: bench/fan-out.sh [FAN]
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -q
BIN=$PWD/target/release/nonce-audit
FAN=${1:-50000}
PORT=${PORT:-18932}
WORK=$(mktemp -d)
cleanup() { [ -n "${SERVER:-}" ] && kill "$SERVER" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
python3 - "$PORT" "$FAN" "$WORK/hits" <<'PY' &
import sys, http.server, threading
port, fan, hits_file = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
base = f"http://127.0.0.1:{port}"
hits = [0]
lock = threading.Lock()
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        with lock:
            hits[0] += 1
            open(hits_file, "w").write(str(hits[0]))
        p = self.path
        if p == "/robots.txt":
            body = b"User-agent: *\nAllow: /\n"
            ctype = "text/plain"
        elif p == "/sitemap_index.xml":
            body = (f"<sitemapindex><sitemap><loc>{base}/pages.xml</loc></sitemap>"
                    f"<sitemap><loc>{base}/fan/r.xml</loc></sitemap></sitemapindex>").encode()
            ctype = "application/xml"
        elif p == "/pages.xml":
            body = f"<urlset><url><loc>{base}/one/</loc></url><url><loc>{base}/two/</loc></url></urlset>".encode()
            ctype = "application/xml"
        elif p.startswith("/fan/"):
            stem = p[5:-4]
            body = ("<sitemapindex>" + "".join(
                f"<sitemap><loc>{base}/fan/{stem}-{k}.xml</loc></sitemap>" for k in range(fan)
            ) + "</sitemapindex>").encode()
            ctype = "application/xml"
        else:
            self.send_response(404); self.send_header("Content-Length", "0"); self.end_headers(); return
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
http.server.ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()
PY
SERVER=$!
sleep 0.5
start=$(date +%s.%N)
/usr/bin/time -f '%M' -o "$WORK/rss" "$BIN" sitemap "http://127.0.0.1:$PORT/sitemap_index.xml" \
  --rate 0 -q >"$WORK/urls" 2>"$WORK/err" || true
end=$(date +%s.%N)
printf 'fan %s: %.2f s, peak RSS %.1f MB, %s requests, %s page URLs\n' "$FAN" \
  "$(echo "$end - $start" | bc)" "$(echo "$(cat "$WORK/rss") / 1024" | bc -l)" \
  "$(cat "$WORK/hits")" "$(wc -l <"$WORK/urls")"
grep -o 'sitemap budget reached[^;]*' "$WORK/err" | head -1 || true
