//! The HTML report: one self-contained page to open, mail or attach to a ticket.
//!
//! It has to work wherever the file lands, offline and without trust: no external asset, no
//! network request, styles and script inline. Everything from the audit is hostile input (a
//! sitemap can list `…/<script>…` as a URL, a reason quotes the title of whatever page a WAF
//! served), so every report string goes through [`escape`], and a Content-Security-Policy that
//! admits only this file's own style and script by hash stops anything that might slip through.
//! The summary numbers sit in the DOM as plain text under stable ids (`count-dead`,
//! `count-pages`, ...) so a browser test, or a person's script, can read them.

use std::collections::BTreeMap;
use std::fmt::Write;

use base64::Engine;
use sha2::{Digest, Sha256};

use crate::audit::human_duration;
use crate::baseline::BaselineDiff;
use crate::clock::NonceClock;
use crate::model::{MultiReport, PageResult, Recommendation, Report, Verdict};
use crate::report::markup::{escape, linkable};
use crate::report::table::display_url;

/// Most rows the chart draws; a larger audit shows its oldest copies, which are the ones at or
/// past their nonce's death.
pub const CHART_MAX_ROWS: usize = 80;

const STYLE: &str = r##"
:root { --dead: #c5221f; --expiring: #e37400; --unverifiable: #8430ce; --error: #5f6368;
  --fresh: #188038; --no_nonce: #9aa0a6; --ink: #202124; --muted: #5f6368; --line: #dadce0; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif;
  color: var(--ink); margin: 0 auto; padding: 24px; max-width: 1240px; background: #fff; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 32px 0 10px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 15px; margin: 0 0 6px; }
a { color: #1a55c4; }
code { font: 12px/1.3 ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; background: #f1f3f4;
  padding: 1px 4px; border-radius: 3px; overflow-wrap: anywhere; }
.site { font-size: 15px; margin: 0 0 10px; overflow-wrap: anywhere; }
.meta { display: flex; flex-wrap: wrap; gap: 4px 22px; margin: 0; color: var(--muted); }
.meta div { display: flex; gap: 6px; }
.meta dt { font-weight: 600; }
.meta dd { margin: 0; overflow-wrap: anywhere; }
.headline { font-size: 15px; margin: 18px 0 0; }
.interrupted { background: #fce8e6; padding: 8px 12px; border-radius: 6px; }
#summary, .cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(118px, 1fr)); gap: 10px;
  margin-top: 18px; }
.card { border: 1px solid var(--line); border-top: 5px solid var(--muted); border-radius: 8px;
  padding: 10px 12px; background: #fff; }
.card .count { display: block; font-size: 28px; font-weight: 700; line-height: 1.1; }
.card .label { color: var(--muted); }
.card.v-dead { border-top-color: var(--dead); } .card.v-dead.some { background: #fce8e6; }
.card.v-dead.some .count { color: var(--dead); }
.card.v-expiring { border-top-color: var(--expiring); } .card.v-expiring.some { background: #fef7e0; }
.card.v-unverifiable { border-top-color: var(--unverifiable); }
.card.v-error { border-top-color: var(--error); }
.card.v-fresh { border-top-color: var(--fresh); }
.card.v-no_nonce { border-top-color: var(--no_nonce); }
.card.total, .card.probes { border-top-color: var(--ink); }
.chart-wrap { overflow-x: auto; }
svg.chart { display: block; font: 12px system-ui, sans-serif; }
svg.chart .label { fill: var(--ink); }
svg.chart .note { fill: var(--muted); }
svg.chart .on-bar { fill: #fff; font-weight: 600; }
svg.chart .axis { stroke: var(--line); }
svg.chart .tick text { fill: var(--muted); }
svg.chart .boundary { stroke: var(--muted); stroke-dasharray: 4 3; }
svg.chart .deadline { stroke: var(--dead); stroke-width: 2; }
svg.chart .deadline-label { fill: var(--dead); font-weight: 600; }
svg.chart .zone-fresh { fill: #e6f4ea; } svg.chart .zone-expiring { fill: #fef7e0; }
svg.chart .zone-dead { fill: #fce8e6; }
.bar.v-dead { fill: var(--dead); } .bar.v-expiring { fill: var(--expiring); }
.bar.v-unverifiable { fill: var(--unverifiable); } .bar.v-error { fill: var(--error); }
.bar.v-fresh { fill: var(--fresh); } .bar.v-no_nonce { fill: var(--no_nonce); }
.legend { display: flex; flex-wrap: wrap; gap: 4px 16px; margin: 4px 0 8px; color: var(--muted); }
.swatch { display: inline-block; width: 11px; height: 11px; border-radius: 2px; margin-right: 5px;
  vertical-align: -1px; }
.swatch.v-dead { background: var(--dead); } .swatch.v-expiring { background: var(--expiring); }
.swatch.v-unverifiable { background: var(--unverifiable); } .swatch.v-error { background: var(--error); }
.swatch.v-fresh { background: var(--fresh); } .swatch.v-no_nonce { background: var(--no_nonce); }
.layers { display: grid; grid-template-columns: repeat(auto-fit, minmax(360px, 1fr)); gap: 12px; }
.layer { border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; }
.pills { display: flex; flex-wrap: wrap; gap: 6px; margin: 0 0 8px; }
.pill, .badge { display: inline-block; border-radius: 10px; padding: 1px 8px; font-size: 12px;
  font-weight: 600; color: #fff; background: var(--muted); white-space: nowrap; }
.pill.v-dead, .badge.v-dead { background: var(--dead); }
.pill.v-expiring, .badge.v-expiring { background: var(--expiring); }
.pill.v-unverifiable, .badge.v-unverifiable { background: var(--unverifiable); }
.pill.v-error, .badge.v-error { background: var(--error); }
.pill.v-fresh, .badge.v-fresh { background: var(--fresh); }
.pill.v-no_nonce, .badge.v-no_nonce { background: var(--no_nonce); }
.advice { border-left: 4px solid var(--dead); background: #fafafa; padding: 6px 10px; margin-top: 8px; }
.advice p { margin: 4px 0; }
.advice .why, .ok { color: var(--muted); }
.controls { display: flex; flex-wrap: wrap; align-items: center; gap: 8px 16px; margin-bottom: 8px; }
.controls input[type=search] { font: inherit; padding: 5px 8px; min-width: 260px;
  border: 1px solid var(--line); border-radius: 6px; }
.controls label { white-space: nowrap; }
#shown-count { color: var(--muted); }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 6px 8px; border-bottom: 1px solid var(--line); }
th { background: #f8f9fa; position: sticky; top: 0; }
th button { font: inherit; font-weight: 600; border: 0; background: none; padding: 0; cursor: pointer;
  color: var(--ink); }
th[aria-sort=ascending] button::after { content: " \25B2"; }
th[aria-sort=descending] button::after { content: " \25BC"; }
td.url { overflow-wrap: anywhere; max-width: 380px; }
td.num, th.num { text-align: right; white-space: nowrap; }
td.detail { overflow-wrap: anywhere; max-width: 420px; }
tr.v-dead td:first-child { box-shadow: inset 4px 0 var(--dead); }
tr.v-expiring td:first-child { box-shadow: inset 4px 0 var(--expiring); }
details.changes { margin-top: 8px; } .changes li { margin: 4px 0; overflow-wrap: anywhere; }
section.baseline { margin-bottom: 18px; }
section.site { border-top: 3px solid var(--line); margin-top: 36px; }
footer { margin-top: 28px; color: var(--muted); font-size: 12px; }
"##;

const SCRIPT: &str = r##"
(() => {
  "use strict";
  const table = document.getElementById("page-table");
  if (!table) return;
  const body = table.tBodies[0];
  const rows = Array.from(body.rows);
  const heads = Array.from(table.tHead.rows[0].cells);
  const text = document.getElementById("filter-text");
  const boxes = Array.from(document.querySelectorAll("input.verdict-filter"));
  const shown = document.getElementById("shown-count");
  let sorted = null;

  const key = (row, col, numeric) => {
    const cell = row.cells[col];
    const raw = cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cell.textContent;
    if (!numeric) return raw.trim().toLowerCase();
    return raw === "" ? null : Number(raw);
  };

  const sortBy = (col, desc) => {
    const numeric = heads[col].dataset.type === "num";
    const keyed = rows.map((row, i) => [key(row, col, numeric), i, row]);
    keyed.sort((a, b) => {
      if (a[0] === b[0]) return a[1] - b[1];
      if (a[0] === null) return 1;
      if (b[0] === null) return -1;
      return (a[0] < b[0] ? -1 : 1) * (desc ? -1 : 1);
    });
    for (const k of keyed) body.appendChild(k[2]);
    heads.forEach((h, i) => h.setAttribute("aria-sort", i === col ? (desc ? "descending" : "ascending") : "none"));
    sorted = { key: heads[col].dataset.key, desc };
  };

  const filter = () => {
    const q = text.value.trim().toLowerCase();
    const allowed = new Set(boxes.filter((b) => b.checked).map((b) => b.value));
    let n = 0;
    for (const row of rows) {
      const ok = allowed.has(row.dataset.verdict) && (q === "" || row.textContent.toLowerCase().includes(q));
      row.hidden = !ok;
      if (ok) n += 1;
    }
    shown.textContent = n + " of " + rows.length + " pages shown";
  };

  const remember = () => {
    const p = new URLSearchParams();
    if (text.value.trim() !== "") p.set("q", text.value.trim());
    if (boxes.some((b) => !b.checked)) p.set("verdict", boxes.filter((b) => b.checked).map((b) => b.value).join(","));
    if (sorted) { p.set("sort", sorted.key); if (sorted.desc) p.set("desc", "1"); }
    try { history.replaceState(null, "", "#" + p.toString()); } catch (e) { /* file: URLs may refuse */ }
  };

  heads.forEach((h, col) => {
    const button = h.querySelector("button");
    if (!button) return;
    button.addEventListener("click", () => {
      const desc = h.getAttribute("aria-sort") === "ascending";
      sortBy(col, desc);
      remember();
    });
  });
  text.addEventListener("input", () => { filter(); remember(); });
  for (const b of boxes) b.addEventListener("change", () => { filter(); remember(); });

  const start = new URLSearchParams(location.hash.slice(1));
  if (start.has("q")) text.value = start.get("q");
  if (start.has("verdict")) {
    const wanted = start.get("verdict").split(",");
    for (const b of boxes) b.checked = wanted.includes(b.value);
  }
  const col = heads.findIndex((h) => h.dataset.key === start.get("sort"));
  if (col >= 0) sortBy(col, start.get("desc") === "1");
  filter();
  document.body.dataset.ready = "1";
})();
"##;

/// The CSP source for an inline block: `'sha256-…'` of its exact text.
fn csp_hash(block: &str) -> String {
    let digest = Sha256::digest(block.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

fn verdict_label(v: Verdict) -> &'static str {
    match v {
        Verdict::NoNonce => "no nonce",
        other => other.as_str(),
    }
}

fn utc_text(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

fn link(url: &str, label: &str) -> String {
    if linkable(url) {
        format!(
            "<a href=\"{}\" rel=\"noopener noreferrer\">{}</a>",
            escape(url),
            escape(label)
        )
    } else {
        escape(label)
    }
}

fn age_text(p: &PageResult) -> Option<String> {
    super::age_text(p)
}

fn cache_text(p: &PageResult) -> String {
    super::cache_layer_text(p, "none seen")
}

/// The start of every HTML document this module writes: doctype, charset, the Content-Security-
/// Policy that keeps hostile report content inert, no referrer, and the viewport.
fn document_start(out: &mut impl Write, csp: &str) {
    let _ = writeln!(out, "<!DOCTYPE html>");
    let _ = writeln!(out, "<html lang=\"en\">");
    let _ = writeln!(out, "<head>");
    let _ = writeln!(out, "<meta charset=\"utf-8\">");
    let _ = writeln!(
        out,
        "<meta http-equiv=\"Content-Security-Policy\" content=\"{csp}\">"
    );
    let _ = writeln!(out, "<meta name=\"referrer\" content=\"no-referrer\">");
    let _ = writeln!(
        out,
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    );
}

fn headline(report: &Report) -> String {
    super::headline(
        report,
        |s| format!("<strong>{s}</strong>"),
        |s| format!("<code>{s}</code>"),
    )
}

fn header(out: &mut impl Write, report: &Report) {
    let _ = writeln!(out, "<header>");
    let _ = writeln!(out, "<h1>nonce-audit report</h1>");
    let _ = writeln!(
        out,
        "<p class=\"site\" id=\"site\">{}</p>",
        link(&report.site, &report.site)
    );
    let life = i64::try_from(report.nonce_life_s).unwrap_or(i64::MAX);
    let mut meta: Vec<(&str, &str, String)> = vec![
        (
            "server-time",
            "server time",
            report
                .server_time
                .map(utc_text)
                .unwrap_or_else(|| "unknown".to_owned()),
        ),
        (
            "nonce-life",
            "nonce life",
            format!(
                "{} (ticks of {})",
                human_duration(life),
                human_duration(life / 2)
            ),
        ),
    ];
    if let Some(root) = &report.rest_root {
        meta.push(("rest-root", "REST root", root.clone()));
    }
    let _ = writeln!(out, "<dl class=\"meta\">");
    for (id, name, value) in meta {
        let _ = writeln!(
            out,
            "<div><dt>{name}</dt><dd id=\"{id}\">{}</dd></div>",
            escape(&value)
        );
    }
    let _ = writeln!(out, "</dl>");
    let _ = writeln!(out, "</header>");
}

/// The "Since the baseline" section. `ids` gives the counts stable ids (`count-newly_dead`, ...)
/// as the summary cards have; a multi-site page, which repeats the section, leaves them out.
fn baseline(out: &mut impl Write, diff: &BaselineDiff, site: &str, ids: bool) {
    let _ = writeln!(
        out,
        "<section class=\"baseline\"{} aria-label=\"Since the baseline\">",
        if ids { " id=\"baseline\"" } else { "" }
    );
    let _ = writeln!(out, "<h2>Since the baseline</h2>");
    let when = crate::report::table::baseline_when(diff);
    let _ = writeln!(
        out,
        "<p>Compared with <code>{}</code>{}.{}</p>",
        escape(&diff.file),
        if when.is_empty() {
            String::new()
        } else {
            format!(" ({})", escape(&when))
        },
        if diff.site.is_none() {
            " It holds no report on this site, so every page counts as added."
        } else {
            ""
        }
    );
    let _ = writeln!(out, "<div class=\"cards\">");
    let cards: [(&str, &str, &str, usize); 5] = [
        ("newly_dead", "newly dead", "v-dead", diff.newly_dead.len()),
        ("recovered", "recovered", "v-fresh", diff.recovered.len()),
        (
            "layer_changed",
            "cache layer changed",
            "v-expiring",
            diff.layer_changed.len(),
        ),
        (
            "added",
            "added",
            "total",
            usize::try_from(diff.added).unwrap_or(usize::MAX),
        ),
        (
            "removed",
            "removed",
            "total",
            usize::try_from(diff.removed).unwrap_or(usize::MAX),
        ),
    ];
    for (key, label, class, n) in cards {
        let some = if n > 0 && key == "newly_dead" {
            " some"
        } else {
            ""
        };
        let id = if ids {
            format!(" id=\"count-{key}\"")
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "<div class=\"card {class}{some}\"><span class=\"count\"{id}>{n}</span><span class=\"label\">{label}</span></div>"
        );
    }
    let _ = writeln!(out, "</div>");
    let mut items: Vec<(&str, Vec<String>)> = Vec::new();
    items.push((
        "Newly dead",
        diff.newly_dead
            .iter()
            .map(|u| link(u, &display_url(u, site)))
            .collect(),
    ));
    items.push((
        "Recovered",
        diff.recovered
            .iter()
            .map(|u| link(u, &display_url(u, site)))
            .collect(),
    ));
    items.push((
        "Cache layer changed",
        diff.layer_changed
            .iter()
            .map(|c| {
                format!(
                    "{} ({} → {})",
                    link(&c.url, &display_url(&c.url, site)),
                    escape(c.from.as_deref().unwrap_or("none")),
                    escape(c.to.as_deref().unwrap_or("none"))
                )
            })
            .collect(),
    ));
    for (label, list) in items.into_iter().filter(|(_, l)| !l.is_empty()) {
        let open = if label == "Newly dead" { " open" } else { "" };
        let _ = writeln!(
            out,
            "<details class=\"changes\"{open}><summary>{label} ({})</summary><ul>",
            list.len()
        );
        for item in list {
            let _ = writeln!(out, "<li>{item}</li>");
        }
        let _ = writeln!(out, "</ul></details>");
    }
    let _ = writeln!(out, "</section>");
}

fn cards(out: &mut impl Write, report: &Report) {
    let s = &report.summary;
    let _ = writeln!(out, "<section id=\"summary\" aria-label=\"Summary\">");
    let _ = writeln!(
        out,
        "<div class=\"card total\"><span class=\"count\" id=\"count-pages\">{}</span><span class=\"label\">pages</span></div>",
        s.pages
    );
    for v in Verdict::ALL {
        let n = s.get(v);
        let some = if n > 0 { " some" } else { "" };
        let _ = writeln!(
            out,
            "<div class=\"card v-{v}{some}\"><span class=\"count\" id=\"count-{v}\">{n}</span><span class=\"label\">{}</span></div>",
            verdict_label(v)
        );
    }
    let _ = writeln!(
        out,
        "<div class=\"card probes\"><span class=\"count\" id=\"count-rest_probes\">{}</span><span class=\"label\">REST probes</span></div>",
        s.rest_probes
    );
    let _ = writeln!(out, "</section>");
    let _ = writeln!(out, "<p class=\"headline\">{}</p>", headline(report));
    if report.interrupted {
        let _ = writeln!(
            out,
            "<p class=\"interrupted\"><strong>Interrupted</strong>: the audit stopped before every page was audited; these numbers cover the {} page(s) audited.</p>",
            s.pages
        );
    }
}

/// A round step for the chart's axis so that about six labels cover `span` seconds.
fn axis_step(span: i64) -> i64 {
    const STEPS: [i64; 16] = [
        1, 5, 10, 30, 60, 300, 600, 1_800, 3_600, 7_200, 21_600, 43_200, 86_400, 172_800, 604_800,
        2_592_000,
    ];
    STEPS
        .iter()
        .copied()
        .find(|s| span / s <= 8)
        .unwrap_or_else(|| (span / 8).max(1))
}

/// Ages (seconds before the server's `now`) at which the verdict of a copy changes: copies
/// younger than the first were made in the current tick (fresh), older than the second their
/// nonce is dead. Without a server clock only the `nonce_life` bounds are known.
fn chart_lines(report: &Report) -> (i64, i64, bool) {
    let clock = NonceClock::new(report.nonce_life_s);
    let tick = clock.tick_len();
    match report.server_time {
        Some(now) => {
            let now = now.timestamp();
            let tick_start = (clock.tick_at(now) - 1) * tick;
            let current = now - tick_start;
            (current, current.saturating_add(tick), true)
        }
        None => (tick, tick.saturating_mul(2), false),
    }
}

fn short_label(s: &str, max: usize) -> String {
    let n = s.chars().count();
    if n <= max {
        return s.to_owned();
    }
    let keep = max.saturating_sub(1) / 2;
    let head: String = s.chars().take(keep).collect();
    let tail: String = s.chars().skip(n - keep).collect();
    format!("{head}…{tail}")
}

fn chart(out: &mut impl Write, report: &Report) {
    let _ = writeln!(out, "<section id=\"chart\">");
    let _ = writeln!(
        out,
        "<h2>Age of each cached copy against its nonce's death</h2>"
    );
    // Oldest copies first: they are the ones at or past the line. Undated pages go last. Only
    // the oldest CHART_MAX_ROWS are kept while the rows stream by (the sorts are stable, so ties
    // stay in sitemap order).
    let oldest_first = |rows: &mut Vec<PageResult>| {
        rows.sort_by_key(|p| std::cmp::Reverse(p.cache.age_s.map_or(i64::MIN, |a| a)));
        rows.truncate(CHART_MAX_ROWS);
    };
    let mut rows: Vec<PageResult> = Vec::new();
    for p in &report.pages {
        rows.push(p);
        if rows.len() >= 2 * CHART_MAX_ROWS {
            oldest_first(&mut rows);
        }
    }
    oldest_first(&mut rows);
    let total = report.pages.len();
    if rows.is_empty() {
        let _ = writeln!(out, "<p>No page to chart.</p></section>");
        return;
    }
    let (fresh_until, dead_from, dated) = chart_lines(report);
    let tick = NonceClock::new(report.nonce_life_s).tick_len();
    let oldest = rows.iter().filter_map(|p| p.cache.age_s).max().unwrap_or(0);
    let span = oldest.max(dead_from.saturating_add(tick / 2)).max(1);
    let span = span.saturating_add(span / 12);

    const LEFT: i64 = 250;
    const RIGHT: i64 = 1140;
    const TOP: i64 = 44;
    const ROW: i64 = 26;
    let plot = RIGHT - LEFT;
    let x = |age: i64| {
        LEFT + (i128::from(age.clamp(0, span)) * i128::from(plot) / i128::from(span)) as i64
    };
    let n = i64::try_from(rows.len()).unwrap_or(i64::MAX);
    let bottom = TOP + n * ROW;
    let height = bottom + 40;

    let _ = writeln!(out, "<div class=\"legend\">");
    for v in Verdict::ALL {
        let _ = writeln!(
            out,
            "<span><span class=\"swatch v-{v}\"></span>{}</span>",
            verdict_label(v)
        );
    }
    let _ = writeln!(out, "</div>");
    let _ = writeln!(out, "<div class=\"chart-wrap\">");
    let _ = writeln!(
        out,
        "<svg class=\"chart\" id=\"age-chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{height}\" viewBox=\"0 0 {w} {height}\" role=\"img\" aria-labelledby=\"age-chart-title\">",
        w = RIGHT + 20
    );
    let fresh_text = if dated {
        "a bar is the age of the page's cached copy; copies left of the dashed line were made this tick, copies right of the red line carry a nonce WordPress no longer accepts"
    } else {
        "a bar is the age of the page's cached copy; with no server clock only the nonce_life bounds are drawn"
    };
    let _ = writeln!(
        out,
        "<title id=\"age-chart-title\">Cache age per page: {fresh_text}</title>"
    );
    // Zones.
    let zone_x = [LEFT, x(fresh_until), x(dead_from), RIGHT];
    for (i, class) in ["zone-fresh", "zone-expiring", "zone-dead"]
        .iter()
        .enumerate()
    {
        let (a, b) = (zone_x[i], zone_x[i + 1]);
        if b > a {
            let _ = writeln!(
                out,
                "<rect class=\"{class}\" x=\"{a}\" y=\"{TOP}\" width=\"{}\" height=\"{}\"/>",
                b - a,
                bottom - TOP
            );
        }
    }
    // Axis with round steps.
    let step = axis_step(span);
    let _ = writeln!(
        out,
        "<line class=\"axis\" x1=\"{LEFT}\" y1=\"{bottom}\" x2=\"{RIGHT}\" y2=\"{bottom}\"/>"
    );
    for k in 0..=span / step {
        let t = k * step;
        let tx = x(t);
        let _ = writeln!(
            out,
            "<g class=\"tick\"><line class=\"axis\" x1=\"{tx}\" y1=\"{TOP}\" x2=\"{tx}\" y2=\"{}\"/><text x=\"{tx}\" y=\"{}\" text-anchor=\"middle\">{}</text></g>",
            bottom + 4,
            bottom + 18,
            if t == 0 {
                "0".to_owned()
            } else {
                human_duration(t)
            }
        );
    }
    let _ = writeln!(
        out,
        "<text class=\"note\" x=\"{RIGHT}\" y=\"{}\" text-anchor=\"end\">age of the cached copy (at the server's time) →</text>",
        bottom + 34
    );
    // The two lines that decide a verdict.
    let now = report.server_time.map(|t| t.timestamp());
    let fx = x(fresh_until);
    let dx = x(dead_from);
    let (fresh_label, dead_label) = match now {
        Some(now) => (
            format!(
                "this tick began {}",
                crate::clock::utc(now - fresh_until).format("%m-%d %H:%M")
            ),
            format!(
                "dead: made before {}",
                crate::clock::utc(now - dead_from).format("%m-%d %H:%M")
            ),
        ),
        None => (
            format!("{}: always accepted", human_duration(fresh_until)),
            format!("{}: always dead", human_duration(dead_from)),
        ),
    };
    let _ = writeln!(
        out,
        "<line class=\"boundary\" x1=\"{fx}\" y1=\"{}\" x2=\"{fx}\" y2=\"{bottom}\"/><text class=\"note\" x=\"{fx}\" y=\"{}\" text-anchor=\"end\">{} </text>",
        TOP - 14,
        TOP - 18,
        escape(&fresh_label)
    );
    let _ = writeln!(
        out,
        "<line class=\"deadline\" id=\"dead-line\" x1=\"{dx}\" y1=\"{}\" x2=\"{dx}\" y2=\"{bottom}\"/><text class=\"deadline-label\" x=\"{}\" y=\"{}\">{}</text>",
        TOP - 30,
        dx + 5,
        TOP - 22,
        escape(&dead_label)
    );
    // One bar per page.
    for (i, p) in rows.iter().enumerate() {
        let y = TOP + i64::try_from(i).unwrap_or(0) * ROW;
        let label = short_label(&display_url(&p.url, &report.site), 34);
        let _ = writeln!(out, "<g class=\"row v-{}\">", p.verdict);
        let _ = writeln!(
            out,
            "<title>{} · {}{}</title>",
            escape(&p.url),
            p.verdict,
            age_text(p)
                .map(|a| format!(" · copy {a} old"))
                .unwrap_or_default()
        );
        let _ = writeln!(
            out,
            "<text class=\"label\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
            LEFT - 8,
            y + 17,
            escape(&label)
        );
        match p.cache.age_s {
            Some(age) => {
                let end = x(age);
                let width = (end - LEFT).max(2);
                let _ = writeln!(
                    out,
                    "<rect class=\"bar v-{}\" x=\"{LEFT}\" y=\"{}\" width=\"{width}\" height=\"{}\" rx=\"2\"/>",
                    p.verdict,
                    y + 5,
                    ROW - 10
                );
                let text = format!(
                    "{} · {}",
                    age_text(p).unwrap_or_default(),
                    verdict_label(p.verdict)
                );
                let (tx, anchor, class) = if end + 150 < RIGHT {
                    (LEFT + width + 6, "start", "note")
                } else {
                    (LEFT + width - 6, "end", "label on-bar")
                };
                let _ = writeln!(
                    out,
                    "<text class=\"{class}\" x=\"{tx}\" y=\"{}\" text-anchor=\"{anchor}\">{}</text>",
                    y + 17,
                    escape(&text)
                );
            }
            None => {
                let why = if p.verdict == Verdict::Error {
                    "not fetched"
                } else {
                    "age unknown"
                };
                let _ = writeln!(
                    out,
                    "<text class=\"note\" x=\"{}\" y=\"{}\">{} · {}</text>",
                    LEFT + 6,
                    y + 17,
                    why,
                    verdict_label(p.verdict)
                );
            }
        }
        let _ = writeln!(out, "</g>");
    }
    let _ = writeln!(out, "</svg>");
    let _ = writeln!(out, "</div>");
    if total > rows.len() {
        let _ = writeln!(
            out,
            "<p class=\"note\">The chart shows the {} oldest of {} pages; the table below lists them all.</p>",
            rows.len(),
            total
        );
    }
    let _ = writeln!(out, "</section>");
}

fn advice(out: &mut impl Write, r: &Recommendation, site: &str) {
    let _ = writeln!(out, "<div class=\"advice\">");
    let _ = writeln!(
        out,
        "<p class=\"setting\">Set <code>{}</code> to <strong>{}</strong></p>",
        escape(&r.setting),
        escape(&r.value)
    );
    let _ = writeln!(out, "<p class=\"impact\">{}</p>", escape(&r.impact));
    let _ = writeln!(out, "<p class=\"why\">Why: {}</p>", escape(&r.why));
    if !r.urls.is_empty() {
        let _ = writeln!(
            out,
            "<details><summary>{} page(s)</summary><ul>",
            r.urls.len()
        );
        for u in &r.urls {
            let _ = writeln!(out, "<li>{}</li>", link(u, &display_url(u, site)));
        }
        let _ = writeln!(out, "</ul></details>");
    }
    let _ = writeln!(out, "</div>");
}

/// What the "By cache layer" cards show of the pages served through one layer: counted as the
/// rows stream by, so the section costs the same for 100 pages as for 200,000.
#[derive(Default)]
struct LayerStats {
    pages: usize,
    by_verdict: [usize; Verdict::ALL.len()],
    min_age: Option<i64>,
    max_age: Option<i64>,
}

impl LayerStats {
    fn add(&mut self, p: &PageResult) {
        self.pages += 1;
        self.by_verdict[p.verdict.rank()] += 1;
        if let Some(a) = p.cache.age_s {
            self.min_age = Some(self.min_age.map_or(a, |m| m.min(a)));
            self.max_age = Some(self.max_age.map_or(a, |m| m.max(a)));
        }
    }

    fn count(&self, v: Verdict) -> usize {
        self.by_verdict[v.rank()]
    }
}

fn layers(out: &mut impl Write, report: &Report) {
    let mut groups: BTreeMap<Option<&str>, (LayerStats, Vec<&Recommendation>)> = BTreeMap::new();
    for p in &report.pages {
        // On a miss the page still went through the layer that missed.
        let layer = p
            .cache
            .layer
            .or_else(|| p.cache.layers.first().map(|l| l.layer));
        groups.entry(layer).or_default().0.add(&p);
    }
    for r in &report.recommendations {
        groups.entry(r.layer).or_default().1.push(r);
    }
    let mut groups: Vec<_> = groups.into_iter().collect();
    // Layers with dead pages first, then by name; the BTreeMap order breaks ties.
    groups.sort_by_key(|(_, (pages, _))| std::cmp::Reverse(pages.count(Verdict::Dead)));
    let _ = writeln!(out, "<section id=\"layers\">");
    let _ = writeln!(out, "<h2>By cache layer, with what to change</h2>");
    let _ = writeln!(out, "<div class=\"layers\">");
    for (layer, (pages, recs)) in groups {
        let name = layer.unwrap_or("no cache recognised");
        let _ = writeln!(
            out,
            "<article class=\"layer\" data-layer=\"{}\">",
            escape(layer.unwrap_or(""))
        );
        let _ = writeln!(out, "<h3>{}</h3>", escape(name));
        let _ = write!(out, "<p class=\"pills\">");
        let _ = write!(out, "<span class=\"pill\">{} page(s)</span>", pages.pages);
        for v in Verdict::ALL {
            let n = pages.count(v);
            if n > 0 {
                let _ = write!(
                    out,
                    "<span class=\"pill v-{v}\">{n} {}</span>",
                    verdict_label(v)
                );
            }
        }
        let _ = writeln!(out, "</p>");
        if let (Some(min), Some(max)) = (pages.min_age, pages.max_age) {
            let _ = writeln!(
                out,
                "<p>Copies from {} to {} old.</p>",
                human_duration(min),
                human_duration(max)
            );
        }
        if recs.is_empty() {
            let _ = writeln!(
                out,
                "<p class=\"ok\">No change needed: no page served through it is dead.</p>"
            );
        }
        for r in recs {
            advice(out, r, &report.site);
        }
        let _ = writeln!(out, "</article>");
    }
    let _ = writeln!(out, "</div>");
    let _ = writeln!(out, "</section>");
}

fn page_table(out: &mut impl Write, report: &Report) {
    let _ = writeln!(out, "<section id=\"pages\">");
    let _ = writeln!(out, "<h2>Pages</h2>");
    let _ = writeln!(out, "<div class=\"controls\">");
    let _ = writeln!(
        out,
        "<input type=\"search\" id=\"filter-text\" placeholder=\"Filter: URL, reason, cache…\" aria-label=\"Filter pages by text\">"
    );
    for v in Verdict::ALL {
        let _ = writeln!(
            out,
            "<label><input type=\"checkbox\" class=\"verdict-filter\" value=\"{v}\" checked> <span class=\"badge v-{v}\">{}</span> {}</label>",
            verdict_label(v),
            report.summary.get(v)
        );
    }
    let n = report.pages.len();
    let _ = writeln!(
        out,
        "<span id=\"shown-count\" aria-live=\"polite\">{n} of {n} pages shown</span>"
    );
    let _ = writeln!(out, "</div>");
    let _ = writeln!(out, "<table id=\"page-table\">");
    let _ = write!(out, "<thead><tr>");
    for (key, kind, title) in [
        ("url", "text", "Page"),
        ("verdict", "num", "Verdict"),
        ("status", "num", "HTTP"),
        ("cache", "text", "Cache"),
        ("age", "num", "Age"),
        ("dies", "num", "Dies at / reason"),
        ("nonces", "text", "Nonces"),
    ] {
        let align = if matches!(key, "status" | "age") {
            " class=\"num\""
        } else {
            ""
        };
        let _ = write!(
            out,
            "<th{align} data-key=\"{key}\" data-type=\"{kind}\" aria-sort=\"none\"><button type=\"button\">{title}</button></th>"
        );
    }
    let _ = writeln!(out, "</tr></thead>");
    let _ = writeln!(out, "<tbody>");
    for p in &report.pages {
        let v = p.verdict;
        let _ = write!(out, "<tr class=\"v-{v}\" data-verdict=\"{v}\">");
        let _ = write!(
            out,
            "<td class=\"url\">{}</td>",
            link(&p.url, &display_url(&p.url, &report.site))
        );
        let _ = write!(
            out,
            "<td data-sort=\"{}\"><span class=\"badge v-{v}\">{}</span></td>",
            v.rank(),
            verdict_label(v)
        );
        let status = p.status.map(|s| s.to_string()).unwrap_or_default();
        let _ = write!(
            out,
            "<td class=\"num\" data-sort=\"{status}\">{}</td>",
            if status.is_empty() { "–" } else { &status }
        );
        let _ = write!(out, "<td>{}</td>", escape(&cache_text(&p)));
        let age_sort = p.cache.age_s.map(|a| a.to_string()).unwrap_or_default();
        let _ = write!(
            out,
            "<td class=\"num\" data-sort=\"{age_sort}\">{}</td>",
            age_text(&p).unwrap_or_else(|| "unknown".to_owned())
        );
        let (dies_sort, detail) = match (v, p.dies_at) {
            (Verdict::Fresh | Verdict::Expiring, Some(d)) => (
                d.timestamp().to_string(),
                format!(
                    "dies after {}{}",
                    utc_text(d),
                    report
                        .server_time
                        .map(|now| format!(" (in {})", human_duration((d - now).num_seconds())))
                        .unwrap_or_default()
                ),
            ),
            _ => (String::new(), p.reason.clone().unwrap_or_default()),
        };
        let _ = write!(
            out,
            "<td class=\"detail\" data-sort=\"{dies_sort}\">{}</td>",
            escape(&detail)
        );
        let nonces: Vec<String> = p
            .nonces
            .iter()
            .map(|n| format!("<code>{}</code>", escape(&n.value)))
            .collect();
        let _ = writeln!(out, "<td>{}</td></tr>", nonces.join(" "));
    }
    let _ = writeln!(out, "</tbody>");
    let _ = writeln!(out, "</table>");
    let _ = writeln!(out, "</section>");
}

/// Renders the report as one self-contained HTML document.
pub fn render(report: &Report) -> String {
    let mut out = String::with_capacity(32 * 1024 + report.pages.len().min(10_000) * 600);
    write(&mut out, report);
    out
}

/// [`render`] into any writer as it goes: the page table is written one row at a time as the
/// rows are read back from the row store, and the chart keeps only the rows it draws.
pub fn write(out: &mut impl Write, report: &Report) {
    let csp = format!(
        "default-src 'none'; style-src {}; script-src {}; base-uri 'none'; form-action 'none'",
        csp_hash(STYLE),
        csp_hash(SCRIPT)
    );
    let s = &report.summary;
    let title = format!(
        "nonce-audit: {} dead of {} pages · {}",
        s.dead, s.pages, report.site
    );
    document_start(out, &csp);
    let _ = writeln!(
        out,
        "<meta name=\"generator\" content=\"nonce-audit {}\">",
        escape(report.tool_version)
    );
    let _ = writeln!(out, "<title>{}</title>", escape(&title));
    let _ = writeln!(out, "<style>{STYLE}</style>");
    let _ = writeln!(out, "</head>");
    let _ = writeln!(out, "<body>");
    header(out, report);
    cards(out, report);
    if let Some(diff) = &report.baseline {
        baseline(out, diff, &report.site, true);
    }
    chart(out, report);
    layers(out, report);
    page_table(out, report);
    let warnings = report.all_warnings();
    if !warnings.is_empty() {
        let _ = writeln!(out, "<section id=\"warnings\"><h2>Warnings</h2><ul>");
        for w in warnings {
            let _ = writeln!(out, "<li>{}</li>", escape(&w));
        }
        let _ = writeln!(out, "</ul></section>");
    }
    let _ = writeln!(
        out,
        "<footer>nonce-audit {} · schema {} · audit finished {} (local clock) · this file loads nothing from the network</footer>",
        escape(report.tool_version),
        escape(report.schema),
        utc_text(report.finished_at)
    );
    let _ = writeln!(out, "<script>{SCRIPT}</script>");
    let _ = writeln!(out, "</body>");
    let _ = writeln!(out, "</html>");
}

/// One site's findings (dead, expiring, unverifiable and error pages) as a plain table.
fn findings(out: &mut impl Write, report: &Report) {
    let listed: Vec<PageResult> = [
        Verdict::Dead,
        Verdict::Expiring,
        Verdict::Unverifiable,
        Verdict::Error,
    ]
    .iter()
    .flat_map(|v| report.pages.with_verdict(*v))
    .collect();
    if listed.is_empty() {
        let _ = writeln!(
            out,
            "<p class=\"ok\">No page is dead, expiring, unverifiable or in error.</p>"
        );
        return;
    }
    let _ = writeln!(
        out,
        "<table><thead><tr><th>Page</th><th>Verdict</th><th>Cache</th><th class=\"num\">Age</th><th>Dies at / reason</th></tr></thead><tbody>"
    );
    for p in listed {
        let v = p.verdict;
        let detail = match (v, p.dies_at) {
            (Verdict::Fresh | Verdict::Expiring, Some(d)) => format!("dies after {}", utc_text(d)),
            _ => p.reason.clone().unwrap_or_default(),
        };
        let _ = writeln!(
            out,
            "<tr class=\"v-{v}\"><td class=\"url\">{}</td><td><span class=\"badge v-{v}\">{}</span></td><td>{}</td><td class=\"num\">{}</td><td class=\"detail\">{}</td></tr>",
            link(&p.url, &display_url(&p.url, &report.site)),
            verdict_label(v),
            escape(&cache_text(&p)),
            age_text(&p).unwrap_or_else(|| "unknown".to_owned()),
            escape(&detail)
        );
    }
    let _ = writeln!(out, "</tbody></table>");
}

/// Renders a multi-site run as one self-contained overview page: combined cards, a table of the
/// sites, the sites that could not be audited, then per site its findings, its changes since
/// the baseline and what to change. It has no script (so no sorting or chart): for the full
/// interactive report of one site, audit that site alone with `-o report.html`.
pub fn render_multi(multi: &MultiReport) -> String {
    let mut out = String::with_capacity(16 * 1024);
    let csp = format!(
        "default-src 'none'; style-src {}; script-src 'none'; base-uri 'none'; form-action 'none'",
        csp_hash(STYLE)
    );
    let s = &multi.summary;
    document_start(&mut out, &csp);
    let _ = writeln!(
        out,
        "<title>nonce-audit: {} dead of {} pages on {} site(s)</title>",
        s.pages.dead, s.pages.pages, s.sites
    );
    let _ = writeln!(out, "<style>{STYLE}</style>");
    let _ = writeln!(out, "</head>");
    let _ = writeln!(out, "<body>");
    let _ = writeln!(
        out,
        "<header><h1>nonce-audit report: {} site(s)</h1></header>",
        s.sites
    );
    let _ = writeln!(out, "<section id=\"summary\" aria-label=\"Summary\">");
    let mut card = |id: &str, label: &str, class: &str, n: u64| {
        let _ = writeln!(
            out,
            "<div class=\"card {class}\"><span class=\"count\" id=\"count-{id}\">{n}</span><span class=\"label\">{label}</span></div>"
        );
    };
    card("sites", "sites", "total", s.sites);
    if s.sites_failed > 0 {
        card(
            "sites_failed",
            "could not be audited",
            "v-error",
            s.sites_failed,
        );
    }
    card("pages", "pages", "total", s.pages.pages);
    for v in Verdict::ALL {
        let n = s.pages.get(v);
        let some = if n > 0 { " some" } else { "" };
        card(v.as_str(), verdict_label(v), &format!("v-{v}{some}"), n);
    }
    if let Some(n) = s.newly_dead {
        card(
            "newly_dead",
            "newly dead",
            if n > 0 { "v-dead some" } else { "v-dead" },
            n,
        );
    }
    let _ = writeln!(out, "</section>");
    if multi.interrupted {
        let _ = writeln!(
            out,
            "<p class=\"interrupted\"><strong>Interrupted</strong>: the run stopped before every site was audited.</p>"
        );
    }
    let _ = writeln!(out, "<section id=\"sites\"><h2>Sites</h2>");
    let _ = write!(
        out,
        "<table id=\"site-table\"><thead><tr><th>Site</th><th class=\"num\">Pages</th>"
    );
    for v in Verdict::ALL {
        let _ = write!(out, "<th class=\"num\">{}</th>", verdict_label(v));
    }
    if s.newly_dead.is_some() {
        let _ = write!(out, "<th class=\"num\">newly dead</th>");
    }
    let _ = writeln!(out, "<th>Server time</th></tr></thead><tbody>");
    for (i, r) in multi.sites.iter().enumerate() {
        let _ = write!(
            out,
            "<tr><td class=\"url\"><a href=\"#site-{}\">{}</a></td><td class=\"num\">{}</td>",
            i + 1,
            escape(&r.site),
            r.summary.pages
        );
        for v in Verdict::ALL {
            let _ = write!(out, "<td class=\"num\">{}</td>", r.summary.get(v));
        }
        if s.newly_dead.is_some() {
            let _ = write!(
                out,
                "<td class=\"num\">{}</td>",
                r.baseline.as_ref().map_or(0, |b| b.newly_dead.len())
            );
        }
        let _ = writeln!(
            out,
            "<td>{}</td></tr>",
            r.server_time
                .map(utc_text)
                .unwrap_or_else(|| "unknown".to_owned())
        );
    }
    let _ = writeln!(out, "</tbody></table></section>");
    if !multi.failed.is_empty() {
        let _ = writeln!(
            out,
            "<section id=\"failed\"><h2>Could not be audited ({})</h2><ul>",
            multi.failed.len()
        );
        for f in &multi.failed {
            let _ = writeln!(
                out,
                "<li><code>{}</code>: {}</li>",
                escape(&f.site),
                escape(&f.error)
            );
        }
        let _ = writeln!(out, "</ul></section>");
    }
    for (i, r) in multi.sites.iter().enumerate() {
        let _ = writeln!(out, "<section class=\"site\" id=\"site-{}\">", i + 1);
        let _ = writeln!(out, "<h2>{}</h2>", link(&r.site, &r.site));
        let _ = writeln!(out, "<p class=\"headline\">{}</p>", headline(r));
        if let Some(diff) = &r.baseline {
            baseline(&mut out, diff, &r.site, false);
        }
        findings(&mut out, r);
        for rec in &r.recommendations {
            advice(&mut out, rec, &r.site);
        }
        let _ = writeln!(out, "</section>");
    }
    let _ = writeln!(
        out,
        "<footer>nonce-audit {} · schema {} · run finished {} (local clock) · this file loads nothing from the network</footer>",
        escape(multi.tool_version),
        escape(multi.schema),
        utc_text(multi.finished_at)
    );
    let _ = writeln!(out, "</body>");
    let _ = writeln!(out, "</html>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_steps_are_round_and_few() {
        assert_eq!(axis_step(100), 30);
        assert_eq!(axis_step(86_400), 21_600);
        assert_eq!(axis_step(7 * 86_400), 86_400);
        assert!(axis_step(i64::MAX / 2) > 0);
    }

    #[test]
    fn csp_hash_is_the_base64_sha256_of_the_block() {
        // sha256("") is e3b0c442…; its base64 is the well-known value below.
        assert_eq!(
            csp_hash(""),
            "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"
        );
    }
}
