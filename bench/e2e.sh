#!/usr/bin/env bash
# End-to-end benchmark: nonce-audit against plain curl and a naive curl|grep pipeline, side by
# side, on one loopback site of N WordPress-like pages (examples/bench_server.rs).
#
#   bash bench/e2e.sh                 # N = 2,000
#   bash bench/e2e.sh 1000 10000 100000
#   RUNS=5 bash bench/e2e.sh 10000    # rounds per size (default 3); medians are reported
#
# Each round runs, in this order: curl, the naive pipeline, nonce-audit; the medians of RUNS
# rounds are compared. nonce-audit runs as
#   nonce-audit audit http://127.0.0.1:PORT/ --concurrency 32 --rate 0 --max-tries 1 --no-progress -o out.json
# (the table goes to a file). Every nonce-audit run is checked against the server's request log:
# exactly pages + sitemap files + robots.txt + distinct nonces + one control probe, no page or probe
# twice, and the JSON report must count every page and every dead page. The script exits 1 if not.
#
# Environment: RUNS (3), CONCURRENCY (32), PAGE_KB (60), NONCES (6), DEAD (2, of NONCES),
# PER_SITEMAP (2000 URLs per sitemap file), SERVER_THREADS (2), OUT (a directory to keep the
# reports and the result table in; default: a temporary one, removed).
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-3}
CONCURRENCY=${CONCURRENCY:-32}
PAGE_KB=${PAGE_KB:-60}
NONCES=${NONCES:-6}
DEAD=${DEAD:-2}
PER_SITEMAP=${PER_SITEMAP:-2000}
SERVER_THREADS=${SERVER_THREADS:-2}
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(2000)

# Tools: curl, GNU time, python3 (CI is Debian 12 as root: install what is missing).
missing=()
command -v curl >/dev/null || missing+=(curl)
[ -x /usr/bin/time ] || missing+=(time)
command -v python3 >/dev/null || missing+=(python3)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing ${missing[*]}" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "bench/e2e.sh needs: ${missing[*]}" >&2
    exit 2
  fi
fi

cargo build --release --locked -q --bin nonce-audit --example bench_server
BIN=$PWD/target/release/nonce-audit
SERVER_BIN=$PWD/target/release/examples/bench_server

WORK=$(mktemp -d)
KEEP=${OUT:-}
SERVER=
cleanup() {
  if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi
  [ -n "$KEEP" ] || rm -rf "$WORK"
}
trap cleanup EXIT
[ -z "$KEEP" ] || { mkdir -p "$KEEP"; WORK=$KEEP; }

now() { date +%s.%N; }
sub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f\n", a - b }'; }
add() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f\n", a + b }'; }
median() { python3 -c 'import sys,statistics; print(statistics.median(float(x) for x in sys.argv[1:]))' "$@"; }
server_cpu() { awk '{printf "%.2f\n", ($14+$15)/100}' "/proc/$SERVER/stat"; }
stat_of() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/{print $2}') GB; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
RESULTS=$WORK/results.md
{
  echo "| pages | nonce-audit | pages/s | curl | ratio vs curl | naive pipeline | ratio vs naive | peak RSS | nonce-audit CPU | server CPU | requests | load (1 min) |"
  echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
} > "$RESULTS"

for n in "${sizes[@]}"; do
  rm -f "$WORK/port"
  "$SERVER_BIN" --pages "$n" --page-kb "$PAGE_KB" --nonces "$NONCES" --dead "$DEAD" \
    --per-sitemap "$PER_SITEMAP" --threads "$SERVER_THREADS" \
    --port-file "$WORK/port" --urls "$WORK/urls.txt" 2> "$WORK/server.log" &
  SERVER=$!
  for _ in $(seq 100); do [ -s "$WORK/port" ] && break; sleep 0.1; done
  [ -s "$WORK/port" ] || { cat "$WORK/server.log" >&2; echo "the bench server did not start" >&2; exit 1; }
  PORT=$(cat "$WORK/port")
  BASE="http://127.0.0.1:$PORT"
  cat "$WORK/server.log" >&2

  t_audit=(); t_curl=(); t_naive=(); rss=(); cpu=(); srv=(); loads=()
  for r in $(seq "$RUNS"); do
    loads+=("$(cut -d' ' -f1 /proc/loadavg)")

    curl -s "$BASE/__reset" >/dev/null
    s0=$(server_cpu); t0=$(now)
    xargs -P "$CONCURRENCY" -n 50 curl -s -o /dev/null < "$WORK/urls.txt" > /dev/null
    t1=$(now)
    t_curl+=("$(sub "$t1" "$t0")")
    curl -s "$BASE/__stats" > "$WORK/stats-curl.json"
    [ "$(stat_of "$WORK/stats-curl.json" pages_distinct)" = "$n" ] \
      || { echo "curl baseline did not fetch all $n pages: $(cat "$WORK/stats-curl.json")" >&2; exit 1; }

    t0=$(now)
    xargs -P "$CONCURRENCY" -n 50 curl -s < "$WORK/urls.txt" \
      | grep -o '"nonce":"[0-9a-f]*"' | sort | uniq -c > "$WORK/naive.txt"
    t1=$(now)
    t_naive+=("$(sub "$t1" "$t0")")

    curl -s "$BASE/__reset" >/dev/null
    s0=$(server_cpu); t0=$(now)
    rc=0
    /usr/bin/time -f '%M %U %S' -o "$WORK/time.txt" \
      "$BIN" audit "$BASE/" --concurrency "$CONCURRENCY" --rate 0 --max-tries 1 --no-progress \
      -o "$WORK/out.json" > "$WORK/table.txt" 2> "$WORK/audit.err" || rc=$?
    t1=$(now)
    s1=$(server_cpu)
    # Exit code 1 is expected: the site has dead pages.
    [ "$rc" = 1 ] || { cat "$WORK/audit.err" >&2; echo "nonce-audit exited $rc (expected 1: dead pages)" >&2; exit 1; }
    t_audit+=("$(sub "$t1" "$t0")")
    read -r m u s < <(tail -1 "$WORK/time.txt")
    rss+=("$m"); cpu+=("$(add "$u" "$s")"); srv+=("$(sub "$s1" "$s0")")

    # The exact-request-count target, from the server's log.
    curl -s "$BASE/__stats" > "$WORK/stats.json"
    python3 - "$WORK/stats.json" "$WORK/out.json" "$n" <<'PY'
