#!/usr/bin/env bash
# Renders the HTML report in a real headless Chromium and checks what a reader gets: the inline
# script runs under the report's Content-Security-Policy, the summary numbers in the DOM equal
# the JSON report's, filtering and sorting work, and the screenshot is not blank; then, in a
# 400 px wide frame (a phone), that nothing is wider than the screen, the chart's death line and
# every dies-at cell are on screen, URLs wrap between their parts, and what to change comes
# before the chart and the page table.
#
# Usage:
#   tests/browser/check-html.sh                      audit the demo site, check its report
#   tests/browser/check-html.sh REPORT.html [REPORT.json]
#                                                    check an existing report (the JSON defaults
#                                                    to the same name with .json)
# Environment: SCREENSHOT_TO=PATH keeps the screenshot (docs/report-demo.png is made this way);
# SCREENSHOT_400_TO=PATH keeps the 400 px one.
#
# Installs Debian's chromium (and python3) when missing, as root with apt-get (CI runs as root on
# Debian 12); nothing else is downloaded. The closing line is "N passed, M failed"; the exit
# status is non-zero when a check failed.
set -uo pipefail
# Paths given on the command line are relative to where the script was started.
given_html=""
given_json=""
if [ $# -ge 1 ]; then
  given_html=$(realpath -m "$1")
  given_json=$(realpath -m "${2:-${1%.*}.json}")
fi
cd "$(dirname "$0")/../.." || exit 2

passed=0
failed=0
record() { # record NAME STATUS [WHY]
  if [ "$2" -eq 0 ]; then
    echo "ok   $1"
    passed=$((passed + 1))
  else
    echo "FAIL $1${3:+: $3}"
    failed=$((failed + 1))
  fi
}
finish() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ] && exit 0
  exit 1
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# 1. A browser (Debian's chromium) and python3, installed on demand.
need=()
command -v python3 >/dev/null 2>&1 || need+=(python3)
browser=""
for b in chromium chromium-browser; do
  if command -v "$b" >/dev/null 2>&1; then
    browser=$(command -v "$b")
    break
  fi
done
[ -n "$browser" ] || need+=(chromium)
if [ ${#need[@]} -gt 0 ] && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "== installing ${need[*]} (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}"; } \
    >"$work/apt.log" 2>&1; then
    tail -n 20 "$work/apt.log" >&2
  fi
  [ -n "$browser" ] || browser=$(command -v chromium || true)
fi
if [ -n "$browser" ]; then
  record "chromium is available ($("$browser" --version 2>/dev/null | head -n 1))" 0
else
  record "chromium is available" 1 "not installed, and apt-get cannot install it here"
  finish
fi
if ! command -v python3 >/dev/null 2>&1; then
  record "python3 is available" 1 "not installed, and apt-get cannot install it here"
  finish
fi

# 2. A report and its JSON twin.
if [ -n "$given_html" ]; then
  html=$given_html
  json=$given_json
else
  html="$work/report.html"
  json="$work/report.json"
  echo "== cargo run --release -- demo -o report.html -o report.json"
  cargo run --release --locked --quiet -- demo -q --no-progress \
    -o "$html" -o "$json" >"$work/demo.out" 2>"$work/demo.err"
  status=$?
  # The demo exits 1 because it has dead pages; 2 would mean it could not run.
  if [ "$status" -gt 1 ]; then
    cat "$work/demo.err" >&2
  fi
fi
if [ -s "$html" ] && [ -s "$json" ]; then
  record "report written: $(basename "$html") and $(basename "$json")" 0
else
  record "report written" 1 "missing $html or $json"
  finish
fi

# 3. Render it: the DOM after the script ran, the DOM with a filter in the URL, a screenshot.
chrome() {
  timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run --no-default-browser-check \
    --user-data-dir="$(mktemp -d -p "$work")" "$@" 2>>"$work/chromium.log"
}
chrome --dump-dom "file://$html" >"$work/dom.html"
if grep -q '</html>' "$work/dom.html"; then
  record "headless chromium rendered the report (--dump-dom)" 0
else
  record "headless chromium rendered the report (--dump-dom)" 1 "$(tail -n 5 "$work/chromium.log")"
  finish
fi
chrome --dump-dom "file://$html#verdict=dead&sort=age&desc=1" >"$work/dom-dead.html"
chrome --screenshot="$work/shot.png" --window-size=1280,1600 --hide-scrollbars "file://$html" \
  >/dev/null
if [ -s "$work/shot.png" ]; then
  record "headless chromium took a screenshot" 0
else
  record "headless chromium took a screenshot" 1 "$(tail -n 5 "$work/chromium.log")"
  finish
fi
if [ -n "${SCREENSHOT_TO:-}" ]; then
  cp "$work/shot.png" "$SCREENSHOT_TO"
fi

# 3b. At 400 px. Headless Chromium's window is never narrower than 500 px, so the report is
# shown in a 400 px wide iframe; a copy of it (without its CSP, plus narrow-measure.js) measures
# its own layout and posts the numbers to the frame page, whose DOM is dumped.
narrow="$work/narrow"
mkdir -p "$narrow"
if python3 tests/browser/check_narrow.py prepare "$html" "$narrow"; then
  chrome --virtual-time-budget=5000 --window-size=500,1400 --dump-dom "file://$narrow/frame.html" \
    >"$work/dom-400.html"
  chrome --virtual-time-budget=5000 --screenshot="$work/shot-400.png" --window-size=500,1400 \
    --hide-scrollbars "file://$narrow/frame.html" >/dev/null
  record "the report laid out in a 400 px frame" 0
else
  record "the report laid out in a 400 px frame" 1 "check_narrow.py prepare failed"
fi
if [ -n "${SCREENSHOT_400_TO:-}" ] && [ -s "$work/shot-400.png" ]; then
  cp "$work/shot-400.png" "$SCREENSHOT_400_TO"
fi

# 4. What the reader sees (python3, standard library only).
tally() { # tally NAME OUTPUT-FILE EXIT-STATUS: counts the checker's ok/FAIL lines
  local before=$failed line
  while IFS= read -r line; do
    echo "$line"
    case "$line" in
      "ok "*) passed=$((passed + 1)) ;;
      "FAIL "*) failed=$((failed + 1)) ;;
    esac
  done <"$2"
  if [ "$3" -ne 0 ] && [ "$failed" -eq "$before" ]; then
    record "$1 ran to the end" 1 "exit status $3"
  fi
}
python3 tests/browser/check_html.py "$html" "$json" "$work/dom.html" "$work/dom-dead.html" \
  "$work/shot.png" >"$work/checks.txt" 2>&1
tally check_html.py "$work/checks.txt" $?
python3 tests/browser/check_narrow.py check "$work/dom-400.html" "$work/shot-400.png" \
  >"$work/checks-400.txt" 2>&1
tally check_narrow.py "$work/checks-400.txt" $?
finish
