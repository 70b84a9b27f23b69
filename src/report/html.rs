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

use crate::clock::NonceClock;
use crate::model::BaselineDiff;
use crate::model::human_duration;
use crate::model::{MultiReport, PageResult, Recommendation, Report, Verdict};
use crate::report::markup::{escape, linkable};
use crate::report::table::display_url;

/// Most rows the chart draws; a larger audit shows its oldest copies, which are the ones at or
/// past their nonce's death, and says how many of each verdict it leaves out. Kept small so the
/// chart stays about one screen tall and "what to change" is not pushed far down.
pub const CHART_MAX_ROWS: usize = 25;

/// The report's style sheet, kept as a CSS file so it can be read, linted and diffed as CSS.
const STYLE: &str = include_str!("assets/report.css");

/// The report's sorting and filtering script, kept as a JavaScript file for the same reason.
const SCRIPT: &str = include_str!("assets/report.js");

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

/// `label` escaped, with a line-break opportunity (`<wbr>`) after each `/`, `?` and `&` so a
/// long path wraps between its parts on a narrow screen instead of letter by letter.
fn breakable(label: &str) -> String {
    let mut out = String::with_capacity(label.len() + 16);
    let mut chars = label.chars().peekable();
    while let Some(c) = chars.next() {
        out.push_str(&escape(c.encode_utf8(&mut [0; 4])));
        if matches!(c, '/' | '?' | '&') && chars.peek().is_some() {
            out.push_str("<wbr>");
        }
    }
    out
}

fn link(url: &str, label: &str) -> String {
    link_marked(url, &escape(label))
}

/// A link to a page labelled with its (long) path, which may wrap after each `/`.
fn link_path(url: &str, label: &str) -> String {
    link_marked(url, &breakable(label))
}

