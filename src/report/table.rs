//! The terminal report: what an operator reads once, worst news first.

use std::fmt::Write;

use chrono::{DateTime, Utc};

use crate::model::BaselineDiff;
use crate::model::human_duration;
use crate::model::{MultiReport, PageResult, RecommendationKind, Report, SiteOutcome, Verdict};
use crate::util::sanitize_for_terminal as clean;

const URL_WIDTH: usize = 48;

/// The width the table is laid out for when the caller gives none (a file, a pipe): wide enough
/// for a path, the cache and a short reason on one line.
pub const DEFAULT_WIDTH: usize = 100;

/// The narrowest width the table is laid out for; a narrower terminal wraps what it must.
pub const MIN_WIDTH: usize = 40;

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
    display_url_within(url, site, URL_WIDTH)
}

/// [`display_url`] in at most `max` characters: the start of the path and its end (where pages
/// differ most) around an ellipsis.
pub fn display_url_within(url: &str, site: &str, max: usize) -> String {
    let site = site.trim_end_matches('/');
    let shown = match url.strip_prefix(site) {
        Some(rest) if rest.starts_with('/') => rest,
        _ => url,
    };
    shorten_middle(shown, max)
}

/// `text` in at most `max` characters: a third from its start and the rest from its end around
/// an ellipsis.
fn shorten_middle(text: &str, max: usize) -> String {
    let n = text.chars().count();
    if n <= max {
        return text.to_owned();
    }
    let keep = max.saturating_sub(1);
    let head_n = keep / 3;
    let tail_n = keep - head_n;
    let head: String = text.chars().take(head_n).collect();
    let tail: String = text.chars().skip(n - tail_n).collect();
    format!("{head}…{tail}")
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// Where a word too long for a whole line may be cut: after a path or query separator, so a
/// URL breaks between its parts.
fn cut_point(word: &str, max: usize) -> usize {
    let mut best = None;
    for (n, (i, c)) in word.char_indices().enumerate() {
        if n >= max {
            break;
        }
        if matches!(c, '/' | '?' | '&' | '=' | '-' | '_' | ',' | ';' | '.') && n > 0 {
            best = Some(i + c.len_utf8());
        }
    }
    best.unwrap_or_else(|| word.char_indices().nth(max).map_or(word.len(), |(i, _)| i))
}

/// Word-wraps `text` into lines of at most `first` characters for the first line and `rest`
/// for the others. Words are never split unless one is longer than a whole line, and then at a
/// separator when it has one.
fn wrap(text: &str, first: usize, rest: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut n = 0;
    let limit = |lines: &Vec<String>| if lines.is_empty() { first } else { rest }.max(1);
    for word in text.split_whitespace() {
        let wl = chars(word);
        if n > 0 && n + 1 + wl <= limit(&lines) {
            line.push(' ');
            line.push_str(word);
            n += 1 + wl;
            continue;
        }
        if n > 0 {
            lines.push(std::mem::take(&mut line));
        }
        let mut w = word;
        while chars(w) > limit(&lines) {
            let cut = cut_point(w, limit(&lines));
            lines.push(w[..cut].to_owned());
            w = &w[cut..];
        }
        line.push_str(w);
        n = chars(w);
    }
    if n > 0 || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// Writes `text` word-wrapped to `width`, the first line after `indent` and the others after
/// `hang`; `code` paints each line.
fn para(
    out: &mut impl Write,
    text: &str,
    indent: &str,
    hang: &str,
    width: usize,
    code: Option<(&str, bool)>,
) {
    let lines = wrap(
        text,
        width.saturating_sub(chars(indent)),
        width.saturating_sub(chars(hang)),
    );
    for (i, line) in lines.iter().enumerate() {
        let lead = if i == 0 { indent } else { hang };
        let line = match code {
            Some((code, color)) => paint(line, code, color),
            None => line.clone(),
        };
        let _ = writeln!(out, "{lead}{line}");
    }
}

/// [`para`] with the first occurrence of `needle` painted (the one number worth a colour in a
/// summary line).
fn para_marking(
    out: &mut impl Write,
    text: &str,
    width: usize,
    needle: &str,
    code: &str,
    color: bool,
) {
    let mut marked = !color || needle.is_empty();
    for line in wrap(text, width, width) {
        let at = if marked { None } else { line.find(needle) };
        if let Some(at) = at {
            marked = true;
            let _ = writeln!(
                out,
                "{}{}{}",
                &line[..at],
                paint(needle, code, true),
                &line[at + needle.len()..]
            );
        } else {
            let _ = writeln!(out, "{line}");
        }
    }
}

/// How the page rows share the width: the path, the cache, then the detail beside them when
/// there is room for a readable column, or under them otherwise.
#[derive(Debug, Clone, Copy)]
struct Layout {
    width: usize,
    url: usize,
    cache: usize,
    detail: Option<usize>,
}

impl Layout {
    fn new(width: usize) -> Self {
        let width = width.max(MIN_WIDTH);
        let cache = (width * 24 / 100).clamp(12, 26);
        let url = ((width - 6) * 34 / 100).clamp(16, URL_WIDTH);
        let detail = width - 6 - url - cache;
        if detail >= 32 {
            Self {
                width,
                url,
                cache,
                detail: Some(detail),
            }
        } else {
            // The detail goes below, so the cache gets the room of a whole cell.
            let cache = 24.min(width - 4 - 16);
            Self {
                width,
                url: (width - 4 - cache).min(60),
                cache,
                detail: None,
            }
        }
    }

    /// One page: its path (shortened to fit, never wrapped), its cache (wrapped at words) and its
    /// detail, in columns or with the detail below.
    fn row(&self, out: &mut impl Write, url: &str, cache: &str, detail: &str) {
        let url = shorten_middle(url, self.url);
        let cache = wrap(cache, self.cache, self.cache);
        let detail_lines = match self.detail {
            Some(w) if !detail.is_empty() => wrap(detail, w, w),
            _ => Vec::new(),
        };
        let n = cache.len().max(detail_lines.len()).max(1);
        for i in 0..n {
            let u = if i == 0 { url.as_str() } else { "" };
            let c = cache.get(i).map_or("", String::as_str);
            let d = detail_lines.get(i).map_or("", String::as_str);
            let line = format!(
                "  {u}{}  {c}{}  {d}",
                " ".repeat(self.url.saturating_sub(chars(u))),
                " ".repeat(self.cache.saturating_sub(chars(c)))
            );
            let _ = writeln!(out, "{}", line.trim_end());
        }
        if self.detail.is_none() && !detail.is_empty() {
            para(out, detail, "      ", "      ", self.width, None);
        }
    }
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

/// Renders the report as text; `color` adds ANSI colours (the caller honours `NO_COLOR`);
/// `width` is the terminal's (0 for [`DEFAULT_WIDTH`]): no line is longer.
pub fn render(report: &Report, color: bool, width: usize) -> String {
    let mut out = String::new();
    write(&mut out, report, color, width);
    out
}

fn effective(width: usize) -> usize {
    if width == 0 {
        DEFAULT_WIDTH
    } else {
        width.max(MIN_WIDTH)
    }
}

/// Writes the report as text into `out` as it goes, one verdict group at a time, so a report
/// of 200,000 pages is never held whole (the rows are read back from the row store).
pub fn write(out: &mut impl Write, report: &Report, color: bool, width: usize) {
    let width = effective(width);
    let layout = Layout::new(width);
    let now = report.server_time;
    let top = format!(
        "nonce-audit {} · site {} · nonce_life {} · server time {}",
        report.tool_version,
        clean(&report.site),
        human_duration(i64::try_from(report.nonce_life_s).unwrap_or(i64::MAX)),
        now.map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
            .unwrap_or_else(|| "unknown".to_owned())
    );
    para_marking(out, &top, width, "nonce-audit", "1", color);
    if let Some(root) = &report.rest_root {
        para(
            out,
            &format!("REST root {}", clean(root)),
            "",
            "  ",
            width,
            None,
        );
    }
    let private = super::private_pages(report);
    if !private.is_empty() {
        let _ = writeln!(out);
        para(
            out,
            &format!(
                "PRIVATE COPIES: a logged-in user's render is served to guests ({})",
                private.len()
            ),
            "",
            "",
            width,
            Some(("1;31", color)),
        );
        for p in &private {
            layout.row(
                out,
                &clean(&display_url_within(&p.url, &report.site, usize::MAX)),
                &clean(&cache_cell(p)),
                &clean(&p.private_evidence.join(", ")),
            );
        }
    }
    for v in Verdict::ALL {
        if report.pages.count(v) == 0 {
            continue;
        }
        let _ = writeln!(out);
        para(
            out,
            &format!("{} ({})", heading(v), report.pages.count(v)),
            "",
            "",
            width,
            Some((verdict_color(v), color)),
        );
        // Dead pages come in groups by cause, each saying why.
        let mut last_cause = None;
        let rows = super::rows_in_order(report, v);
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
                para(
                    out,
                    &format!("why ({name}, {n}): {why}"),
                    "  ",
                    "    ",
                    width,
                    None,
                );
            }
            layout.row(
                out,
                &clean(&display_url_within(&p.url, &report.site, usize::MAX)),
                &clean(&cache_cell(&p)),
                &clean(&detail(&p, now)),
            );
            for note in &p.notes {
                para(
                    out,
                    &format!("note: {}", clean(note)),
                    "      ",
                    "            ",
                    width,
                    None,
                );
            }
        }
    }
    if let Some(diff) = &report.baseline {
        baseline(out, diff, &report.site, color, width);
    }
    let s = &report.summary;
    let _ = writeln!(out);
    let dead = format!("{} dead", s.dead);
    para_marking(
        out,
        &format!(
            "{} pages: {dead}, {} expiring, {} fresh, {} no nonce, {} unverifiable, {} error · {} REST probes{}",
            s.pages,
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
        ),
        width,
        &dead,
        verdict_color(Verdict::Dead),
        color && s.dead > 0,
    );
    if let Some(next) = report.forecast.first() {
        para(
            out,
            &format!(
                "{} cached page(s) will start serving dead nonces after {} unless the cache is refreshed",
                next.pages,
                when(next.dies_at, now)
            ),
            "",
            "",
            width,
            None,
        );
    }
    for w in &report.warnings {
        para(
            out,
            &format!("warning: {}", clean(w)),
            "",
            "  ",
            width,
            None,
        );
    }
    for sm in report.sitemaps.iter().filter(|s| !s.warnings.is_empty()) {
        for w in &sm.warnings {
            para(
                out,
                &format!("warning: sitemap {}: {}", clean(&sm.url), clean(w)),
                "",
                "  ",
                width,
                None,
            );
        }
    }
    if !report.recommendations.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "{}", paint("What to change", "1", color));
        let mut i = 0;
        for (cause, recs) in super::advice_by_cause(report) {
            para(
                out,
                &format!("{}:", clean(&super::cause_heading(cause))),
                "  ",
                "    ",
                width,
                None,
            );
            for r in recs {
                i += 1;
                let lead = format!("  {i}. ");
                let hang = " ".repeat(chars(&lead));
                para(
                    out,
                    &format!("[{}] {}", r.applies_to(), clean(&crate::advise::fix(r))),
                    &lead,
                    &hang,
                    width,
                    None,
                );
                if r.kind == RecommendationKind::Exclude {
                    para(
                        out,
                        &format!("pages: {}", clean(&r.urls.join(", "))),
                        &hang,
                        &hang,
                        width,
                        None,
                    );
                }
                para(out, &clean(&r.impact), &hang, &hang, width, None);
                para(
                    out,
                    &format!("why: {}", clean(&r.why)),
                    &hang,
                    &hang,
                    width,
                    None,
                );
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

fn baseline(out: &mut impl Write, diff: &BaselineDiff, site: &str, color: bool, width: usize) {
    let _ = writeln!(out);
    let when = baseline_when(diff);
    para_marking(
        out,
        &format!(
            "Since the baseline {}{}",
            clean(&diff.file),
            if when.is_empty() {
                String::new()
            } else {
                format!(" ({when})")
            }
        ),
        width,
        "Since the baseline",
        "1",
        color,
    );
    if diff.site.is_none() {
        para(
            out,
            "it holds no report on this site: every page counts as added",
            "  ",
            "  ",
            width,
            None,
        );
    }
    if diff.is_empty() {
        let _ = writeln!(out, "  nothing changed");
        return;
    }
    para(out, &baseline_counts(diff), "  ", "  ", width, None);
    let hang = " ".repeat(15);
    let room = width.saturating_sub(15);
    let mut list = |label: &str, code: &str, rows: Vec<String>| {
        for r in rows.iter().take(BASELINE_LIST_MAX) {
            let lines = wrap(&clean(r), room, room);
            for (i, line) in lines.iter().enumerate() {
                if i == 0 {
                    let _ = writeln!(
                        out,
                        "  {}  {line}",
                        paint(&format!("{label:<11}"), code, color)
                    );
                } else {
                    let _ = writeln!(out, "{hang}{line}");
                }
            }
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
            .map(|u| display_url_within(u, site, room))
            .collect(),
    );
    list(
        "recovered",
        verdict_color(Verdict::Fresh),
        diff.recovered
            .iter()
            .map(|u| display_url_within(u, site, room))
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
                    display_url_within(&c.url, site, room),
                    c.from.as_deref().unwrap_or("none"),
                    c.to.as_deref().unwrap_or("none")
                )
            })
            .collect(),
    );
}

/// Renders a multi-site run: each site's report under its own heading, the sites that could not
/// be audited, then one combined summary line; `width` as for [`render`].
pub fn render_multi(multi: &MultiReport, color: bool, width: usize) -> String {
    let mut out = String::new();
    write_multi(&mut out, multi, color, width);
    out
}

/// [`render_multi`] into any writer, one site at a time.
pub fn write_multi(out: &mut impl Write, multi: &MultiReport, color: bool, width: usize) {
    let width = effective(width);
    let total = multi.sites.len() + multi.failed.len();
    if let Some(shard) = multi.shard {
        para(
            out,
            &format!("Shard {shard}: the sites of the file whose URL falls in this shard"),
            "",
            "",
            width,
            Some(("1", color)),
        );
        let _ = writeln!(out);
    }
    for (i, outcome) in multi.in_order().enumerate() {
        let n = i + 1;
        let site = match outcome {
            SiteOutcome::Audited(r) => &r.site,
            SiteOutcome::Failed(f) => &f.site,
        };
        para(
            out,
            &format!("=== site {n} of {total}: {} ===", clean(site)),
            "",
            "",
            width,
            Some(("1", color)),
        );
        match outcome {
            SiteOutcome::Audited(report) => write(out, report, color, width),
            SiteOutcome::Failed(f) => para_marking(
                out,
                &format!("could not be audited: {}", clean(&f.error)),
                width,
                "could not be audited:",
                verdict_color(Verdict::Error),
                color,
            ),
        }
        let _ = writeln!(out);
    }
    let s = &multi.summary;
    let dead = format!("{} dead", s.pages.dead);
    let line = format!(
        "All sites: {} site(s){} · {} pages: {dead}, {} expiring, {} fresh, {} no nonce, {} unverifiable, {} error · {} REST probes{}{}{}",
        s.sites,
        if s.sites_failed > 0 {
            format!(" ({} could not be audited)", s.sites_failed)
        } else {
            String::new()
        },
        s.pages.pages,
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
    if color {
        // Bold heading, red dead count: the two parts worth a colour.
        let mut painted = String::new();
        para_marking(&mut painted, &line, width, "All sites:", "1", true);
        let dead_code = verdict_color(Verdict::Dead);
        let shown = if s.pages.dead > 0 {
            painted.replacen(&dead, &paint(&dead, dead_code, true), 1)
        } else {
            painted
        };
        let _ = write!(out, "{shown}");
    } else {
        para(out, &line, "", "", width, None);
    }
}

super::renderer!(
    /// The terminal table (and `.txt`), as one of the report formats.
    Table,
    one(out, report, options) {
        let mut w = super::FmtIo::new(out);
        write(&mut w, report, options.color, options.width);
        w.finish()
    },
    many(out, multi, options) {
        let mut w = super::FmtIo::new(out);
        write_multi(&mut w, multi, options.color, options.width);
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
        assert_eq!(shown.chars().count(), URL_WIDTH);
        assert!(shown.contains('…'));
        let tail = display_url_within(
            "https://ex.com/shop/very/deep/path/item-42/",
            "https://ex.com/",
            20,
        );
        assert_eq!(tail.chars().count(), 20);
        assert!(
            tail.starts_with("/shop") && tail.ends_with("item-42/"),
            "{tail}"
        );
    }

    #[test]
    fn wrapping_breaks_between_words_and_long_words_at_separators() {
        assert_eq!(
            wrap("the cached copy is 6 d old", 12, 12),
            ["the cached", "copy is 6 d", "old"]
        );
        assert_eq!(wrap("a b", 10, 10), ["a b"]);
        assert_eq!(wrap("", 10, 10), [""]);
        // A first line narrower than the rest (a hanging indent).
        assert_eq!(wrap("one two three", 4, 9), ["one", "two three"]);
        // A URL longer than a line breaks after a separator, not mid-part.
        assert_eq!(
            wrap("https://ex.com/blog/post/", 16, 16),
            ["https://ex.com/", "blog/post/"]
        );
        // With no separator it is cut at the width, so no line is ever longer.
        assert_eq!(wrap("abcdefghij", 4, 4), ["abcd", "efgh", "ij"]);
    }

    #[test]
    fn narrow_terminals_put_the_detail_under_the_row() {
        let narrow = Layout::new(60);
        assert!(narrow.detail.is_none());
        assert!(narrow.url + narrow.cache + 4 <= 60);
        let wide = Layout::new(120);
        let d = wide.detail.unwrap_or(0);
        assert!(d >= 32 && wide.url + wide.cache + d + 6 <= 120);
        assert_eq!(Layout::new(10).width, MIN_WIDTH);
    }
}
