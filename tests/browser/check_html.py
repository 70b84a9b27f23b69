"""Checks on the HTML report as a real browser rendered it (called by check-html.sh).

Standard library only: the DOM Chromium dumped is read with html.parser and the screenshot is
decoded with zlib, so the check runs on a bare Debian with python3.

Usage: check_html.py REPORT.html REPORT.json DOM.html FILTERED_DOM.html SCREENSHOT.png
Prints one "ok NAME" or "FAIL NAME: why" line per check; check-html.sh counts them.
"""

import json
import struct
import sys
import zlib
from html.parser import HTMLParser


class Dom(HTMLParser):
    """The parts of the dumped DOM the checks read: text by id, body attributes, table rows."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.text_by_id = {}
        self.body = {}
        self.rows = []  # dicts: verdict, hidden, cells (list of (attrs, text))
        self._open_ids = []  # (id, depth) of elements whose text we collect
        self._depth = 0
        self._in_tbody = False
        self._table_is_pages = False
        self._row = None
        self._cell = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "body":
            self.body = a
        if tag not in ("br", "input", "meta", "link", "img", "hr", "col", "wbr"):
            self._depth += 1
            if "id" in a:
                self._open_ids.append((a["id"], self._depth))
                self.text_by_id.setdefault(a["id"], "")
        if tag == "tbody" and self._table_is_pages:
            self._in_tbody = True
        if tag == "table":
            self._table_is_pages = a.get("id") == "page-table"
        if self._in_tbody and tag == "tr":
            self._row = {"verdict": a.get("data-verdict"), "hidden": "hidden" in a, "cells": []}
        if self._row is not None and tag == "td":
            self._cell = [a, ""]

    def handle_endtag(self, tag):
        if self._row is not None and tag == "td" and self._cell is not None:
            self._row["cells"].append(tuple(self._cell))
            self._cell = None
        if self._in_tbody and tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None
        if tag == "tbody":
            self._in_tbody = False
        if tag not in ("br", "input", "meta", "link", "img", "hr", "col", "wbr"):
            while self._open_ids and self._open_ids[-1][1] >= self._depth:
                self._open_ids.pop()
            self._depth -= 1

    def handle_data(self, data):
        for ident, _ in self._open_ids:
            self.text_by_id[ident] += data
        if self._cell is not None:
            self._cell[1] += data


def parse(path):
    dom = Dom()
    with open(path, encoding="utf-8") as f:
        dom.feed(f.read())
    return dom


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def decode_png(path):
    """Returns (width, height, channels, rows of bytes) for an 8-bit RGB or RGBA PNG."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG file")
    pos, idat, ihdr = 8, [], None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
        pos += 12 + length
    width, height, depth, color, _, _, interlace = ihdr
    if depth != 8 or color not in (2, 6) or interlace != 0:
        raise ValueError(f"unsupported PNG: depth {depth}, colour type {color}")
    channels = 3 if color == 2 else 4
    raw = zlib.decompress(b"".join(idat))
    stride = width * channels
    rows, prev, i = [], bytearray(stride), 0
    for _ in range(height):
        ftype, line = raw[i], bytearray(raw[i + 1 : i + 1 + stride])
        i += 1 + stride
        if ftype == 1:
            for x in range(channels, stride):
                line[x] = (line[x] + line[x - channels]) & 0xFF
        elif ftype == 2:
            line = bytearray((x + y) & 0xFF for x, y in zip(line, prev))
        elif ftype == 3:
            for x in range(stride):
                left = line[x - channels] if x >= channels else 0
                line[x] = (line[x] + ((left + prev[x]) >> 1)) & 0xFF
        elif ftype == 4:
            for x in range(stride):
                left = line[x - channels] if x >= channels else 0
                up_left = prev[x - channels] if x >= channels else 0
                line[x] = (line[x] + paeth(left, prev[x], up_left)) & 0xFF
        rows.append(bytes(line))
        prev = line
    return width, height, channels, rows


RESULTS = []

VERDICT_ORDER = ["dead", "expiring", "unverifiable", "error", "fresh", "no_nonce"]
CAUSE_ORDER = ["logged-in-copy", "rejected-when-fresh", "copy-predates-key-change", "stale-copy", "unproven", None]


