#!/usr/bin/env bash
# Fleet benchmark (issue #15): S simulated sites of P pages each, audited with `--sites` and
# `--site-concurrency 16 --rate 0`, against one simulated site of S x P pages; wall time and peak
# RSS of nonce-audit, per run. The sites come from examples/bench_server.rs (`--sites S`: one
# process, one port per site, so every site is its own origin with its own politeness).
#
#   bash bench/fleet.sh              # 200 and 400 sites of 100 pages, one 20,000-page site
#   bash bench/fleet.sh 200          # only 200 sites
#
# The single site runs with --concurrency 64 (SINGLE_CONCURRENCY), as many pages in flight as
# the fleet's 16 sites x their default --concurrency 4. Every run's JSON report must count
# every page, or the script exits 1.
#
# Environment: PAGES (100 per site), SITE_CONCURRENCY (16), SINGLE_CONCURRENCY (64),
# PAGE_KB (20), VARIANTS (4), SERVER_THREADS (1).
set -euo pipefail
cd "$(dirname "$0")/.."

PAGES=${PAGES:-100}
SITE_CONCURRENCY=${SITE_CONCURRENCY:-16}
SINGLE_CONCURRENCY=${SINGLE_CONCURRENCY:-64}
PAGE_KB=${PAGE_KB:-20}
VARIANTS=${VARIANTS:-4}
SERVER_THREADS=${SERVER_THREADS:-1}
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(200 400)
[ -x /usr/bin/time ] || { echo "bench/fleet.sh needs GNU time (/usr/bin/time; apt-get install time)" >&2; exit 2; }

cargo build --release --locked -q --bin nonce-audit --example bench_server
BIN=$PWD/target/release/nonce-audit
SERVER_BIN=$PWD/target/release/examples/bench_server
WORK=$(mktemp -d)
SERVER=
stop_server() {
  if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi
  SERVER=
}
cleanup() { stop_server; rm -rf "$WORK"; }
trap cleanup EXIT

# start_server SITES PAGES: leaves the ports in $WORK/ports.
start_server() {
  rm -f "$WORK/ports"
  "$SERVER_BIN" --sites "$1" --pages "$2" --page-kb "$PAGE_KB" --variants "$VARIANTS" \
    --threads "$SERVER_THREADS" --port-file "$WORK/ports" 2>"$WORK/server.err" &
  SERVER=$!
  for _ in $(seq 1 200); do [ -s "$WORK/ports" ] && break; sleep 0.05; done
  [ -s "$WORK/ports" ] || { cat "$WORK/server.err" >&2; exit 2; }
}

# measure LABEL WANT_PAGES ARGS...: one nonce-audit run, its wall time and peak RSS.
measure() {
  local label=$1 want=$2; shift 2
  local start end
  start=$(date +%s.%N)
  /usr/bin/time -f '%M' -o "$WORK/rss" "$BIN" "$@" -q --no-progress --fail-on never \
    -o "$WORK/out.json" >/dev/null 2>"$WORK/err" || { cat "$WORK/err" >&2; exit 1; }
  end=$(date +%s.%N)
  local got
  got=$(python3 -c 'import json,sys; v=json.load(open(sys.argv[1])); print(v["summary"]["pages"])' "$WORK/out.json")
  [ "$got" = "$want" ] || { echo "$label: the report counts $got pages, not $want" >&2; exit 1; }
  printf '| %s | %s | %.2f | %.1f |\n' "$label" "$got" "$(echo "$end - $start" | bc)" \
    "$(echo "$(tail -1 "$WORK/rss") / 1024" | bc -l)"
}

echo "| run | pages | wall s | peak RSS MB |"
echo "|---|--:|--:|--:|"
for sites in "${counts[@]}"; do
  start_server "$sites" "$PAGES"
  sed 's|^|http://127.0.0.1:|; s|$|/|' "$WORK/ports" >"$WORK/sites.txt"
  measure "$sites sites x $PAGES pages, --site-concurrency $SITE_CONCURRENCY" "$((sites * PAGES))" \
    audit --sites "$WORK/sites.txt" --site-concurrency "$SITE_CONCURRENCY" --rate 0
  stop_server
done
total=$((counts[0] * PAGES))
start_server 1 "$total"
measure "1 site x $total pages, --concurrency $SINGLE_CONCURRENCY" "$total" \
  audit "http://127.0.0.1:$(head -1 "$WORK/ports")/" --concurrency "$SINGLE_CONCURRENCY" --rate 0
