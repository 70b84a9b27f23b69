//! Collection: what the audit keeps of each finished page, and the report made of it at the end.
//!
//! Rows go to the row store (on disk past the first thousand); only what the summary, the
//! forecast and the advice need stays in memory, so a site of any size fits.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use url::Url;

use super::AuditConfig;
use super::page::Ctx;
use crate::advise::Forecaster;
use crate::discover::WalkSummary;
use crate::model::{PageResult, Report, RowSink, SCHEMA, Summary};

/// What the audit keeps as pages finish: the rows go to the row store (on disk past the first
/// thousand), and only what the report's summary, forecast and advice need is kept in memory:
/// counts, the REST roots seen, and slim copies of the pages the advice is about.
pub(super) struct Collector {
    rows: RowSink,
    summary: Summary,
    roots: HashMap<String, usize>,
    uncalibrated: usize,
    forecast: Forecaster,
    advice: Vec<(u64, crate::advise::Finding)>,
}

impl Collector {
    /// Whether no page row came in.
    pub(super) fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub(super) fn new(rows_in_memory: usize) -> Self {
        Self {
            rows: RowSink::with_spill_after(rows_in_memory),
            summary: Summary::default(),
            roots: HashMap::new(),
            uncalibrated: 0,
            forecast: Forecaster::default(),
            advice: Vec::new(),
        }
    }

    pub(super) fn put(&mut self, seq: u64, row: PageResult) {
        self.summary.count(row.verdict);
        if let Some(r) = &row.rest_root {
            match self.roots.get_mut(r.as_str()) {
                Some(n) => *n += 1,
                None => {
                    self.roots.insert(r.clone(), 1);
                }
            }
        }
        if row.cache.approximate {
            self.uncalibrated += 1;
        }
        self.forecast.add(seq, &row);
        if let Some(f) = crate::advise::Finding::of(&row) {
            self.advice.push((seq, f));
        }
        self.rows.put(seq, row);
    }
}

/// What the report needs besides the rows: the run's settings, shared state and the walk.
pub(super) struct Assembly<'a> {
    pub(super) config: &'a AuditConfig,
    pub(super) ctx: &'a Ctx,
    pub(super) walk: WalkSummary,
    pub(super) started_at: DateTime<Utc>,
    pub(super) interrupted: bool,
}

impl Collector {
    /// The report: summary and rows, the advice and forecast built from them, and the walk's
    /// sitemaps and warnings.
    pub(super) async fn into_report(self, a: Assembly<'_>) -> Report {
        let Collector {
            rows,
            mut summary,
            roots,
            uncalibrated,
            forecast,
            mut advice,
        } = self;
        let pages = rows.finish();
        summary.rest_probes = a.ctx.verifier.probes_sent();
        let rest_root = roots
            .into_iter()
            .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
            .map(|(r, _)| r);
        let server_time = a.ctx.server_time.lock().ok().and_then(|t| *t);
        advice.sort_by_key(|(seq, _)| *seq);
        let advice: Vec<crate::advise::Finding> = advice.into_iter().map(|(_, p)| p).collect();
        let recommendations = crate::advise::recommend_findings(&advice, &a.ctx.clock);
        let forecast = forecast.finish();
        let offset = a.ctx.calibrator.any().await;
        let mut warnings = a.walk.warnings;
        if let Some(why) = pages.failure() {
            warnings.push(why.to_owned());
        }
        if uncalibrated > 0 {
            warnings.push(format!(
                "{uncalibrated} page(s) are dated by an approximate cache timestamp (site-local time that could not be calibrated, or minute precision); their ages may be off"
            ));
        }
        let site = a
            .walk
            .site
            .as_ref()
            .map(Url::to_string)
            .or_else(|| a.config.target.origin().map(|o| o.to_string()))
            .unwrap_or_default();
        Report {
            schema: SCHEMA,
            tool_version: env!("CARGO_PKG_VERSION"),
            site,
            rest_root,
            server_time,
            nonce_life_s: u64::try_from(a.ctx.clock.nonce_life_s()).unwrap_or(0),
            started_at: a.started_at,
            finished_at: Utc::now(),
            interrupted: a.interrupted,
            summary,
            pages,
            recommendations,
            sitemaps: a.walk.sitemaps,
            warnings,
            forecast,
            site_utc_offset_s: offset.map(|o| o.0),
            site_utc_offset_source: offset.map(|o| o.1),
            baseline: None,
        }
    }
}