def worst_first(pages):
    """The terminal table's order: private copies, then by verdict, dead pages by cause."""
    private = [p for p in pages if p.get("private_copy")]
    rest = [p for p in pages if not p.get("private_copy")]
    ordered = list(private)
    for v in VERDICT_ORDER:
        of_v = [p for p in rest if p["verdict"] == v]
        if v == "dead":
            for c in CAUSE_ORDER:
                ordered += [p for p in of_v if p.get("cause") == c]
        else:
            ordered += of_v
    return ordered


def check(name, ok, why=""):
    RESULTS.append(ok)
    print(f"ok   {name}" if ok else f"FAIL {name}: {why}")


def main(html_path, json_path, dom_path, filtered_path, png_path):
    with open(json_path, encoding="utf-8") as f:
        report = json.load(f)
    with open(html_path, encoding="utf-8") as f:
        source = f.read()
    summary = report["summary"]

    lowered = source.lower()
    external = [s for s in ("<script src", "<link", "<img", "@import", "url(", "<iframe") if s in lowered]
    check("the file references no external asset", not external, f"found {external}")

    dom = parse(dom_path)
    check(
        "the inline script ran under the page's Content-Security-Policy",
        dom.body.get("data-ready") == "1",
        f"<body> attributes: {dom.body}",
    )
    for key, value in summary.items():
        shown = dom.text_by_id.get(f"count-{key}")
        check(
            f"#count-{key} shows the JSON summary's {key} ({value})",
            shown is not None and shown.strip() == str(value),
            f"DOM has {shown!r}",
        )
    verdicts = [p["verdict"] for p in worst_first(report["pages"])]
    check(
        "one table row per page, worst first as in the terminal",
        [r["verdict"] for r in dom.rows] == verdicts,
        f"DOM rows {[r['verdict'] for r in dom.rows]} vs JSON {verdicts}",
    )
    check(
        "every row visible before filtering",
        all(not r["hidden"] for r in dom.rows)
        and dom.text_by_id.get("shown-count", "").strip() == f"{len(verdicts)} of {len(verdicts)} pages shown",
        f"shown-count {dom.text_by_id.get('shown-count')!r}",
    )

    filtered = parse(filtered_path)
    visible = [r for r in filtered.rows if not r["hidden"]]
    check(
        "#verdict=dead filter leaves exactly the dead pages",
        len(visible) == summary["dead"] and all(r["verdict"] == "dead" for r in visible),
        f"visible {[r['verdict'] for r in visible]}",
    )
    check(
        "the filter updates the shown count",
        filtered.text_by_id.get("shown-count", "").strip() == f"{summary['dead']} of {len(verdicts)} pages shown",
        f"shown-count {filtered.text_by_id.get('shown-count')!r}",
    )
    ages = [r["cells"][4][0].get("data-sort", "") for r in filtered.rows]
    known = [int(a) for a in ages if a != ""]
    check(
        "&sort=age&desc=1 sorts rows oldest copy first, unknown ages last",
        known == sorted(known, reverse=True) and ages[: len(known)] == [str(a) for a in known],
        f"age keys in row order: {ages}",
    )

    try:
        width, height, channels, rows = decode_png(png_path)
    except Exception as e:  # noqa: BLE001 - any decoding problem is a failed check
        check("the screenshot is a PNG this script can decode", False, str(e))
        return
    check("the screenshot is 1280x1600", (width, height) == (1280, 1600), f"{width}x{height}")
    colours = set()
    for row in rows[::4]:
        for x in range(0, len(row), channels * 4):
            colours.add(row[x : x + 3])
    check("the screenshot is not blank", len(colours) > 1, "every pixel has one colour")
    check(
        "the screenshot has the variety of a rendered report",
        len(colours) >= 50,
        f"only {len(colours)} distinct colours",
    )
    if summary["dead"] > 0:
        reds = sum(1 for c in colours if c[0] > 170 and c[1] < 80 and c[2] < 80)
        check("dead pages show in red", reds > 0, "no strong red pixel")


if __name__ == "__main__":
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    main(*sys.argv[1:])
    sys.exit(0 if all(RESULTS) else 1)
