//! The CSV report: one row per page, columns in a fixed, documented order.

use crate::model::Report;

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
];

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(ToString::to_string).unwrap_or_default()
}

/// Renders the page rows as CSV with a header line.
pub fn render(report: &Report) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(COLUMNS);
    for p in &report.pages {
        let nonces = p
            .nonces
            .iter()
            .map(|n| format!("{}:{}:{}", n.value, n.action, n.source))
            .collect::<Vec<_>>()
            .join(" ");
        let record = [
            p.url.clone(),
            opt(&p.status),
            p.verdict.to_string(),
            opt(&p.reason),
            nonces,
            p.dies_at.map(|d| d.to_rfc3339()).unwrap_or_default(),
            opt(&p.cache.layer),
            opt(&p.cache.hit),
            opt(&p.cache.age_s),
            opt(&p.cache.age_source),
            p.cache
                .generated_at
                .map(|d| d.to_rfc3339())
                .unwrap_or_default(),
            opt(&p.lastmod),
            opt(&p.rest_root),
        ];
        let _ = w.write_record(&record);
    }
    w.into_inner().unwrap_or_default()
}
