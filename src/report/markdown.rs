//! The Markdown report: a summary to paste into a ticket or to append to a CI job summary.
//!
//! It answers what a reader of a ticket asks, in that order: how bad is it, which pages, what to
//! change. Clean pages are only counted, since listing hundreds of them would bury the findings.
//! Every string from the report is escaped, so a URL or a reason cannot break a table row or
//! inject markup into the rendered summary.

use std::fmt::Write;

use crate::model::BaselineDiff;
use crate::model::human_duration;
use crate::model::{MultiReport, PageResult, Report, Verdict};
use crate::report::table::{BASELINE_LIST_MAX, baseline_counts, baseline_when, display_url, when};

/// The verdicts listed page by page; the others are only counted.
const LISTED: [Verdict; 4] = [
    Verdict::Dead,
    Verdict::Expiring,
    Verdict::Unverifiable,
    Verdict::Error,
];

/// Escapes `s` as Markdown inline text that is safe inside a table cell: Markdown and HTML
/// punctuation is backslash-escaped, line breaks become spaces (a newline would end the row) and
/// control characters become U+FFFD.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let mut chars = s.chars().peekable();
    let mut prev: Option<char> = None;
    while let Some(c) = chars.next() {
        let next = chars.peek().copied();
        let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
        match c {
            // An underscore inside a word can neither open nor close emphasis in CommonMark, so
            // `rest_cookie_invalid_nonce` stays readable in the raw text.
            '_' if word(prev) && word(next) => out.push('_'),
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push(' ');
                }
            }
            '\n' => out.push(' '),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '<' | '>' | '&' | '~' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push('\u{FFFD}'),
            c => out.push(c),
        }
        prev = Some(c);
    }
    out
}

/// A link to `url` labelled with its short form, or the escaped text alone when the URL is not a
/// web URL (a `javascript:` entry in a sitemap must not become a link).
fn link(url: &str, site: &str) -> String {
    let label = escape(&display_url(url, site));
    if !crate::report::markup::linkable(url) {
        return label;
    }
    let mut dest = String::with_capacity(url.len());
    for c in url.chars() {
        match c {
            '<' => dest.push_str("%3C"),
            '>' => dest.push_str("%3E"),
            '|' => dest.push_str("%7C"),
            '\\' => dest.push_str("%5C"),
            '`' => dest.push_str("%60"),
            c => dest.push(c),
        }
    }
    format!("[{label}](<{dest}>)")
}

fn verdict_name(v: Verdict) -> &'static str {
    match v {
        Verdict::NoNonce => "no nonce",
        other => other.as_str(),
    }
}

fn cache_text(p: &PageResult) -> String {
    escape(&super::cache_layer_text(p, "none seen"))
}

fn age_text(p: &PageResult) -> String {
    super::age_text(p).unwrap_or_else(|| "unknown".to_owned())
}

fn outcome(p: &PageResult, report: &Report) -> String {
    match (p.verdict, p.dies_at) {
        (Verdict::Fresh | Verdict::Expiring, Some(d)) => {
            escape(&format!("dies after {}", when(d, report.server_time)))
        }
        _ => escape(p.reason.as_deref().unwrap_or("")),
    }
}

fn headline(report: &Report) -> String {
    super::headline(report, |s| format!("**{s}**"), |s| format!("`{s}`"))
}

