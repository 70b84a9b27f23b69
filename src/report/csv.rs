//! The CSV report: one row per page, columns in a fixed, documented order.

use std::collections::HashMap;

use crate::model::{BaselineDiff, Change};
use crate::model::{MultiReport, PageResult, Report, SiteOutcome};

/// Column names, in order. New columns are only ever appended.
pub const COLUMNS: &[&str] = &[
    "url",
    "status",
    "verdict",
    "reason",
    "nonces",
    "dies_at",
    "cache_layer",
    "cache_hit",
    "age_s",
    "age_source",
    "generated_at",
    "lastmod",
    "rest_root",
    "change",
    "cause",
    "private_copy",
];

/// The extra first column of a multi-site CSV (`--sites`): the audited site of the row.
pub const SITE_COLUMN: &str = "site";

/// The first column of a sharded multi-site CSV (`--shard K/N`): the shard, `K/N`, on every
/// row.
pub const SHARD_COLUMN: &str = "shard";

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(ToString::to_string).unwrap_or_default()
}

/// A cell of text that came from the network (a URL, a reason quoting a page title or a REST
/// code, a sitemap's `lastmod`): control characters escaped, since a CSV is as often `cat` in a
/// terminal as opened in a spreadsheet, and a leading `=`, `+`, `-` or `@` prefixed with `'` so
/// that a spreadsheet shows the text instead of evaluating it as a formula.
fn text(s: &str) -> String {
    let clean = crate::util::sanitize_for_terminal(s);
    if clean.starts_with(['=', '+', '-', '@']) {
        format!("'{clean}")
    } else {
        clean.into_owned()
    }
}

/// One page's cells, in [`COLUMNS`] order.
fn row(p: &PageResult, changes: &HashMap<&str, Change>) -> Vec<String> {
    let nonces = p
        .nonces
        .iter()
        .map(|n| format!("{}:{}:{}", n.value, n.action, n.source))
        .collect::<Vec<_>>()
        .join(" ");
    vec![
        text(&p.url),
        opt(&p.status),
        p.verdict.to_string(),
        text(&opt(&p.reason)),
        text(&nonces),
        p.dies_at.map(|d| d.to_rfc3339()).unwrap_or_default(),
        opt(&p.cache.layer),
        opt(&p.cache.hit),
        opt(&p.cache.age_s),
        opt(&p.cache.age_source),
        p.cache
            .generated_at
            .map(|d| d.to_rfc3339())
            .unwrap_or_default(),
        text(&opt(&p.lastmod)),
        text(&opt(&p.rest_root)),
        changes
            .get(p.url.as_str())
            .map(|c| c.as_str().to_owned())
            .unwrap_or_default(),
        opt(&p.cause),
        p.private_copy.to_string(),
    ]
}

fn changes(report: &Report) -> HashMap<&str, Change> {
    report
        .baseline
        .as_ref()
        .map(BaselineDiff::changes)
        .unwrap_or_default()
}

/// Renders the page rows as CSV with a header line. The `change` column is `newly_dead`,
/// `recovered`, `layer_changed` or empty (always empty without `--baseline`).
pub fn render(report: &Report) -> Vec<u8> {
    let mut out = Vec::new();
    let _ = write(&mut out, report);
    out
}

/// [`render`] into `out`, one row at a time as they are read back from the row store.
pub fn write(out: &mut impl std::io::Write, report: &Report) -> std::io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(COLUMNS)?;
    let changes = changes(report);
    for p in &report.pages {
        w.write_record(row(&p, &changes))?;
    }
    w.flush()
}

/// Renders a multi-site run as one CSV: a leading `site` column, then [`COLUMNS`]. A site that
/// could not be audited is one row with an empty `url`, verdict `error` and the reason.
pub fn render_multi(multi: &MultiReport) -> Vec<u8> {
    let mut out = Vec::new();
    let _ = write_multi(&mut out, multi);
    out
}

/// [`render_multi`] into `out`, one row at a time.
pub fn write_multi(out: &mut impl std::io::Write, multi: &MultiReport) -> std::io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    // A sharded run says so on every row, so concatenated shards stay apart.
    let shard = multi.shard.map(|s| s.to_string());
    let lead: Vec<&str> = shard.as_ref().map(|_| SHARD_COLUMN).into_iter().collect();
    let header: Vec<&str> = lead
        .iter()
        .copied()
        .chain(std::iter::once(SITE_COLUMN))
        .chain(COLUMNS.iter().copied())
        .collect();
    w.write_record(&header)?;
    let lead: Vec<String> = shard.into_iter().collect();
    for outcome in multi.in_order() {
        match outcome {
            SiteOutcome::Audited(report) => {
                let changes = changes(report);
                for p in &report.pages {
                    let mut record = lead.clone();
                    record.push(text(&report.site));
                    record.extend(row(&p, &changes));
                    w.write_record(&record)?;
                }
            }
            SiteOutcome::Failed(f) => {
                let mut record = lead.clone();
                let at = record.len();
                record.extend(vec![String::new(); COLUMNS.len() + 1]);
                record[at] = text(&f.site);
                record[at + 3] = "error".to_owned();
                record[at + 4] = text(&format!("the site could not be audited: {}", f.error));
                w.write_record(&record)?;
            }
        }
    }
    w.flush()
}

super::renderer!(
    /// CSV, as one of the report formats.
    Csv,
    one(out, report, _options) { write(&mut { out }, report) },
    many(out, multi, _options) { write_multi(&mut { out }, multi) }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_cells_cannot_drive_a_terminal_or_a_spreadsheet() {
        assert_eq!(text("t\x1b]0;x\x07"), "t\\x1b]0;x\\x07");
        assert_eq!(
            text("=HYPERLINK(\"http://e/\")"),
            "'=HYPERLINK(\"http://e/\")"
        );
        assert_eq!(text("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(text("https://ex.com/a=b"), "https://ex.com/a=b");
        assert_eq!(text(""), "");
    }
}
