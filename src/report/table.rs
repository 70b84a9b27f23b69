//! The terminal report: what an operator reads once, worst news first.

use std::fmt::Write;

use chrono::{DateTime, Utc};

use crate::model::BaselineDiff;
use crate::model::human_duration;
use crate::model::{
    Cause, MultiReport, PageResult, RecommendationKind, Report, SiteOutcome, Verdict,
};
use crate::util::{sanitize_for_terminal as clean, shorten};

const URL_WIDTH: usize = 48;

/// Most pages listed per kind of change in the "Since the baseline" sections of the text and
/// Markdown reports; the JSON, CSV and HTML reports list them all.
pub const BASELINE_LIST_MAX: usize = 20;

fn paint(s: &str, code: &str, color: bool) -> String {
    if color {
        format!("\x1b[{code}m{s}\x1b[0m")
    } else {
        s.to_owned()
    }
}

fn verdict_color(v: Verdict) -> &'static str {
    match v {
        Verdict::Dead | Verdict::Error => "1;31",
        Verdict::Expiring | Verdict::Unverifiable => "1;33",
        Verdict::Fresh => "1;32",
        Verdict::NoNonce => "2",
    }
}

fn heading(v: Verdict) -> &'static str {
    match v {
        Verdict::Dead => "DEAD: visitors get a nonce the site rejects",
        Verdict::Expiring => "EXPIRING: accepted now, dies at the next tick boundary",
        Verdict::Unverifiable => "UNVERIFIABLE: the site's answer cannot tell",
        Verdict::Error => "ERROR: the page could not be audited",
        Verdict::Fresh => "FRESH: current-tick nonces",
        Verdict::NoNonce => "NO NONCE: nothing on the page can go stale",
    }
}

/// A page URL as short as it can be while staying unambiguous: the path when the page is on the
/// audited site, shortened in the middle when very long.
pub fn display_url(url: &str, site: &str) -> String {
    let site = site.trim_end_matches('/');
    let shown = match url.strip_prefix(site) {
        Some(rest) if rest.starts_with('/') => rest,
        _ => url,
    };
    let n = shown.chars().count();
    if n <= URL_WIDTH {
        return shown.to_owned();
    }
    let head: String = shown.chars().take(URL_WIDTH / 2 - 1).collect();
    let tail: String = shown.chars().skip(n - (URL_WIDTH / 2 - 1)).collect();
    format!("{head}…{tail}")
}

fn cache_cell(p: &PageResult) -> String {
    let age = super::age_text(p)
        .map(|a| format!(", {a} old"))
        .unwrap_or_default();
    format!("{}{age}", super::cache_layer_text(p, "no cache seen"))
}

/// An instant as absolute UTC time plus its distance from the server's `now`, so a reader needs no
/// time-zone arithmetic to see how long a page has left (shared by the Markdown report).
pub(crate) fn when(t: DateTime<Utc>, now: Option<DateTime<Utc>>) -> String {
    let abs = t.format("%Y-%m-%d %H:%M:%S UTC").to_string();
    match now {
        Some(n) => {
            let d = (t - n).num_seconds();
            if d >= 0 {
                format!("{abs} (in {})", human_duration(d))
            } else {
                format!("{abs} ({} ago)", human_duration(-d))
            }
        }
        None => abs,
    }
}

fn detail(p: &PageResult, now: Option<DateTime<Utc>>) -> String {
    match p.verdict {
        Verdict::Fresh | Verdict::Expiring => p
            .dies_at
            .map(|d| format!("dies after {}", when(d, now)))
            .unwrap_or_default(),
        _ => p.reason.clone().unwrap_or_default(),
    }
}

/// Renders the report as text; `color` adds ANSI colours (the caller honours `NO_COLOR`).
pub fn render(report: &Report, color: bool) -> String {
    let mut out = String::new();
    write(&mut out, report, color);
    out
}

