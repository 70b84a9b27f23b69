//! What changed since an earlier report: the `baseline` section of a report.
//!
//! The types live here, at the bottom, because the report carries them; the comparison that
//! fills them in (`crate::baseline`) reads files and sits higher up.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

/// A page whose serving cache layer changed since the baseline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LayerChange {
    /// The page URL.
    pub url: String,
    /// The layer in the baseline (`null`: no cache recognised).
    pub from: Option<String>,
    /// The layer now (`null`: no cache recognised).
    pub to: Option<String>,
}

/// What changed since the baseline: the `baseline` section of a report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct BaselineDiff {
    /// The baseline file as given on the command line.
    pub file: String,
    /// The site of the baseline report compared with; `null` when the file holds no report on
    /// this site (then every page counts as added).
    pub site: Option<String>,
    /// When the baseline audit finished (its local clock).
    pub generated_at: Option<DateTime<Utc>>,
    /// The audited server's clock in the baseline.
    pub server_time: Option<DateTime<Utc>>,
    /// Pages dead now and not dead in the baseline, pages new since then included.
    pub newly_dead: Vec<String>,
    /// Pages dead in the baseline and audited now with another verdict.
    pub recovered: Vec<String>,
    /// Pages served by another cache layer than in the baseline.
    pub layer_changed: Vec<LayerChange>,
    /// Pages audited now that the baseline does not list.
    pub added: u64,
    /// Pages the baseline lists that were not audited now.
    pub removed: u64,
}

/// How a page changed since the baseline (the CSV `change` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Dead now, not dead before.
    NewlyDead,
    /// Dead before, not dead now.
    Recovered,
    /// Served by another cache layer.
    LayerChanged,
}

impl Change {
    /// The stable name used in the CSV column and in notes.
    pub fn as_str(self) -> &'static str {
        match self {
            Change::NewlyDead => "newly_dead",
            Change::Recovered => "recovered",
            Change::LayerChanged => "layer_changed",
        }
    }
}

impl BaselineDiff {
    /// Whether anything changed at all.
    pub fn is_empty(&self) -> bool {
        self.newly_dead.is_empty()
            && self.recovered.is_empty()
            && self.layer_changed.is_empty()
            && self.added == 0
            && self.removed == 0
    }

    /// Each changed page's most important change, looked up once for renderers that go page by
    /// page (a newly dead page whose layer also changed is reported as newly dead).
    pub fn changes(&self) -> HashMap<&str, Change> {
        let mut out = HashMap::new();
        for c in &self.layer_changed {
            out.insert(c.url.as_str(), Change::LayerChanged);
        }
        for u in &self.recovered {
            out.insert(u.as_str(), Change::Recovered);
        }
        for u in &self.newly_dead {
            out.insert(u.as_str(), Change::NewlyDead);
        }
        out
    }
}
