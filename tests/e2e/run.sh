#!/usr/bin/env bash
# nonce-audit end-to-end test against a REAL WordPress behind REAL page caches.
#
#   bash tests/e2e/run.sh          # install packages, build, start stack, run scenarios, stop
#   bash tests/e2e/run.sh up       # only install + start the stack (for poking at it by hand)
#   bash tests/e2e/run.sh down     # stop whatever `up` (or a killed run) left behind
#
# Needs root (apt-get, private daemons that drop to mysql / www-data), Debian 12.
# Knobs: NONCE_AUDIT_BIN (use this binary, skip cargo), E2E_DIR (/tmp/nonce-audit-e2e),
# PORT_CACHE (8080), PORT_ORIGIN (8081), PORT_VARNISH (6081), PORT_LEAKY (8082), NONCE_LIFE (20).
#
# Every scenario asserts on the JSON report (-o report.json) and on the servers'
# own logs, never on terminal text.  The last line is always "N passed, M failed".
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
# shellcheck source=lib/stack.sh
. "$HERE/lib/stack.sh"

MODE=${1:-all}
L=$((NONCE_LIFE / 2))                      # one nonce tick, in seconds
REPORTS=$E2E_DIR/reports
CTX=$REPORTS/ctx.env
BUILD_LOG=${TMPDIR:-/tmp}/nonce-audit-e2e-build.log

# Pages and what happens to them before the main audits (tick k = first tick,
# i = k + 2 = the tick of the main audits):
DEAD_PATHS=(/ /ci-post-1/ /about/)         # cached in tick k   -> nonce rejected in tick i
EXP_PATHS=(/ci-post-2/ /contact/)          # cached in tick k+1 -> accepted, not current in tick i
# every other page is first requested by the audit itself -> fresh

PASSED=0 FAILED=0 CHECKED=0 STACK_UP=0
AUDIT_PIDS=()        # audits still running (a finished one is removed: its pid may be reused)
BUILD_PID=''