/// Renders the report as GitHub-flavoured Markdown.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let s = &report.summary;
    let _ = writeln!(out, "## nonce-audit report: {}", escape(&report.site));
    let _ = writeln!(out);
    let _ = writeln!(out, "{}", headline(report));
    if report.interrupted {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "**Interrupted**: the audit stopped before every page was audited; the counts cover {} page(s).",
            s.pages
        );
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "| summary | |");
    let _ = writeln!(out, "|:--|--:|");
    for v in Verdict::ALL {
        let n = s.get(v);
        if v == Verdict::Dead && n > 0 {
            let _ = writeln!(out, "| **dead** | **{n}** |");
        } else {
            let _ = writeln!(out, "| {} | {n} |", verdict_name(v));
        }
    }
    let _ = writeln!(out, "| pages | {} |", s.pages);
    let _ = writeln!(out, "| REST probes | {} |", s.rest_probes);
    let server_time = report
        .server_time
        .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_else(|| "unknown".to_owned());
    let _ = writeln!(out, "| server time | {server_time} |");
    let life = i64::try_from(report.nonce_life_s).unwrap_or(i64::MAX);
    let _ = writeln!(
        out,
        "| nonce life | {} (ticks of {}) |",
        human_duration(life),
        human_duration(life / 2)
    );
    if let Some(root) = &report.rest_root {
        let _ = writeln!(out, "| REST root | {} |", escape(root));
    }

    let private = super::private_pages(report);
    if !private.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "### Private copies: a logged-in user's render is served to guests ({})",
            private.len()
        );
        let _ = writeln!(out);
        for p in &private {
            let _ = writeln!(
                out,
                "- {}: {}",
                link(&p.url, &report.site),
                escape(&p.private_evidence.join(", "))
            );
        }
    }

    if let Some(diff) = &report.baseline {
        baseline(&mut out, diff, &report.site);
    }

    let listed: Vec<PageResult> = LISTED
        .iter()
        .flat_map(|v| report.pages.with_verdict(*v))
        .collect();
    let _ = writeln!(out);
    let _ = writeln!(out, "### Pages to look at ({})", listed.len());
    let _ = writeln!(out);
    if listed.is_empty() {
        let _ = writeln!(
            out,
            "None: no page is dead, expiring, unverifiable or in error."
        );
    } else {
        let _ = writeln!(out, "| page | verdict | cache | age | dies at / reason |");
        let _ = writeln!(out, "|:--|:--|:--|--:|:--|");
        for p in listed {
            let _ = writeln!(
                out,
                "| {} | `{}` | {} | {} | {} |",
                link(&p.url, &report.site),
                p.verdict.as_str(),
                cache_text(&p),
                age_text(&p),
                outcome(&p, report)
            );
        }
    }

    if !report.recommendations.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "### What to change");
        let mut i = 0;
        for (cause, recs) in super::advice_by_cause(report) {
            let _ = writeln!(out);
            let _ = writeln!(out, "#### {}", escape(&super::cause_heading(cause)));
            let _ = writeln!(out);
            for r in recs {
                i += 1;
                let _ = writeln!(
                    out,
                    "{}. **{}**: {}  ",
                    i,
                    escape(r.applies_to()),
                    escape(&crate::advise::fix(r))
                );
                let _ = writeln!(out, "   {}.  ", escape(&r.impact));
                let _ = write!(out, "   Why: {}.", escape(&r.why));
                if r.urls.is_empty() {
                    let _ = writeln!(out);
                } else {
                    let pages: Vec<String> = r.urls.iter().map(|u| link(u, &report.site)).collect();
                    let _ = writeln!(out, "  ");
                    let _ = writeln!(out, "   Pages: {}", pages.join(", "));
                }
            }
        }
    }

    let warnings = report.all_warnings();
    if !warnings.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "### Warnings");
        let _ = writeln!(out);
        for w in warnings {
            let _ = writeln!(out, "- {}", escape(&w));
        }
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "<sub>nonce-audit {} · schema {}</sub>",
        escape(report.tool_version),
        escape(report.schema)
    );
    out
}

fn baseline(out: &mut String, diff: &BaselineDiff, site: &str) {
    let _ = writeln!(out);
    let _ = writeln!(out, "### Since the baseline");
    let _ = writeln!(out);
    let when = baseline_when(diff);
    let source = format!(
        "{}{}",
        escape(&diff.file),
        if when.is_empty() {
            String::new()
        } else {
            format!(" ({when})")
        }
    );
    if diff.site.is_none() {
        let _ = writeln!(
            out,
            "The baseline {source} holds no report on this site, so every page counts as added.  "
        );
    }
    if diff.is_empty() {
        let _ = writeln!(out, "Nothing changed since the baseline {source}.");
        return;
    }
    let counts = baseline_counts(diff);
    let counts = if diff.newly_dead.is_empty() {
        counts
    } else {
        let n = diff.newly_dead.len();
        counts.replacen(
            &format!("{n} newly dead"),
            &format!("**{n} newly dead**"),
            1,
        )
    };
    let _ = writeln!(out, "Compared with {source}: {counts}.");
    let _ = writeln!(out);
    let mut list = |label: &str, items: Vec<String>| {
        if items.is_empty() {
            return;
        }
        let shown: Vec<&str> = items
            .iter()
            .take(BASELINE_LIST_MAX)
            .map(String::as_str)
            .collect();
        let more = if items.len() > BASELINE_LIST_MAX {
            format!(" and {} more", items.len() - BASELINE_LIST_MAX)
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "- **{label}** ({}): {}{more}",
            items.len(),
            shown.join(", ")
        );
    };
    list(
        "Newly dead",
        diff.newly_dead.iter().map(|u| link(u, site)).collect(),
    );
    list(
        "Recovered",
        diff.recovered.iter().map(|u| link(u, site)).collect(),
    );
    list(
        "Cache layer changed",
        diff.layer_changed
            .iter()
            .map(|c| {
                format!(
                    "{} ({} → {})",
                    link(&c.url, site),
                    escape(c.from.as_deref().unwrap_or("none")),
                    escape(c.to.as_deref().unwrap_or("none"))
                )
            })
            .collect(),
    );
}

