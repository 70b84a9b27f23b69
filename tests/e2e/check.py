#!/usr/bin/env python3
"""Assertions of the nonce-audit e2e.

Usage: check.py REPORTS_DIR LOG_DIR

Reads the JSON reports written by `nonce-audit audit ... -o NAME.json`, the context
recorded by run.sh (ctx.env: ticks, primed pages and nonces, exit codes, log
offsets) and the servers' own access logs.  Never looks at terminal text.
Prints one PASS/FAIL line per scenario (details indented under a FAIL) and
writes "<passed> <failed>" to REPORTS_DIR/counts for run.sh.
"""
import json
import os
import re
import sys
from collections import Counter
from datetime import datetime, timezone
from urllib.parse import urlsplit

REPORTS, LOGS = sys.argv[1], sys.argv[2]
VERDICTS = ("fresh", "expiring", "dead", "no_nonce", "unverifiable", "error")
NO_NONCE_PATH = "/no-nonce/"


def load_ctx():
    ctx = {}
    with open(os.path.join(REPORTS, "ctx.env")) as f:
        for line in f:
            k, _, v = line.rstrip("\n").partition("=")
            ctx[k] = v
    return ctx


CTX = load_ctx()
LIFE = int(CTX["nonce_life"])
L = LIFE // 2
PORT_CACHE, PORT_ORIGIN, PORT_VARNISH, PORT_LEAKY = CTX["ports"].split()
DEAD = CTX["dead_paths"].split()
EXP = CTX["exp_paths"].split()


def ctx_int(key):
    v = CTX.get(key)
    return int(v) if v not in (None, "") else None