# ---------------------------------------------------------------- exit handling
on_exit() {
  local rc=$?
  set +e
  local p
  for p in "${AUDIT_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done   # `timeout` forwards it
  if [ -n "$BUILD_PID" ]; then pkill -TERM -P "$BUILD_PID"; kill -TERM "$BUILD_PID" 2>/dev/null; fi
  remove_policy
  if [ "$MODE" = up ] && [ "$rc" = 0 ]; then return 0; fi
  if [ "$STACK_UP" = 1 ]; then e2e_stop; fi
  [ "$MODE" = all ] || return "$rc"
  if [ "$CHECKED" != 1 ]; then
    echo "FAIL run: stopped before the scenarios were checked (exit $rc); logs: $LOG"
    FAILED=$((FAILED + 1))
  fi
  echo "$PASSED passed, $FAILED failed"
  if [ "$FAILED" -gt 0 ] || [ "$rc" != 0 ]; then exit 1; fi
  exit 0
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

choreo() { echo "e2e: choreography: $*" >&2; exit 1; }
ctx() { printf '%s=%s\n' "$1" "$2" >> "$CTX"; }

# ---------------------------------------------------------------- binary
build_binary() {
  if [ -n "${NONCE_AUDIT_BIN:-}" ]; then BIN=$NONCE_AUDIT_BIN; return 0; fi
  BIN=$REPO/target/release/nonce-audit
  if command -v cargo >/dev/null; then
    (cd "$REPO" && cargo build --release --locked) >"$BUILD_LOG" 2>&1 \
      || { tail -30 "$BUILD_LOG" >&2; die "cargo build --release --locked failed (log: $BUILD_LOG)"; }
  elif [ ! -x "$BIN" ]; then
    die "no cargo and no $BIN"
  fi
}

# ---------------------------------------------------------------- server clock
# Tick arithmetic is done on the server's clock, read from its Date header.
server_now() {
  local d
  d=$(curl -s -o /dev/null -D - "http://127.0.0.1:$PORT_ORIGIN/e2e-clock" | tr -d '\r' | sed -n 's/^[Dd]ate: //p')
  [ -n "$d" ] || die "no Date header from the origin"
  date -u -d "$d" +%s
}
tick_of() { echo $(( ($1 + L - 1) / L )); }        # WordPress: ceil(time / (nonce_life / 2))

# wait_tick_start [MIN]: wait until the server clock is in the first second of a
# tick >= MIN (tick i covers the seconds (i-1)*L+1 .. i*L), then set TICK.
wait_tick_start() {
  local min=${1:-0} now t next
  while :; do
    now=$(server_now); t=$(tick_of "$now")
    if [ $((now % L)) = 1 ] && [ "$t" -ge "$min" ]; then TICK=$t; return 0; fi
    next=$(( t * L + 1 ))                 # first second of the next tick
    # (sleep in the background + wait: a TERM/INT is handled at once, not after the sleep)
    if [ $((next - now)) -ge 3 ]; then sleep $((next - now - 2)) & wait $!; else sleep 0.1; fi
  done
}

# ---------------------------------------------------------------- page fetches
fetch() {  # fetch URL -> F_CACHE (X-FastCGI-Cache / X-Varnish-Cache value), F_NONCE
  local t=$E2E_DIR/fetch
  curl -s -D "$t.h" -o "$t.b" "$1" || die "curl $1 failed"
  F_CACHE=$( (grep -iE '^x-(fastcgi|varnish)-cache:' "$t.h" || true) | head -1 | sed 's/^[^:]*: *//' | tr -d '\r')
  F_NONCE=$( (grep -o 'var wpApiSettings = [^;]*' "$t.b" || true) | grep -o '"nonce":"[0-9a-f]*"' | cut -d'"' -f4 | head -1 || true)
}

# prime PORT PATH...: put the pages into the cache on PORT (MISS, then HIT with the
# same nonce).  Sets PRIMED to the nonce (one value: a tick's anonymous nonce is
# the same on every page).
prime() {
  local port=$1 p first; shift
  PRIMED=
  for p in "$@"; do
    fetch "http://127.0.0.1:$port$p"
    [ "$F_CACHE" = MISS ] || choreo "priming :$port$p: expected a cache MISS, got '$F_CACHE'"
    [ -n "$F_NONCE" ] || choreo "priming :$port$p: no wpApiSettings nonce in the page"
    first=$F_NONCE
    fetch "http://127.0.0.1:$port$p"
    [ "$F_CACHE" = HIT ] || choreo "priming :$port$p: second request not a HIT ('$F_CACHE')"
    [ "$F_NONCE" = "$first" ] || choreo "priming :$port$p: cached copy has another nonce"
    [ -z "$PRIMED" ] || [ "$PRIMED" = "$first" ] || choreo "priming :$port: nonces differ within one tick"
    PRIMED=$first
  done
}

# ---------------------------------------------------------------- audits
# audit_start NAME TARGET [ARGS...]: start the binary in the background (AUDIT_PID).
audit_start() {
  local name=$1 target=$2; shift 2
  ctx "${name}_target" "$target"
  timeout 120 "$BIN" audit "$target" --nonce-life "${NONCE_LIFE}s" --timeout 20s \
    --no-progress -o "$REPORTS/$name.json" "$@" \
    >"$REPORTS/$name.stdout" 2>"$REPORTS/$name.stderr" &
  AUDIT_PID=$!
  AUDIT_PIDS+=("$AUDIT_PID")
}
audit_wait() {  # audit_wait NAME PID: record the exit code
  local rc=0 p rest=()
  wait "$2" || rc=$?
  for p in "${AUDIT_PIDS[@]}"; do [ "$p" = "$2" ] || rest+=("$p"); done
  AUDIT_PIDS=("${rest[@]}")
  ctx "${1}_rc" "$rc"
  say "audit $1: exit $rc"
}
audit() {  # audit NAME TARGET [ARGS...]: run in the foreground
  audit_start "$@"
  audit_wait "$1" "$AUDIT_PID"
}

log_size() { stat -c %s "$1" 2>/dev/null || echo 0; }

# ---------------------------------------------------------------- scenarios
run_scenarios() {
  local o="http://127.0.0.1:$PORT_ORIGIN" c="http://127.0.0.1:$PORT_CACHE" v="http://127.0.0.1:$PORT_VARNISH"
  : > "$CTX"
  ctx nonce_life "$NONCE_LIFE"
  ctx ports "$PORT_CACHE $PORT_ORIGIN $PORT_VARNISH $PORT_LEAKY"
  ctx dead_paths "${DEAD_PATHS[*]}"
  ctx exp_paths "${EXP_PATHS[*]}"
  # What WordPress itself says is published (for the discovery scenario).
  curl -sf "$o/wp-json/wp/v2/posts?per_page=100&_fields=link" > "$REPORTS/published-posts.json"
  curl -sf "$o/wp-json/wp/v2/pages?per_page=100&_fields=link" > "$REPORTS/published-pages.json"

  # tick k: cache the "dead" pages in both caches, then audit the origin.
  say "waiting for a tick boundary (tick = ${L}s, server clock)"
  wait_tick_start; local k=$TICK
  say "tick k=$k: priming ${DEAD_PATHS[*]} on :$PORT_CACHE and :$PORT_VARNISH"
  prime "$PORT_CACHE" "${DEAD_PATHS[@]}";   local nd=$PRIMED
  prime "$PORT_VARNISH" "${DEAD_PATHS[@]}"; [ "$PRIMED" = "$nd" ] || choreo "caches primed in different ticks"
  [ "$(tick_of "$(server_now)")" = "$k" ] || choreo "priming crossed a tick boundary"
  ctx tick_dead "$k"; ctx nonce_dead "$nd"
  say "tick k=$k: origin audit"
  ctx tick_origin "$k"
  audit origin "$o/" --rate 0 --format json      # stdout JSON must equal the -o file
  ctx origin_end_tick "$(tick_of "$(server_now)")"

  # tick k+1: cache the "expiring" pages.
  wait_tick_start $((k + 1))
  [ "$TICK" = $((k + 1)) ] || choreo "origin audit overran its tick (now tick $TICK, expected $((k + 1)))"
  say "tick k+1=$TICK: priming ${EXP_PATHS[*]} on :$PORT_CACHE and :$PORT_VARNISH"
  prime "$PORT_CACHE" "${EXP_PATHS[@]}";   local ne=$PRIMED
  prime "$PORT_VARNISH" "${EXP_PATHS[@]}"; [ "$PRIMED" = "$ne" ] || choreo "caches primed in different ticks"
  [ "$ne" != "$nd" ] || choreo "tick k and k+1 gave the same nonce"
  [ "$(tick_of "$(server_now)")" = $((k + 1)) ] || choreo "priming crossed a tick boundary"
  ctx tick_exp $((k + 1)); ctx nonce_exp "$ne"

  # tick i = k+2: audit through both caches at once (they share no server or log).
  wait_tick_start $((k + 2))
  [ "$TICK" = $((k + 2)) ] || choreo "missed tick k+2 (now $TICK)"
  local i=$TICK
  ctx tick_main "$i"
  ctx cache_log_from "$(log_size "$LOG/cache-access.log")"
  ctx varnish_log_from "$(log_size "$LOG/varnish-access.log")"
  say "tick i=$i: audits through nginx fastcgi_cache and Varnish"
  local pc pv
  # Both must finish inside tick i: no --rate 0 for nginx (the limiter path runs), but
  # fast enough (about 24 requests) to leave a wide margin on a loaded 2-core box.
  audit_start nginx "$c/" --rate 50; pc=$AUDIT_PID
  audit_start varnish "$v/" --rate 0; pv=$AUDIT_PID
  audit_wait nginx "$pc"
  audit_wait varnish "$pv"
  ctx main_end_tick "$(tick_of "$(server_now)")"
  sleep 0.3                                     # let varnishncsa write its last lines
  ctx cache_log_to "$(log_size "$LOG/cache-access.log")"
  ctx varnish_log_to "$(log_size "$LOG/varnish-access.log")"

  # REST blocked for anonymous visitors (second mu-plugin variant), on the origin.
  say "REST blocked: mu-plugin rest_authentication_errors @10 -> 401 rest_not_logged_in"
  install -m 644 -o www-data -g www-data "$HERE/wp/mu-rest-block.php" "$MU_REST_BLOCK"
  curl -s -H 'X-WP-Nonce: 0123456789' "$o/wp-json/?e2e_cb=$RANDOM" | grep -q '"rest_not_logged_in"' \
    || choreo "REST block mu-plugin is not active"
  audit blocked_unverifiable "$o/" --rate 0 --fail-on unverifiable
  audit blocked_expiring "$o/" --rate 0 --fail-on expiring
  rm -f "$MU_REST_BLOCK"

  # Plain permalinks: REST root is ?rest_route=/, the sitemap is /?sitemap=index.
  say "plain permalinks"
  wp_php "$ETC/set-permalinks.php" '' >/dev/null
  curl -sI "$o/" | grep -qi 'rest_route=' || choreo "plain permalinks not active"
  wait_tick_start $(( $(tick_of "$(server_now)") + 1 ))   # a whole tick for a fresh verdict
  ctx tick_plain "$TICK"
  audit plain "$o/" --rate 0
  ctx plain_end_tick "$(tick_of "$(server_now)")"
  wp_php "$ETC/set-permalinks.php" '/%postname%/' >/dev/null

  cause_scenarios
}

# The causes that are not a stale copy (issue #13): each one looks "dead" from outside, and
# each must be told apart with its own evidence.
cause_scenarios() {
  local o="http://127.0.0.1:$PORT_ORIGIN" v="http://127.0.0.1:$PORT_VARNISH" k="http://127.0.0.1:$PORT_LEAKY"

  # (1) A theme printing wpApiSettings with a nonce for the wrong action, on /shop/ only.
  say "wrong action: mu-plugin prints wpApiSettings with wp_create_nonce('wp_api') on /shop/"
  install -m 644 -o www-data -g www-data "$HERE/wp/mu-wrong-action.php" "$MU_WRONG_ACTION"
  sleep 3                                       # PHP's opcache looks for new files every 2 s
  curl -s "$o/shop/" | grep -q 'e2e-theme-js-extra' || choreo "wrong-action mu-plugin is not active"
  # On the origin no cache shows itself, so a fresh render cannot be told from a copy.
  audit wrong_action_origin "$o/" --rate 0
  # Through a cache that has never stored /shop/: the audit's own request is the MISS.
  printf '%s\n' "$k/shop/" > "$REPORTS/wrong-action-urls.txt"
  audit wrong_action --urls="$REPORTS/wrong-action-urls.txt" --rate 0
  rm -f "$MU_WRONG_ACTION"

  # (2) A logged-in render stored by a cache whose bypass misses the login cookie.
  say "private copy: admin logs in, views /ci-post-3/ through the leaky cache on :$PORT_LEAKY"
  local jar=$E2E_DIR/admin-cookies.txt t=$E2E_DIR/fetch
  rm -f "$jar"
  curl -s -c "$jar" -b 'wordpress_test_cookie=WP%20Cookie%20check' -o /dev/null \
    --data-urlencode log=admin --data-urlencode "pwd=${E2E_ADMIN_PASS:-e2e-admin-pass}" \
    -d 'testcookie=1&wp-submit=Log+In' "$k/wp-login.php"
  grep -q wordpress_logged_in_ "$jar" || choreo "admin login through :$PORT_LEAKY gave no login cookie"
  curl -s -b "$jar" -D "$t.h" -o "$t.b" "$k/ci-post-3/"
  grep -qi '^x-fastcgi-cache: MISS' "$t.h" && grep -q 'id="wpadminbar"' "$t.b" \
    || choreo "the admin's view of /ci-post-3/ was not a MISS with the toolbar"
  fetch "$k/ci-post-3/"
  [ "$F_CACHE" = HIT ] && grep -q 'id="wpadminbar"' "$t.b" \
    || choreo "a guest did not get the admin's cached render of /ci-post-3/ ('$F_CACHE')"
  ctx private_nonce "$F_NONCE"
  audit private "$k/" --rate 0 --exclude '/shop/'
  # Close the session the e2e opened (the logout link carries its nonce).
  local logout
  logout=$(grep -o 'action=logout&#038;_wpnonce=[0-9a-f]*' "$t.b" | head -1 | sed 's/.*_wpnonce=//')
  [ -n "$logout" ] || choreo "no logout link in the admin's render"
  curl -s -b "$jar" -o /dev/null "$k/wp-login.php?action=logout&_wpnonce=$logout"
  rm -f "$jar"

  # (3) Keys changed after the copies were made: restart Varnish (an empty cache), prime it,
  # change NONCE_KEY and NONCE_SALT, audit while the copies are seconds old.
  say "keys changed: prime ${DEAD_PATHS[*]} on an emptied Varnish, then rotate the nonce keys"
  stop_pidfile varnishncsa varnishncsa
  stop_pidfile varnishd varnishd
  VARNISH_LOG=$LOG/varnish-access-keys.log start_varnish
  wait_for 20 http_200 "$v/wp-json/"
  prime "$PORT_VARNISH" "${DEAD_PATHS[@]}"
  local primed=$PRIMED
  ctx keys_primed_at "$(server_now)"
  ctx keys_nonce "$primed"
  local key
  for key in NONCE_KEY NONCE_SALT; do
    sed -i "s/^define('$key', *'[^']*');/define('$key', '$(rand_alnum 64)');/" "$WP_CONF"
  done
  # PHP's opcache may keep the old config for up to 2 s: wait until the old nonce is refused.
  local n=0
  until [ "$(curl -s -o /dev/null -w '%{http_code}' -H "X-WP-Nonce: $primed" "$o/wp-json/?e2e_cb=$RANDOM")" = 403 ]; do
    n=$((n + 1)); [ "$n" -lt 60 ] || choreo "the old nonce is still accepted 6 s after the keys changed"
    sleep 0.1
  done
  : > "$REPORTS/keys-urls.txt"
  for key in "${DEAD_PATHS[@]}"; do printf '%s\n' "$v$key" >> "$REPORTS/keys-urls.txt"; done
  audit keys --urls="$REPORTS/keys-urls.txt" --rate 0
}

check_reports() {
  rm -f "$REPORTS/counts"
  python3 "$HERE/check.py" "$REPORTS" "$LOG" | tee "$REPORTS/check.out" || true
  if [ -s "$REPORTS/counts" ]; then
    read -r PASSED FAILED < "$REPORTS/counts"
  else
    echo "FAIL check.py did not finish"; FAILED=$((FAILED + 1))
  fi
  CHECKED=1
}

# ---------------------------------------------------------------- main
case $MODE in
  down) e2e_stop; exit 0 ;;
  up)
    e2e_install_packages
    STACK_UP=1; e2e_start "$HERE"
    exit 0 ;;
  all) ;;
  *) echo "usage: $0 [all|up|down]" >&2; MODE=usage; exit 2 ;;
esac

[ "$(id -u)" = 0 ] || die "run as root (apt-get, daemons dropping to mysql/www-data)"
if [ $((NONCE_LIFE % 2)) != 0 ] || [ "$L" -lt 5 ]; then die "NONCE_LIFE must be even and >= 10"; fi
say "e2e: packages + release build (in parallel)"
build_binary &
BUILD_PID=$!
e2e_install_packages
wait "$BUILD_PID" || { BUILD_PID=; die "build failed"; }
BUILD_PID=
BIN=${NONCE_AUDIT_BIN:-$REPO/target/release/nonce-audit}
"$BIN" audit --help >/dev/null 2>&1 || die "$BIN audit --help failed"
say "binary: $BIN"

STACK_UP=1; e2e_start "$HERE"
run_scenarios
e2e_stop; STACK_UP=0
say "daemons stopped; checking reports"
check_reports