/// Writes the report as text into `out` as it goes, one verdict group at a time, so a report
/// of 200,000 pages is never held whole (the rows are read back from the row store).
pub fn write(out: &mut impl Write, report: &Report, color: bool) {
    let now = report.server_time;
    let _ = writeln!(
        out,
        "{} {} · site {} · nonce_life {} · server time {}",
        paint("nonce-audit", "1", color),
        report.tool_version,
        clean(&report.site),
        human_duration(i64::try_from(report.nonce_life_s).unwrap_or(i64::MAX)),
        now.map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
            .unwrap_or_else(|| "unknown".to_owned())
    );
    if let Some(root) = &report.rest_root {
        let _ = writeln!(out, "REST root {}", clean(root));
    }
    let private = super::private_pages(report);
    if !private.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "{} ({})",
            paint(
                "PRIVATE COPIES: a logged-in user's render is served to guests",
                "1;31",
                color
            ),
            private.len()
        );
        for p in &private {
            let _ = writeln!(
                out,
                "  {:<width$}  {:<32}  {}",
                clean(&display_url(&p.url, &report.site)),
                shorten(&clean(&cache_cell(p)), 32),
                clean(&p.private_evidence.join(", ")),
                width = URL_WIDTH
            );
        }
    }
    for v in Verdict::ALL {
        let mut rows = report.pages.with_verdict(v).peekable();
        if rows.peek().is_none() {
            continue;
        }
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "{} ({})",
            paint(heading(v), verdict_color(v), color),
            report.pages.count(v)
        );
        // Dead pages come in groups by cause, each saying why.
        let mut last_cause = None;
        let rows: Box<dyn Iterator<Item = PageResult>> = if v == Verdict::Dead {
            drop(rows);
            Box::new(
                Cause::ALL
                    .iter()
                    .map(|c| Some(*c))
                    .chain([None])
                    .flat_map(|c| report.pages.with_verdict(v).filter(move |p| p.cause == c)),
            )
        } else {
            Box::new(rows)
        };
        for p in rows {
            if v == Verdict::Dead && (last_cause != Some(p.cause)) {
                last_cause = Some(p.cause);
                let n = report
                    .pages
                    .with_verdict(v)
                    .filter(|q| q.cause == p.cause)
                    .count();
                let why = p
                    .cause
                    .map_or("cause not recorded", crate::model::Cause::words);
                let name = p.cause.map_or("unknown", crate::model::Cause::as_str);
                let _ = writeln!(out, "  why ({name}, {n}): {why}");
            }
            let _ = writeln!(
                out,
                "  {:<width$}  {:<32}  {}",
                clean(&display_url(&p.url, &report.site)),
                shorten(&clean(&cache_cell(&p)), 32),
                clean(&detail(&p, now)),
                width = URL_WIDTH
            );
            for note in &p.notes {
                let _ = writeln!(
                    out,
                    "  {:<width$}  note: {}",
                    "",
                    clean(note),
                    width = URL_WIDTH
                );
            }
        }
    }
    if let Some(diff) = &report.baseline {
        baseline(out, diff, &report.site, color);
    }
    let s = &report.summary;
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "{} pages: {} dead, {} expiring, {} fresh, {} no nonce, {} unverifiable, {} error · {} REST probes{}",
        s.pages,
        paint(
            &s.dead.to_string(),
            verdict_color(Verdict::Dead),
            color && s.dead > 0
        ),
        s.expiring,
        s.fresh,
        s.no_nonce,
        s.unverifiable,
        s.error,
        s.rest_probes,
        if report.interrupted {
            " · INTERRUPTED"
        } else {
            ""
        }
    );
    if let Some(next) = report.forecast.first() {
        let _ = writeln!(
            out,
            "{} cached page(s) will start serving dead nonces after {} unless the cache is refreshed",
            next.pages,
            when(next.dies_at, now)
        );
    }
    for w in &report.warnings {
        let _ = writeln!(out, "warning: {}", clean(w));
    }
    for sm in report.sitemaps.iter().filter(|s| !s.warnings.is_empty()) {
        for w in &sm.warnings {
            let _ = writeln!(out, "warning: sitemap {}: {}", clean(&sm.url), clean(w));
        }
    }
    if !report.recommendations.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "{}", paint("What to change", "1", color));
        let mut i = 0;
        for (cause, recs) in super::advice_by_cause(report) {
            let _ = writeln!(out, "  {}:", clean(&super::cause_heading(cause)));
            for r in recs {
                let action = match r.kind {
                    RecommendationKind::Exclude => {
                        format!("add to {}: {}", r.setting, r.urls.join(", "))
                    }
                    RecommendationKind::Refresh => format!("ask {}: {}", r.setting, r.value),
                    RecommendationKind::Code => format!("fix {}: {}", r.setting, r.value),
                    RecommendationKind::Purge => format!("purge: {} ({})", r.setting, r.value),
                    RecommendationKind::LoggedIn => format!("set {}: {}", r.setting, r.value),
                    RecommendationKind::Ttl | RecommendationKind::Esi => {
                        format!("set {} to {}", r.setting, r.value)
                    }
                };
                i += 1;
                let _ = writeln!(
                    out,
                    "  {}. [{}] {}",
                    i,
                    r.layer.unwrap_or("page cache"),
                    clean(&action)
                );
                let _ = writeln!(out, "     {}", clean(&r.impact));
                let _ = writeln!(out, "     why: {}", clean(&r.why));
            }
        }
    }
}

