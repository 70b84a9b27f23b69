"""The HTML report on a phone-sized screen, 400 CSS px wide (called by check-html.sh).

Standard library only, like check_html.py.

Usage:
  check_narrow.py prepare REPORT.html OUTDIR
      writes OUTDIR/narrow.html (the report without its Content-Security-Policy and with
      narrow-measure.js appended; nothing else changes) and OUTDIR/frame.html (which shows it in a
      400 px wide iframe and keeps the measurements it posts)
  check_narrow.py check FRAME_DOM.html SCREENSHOT.png
      prints one "ok NAME" or "FAIL NAME: why" line per check
"""

import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_html import decode_png  # noqa: E402

WIDTH = 400
RESULTS = []


def check(name, ok, why=""):
    RESULTS.append(ok)
    print(f"ok   {name}" if ok else f"FAIL {name}: {why}")


def prepare(report, outdir):
    here = os.path.dirname(os.path.abspath(__file__))
    with open(report, encoding="utf-8") as f:
        page = f.read()
    with open(os.path.join(here, "narrow-measure.js"), encoding="utf-8") as f:
        measure = f.read()
    # The CSP admits only the report's own script by hash; the measuring script is added to a
    # copy, so the policy goes from that copy only.
    page = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", page, count=1)
    page = page.replace("</body>", f"<script>{measure}</script></body>", 1)
    with open(os.path.join(outdir, "narrow.html"), "w", encoding="utf-8") as f:
        f.write(page)
    with open(os.path.join(outdir, "frame.html"), "w", encoding="utf-8") as f:
        f.write(
            '<!DOCTYPE html><html><body style="margin:0">'
            f'<iframe src="narrow.html" width="{WIDTH}" height="1400" style="border:0;display:block"></iframe>'
            '<pre id="narrow-measure"></pre><script>window.addEventListener("message",function(e){'
            'document.getElementById("narrow-measure").textContent=e.data;});</script></body></html>'
        )


def run_checks(dom_path, png_path):
    with open(dom_path, encoding="utf-8") as f:
        dom = f.read()
    m = re.search(r'<pre id="narrow-measure">([^<]*)</pre>', dom)
    try:
        res = json.loads(m.group(1).replace("&quot;", '"').replace("&amp;", "&")) if m else None
    except ValueError:
        res = None
    check("the report measured itself at 400 px", res is not None, "no measurement in the DOM")
    if res is None:
        return
    check("the frame is 400 CSS px wide", res["viewport"] == WIDTH, f"viewport {res['viewport']}")
    check(
        "nothing is wider than the screen (scrollWidth <= 400)",
        res["scrollWidth"] <= WIDTH,
        f"scrollWidth {res['scrollWidth']}",
    )
    line = res["deadLine"]
    check(
        "the chart's death line is on screen",
        line is not None and 0 <= line["left"] <= WIDTH,
        f"dead-line at {line}",
    )
    chart = res["chart"]
    check(
        "the chart fits the screen width",
        chart is not None and chart["left"] >= 0 and chart["right"] <= WIDTH,
        f"chart box {chart}",
    )
    off = [d for d in res["dies"] if d["left"] < 0 or d["right"] > WIDTH]
    check(
        "every page's dies-at / reason cell is on screen",
        res["dies"] and not off,
        f"{len(off)} of {len(res['dies'])} cells off screen: {off[:3]}",
    )
    check(
        "URLs wrap between their parts, not letter by letter (at most 3 lines)",
        res["urlLines"] <= 3,
        f"a URL takes {res['urlLines']} lines",
    )
    advice, table = res["advice"], res["table"]
    check(
        "what to change comes before the chart and the page table",
        advice is not None
        and table is not None
        and chart is not None
        and advice["top"] < chart["top"]
        and advice["top"] < table["top"],
        f"advice {advice}, chart {chart}, table {table}",
    )
    try:
        width, height, channels, rows = decode_png(png_path)
    except Exception as e:  # noqa: BLE001 - any decoding problem is a failed check
        check("the 400 px screenshot is a PNG this script can decode", False, str(e))
        return
    colours = set()
    for row in rows[::4]:
        for x in range(0, min(len(row), WIDTH * channels), channels * 2):
            colours.add(row[x : x + 3])
    check(
        "the 400 px screenshot shows a rendered report",
        len(colours) >= 50,
        f"only {len(colours)} distinct colours in the left {WIDTH} px",
    )


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "prepare":
        prepare(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 4 and sys.argv[1] == "check":
        run_checks(sys.argv[2], sys.argv[3])
        sys.exit(0 if all(RESULTS) else 1)
    else:
        sys.exit(__doc__)