def tick(t):
    return -(-int(t) // L)  # ceil(t / L), as wp_nonce_tick()


def epoch(s):
    if s is None:
        return None
    return datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


def iso(t):
    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def path_of(url):
    u = urlsplit(url)
    return u.path + ("?" + u.query if u.query else "")


class Failed(Exception):
    pass


class Scenario:
    def __init__(self, name):
        self.name, self.problems, self.notes = name, [], []

    def check(self, cond, msg):
        if not cond:
            self.problems.append(msg)
        return cond

    def note(self, msg):
        self.notes.append(msg)

    def require(self, cond, msg):
        if not cond:
            self.problems.append(msg)
            raise Failed()


_reports = {}


def report(sc, name):
    """Load NAME.json; fail the scenario (with the tool's stderr) if it is unusable."""
    if name in _reports:
        r = _reports[name]
    else:
        path = os.path.join(REPORTS, name + ".json")
        try:
            with open(path) as f:
                r = json.load(f)
        except (OSError, ValueError) as e:
            r = e
        _reports[name] = r
    if isinstance(r, Exception):
        err = ""
        try:
            with open(os.path.join(REPORTS, name + ".stderr")) as f:
                err = f.read().strip()[-600:]
        except OSError:
            pass
        sc.require(False, f"report {name}.json unusable ({r}); exit={CTX.get(name + '_rc')}; stderr: {err!r}")
    sc.require(isinstance(r, dict) and isinstance(r.get("pages"), list), f"{name}.json: no pages[]")
    return r


def basic(sc, name, r, site):
    """Checks every report must pass: schema, site, summary consistent with pages."""
    sc.check(r.get("schema") == "nonce-audit/1", f"{name}: schema={r.get('schema')!r}")
    sc.check(r.get("site") == site, f"{name}: site={r.get('site')!r}, expected {site!r}")
    sc.check(r.get("nonce_life_s") == LIFE, f"{name}: nonce_life_s={r.get('nonce_life_s')!r}, expected {LIFE}")
    pages = r["pages"]
    counts = Counter(p.get("verdict") for p in pages)
    summ = r.get("summary") or {}
    sc.check(summ.get("pages") == len(pages), f"{name}: summary.pages={summ.get('pages')} but {len(pages)} pages")
    for v in VERDICTS:
        sc.check(summ.get(v, 0) == counts.get(v, 0), f"{name}: summary.{v}={summ.get(v)} but {counts.get(v, 0)} pages say {v}")
    bad = [p.get("verdict") for p in pages if p.get("verdict") not in VERDICTS]
    sc.check(not bad, f"{name}: unknown verdicts {bad}")
    paths = [path_of(p["url"]) for p in pages]
    dup = [k for k, n in Counter(paths).items() if n > 1]
    sc.check(not dup, f"{name}: pages listed twice: {dup}")
    return {path_of(p["url"]): p for p in pages}


def overran(sc, name, start_key, end_key):
    """The e2e itself checks that an audit did not run past its tick (choreography)."""
    a, b = ctx_int(start_key), ctx_int(end_key)
    sc.require(a is not None and a == b,
               f"{name}: the audit started in tick {a} but ended in tick {b}: it took longer than the "
               f"{L}s tick window, so fresh/expiring verdicts are not comparable (slow machine or slow audit)")


def server_tick(sc, name, r, expected):
    st = epoch(r.get("server_time"))
    sc.require(st is not None, f"{name}: no server_time")
    sc.require(
        tick(st) == expected,
        f"{name}: server_time {r.get('server_time')} is in tick {tick(st)}, the audit was started in tick "
        f"{expected} (audit crossed a tick boundary, or server_time is not the server's Date)",
    )


def nonce_values(p):
    return [n.get("value") for n in (p.get("nonces") or [])]


def expect_page(sc, name, path, p, verdict, dies_at=None, nonce=None, layer="skip", hit="skip"):
    if not sc.check(p is not None, f"{name}: page {path} missing from the report"):
        return
    where = f"{name} {path}"
    sc.check(p.get("verdict") == verdict, f"{where}: verdict={p.get('verdict')!r} (reason {p.get('reason')!r}), expected {verdict!r}")
    sc.check(p.get("status") == 200, f"{where}: status={p.get('status')!r}, expected 200")
    if dies_at is not None:
        got = epoch(p.get("dies_at"))
        sc.check(got == dies_at, f"{where}: dies_at={p.get('dies_at')!r}, expected {iso(dies_at)} (tick arithmetic, L={L}s)")
    if nonce is not None:
        vals = nonce_values(p)
        sc.check(nonce in vals, f"{where}: nonces={vals}, expected {nonce}")
        srcs = {(n.get("source"), n.get("action")) for n in p.get("nonces") or []}
        sc.check(("wpApiSettings", "wp_rest") in srcs, f"{where}: nonce source/action {srcs}, expected wpApiSettings/wp_rest")
    cache = p.get("cache") or {}
    if layer == "skip":
        return
    if hit is True or layer is None:
        sc.check(cache.get("layer") == layer, f"{where}: cache.layer={cache.get('layer')!r}, expected {layer!r}")
        if hit is True:
            sc.check(cache.get("hit") is True, f"{where}: cache.hit={cache.get('hit')!r}, expected True")
    else:
        # A cache MISS: the layer must still be detected from its header.  Accepted shapes:
        # {"layer": L, "hit": false} or {"layer": null, "hit": false, "layers": [{"layer": L, "hit": false}]}
        # (the binary reports as top-level layer only a layer that served a hit).
        seen = [x for x in cache.get("layers") or [] if x.get("layer") == layer]
        sc.check(cache.get("hit") is False, f"{where}: cache.hit={cache.get('hit')!r}, expected False (a MISS)")
        sc.check(cache.get("layer") in (layer, None) and seen and seen[0].get("hit") is False,
                 f"{where}: cache={ {k: cache.get(k) for k in ('layer', 'hit', 'layers')} }, expected layer {layer!r} seen with hit=false")


# ---------------------------------------------------------------- logs
NGINX_RE = re.compile(r'^(\S+) (\d+) "(\S+) (\S+)" (\d+) nonce="([^"]*)" cache="([^"]*)" ua="(.*)"$')
NCSA_RE = re.compile(r'^(\d+) "(\S+) (\S+)" (\d+) age=(\S*) hitmiss=(\S*) nonce=(\S*)$')


def log_slice(fname, start, end):
    with open(os.path.join(LOGS, fname), "rb") as f:
        f.seek(start)
        return f.read(end - start).decode("utf-8", "replace").splitlines()


def is_rest(uri):
    return "/wp-json/" in uri or "rest_route=" in uri or uri.startswith("/wp-json")


def is_discovery(uri):
    return uri.startswith("/robots.txt") or "sitemap" in uri


# ---------------------------------------------------------------- scenarios
def cache_front(sc, name, port, layer):
    """nginx / varnish: primed pages dead, the rest fresh, layer and dies_at."""
    site = f"http://127.0.0.1:{port}/"
    r = report(sc, name)
    pages = basic(sc, name, r, site)
    i = ctx_int("tick_main")
    overran(sc, name, "tick_main", "main_end_tick")
    server_tick(sc, name, r, i)
    sc.check(CTX.get(name + "_rc") == "1", f"{name}: exit code {CTX.get(name + '_rc')}, expected 1 (dead pages, --fail-on dead)")
    sc.check(r.get("rest_root") == site + "wp-json/", f"{name}: rest_root={r.get('rest_root')!r}")
    for path in DEAD:
        expect_page(sc, name, path, pages.get(path), "dead", nonce=CTX["nonce_dead"], layer=layer, hit=True)
        p = pages.get(path) or {}
        # Re-rendered past the cache, the page gets an accepted nonce: a stale copy when the
        # copy's age shows it outlived its nonce; unproven when the cache does not date it.
        want = "stale-copy" if (p.get("cache") or {}).get("age_s") is not None else "unproven"
        sc.check(p.get("cause") == want, f"{name} {path}: cause={p.get('cause')!r}, expected {want!r} (age_s={(p.get('cache') or {}).get('age_s')!r}; reason={p.get('reason')!r})")
        sc.check(p.get("private_copy") is False, f"{name} {path}: private_copy={p.get('private_copy')!r}")
    fresh = [x for x in pages if x not in DEAD and x not in EXP and x != NO_NONCE_PATH]
    sc.check(len(fresh) >= 5, f"{name}: only {len(fresh)} unprimed pages with nonces")
    for path in fresh:
        expect_page(sc, name, path, pages[path], "fresh", dies_at=(i + 1) * L, layer=layer, hit=False)
    expect_page(sc, name, NO_NONCE_PATH, pages.get(NO_NONCE_PATH), "no_nonce", layer=layer, hit=False)
    fresh_nonces = {v for x in fresh for v in nonce_values(pages[x])}
    sc.check(len(fresh_nonces) == 1 and CTX["nonce_dead"] not in fresh_nonces and CTX["nonce_exp"] not in fresh_nonces,
             f"{name}: unprimed pages carry nonces {sorted(fresh_nonces)} (expected one new value)")
    return r, pages


def sc_nginx(sc):
    cache_front(sc, "nginx", PORT_CACHE, "nginx-fastcgi")


def sc_expiring(sc):
    i = ctx_int("tick_main")
    overran(sc, "main audits", "tick_main", "main_end_tick")
    for name, port, layer in (("nginx", PORT_CACHE, "nginx-fastcgi"), ("varnish", PORT_VARNISH, "varnish")):
        try:
            r = report(sc, name)
            pages = basic(sc, name, r, f"http://127.0.0.1:{port}/")
            server_tick(sc, name, r, i)
            for path in EXP:
                expect_page(sc, name, path, pages.get(path), "expiring", dies_at=i * L, nonce=CTX["nonce_exp"], layer=layer, hit=True)
        except Failed:
            pass


def sc_varnish(sc):
    _, pages = cache_front(sc, "varnish", PORT_VARNISH, "varnish")
    # The Age header each response really carried, from varnishncsa (client side).
    ages = {}
    for line in log_slice("varnish-access.log", int(CTX["varnish_log_from"]), int(CTX["varnish_log_to"])):
        m = NCSA_RE.match(line)
        if m and m.group(2) == "GET" and not is_rest(m.group(3)) and m.group(7) == "-":
            ages.setdefault(m.group(3), []).append(int(m.group(5)) if m.group(5).isdigit() else None)
    for path, p in pages.items():
        got = (p.get("cache") or {}).get("age_s")
        seen = ages.get(path)
        if not sc.check(seen and len(seen) == 1 and seen[0] is not None, f"varnish {path}: varnishncsa saw {seen!r} page requests for it"):
            continue
        if path in DEAD or path in EXP:   # HITs: age_s must be the Age header
            sc.check(got is not None and abs(got - seen[0]) <= 1, f"varnish {path}: cache.age_s={got!r}, Age header sent was {seen[0]}")
        else:                             # MISSes (Age: 0): null is accepted too
            sc.check(got is None or abs(got - seen[0]) <= 1, f"varnish {path}: cache.age_s={got!r}, Age header sent was {seen[0]}")
    for path in DEAD:
        a = (ages.get(path) or [None])[0]
        sc.check(a is not None and a >= L, f"varnish {path}: Age {a!r} for a page cached two ticks earlier (fixture check)")
    src = Counter((p.get("cache") or {}).get("age_source") for p in pages.values())
    sc.note(f"age_source values: {dict(src)}")


def sc_origin(sc):
    name = "origin"
    r = report(sc, name)
    pages = basic(sc, name, r, f"http://127.0.0.1:{PORT_ORIGIN}/")
    t = ctx_int("tick_origin")
    overran(sc, name, "tick_origin", "origin_end_tick")
    server_tick(sc, name, r, t)
    sc.check(CTX.get("origin_rc") == "0", f"origin: exit code {CTX.get('origin_rc')}, expected 0")
    try:
        with open(os.path.join(REPORTS, "origin.stdout")) as f:
            out = json.load(f)
        sc.check(out == r, "origin: --format json on stdout differs from the -o report.json")
    except (OSError, ValueError) as e:
        sc.check(False, f"origin: --format json stdout is not JSON ({e})")
    for path, p in pages.items():
        if path == NO_NONCE_PATH:
            expect_page(sc, name, path, p, "no_nonce")
        else:
            expect_page(sc, name, path, p, "fresh", dies_at=(t + 1) * L, layer=None)


def sc_blocked(sc):
    for name, flag, rc in (("blocked_unverifiable", "unverifiable", "1"), ("blocked_expiring", "expiring", "0")):
        try:
            r = report(sc, name)
            pages = basic(sc, name, r, f"http://127.0.0.1:{PORT_ORIGIN}/")
            sc.check(CTX.get(name + "_rc") == rc, f"{name}: --fail-on {flag}: exit code {CTX.get(name + '_rc')}, expected {rc}")
            summ = r.get("summary") or {}
            sc.check(summ.get("fresh") == 0 and summ.get("dead") == 0 and summ.get("expiring") == 0,
                     f"{name}: summary {summ} (no page may be judged)")
            for path, p in pages.items():
                expect_page(sc, name, path, p, "no_nonce" if path == NO_NONCE_PATH else "unverifiable")
            sc.check(len(pages) == 14, f"{name}: {len(pages)} pages, expected 14")
        except Failed:
            pass


def sc_plain(sc):
    name = "plain"
    r = report(sc, name)
    pages = basic(sc, name, r, f"http://127.0.0.1:{PORT_ORIGIN}/")
    t = ctx_int("tick_plain")
    overran(sc, name, "tick_plain", "plain_end_tick")
    server_tick(sc, name, r, t)
    sc.check(CTX.get("plain_rc") == "0", f"plain: exit code {CTX.get('plain_rc')}, expected 0")
    root = r.get("rest_root") or ""
    sc.check("rest_route=/" in root and "/wp-json/" not in root, f"plain: rest_root={root!r}")
    sm = [s.get("url") or "" for s in r.get("sitemaps") or []]
    sc.check(any("sitemap=index" in u for u in sm), f"plain: sitemaps {sm} (expected /?sitemap=index)")
    sc.check(len(pages) == 14, f"plain: {len(pages)} pages, expected 14: {sorted(pages)}")
    sc.check(all(x == "/" or "?" in x for x in pages), f"plain: pretty URLs in a plain-permalink site: {sorted(pages)}")
    no_nonce = [x for x, p in pages.items() if not nonce_values(p)]
    sc.check(len(no_nonce) == 1, f"plain: pages without a nonce: {no_nonce} (expected just the no-nonce page)")
    for path, p in pages.items():
        expect_page(sc, name, path, p, "no_nonce" if path in no_nonce else "fresh", dies_at=None if path in no_nonce else (t + 1) * L)


def sc_discovery(sc):
    published = set()
    for kind in ("posts", "pages"):
        with open(os.path.join(REPORTS, f"published-{kind}.json")) as f:
            published |= {path_of(x["link"]) for x in json.load(f)}
    sc.require(len(published) == 11, f"fixture: WordPress lists {len(published)} published posts+pages, expected 11")
    for name, port in (("origin", PORT_ORIGIN), ("nginx", PORT_CACHE)):
        try:
            site = f"http://127.0.0.1:{port}/"
            r = report(sc, name)
            pages = basic(sc, name, r, site)
            sm = r.get("sitemaps") or []
            idx = [s for s in sm if s.get("url") == site + "wp-sitemap.xml"]
            sc.check(idx and "robots" in str(idx[0].get("found_via", "")).lower(),
                     f"{name}: sitemaps={[(s.get('url'), s.get('found_via')) for s in sm]} (expected {site}wp-sitemap.xml found via robots.txt)")
            missing = published - set(pages)
            sc.check(not missing, f"{name}: published but not audited: {sorted(missing)}")
            sc.check("/draft-post/" not in pages, f"{name}: the draft was audited")
            extra = set(pages) - published - {"/", "/category/uncategorized/", "/author/admin/"}
            sc.check(not extra, f"{name}: audited pages that are in no sitemap: {sorted(extra)}")
        except Failed:
            pass


def sc_requests(sc):
    r = report(sc, "nginx")
    pages = basic(sc, "nginx", r, f"http://127.0.0.1:{PORT_CACHE}/")
    lines = log_slice("cache-access.log", int(CTX["cache_log_from"]), int(CTX["cache_log_to"]))
    reqs = []
    for line in lines:
        m = NGINX_RE.match(line)
        if sc.check(m is not None, f"unparsed access-log line: {line!r}"):
            reqs.append({"method": m.group(3), "uri": m.group(4), "status": m.group(5), "nonce": m.group(6), "cache": m.group(7)})
    page_nonces = {v for p in r["pages"] for v in nonce_values(p)}

    def nonce_of(q):
        if q["nonce"] not in ("", "-"):
            return q["nonce"]
        m = re.search(r"[?&]_wpnonce=([^&]*)", q["uri"])
        return m.group(1) if m else None

    probes = [q for q in reqs if is_rest(q["uri"]) and nonce_of(q)]
    by_nonce = Counter(nonce_of(q) for q in probes)
    for n in sorted(page_nonces):
        sc.check(by_nonce.get(n) == 1, f"nonce {n}: probed {by_nonce.get(n, 0)} times, expected once")
    control = [q for q in probes if nonce_of(q) not in page_nonces]
    sc.check(len(control) == 1, f"control probes: {[(q['uri'], nonce_of(q)) for q in control]}, expected exactly one")
    for q in control:
        sc.check(re.fullmatch(r"[0-9a-f]{10}", nonce_of(q) or "") is not None, f"control nonce {nonce_of(q)!r} is not well-formed")
        sc.check(q["status"] == "403", f"control probe got HTTP {q['status']}, expected 403")
    sc.check(len(probes) == len(page_nonces) + 1, f"{len(probes)} nonce probes for {len(page_nonces)} distinct nonces")
    rp = (r.get("summary") or {}).get("rest_probes")
    sc.check(rp == len(probes), f"summary.rest_probes={rp}, the access log shows {len(probes)}")
    cached = [q["uri"] for q in probes if q["cache"] == "HIT"]
    sc.check(not cached, f"probes answered from the page cache: {cached}")
    uris = [q["uri"] for q in probes]
    sc.check(len(set(uris)) == len(uris), f"probe URLs repeat (no cache-buster?): {uris}")
    # One re-render past the cache per distinct dead nonce, and it must really miss.
    busted = [q for q in reqs if not is_rest(q["uri"]) and "nonce_audit_cb=" in q["uri"]]
    dead_nonces = {v for p in r["pages"] if p.get("verdict") == "dead" for v in nonce_values(p)}
    sc.check(len(busted) == len(dead_nonces), f"{len(busted)} re-renders for {len(dead_nonces)} distinct dead nonces: {[q['uri'] for q in busted]}")
    hit = [q["uri"] for q in busted if q["cache"] == "HIT"]
    sc.check(not hit, f"re-renders answered from the page cache: {hit}")
    fetches = Counter(q["uri"] for q in reqs if not is_rest(q["uri"]) and not is_discovery(q["uri"]) and "nonce_audit_cb=" not in q["uri"])
    twice = {u: n for u, n in fetches.items() if n > 1}
    sc.check(not twice, f"pages fetched more than once: {twice}")
    sc.check(set(fetches) == set(pages), f"fetched {sorted(fetches)} vs reported {sorted(pages)}")
    sc.note(f"{len(reqs)} requests: {len(probes)} probes, {sum(fetches.values())} page fetches, "
            f"{sum(1 for q in reqs if is_discovery(q['uri']))} robots/sitemap, "
            f"{sum(1 for q in reqs if is_rest(q['uri']) and not nonce_of(q))} REST without nonce")


def kinds_for(r, cause):
    return {x.get("kind") for x in r.get("recommendations") or [] if x.get("cause") == cause}


def sc_wrong_action(sc):
    """A wrong-action nonce: rejected-when-fresh through a cache, unproven (with words for
    both) on an origin where no cache shows itself; never a lifespan fix."""
    name = "wrong_action"
    r = report(sc, name)
    pages = basic(sc, name, r, f"http://127.0.0.1:{PORT_LEAKY}/")
    sc.check(CTX.get(name + "_rc") == "1", f"{name}: exit code {CTX.get(name + '_rc')}, expected 1")
    p = pages.get("/shop/")
    sc.require(p is not None, f"{name}: /shop/ missing")
    sc.check(p.get("verdict") == "dead", f"{name} /shop/: verdict={p.get('verdict')!r}")
    sc.check(p.get("cause") == "rejected-when-fresh",
             f"{name} /shop/: cause={p.get('cause')!r}, expected 'rejected-when-fresh' (reason {p.get('reason')!r})")
    sc.check("wp_rest" in (p.get("reason") or ""), f"{name} /shop/: the reason does not name wp_rest: {p.get('reason')!r}")
    kinds = kinds_for(r, "rejected-when-fresh")
    sc.check(kinds == {"code"}, f"{name}: recommendations for rejected-when-fresh are {kinds}, expected only 'code'")
    sc.check(not any(x.get("kind") == "ttl" and x.get("cause") != "unproven" for x in r.get("recommendations") or []),
             f"{name}: a lifespan fix is counted for a nonce no cache setting can fix: {r.get('recommendations')}")

    name = "wrong_action_origin"
    r = report(sc, name)
    pages = basic(sc, name, r, f"http://127.0.0.1:{PORT_ORIGIN}/")
    sc.check(CTX.get(name + "_rc") == "1", f"{name}: exit code {CTX.get(name + '_rc')}, expected 1")
    p = pages.get("/shop/") or {}
    sc.check(p.get("verdict") == "dead" and p.get("cause") == "unproven",
             f"{name} /shop/: verdict={p.get('verdict')!r} cause={p.get('cause')!r}, expected dead/unproven (no cache shows itself)")
    sc.check("no page cache shows itself" in (p.get("reason") or "") and "wp_create_nonce( 'wp_rest' )" in (p.get("reason") or ""),
             f"{name} /shop/: the reason does not say that no cache shows itself and name the code fix: {p.get('reason')!r}")
    others = [x for x, q in pages.items() if x not in ("/shop/", NO_NONCE_PATH) and q.get("verdict") not in ("fresh", "expiring")]
    sc.check(not others, f"{name}: pages other than /shop/ not live: {others}")


def sc_private(sc):
    """A logged-in render stored by a cache whose bypass misses the login cookie."""
    name = "private"
    r = report(sc, name)
    pages = basic(sc, name, r, f"http://127.0.0.1:{PORT_LEAKY}/")
    sc.check(CTX.get(name + "_rc") == "1", f"{name}: exit code {CTX.get(name + '_rc')}, expected 1 (a private copy is a finding)")
    p = pages.get("/ci-post-3/")
    sc.require(p is not None, f"{name}: /ci-post-3/ missing")
    sc.check(p.get("private_copy") is True, f"{name} /ci-post-3/: private_copy={p.get('private_copy')!r}")
    ev = " ".join(p.get("private_evidence") or [])
    sc.check("wpadminbar" in ev and "logged-in" in ev, f"{name} /ci-post-3/: private_evidence={p.get('private_evidence')!r}")
    sc.check(p.get("verdict") == "dead" and p.get("cause") == "logged-in-copy",
             f"{name} /ci-post-3/: verdict={p.get('verdict')!r} cause={p.get('cause')!r}, expected dead/logged-in-copy")
    sc.check(CTX.get("private_nonce") in nonce_values(p), f"{name} /ci-post-3/: nonces {nonce_values(p)}, expected the admin's {CTX.get('private_nonce')}")
    cache = p.get("cache") or {}
    sc.check(cache.get("layer") == "nginx-fastcgi" and cache.get("hit") is True, f"{name} /ci-post-3/: cache={cache}")
    leaked = [x for x, q in pages.items() if x != "/ci-post-3/" and q.get("private_copy")]
    sc.check(not leaked, f"{name}: guest renders flagged private: {leaked}")
    recs = [x for x in r.get("recommendations") or [] if x.get("cause") == "logged-in-copy"]
    sc.check({x.get("kind") for x in recs} >= {"logged-in", "purge"} and all(x.get("layer") == "nginx-fastcgi" for x in recs),
             f"{name}: logged-in-copy advice {[(x.get('layer'), x.get('kind')) for x in recs]}, expected nginx-fastcgi logged-in + purge")


def sc_keys(sc):
    """Copies made seconds before NONCE_KEY/NONCE_SALT changed: copy-predates-key-change."""
    name = "keys"
    r = report(sc, name)
    pages = basic(sc, name, r, f"http://127.0.0.1:{PORT_VARNISH}/")
    sc.check(CTX.get(name + "_rc") == "1", f"{name}: exit code {CTX.get(name + '_rc')}, expected 1")
    for path in DEAD:
        p = pages.get(path)
        if not sc.check(p is not None, f"{name}: {path} missing"):
            continue
        age = (p.get("cache") or {}).get("age_s")
        sc.require(age is not None, f"{name} {path}: no age_s (Varnish sends Age)")
        sc.require(age < L, f"{name} {path}: the copy was {age} s old at the audit, not less than one tick ({L} s): the e2e was too slow for this scenario")
        sc.check(p.get("verdict") == "dead", f"{name} {path}: verdict={p.get('verdict')!r} (reason {p.get('reason')!r})")
        sc.check(CTX.get("keys_nonce") in nonce_values(p), f"{name} {path}: nonces {nonce_values(p)}, expected the primed {CTX.get('keys_nonce')}")
        sc.check(p.get("cause") == "copy-predates-key-change",
                 f"{name} {path}: cause={p.get('cause')!r}, expected 'copy-predates-key-change' (reason {p.get('reason')!r})")
    kinds = kinds_for(r, "copy-predates-key-change")
    sc.check(kinds == {"purge"}, f"{name}: advice kinds for copy-predates-key-change {kinds}, expected only 'purge'")
    purge = [x for x in r.get("recommendations") or [] if x.get("kind") == "purge"]
    sc.check(any(x.get("layer") == "varnish" and "ban" in (x.get("setting") or "") for x in purge),
             f"{name}: no Varnish ban in the purge advice: {purge}")


SCENARIOS = [
    ("nginx-fastcgi: primed pages dead, unprimed fresh, layer nginx-fastcgi, dies_at = tick arithmetic", sc_nginx),
    ("expiring: pages cached one tick ago -> expiring, dies_at = next boundary (nginx and Varnish)", sc_expiring),
    ("varnish: primed pages dead, unprimed fresh, layer varnish, age_s = Age header (+-1 s)", sc_varnish),
    ("origin (no cache): every page with a nonce fresh", sc_origin),
    ("REST blocked (401 rest_not_logged_in @10): nonce pages unverifiable, exit code follows --fail-on", sc_blocked),
    ("plain permalinks: REST root ?rest_route=/, sitemap /?sitemap=index, audit works", sc_plain),
    ("discovery: bare site URL -> robots.txt -> /wp-sitemap.xml -> every published post and page", sc_discovery),
    ("request count (nginx access log): one probe per distinct nonce + one control, one re-render per dead nonce, no page fetched twice", sc_requests),
    ("wrong action (mu-plugin, wp_api nonce on /shop/): rejected-when-fresh through a cache, code advice only; unproven on the bare origin", sc_wrong_action),
    ("private copy (cache without the login-cookie bypass): the admin's render flagged, logged-in-copy, bypass + purge advice", sc_private),
    ("keys changed after the copies were made (Varnish, copies younger than a tick): copy-predates-key-change, purge advice", sc_keys),
]


def main():
    passed = failed = 0
    for title, fn in SCENARIOS:
        sc = Scenario(title)
        try:
            fn(sc)
        except Failed:
            pass
        except Exception as e:  # a crash in a check is a failure, never a pass
            sc.problems.append(f"check crashed: {e!r}")
        if sc.problems:
            failed += 1
            print(f"FAIL {sc.name}")
            for msg in sc.problems[:25]:
                print(f"     - {msg}")
            if len(sc.problems) > 25:
                print(f"     ... {len(sc.problems) - 25} more")
        else:
            passed += 1
            print(f"PASS {sc.name}")
        for n in sc.notes:
            print(f"     ({n})")
    with open(os.path.join(REPORTS, "counts"), "w") as f:
        f.write(f"{passed} {failed}\n")


if __name__ == "__main__":
    main()