/// Renders a multi-site run: a table of the sites with the combined counts, the sites that
/// could not be audited, then each site's own report.
pub fn render_multi(multi: &MultiReport) -> String {
    let mut out = String::new();
    let s = &multi.summary;
    let _ = writeln!(out, "# nonce-audit report: {} site(s)", s.sites);
    let _ = writeln!(out);
    if let Some(shard) = multi.shard {
        let _ = writeln!(
            out,
            "**Shard {shard}**: the sites of the file whose URL falls in this shard."
        );
        let _ = writeln!(out);
    }
    if multi.interrupted {
        let _ = writeln!(
            out,
            "**Interrupted**: the run stopped before every site was audited."
        );
        let _ = writeln!(out);
    }
    let baseline = s.newly_dead.is_some();
    let _ = writeln!(
        out,
        "| site | pages | dead | expiring | unverifiable | error | fresh | no nonce |{}",
        if baseline { " newly dead |" } else { "" }
    );
    let _ = writeln!(
        out,
        "|:--|--:|--:|--:|--:|--:|--:|--:|{}",
        if baseline { "--:|" } else { "" }
    );
    let row = |label: String, c: &crate::model::Summary, newly: Option<usize>| {
        format!(
            "| {label} | {} | {} | {} | {} | {} | {} | {} |{}",
            c.pages,
            if c.dead > 0 {
                format!("**{}**", c.dead)
            } else {
                "0".to_owned()
            },
            c.expiring,
            c.unverifiable,
            c.error,
            c.fresh,
            c.no_nonce,
            if baseline {
                format!(" {} |", newly.unwrap_or(0))
            } else {
                String::new()
            }
        )
    };
    for r in &multi.sites {
        let label = if crate::report::markup::linkable(&r.site) {
            format!("[{}](<{}>)", escape(&r.site), r.site.replace('>', "%3E"))
        } else {
            escape(&r.site)
        };
        let newly = r.baseline.as_ref().map(|b| b.newly_dead.len());
        let _ = writeln!(out, "{}", row(label, &r.summary, newly));
    }
    let total = usize::try_from(s.newly_dead.unwrap_or(0)).ok();
    let _ = writeln!(out, "{}", row("**all sites**".to_owned(), &s.pages, total));
    if !multi.failed.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "### Could not be audited ({})", multi.failed.len());
        let _ = writeln!(out);
        for f in &multi.failed {
            let _ = writeln!(out, "- {}: {}", escape(&f.site), escape(&f.error));
        }
    }
    for r in &multi.sites {
        let _ = writeln!(out);
        let _ = writeln!(out, "---");
        let _ = writeln!(out);
        out.push_str(&render(r));
    }
    out
}

super::renderer!(
    /// Markdown, as one of the report formats.
    Markdown,
    one(out, report, _options) { out.write_all(render(report).as_bytes()) },
    many(out, multi, _options) { out.write_all(render_multi(multi).as_bytes()) }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_cannot_break_the_row_or_inject_markup() {
        let cell = escape("a | b\nc\r\nd <script>alert(1)</script> *x* [l](u)");
        assert!(!cell.contains('\n'));
        assert_eq!(cell.matches('<').count(), cell.matches("\\<").count());
        assert_eq!(cell.matches('|').count(), cell.matches("\\|").count());
        assert_eq!(
            cell,
            "a \\| b c d \\<script\\>alert(1)\\</script\\> \\*x\\* \\[l\\](u)"
        );
        assert_eq!(
            escape("rest_cookie_invalid _x_"),
            "rest_cookie_invalid \\_x\\_"
        );
    }

    #[test]
    fn only_web_urls_become_links_and_their_target_stays_in_the_cell() {
        assert_eq!(
            link("https://ex.com/a|b/", "https://ex.com/"),
            "[/a\\|b/](<https://ex.com/a%7Cb/>)"
        );
        assert_eq!(
            link("javascript:alert(1)", "https://ex.com/"),
            "javascript:alert(1)"
        );
    }
}