fn link_marked(url: &str, label_html: &str) -> String {
    if linkable(url) {
        format!(
            "<a href=\"{}\" rel=\"noopener noreferrer\">{label_html}</a>",
            escape(url)
        )
    } else {
        label_html.to_owned()
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
            .map(|u| link_path(u, &display_url(u, site)))
            .collect(),
    ));
    items.push((
        "Recovered",
        diff.recovered
            .iter()
            .map(|u| link_path(u, &display_url(u, site)))
            .collect(),
    ));
    items.push((
        "Cache layer changed",
        diff.layer_changed
            .iter()
            .map(|c| {
                format!(
                    "{} ({} → {})",
                    link_path(&c.url, &display_url(&c.url, site)),
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

    const LEFT: i64 = 220;
    const RIGHT: i64 = 940;
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
        "<svg class=\"chart\" id=\"age-chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"100%\" viewBox=\"0 0 {w} {height}\" preserveAspectRatio=\"xMinYMin meet\" role=\"img\" aria-labelledby=\"age-chart-title\">",
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
        let label = short_label(&display_url(&p.url, &report.site), 30);
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
        let left_out: Vec<String> = Verdict::ALL
            .iter()
            .filter_map(|v| {
                let drawn = rows.iter().filter(|p| p.verdict == *v).count();
                let n = report.pages.count(*v).saturating_sub(drawn);
                (n > 0).then(|| format!("{n} {}", verdict_label(*v)))
            })
            .collect();
        let _ = writeln!(
            out,
            "<p class=\"note\" id=\"chart-left-out\">The chart shows the {} oldest copies of {} pages. Not drawn: {} younger or undated ({}); the table below lists every page.</p>",
            rows.len(),
            total,
            total - rows.len(),
            left_out.join(", ")
        );
    }
    let _ = writeln!(out, "</section>");
}

fn advice(out: &mut impl Write, r: &Recommendation, site: &str) {
    let _ = writeln!(out, "<div class=\"advice\">");
    let _ = writeln!(
        out,
        "<p class=\"setting\">{}</p>",
        escape(&crate::advise::fix(r))
    );
    if let Some(c) = r.cause {
        let _ = writeln!(
            out,
            "<p class=\"cause\">Fixes pages whose cause is <code>{c}</code>: {}</p>",
            escape(c.words())
        );
    }
    let _ = writeln!(out, "<p class=\"impact\">{}</p>", escape(&r.impact));
    let _ = writeln!(out, "<p class=\"why\">Why: {}</p>", escape(&r.why));
    if !r.urls.is_empty() {
        let _ = writeln!(
            out,
            "<details><summary>{} page(s)</summary><ul>",
            r.urls.len()
        );
        for u in &r.urls {
            let _ = writeln!(out, "<li>{}</li>", link_path(u, &display_url(u, site)));
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
    let mut groups: BTreeMap<Option<String>, (LayerStats, Vec<&Recommendation>)> = BTreeMap::new();
    for p in &report.pages {
        // On a miss the page still went through the layer that missed.
        let layer = p
            .cache
            .layer
            .as_deref()
            .or_else(|| p.cache.layers.first().map(|l| &*l.layer))
            .map(str::to_owned);
        groups.entry(layer).or_default().0.add(&p);
    }
    for r in &report.recommendations {
        groups
            .entry(r.layer.map(str::to_owned))
            .or_default()
            .1
            .push(r);
    }
    let mut groups: Vec<_> = groups.into_iter().collect();
    // Layers with dead pages first, then by name; the BTreeMap order breaks ties.
    groups.sort_by_key(|(_, (pages, _))| std::cmp::Reverse(pages.count(Verdict::Dead)));
    let _ = writeln!(out, "<section id=\"layers\">");
    let _ = writeln!(out, "<h2>By cache layer, with what to change</h2>");
    let _ = writeln!(out, "<div class=\"layers\">");
    for (layer, (pages, recs)) in groups {
        let name = layer.as_deref().unwrap_or("no cache recognised");
        let _ = writeln!(
            out,
            "<article class=\"layer\" data-layer=\"{}\">",
            escape(layer.as_deref().unwrap_or(""))
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
    // Worst first, as the terminal lists them: private copies, then by verdict (dead pages by
    // cause); the column buttons re-sort.
    let private = super::private_pages(report);
    let rest = Verdict::ALL
        .iter()
        .flat_map(|v| super::rows_in_order(report, *v).filter(|p| !p.private_copy));
    for p in private.into_iter().chain(rest) {
        let v = p.verdict;
        let _ = write!(out, "<tr class=\"v-{v}\" data-verdict=\"{v}\">");
        let _ = write!(
            out,
            "<td class=\"url\" data-label=\"Page\">{}</td>",
            link_path(&p.url, &display_url(&p.url, &report.site))
        );
        let _ = write!(
            out,
            "<td data-label=\"Verdict\" data-sort=\"{}\"><span class=\"badge v-{v}\">{}</span></td>",
            v.rank(),
            verdict_label(v)
        );
        let status = p.status.map(|s| s.to_string()).unwrap_or_default();
        let _ = write!(
            out,
            "<td class=\"num\" data-label=\"HTTP\" data-sort=\"{status}\">{}</td>",
            if status.is_empty() { "–" } else { &status }
        );
        let _ = write!(
            out,
            "<td data-label=\"Cache\">{}</td>",
            escape(&cache_text(&p))
        );
        let age_sort = p.cache.age_s.map(|a| a.to_string()).unwrap_or_default();
        let _ = write!(
            out,
            "<td class=\"num\" data-label=\"Age\" data-sort=\"{age_sort}\">{}</td>",
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
            "<td class=\"detail\" data-label=\"Dies at / reason\" data-sort=\"{dies_sort}\">{}</td>",
            escape(&detail)
        );
        let nonces: Vec<String> = p
            .nonces
            .iter()
            .map(|n| format!("<code>{}</code>", escape(&n.value)))
            .collect();
        let _ = writeln!(
            out,
            "<td class=\"nonces\" data-label=\"Nonces\">{}</td></tr>",
            nonces.join(" ")
        );
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
    private_copies(out, report, true);
    cards(out, report);
    causes(out, report);
    if let Some(diff) = &report.baseline {
        baseline(out, diff, &report.site, true);
    }
    // What to change comes before the chart and the long table, which only support it.
    layers(out, report);
    chart(out, report);
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

/// The private copies lead the report: a logged-in user's page in a shared cache is worse than
/// any dead nonce.
/// `id` is false in the multi-site page, which has one such section per site.
fn private_copies(out: &mut impl Write, report: &Report, id: bool) {
    let private = super::private_pages(report);
    if private.is_empty() {
        return;
    }
    let id = if id { " id=\"private\"" } else { "" };
    let _ = writeln!(out, "<section{id} class=\"private\">");
    let _ = writeln!(
        out,
        "<h2>Private copies: a logged-in user's render is served to guests ({})</h2><ul>",
        private.len()
    );
    for p in &private {
        let _ = writeln!(
            out,
            "<li>{}: {}</li>",
            link_path(&p.url, &display_url(&p.url, &report.site)),
            escape(&p.private_evidence.join(", "))
        );
    }
    let _ = writeln!(out, "</ul></section>");
}

/// Why the dead pages are dead, one group per cause with its count and its fixes.
fn causes(out: &mut impl Write, report: &Report) {
    let groups = super::advice_by_cause(report);
    let counts: Vec<(crate::model::Cause, usize)> = crate::model::Cause::ALL
        .iter()
        .map(|c| {
            let n = report
                .pages
                .with_verdict(Verdict::Dead)
                .filter(|p| p.cause == Some(*c))
                .count();
            (*c, n)
        })
        .filter(|(_, n)| *n > 0)
        .collect();
    if counts.is_empty() {
        return;
    }
    let _ = writeln!(out, "<section id=\"causes\">");
    let _ = writeln!(
        out,
        "<h2>Why the dead pages are dead, and what fixes each cause</h2>"
    );
    for (c, n) in counts {
        let _ = writeln!(
            out,
            "<h3><code>{c}</code> ({n} page(s))</h3><p>{}</p>",
            escape(c.words())
        );
        for (_, recs) in groups.iter().filter(|(g, _)| *g == Some(c)) {
            for r in recs {
                advice(out, r, &report.site);
            }
        }
    }
    let _ = writeln!(out, "</section>");
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
            link_path(&p.url, &display_url(&p.url, &report.site)),
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
        "<header><h1>nonce-audit report: {} site(s)</h1>{}</header>",
        s.sites,
        multi
            .shard
            .map(|sh| format!("<p class=\"shard\" id=\"shard\">Shard {sh}: the sites of the file whose URL falls in this shard.</p>"))
            .unwrap_or_default()
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
        private_copies(&mut out, r, false);
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

super::renderer!(
    /// The HTML page, as one of the report formats.
    Html,
    one(out, report, _options) {
        let mut w = super::FmtIo::new(out);
        write(&mut w, report);
        w.finish()
    },
    many(out, multi, _options) { out.write_all(render_multi(multi).as_bytes()) }
);

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
    fn long_paths_may_break_after_their_separators_only() {
        assert_eq!(
            breakable("/a/b?x=1&y=<2>"),
            "/<wbr>a/<wbr>b?<wbr>x=1&amp;<wbr>y=&lt;2&gt;"
        );
        assert_eq!(breakable("/shop/"), "/<wbr>shop/");
        assert_eq!(breakable("plain"), "plain");
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
