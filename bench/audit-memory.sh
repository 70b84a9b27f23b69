#!/usr/bin/env bash
# Peak RSS of a whole audit as the sitemaps grow while the audited pages stay the same: the site
# lists N URLs (default 10,000, 100,000 and 1,000,000) and `--include '/product/p[0-9][0-9][0-9]/'`
# keeps the same 900 of them (p100 to p999), so every run walks all N sitemap URLs through the
# audit pipeline but fetches, probes and reports 900 pages. Per-page rows aside, this is the
# memory of the audit itself as the site grows.
# The sitemap files hold PER_SITEMAP URLs each (default 50,000, the protocol's maximum; about
# 11 MB per file with the image tags). One file's body is held while it is parsed, so the largest
# file, not the number of URLs, is what moves the peak: PER_SITEMAP=10000 shows it.
#   bash bench/audit-memory.sh [N ...]
#   PER_SITEMAP=10000 bash bench/audit-memory.sh
set -euo pipefail
PER_SITEMAP=${PER_SITEMAP:-50000}
cd "$(dirname "$0")/.."
cargo build --release --locked -q --bin nonce-audit --example bench_server
BIN=$PWD/target/release/nonce-audit
WORK=$(mktemp -d)
SERVER=
cleanup() { [ -z "$SERVER" ] || kill "$SERVER" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000 1000000)
printf '| sitemap URLs | sitemap files | pages audited | wall | peak RSS |\n|---:|---:|---:|---:|---:|\n'
for n in "${sizes[@]}"; do
  rm -f "$WORK/port"
  target/release/examples/bench_server --pages "$n" --per-sitemap "$PER_SITEMAP" --port-file "$WORK/port" 2>/dev/null &
  SERVER=$!
  for _ in $(seq 300); do [ -s "$WORK/port" ] && break; sleep 0.1; done
  port=$(cat "$WORK/port")
  t0=$(date +%s.%N)
  rc=0
  /usr/bin/time -f '%M' -o "$WORK/rss" "$BIN" audit "http://127.0.0.1:$port/" --include '/product/p[0-9][0-9][0-9]/' \
    --concurrency 32 --rate 0 --max-tries 1 --no-progress -q -o "$WORK/out.json" > /dev/null 2>&1 || rc=$?
  t1=$(date +%s.%N)
  [ "$rc" = 1 ] || { echo "nonce-audit exited $rc" >&2; exit 1; }
  pages=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"]["pages"])' "$WORK/out.json")
  [ "$pages" = 900 ] || { echo "audited $pages pages, expected 900" >&2; exit 1; }
  files=$(( (n + PER_SITEMAP - 1) / PER_SITEMAP + 1 ))
  python3 -c 'import sys; n, f, p, a, b, r = sys.argv[1:]; print(f"| {int(n):,} | {f} | {int(p):,} | {float(b) - float(a):.2f} s | {int(r) / 1024:.1f} MB |")' \
    "$n" "$files" "$pages" "$t0" "$t1" "$(tail -1 "$WORK/rss")"
  kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=
done