/// "audit finished …, server time …" for a baseline, or nothing when the old report had neither.
pub(crate) fn baseline_when(diff: &BaselineDiff) -> String {
    let mut parts = Vec::new();
    if let Some(t) = diff.generated_at {
        parts.push(format!(
            "audit finished {}",
            t.format("%Y-%m-%d %H:%M:%S UTC")
        ));
    }
    if let Some(t) = diff.server_time {
        parts.push(format!("server time {}", t.format("%Y-%m-%d %H:%M:%S UTC")));
    }
    parts.join(", ")
}

/// The counts of a baseline diff in one line.
pub(crate) fn baseline_counts(diff: &BaselineDiff) -> String {
    format!(
        "{} newly dead, {} recovered, {} cache layer changed, {} added, {} removed",
        diff.newly_dead.len(),
        diff.recovered.len(),
        diff.layer_changed.len(),
        diff.added,
        diff.removed
    )
}

fn baseline(out: &mut impl Write, diff: &BaselineDiff, site: &str, color: bool) {
    let _ = writeln!(out);
    let when = baseline_when(diff);
    let _ = writeln!(
        out,
        "{} {}{}",
        paint("Since the baseline", "1", color),
        clean(&diff.file),
        if when.is_empty() {
            String::new()
        } else {
            format!(" ({when})")
        }
    );
    if diff.site.is_none() {
        let _ = writeln!(
            out,
            "  it holds no report on this site: every page counts as added"
        );
    }
    if diff.is_empty() {
        let _ = writeln!(out, "  nothing changed");
        return;
    }
    let _ = writeln!(out, "  {}", baseline_counts(diff));
    let mut list = |label: &str, code: &str, rows: Vec<String>| {
        for r in rows.iter().take(BASELINE_LIST_MAX) {
            let _ = writeln!(
                out,
                "  {}  {}",
                paint(&format!("{label:<11}"), code, color),
                clean(r)
            );
        }
        if rows.len() > BASELINE_LIST_MAX {
            let _ = writeln!(
                out,
                "  {:<11}  … and {} more",
                "",
                rows.len() - BASELINE_LIST_MAX
            );
        }
    };
    list(
        "newly dead",
        verdict_color(Verdict::Dead),
        diff.newly_dead
            .iter()
            .map(|u| display_url(u, site))
            .collect(),
    );
    list(
        "recovered",
        verdict_color(Verdict::Fresh),
        diff.recovered
            .iter()
            .map(|u| display_url(u, site))
            .collect(),
    );
    list(
        "cache layer",
        "1",
        diff.layer_changed
            .iter()
            .map(|c| {
                format!(
                    "{}  {} → {}",
                    display_url(&c.url, site),
                    c.from.as_deref().unwrap_or("none"),
                    c.to.as_deref().unwrap_or("none")
                )
            })
            .collect(),
    );
}

