//! The JSON report (`nonce-audit/1`), for schedulers and other tools.

use crate::model::Report;

/// Pretty-printed JSON with every documented key present (unknown values are `null`).
pub fn render(report: &Report) -> String {
    let mut s = serde_json::to_string_pretty(report).unwrap_or_else(|e| {
        // Serialising plain structs cannot fail; keep the output valid JSON anyway.
        format!("{{\"schema\":\"nonce-audit/1\",\"error\":\"{e}\"}}")
    });
    s.push('\n');
    s
}