import json, sys
st = json.load(open(sys.argv[1])); rep = json.load(open(sys.argv[2])); n = int(sys.argv[3])
files = st["sitemap_files"]; nonces = st["nonces_in_pages"]
# One cache-busted re-render per distinct dead nonce proves its cause (a page fetched twice).
dead_nonces = len({x["value"] for p in rep["pages"] if p["verdict"] == "dead"
                   for x in p["nonces"] if x["state"] == "rejected"})
expected = n + files + 1 + nonces + 1 + dead_nonces
problems = []
def want(what, got, exp):
    if got != exp: problems.append(f"{what}: {got}, expected {exp}")
want("total requests", st["total"], expected)
want("page requests", st["pages"], n + dead_nonces)
want("distinct pages", st["pages_distinct"], n)
want("pages fetched twice or more", st["pages_repeated"], dead_nonces)
want("sitemap requests", st["sitemaps"], files)
want("sitemaps fetched twice or more", st["sitemaps_repeated"], 0)
want("robots.txt requests", st["robots"], 1)
want("nonce probes", st["probes"], nonces)
want("nonces probed twice or more", st["nonces_repeated"], 0)
want("control probes", st["control_probes"], 1)
want("probes without a nonce", st["probes_without_nonce"], 0)
want("other requests", st["other"], 0)
want("report pages", rep["summary"]["pages"], n)
want("report dead pages", rep["summary"]["dead"], st["pages_dead"])
want("report fresh pages", rep["summary"]["fresh"], n - st["pages_dead"])
want("report REST probes", rep["summary"]["rest_probes"], nonces + 1)
if problems:
    print("REQUEST-COUNT TARGET VIOLATED:\n  " + "\n  ".join(problems), file=sys.stderr)
    print(json.dumps(st), file=sys.stderr)
    sys.exit(1)
print(f"{st['total']} = {n} pages + {files} sitemaps + 1 robots.txt + {nonces} nonces + 1 control + {dead_nonces} re-renders, over {st['connections']} connections")
PY
    echo "n=$n round $r: nonce-audit ${t_audit[-1]} s (rss ${rss[-1]} KB, cpu ${cpu[-1]} s, server cpu ${srv[-1]} s) | curl ${t_curl[-1]} s | naive ${t_naive[-1]} s | load ${loads[-1]}" >&2
  done
  requests=$(stat_of "$WORK/stats.json" total)

  kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; SERVER=

  ma=$(median "${t_audit[@]}"); mc=$(median "${t_curl[@]}"); mn=$(median "${t_naive[@]}")
  python3 - "$n" "$ma" "$mc" "$mn" "$(median "${rss[@]}")" "$(median "${cpu[@]}")" \
    "$(median "${srv[@]}")" "$requests" "$(median "${loads[@]}")" >> "$RESULTS" <<'PY'
import sys
n, a, c, nv, rss, cpu, srv, req, load = sys.argv[1:]
n = int(n); a, c, nv = float(a), float(c), float(nv)
print(f"| {n:,} | {a:.2f} s | {n/a:,.0f} | {c:.2f} s | {a/c:.2f}× | {nv:.2f} s | {a/nv:.2f}× "
      f"| {float(rss)/1024:.1f} MB | {float(cpu):.2f} s | {float(srv):.2f} s | {int(req):,} | {float(load):.1f} |")
PY
done

echo "load after: $(cut -d' ' -f1-3 /proc/loadavg); medians of $RUNS round(s); targets: ratio vs curl <= 0.8, vs naive <= 0.5, RSS <= 40 MB"
cat "$RESULTS"
