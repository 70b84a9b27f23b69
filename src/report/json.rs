//! The JSON report (`nonce-audit/1`, and `nonce-audit-multi/1` for `--sites`), for schedulers and
//! other tools.

use serde::Serialize;

use crate::model::{MultiReport, Report};

fn pretty<T: Serialize>(value: &T, schema: &str) -> String {
    let mut s = serde_json::to_string_pretty(value).unwrap_or_else(|e| {
        // Serialising plain structs cannot fail; keep the output valid JSON anyway.
        serde_json::json!({ "schema": schema, "error": e.to_string() }).to_string()
    });
    s.push('\n');
    s
}

/// Pretty-printed JSON with every documented key present (unknown values are `null`).
pub fn render(report: &Report) -> String {
    pretty(report, report.schema)
}

/// [`render`] straight into `out`: the page rows are serialised one at a time as they are read
/// back from the row store, so the report is never held whole.
pub fn write<T: Serialize>(out: &mut impl std::io::Write, value: &T) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value).map_err(std::io::Error::other)?;
    out.write_all(b"\n")
}

/// A multi-site run: `{"schema": "nonce-audit-multi/1", "summary": …, "sites": [<report>…],
/// "failed": […]}`, each element of `sites` a complete `nonce-audit/1` report.
pub fn render_multi(multi: &MultiReport) -> String {
    pretty(multi, multi.schema)
}

super::renderer!(
    /// JSON, as one of the report formats.
    Json,
    one(out, report, _options) { write(&mut { out }, report) },
    many(out, multi, _options) { write(&mut { out }, multi) }
);