/// Renders a multi-site run: each site's report under its own heading, the sites that could not
/// be audited, then one combined summary line.
pub fn render_multi(multi: &MultiReport, color: bool) -> String {
    let mut out = String::new();
    write_multi(&mut out, multi, color);
    out
}

/// [`render_multi`] into any writer, one site at a time.
pub fn write_multi(out: &mut impl Write, multi: &MultiReport, color: bool) {
    let total = multi.sites.len() + multi.failed.len();
    if let Some(shard) = multi.shard {
        let _ = writeln!(
            out,
            "{}",
            paint(
                &format!("Shard {shard}: the sites of the file whose URL falls in this shard"),
                "1",
                color
            )
        );
        let _ = writeln!(out);
    }
    for (i, outcome) in multi.in_order().enumerate() {
        let n = i + 1;
        let site = match outcome {
            SiteOutcome::Audited(r) => &r.site,
            SiteOutcome::Failed(f) => &f.site,
        };
        let _ = writeln!(
            out,
            "{}",
            paint(
                &format!("=== site {n} of {total}: {} ===", clean(site)),
                "1",
                color
            )
        );
        match outcome {
            SiteOutcome::Audited(report) => write(out, report, color),
            SiteOutcome::Failed(f) => {
                let _ = writeln!(
                    out,
                    "{} {}",
                    paint(
                        "could not be audited:",
                        verdict_color(Verdict::Error),
                        color
                    ),
                    clean(&f.error)
                );
            }
        }
        let _ = writeln!(out);
    }
    let s = &multi.summary;
    let _ = writeln!(
        out,
        "{} {} site(s){} · {} pages: {} dead, {} expiring, {} fresh, {} no nonce, {} unverifiable, {} error · {} REST probes{}{}{}",
        paint("All sites:", "1", color),
        s.sites,
        if s.sites_failed > 0 {
            format!(" ({} could not be audited)", s.sites_failed)
        } else {
            String::new()
        },
        s.pages.pages,
        paint(
            &s.pages.dead.to_string(),
            verdict_color(Verdict::Dead),
            color && s.pages.dead > 0
        ),
        s.pages.expiring,
        s.pages.fresh,
        s.pages.no_nonce,
        s.pages.unverifiable,
        s.pages.error,
        s.pages.rest_probes,
        s.newly_dead
            .map(|n| format!(" · {n} newly dead since the baseline"))
            .unwrap_or_default(),
        multi
            .shard
            .map(|sh| format!(" · shard {sh}"))
            .unwrap_or_default(),
        if multi.interrupted {
            " · INTERRUPTED"
        } else {
            ""
        }
    );
}

super::renderer!(
    /// The terminal table (and `.txt`), as one of the report formats.
    Table,
    one(out, report, options) {
        let mut w = super::FmtIo::new(out);
        write(&mut w, report, options.color);
        w.finish()
    },
    many(out, multi, options) {
        let mut w = super::FmtIo::new(out);
        write_multi(&mut w, multi, options.color);
        w.finish()
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_on_the_site_show_as_paths() {
        assert_eq!(
            display_url("https://ex.com/blog/post/", "https://ex.com/"),
            "/blog/post/"
        );
        assert_eq!(
            display_url("https://other.com/x", "https://ex.com/"),
            "https://other.com/x"
        );
        let long = format!("https://ex.com/{}", "a".repeat(100));
        let shown = display_url(&long, "https://ex.com/");
        assert_eq!(shown.chars().count(), URL_WIDTH - 1);
        assert!(shown.contains('…'));
    }
}
