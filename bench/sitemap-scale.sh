#!/usr/bin/env bash
# Walks a generated sitemap index of N URLs (default 1,000,000: 20 files of 50,000) with
# `nonce-audit sitemap` over loopback and reports wall time and peak RSS, to show the walk
# streams in flat memory. Usage: bench/sitemap-scale.sh [N ...]   (default: 10000 100000 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -q
BIN=$PWD/target/release/nonce-audit
WORK=$(mktemp -d)
PORT=${PORT:-18931}
cleanup() { [ -n "${SERVER:-}" ] && kill "$SERVER" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000 1000000)
python3 -m http.server "$PORT" --bind 127.0.0.1 --directory "$WORK" >/dev/null 2>&1 &
SERVER=$!
sleep 0.5
printf '%-10s %-8s %-12s %-12s %-14s\n' urls files wall_s urls_per_s peak_rss_mb
for n in "${sizes[@]}"; do
  dir="$WORK/n$n"
  mkdir -p "$dir"
  python3 - "$dir" "$n" "$PORT" <<'PY'
import sys
d, n, port = sys.argv[1], int(sys.argv[2]), sys.argv[3]
per = 50000
files = (n + per - 1) // per
base = f"http://127.0.0.1:{port}/{d.rsplit('/',1)[1]}"
with open(f"{d}/index.xml", "w") as idx:
    idx.write('<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n')
    for f in range(files):
        idx.write(f"<sitemap><loc>{base}/product-sitemap{f+1}.xml</loc></sitemap>\n")
        with open(f"{d}/product-sitemap{f+1}.xml", "w") as s:
            s.write('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">\n')
            for i in range(f*per, min(n, (f+1)*per)):
                s.write(f"<url><loc>https://127.0.0.1:{port}/product/widget-{i}/</loc><lastmod>2026-11-0{1+i%9}T10:00:00+00:00</lastmod><image:image><image:loc>https://127.0.0.1:{port}/img/{i}.jpg</image:loc></image:image></url>\n")
            s.write("</urlset>\n")
    idx.write("</sitemapindex>\n")
PY
  files=$(ls "$dir" | grep -c product-sitemap)
  start=$(date +%s.%N)
  /usr/bin/time -f '%M' -o "$WORK/rss" "$BIN" sitemap "http://127.0.0.1:$PORT/n$n/index.xml" \
      --rate 0 --allow-host 127.0.0.1 -q > "$WORK/out.txt"
  end=$(date +%s.%N)
  got=$(wc -l < "$WORK/out.txt")
  [ "$got" -eq "$n" ] || { echo "expected $n URLs, got $got" >&2; exit 1; }
  wall=$(python3 -c "print(f'{$end-$start:.2f}')")
  rate=$(python3 -c "print(int($n/($end-$start)))")
  rss=$(python3 -c "print(f'{$(cat "$WORK/rss")/1024:.1f}')")
  printf '%-10s %-8s %-12s %-12s %-14s\n' "$n" "$files" "$wall" "$rate" "$rss"
  rm -rf "$dir"
done
