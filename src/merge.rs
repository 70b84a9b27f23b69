//! Putting JSON reports back together (`nonce-audit merge a.json b.json …`).
//!
//! A fleet split across a CI matrix or a Kubernetes Indexed Job (`--shard K/N`) leaves one
//! report per shard; separate runs leave one per site. This module reads those `nonce-audit/1`
//! and `nonce-audit-multi/1` files back into the report model, complete (pages, advice,
//! sitemaps, forecast), so the merged run renders in every format exactly as one run over all
//! the sites would. Each file is read as a stream: its page rows go to the row store as they
//! are parsed, so a large report is never held whole. Their `baseline` sections are left out:
//! `merge --baseline` compares the merged result afresh.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde::de::{Deserializer, SeqAccess, Visitor};
use thiserror::Error;

use crate::model::{
    Cause, FleetRows, Forecast, MULTI_SCHEMA, MultiReport, OffsetSource, PageResult,
    Recommendation, RecommendationKind, Report, RowSink, Rows, SCHEMA, SiteFailure, SitemapRow,
    Summary,
};

/// Why reports cannot be merged (the binary exits 2 with this one line).
#[derive(Debug, Error)]
pub enum MergeError {
    /// The file cannot be read.
    #[error("cannot read {file}: {why}")]
    Read {
        /// The file as given.
        file: String,
        /// The system's reason.
        why: String,
    },
    /// Not JSON, or JSON that is not a report this version writes.
    #[error("{file} is not a nonce-audit JSON report ({why})")]
    NotAReport {
        /// The file as given.
        file: String,
        /// What is missing or unexpected.
        why: String,
    },
    /// Two reports audited with different `--nonce-life`: their verdicts do not add up.
    #[error(
        "{file} audited {site} with a nonce life of {life} s, but {first_file} used {first_life} s: reports of one merge must share --nonce-life"
    )]
    MixedNonceLife {
        /// The file with the other life.
        file: String,
        /// Its site.
        site: String,
        /// Its nonce life in seconds.
        life: u64,
        /// The first file read.
        first_file: String,
        /// The nonce life there.
        first_life: u64,
    },
    /// The same site in two reports (overlapping shards, or a run given twice).
    #[error("{site} is in both {first_file} and {file}: give each site's report once")]
    Duplicate {
        /// The site.
        site: String,
        /// The first file holding it.
        first_file: String,
        /// The second.
        file: String,
    },
    /// No file given.
    #[error("give at least one JSON report to merge")]
    Nothing,
}

/// The `pages` array of a report, parsed one row at a time into the row store.
struct PagesIn(Rows);

impl<'de> Deserialize<'de> for PagesIn {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Rows_;
        impl<'de> Visitor<'de> for Rows_ {
            type Value = PagesIn;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array of page rows")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<PagesIn, A::Error> {
                let mut sink = RowSink::default();
                let mut seq_no = 0u64;
                while let Some(row) = seq.next_element::<PageResult>()? {
                    sink.put(seq_no, row);
                    seq_no += 1;
                }
                Ok(PagesIn(sink.finish()))
            }
        }
        d.deserialize_seq(Rows_)
    }
}

/// A recommendation as the JSON has it: its layer is the id of a known cache layer.
#[derive(Deserialize)]
struct RecommendationIn {
    layer: Option<String>,
    kind: RecommendationKind,
    #[serde(default)]
    setting: String,
    #[serde(default)]
    value: String,
    #[serde(default)]
    urls: Vec<String>,
    #[serde(default)]
    why: String,
    #[serde(default)]
    impact: String,
    #[serde(default)]
    cause: Option<Cause>,
}

impl RecommendationIn {
    fn into_model(self) -> Recommendation {
        // The model names layers by the table's own ids; one this version does not know
        // (a newer report) reads as no layer rather than failing the merge.
        let layer = self.layer.and_then(|id| {
            crate::cache::table::LAYERS
                .iter()
                .find(|l| l.id == id)
                .map(|l| l.id)
        });
        Recommendation {
            layer,
            kind: self.kind,
            setting: self.setting,
            value: self.value,
            urls: self.urls,
            why: self.why,
            impact: self.impact,
            cause: self.cause,
        }
    }
}

/// One site's report as the JSON has it, or (with `sites`) a multi-site file: the two
/// schemas share their top-level names where they overlap, so one pass reads either.
#[derive(Deserialize)]
struct FileIn {
    schema: Option<String>,
    site: Option<String>,
    rest_root: Option<String>,
    server_time: Option<DateTime<Utc>>,
    #[serde(default)]
    nonce_life_s: u64,
    started_at: Option<DateTime<Utc>>,
    finished_at: Option<DateTime<Utc>>,
    #[serde(default)]
    interrupted: bool,
    #[serde(default)]
    summary: Summary,
    pages: Option<PagesIn>,
    #[serde(default)]
    recommendations: Vec<RecommendationIn>,
    #[serde(default)]
    sitemaps: Vec<SitemapRow>,
    #[serde(default)]
    warnings: Vec<String>,
    #[serde(default)]
    forecast: Vec<Forecast>,
    site_utc_offset_s: Option<i32>,
    site_utc_offset_source: Option<OffsetSource>,
    sites: Option<Vec<FileIn>>,
    #[serde(default)]
    failed: Vec<SiteFailure>,
}

impl FileIn {
    fn into_report(self, file: &str) -> Result<Report, MergeError> {
        let not_a_report = |why: &str| MergeError::NotAReport {
            file: file.to_owned(),
            why: why.to_owned(),
        };
        if self.schema.as_deref() != Some(SCHEMA) {
            return Err(not_a_report("a site's report without schema nonce-audit/1"));
        }
        let site = self
            .site
            .ok_or_else(|| not_a_report("a report without \"site\""))?;
        let pages = self
            .pages
            .ok_or_else(|| not_a_report("a report without \"pages\""))?;
        Ok(Report {
            site,
            rest_root: self.rest_root,
            server_time: self.server_time,
            nonce_life_s: self.nonce_life_s,
            started_at: self.started_at.unwrap_or(DateTime::UNIX_EPOCH),
            finished_at: self.finished_at.unwrap_or(DateTime::UNIX_EPOCH),
            interrupted: self.interrupted,
            summary: self.summary,
            pages: pages.0,
            recommendations: self
                .recommendations
                .into_iter()
                .map(RecommendationIn::into_model)
                .collect(),
            sitemaps: self.sitemaps,
            warnings: self.warnings,
            forecast: self.forecast,
            site_utc_offset_s: self.site_utc_offset_s,
            site_utc_offset_source: self.site_utc_offset_source,
            baseline: None,
            ..Report::default()
        })
    }
}

/// What one file holds: its sites in its order (audited, then those that failed), and
/// whether its run was interrupted.
pub type FileReports = (Vec<Result<Report, SiteFailure>>, bool);

/// Reads one JSON report file (see [`FileReports`]).
pub fn read_file(path: &Path) -> Result<FileReports, MergeError> {
    let file = path.display().to_string();
    let f = std::fs::File::open(path).map_err(|e| MergeError::Read {
        file: file.clone(),
        why: e.to_string(),
    })?;
    let parsed: FileIn = serde_json::from_reader(std::io::BufReader::new(f)).map_err(|e| {
        MergeError::NotAReport {
            file: file.clone(),
            why: e.to_string(),
        }
    })?;
    match parsed.schema.as_deref() {
        Some(SCHEMA) => {
            let interrupted = parsed.interrupted;
            Ok((vec![Ok(parsed.into_report(&file)?)], interrupted))
        }
        Some(MULTI_SCHEMA) => {
            let sites = parsed.sites.ok_or_else(|| MergeError::NotAReport {
                file: file.clone(),
                why: "a multi-site report without \"sites\"".to_owned(),
            })?;
            let mut out = Vec::with_capacity(sites.len() + parsed.failed.len());
            for (i, s) in sites.into_iter().enumerate() {
                let r = s.into_report(&file).map_err(|e| match e {
                    MergeError::NotAReport { file, why } => MergeError::NotAReport {
                        file,
                        why: format!("sites[{i}]: {why}"),
                    },
                    other => other,
                })?;
                out.push(Ok(r));
            }
            out.extend(parsed.failed.into_iter().map(Err));
            Ok((out, parsed.interrupted))
        }
        Some(other) => Err(MergeError::NotAReport {
            file,
            why: format!("schema \"{other}\"; this version reads {SCHEMA} and {MULTI_SCHEMA}"),
        }),
        None => Err(MergeError::NotAReport {
            file,
            why: "no \"schema\" key".to_owned(),
        }),
    }
}

/// Merges the reports in `files` into one multi-site report, in the order given (and each
/// file's own order), calling `finish` on each site's report before its rows are put away
/// (the binary applies `--baseline` there). Refuses a file that is not a report, reports of
/// different nonce lives, and a site given twice.
pub fn merge(
    files: &[impl AsRef<Path>],
    finish: &dyn Fn(&mut Report),
) -> Result<MultiReport, MergeError> {
    if files.is_empty() {
        return Err(MergeError::Nothing);
    }
    let mut store = FleetRows::default();
    let mut outcomes = Vec::new();
    let mut seen: HashMap<String, String> = HashMap::new();
    let mut life: Option<(u64, String)> = None;
    let (mut started, mut finished): (Option<DateTime<Utc>>, Option<DateTime<Utc>>) = (None, None);
    let mut interrupted = false;
    for path in files {
        let path = path.as_ref();
        let file = path.display().to_string();
        let (reports, file_interrupted) = read_file(path)?;
        interrupted |= file_interrupted;
        for outcome in reports {
            let site = match &outcome {
                Ok(r) => r.site.clone(),
                Err(f) => f.site.clone(),
            };
            let key = site.trim_end_matches('/').to_ascii_lowercase();
            if let Some(first_file) = seen.insert(key, file.clone()) {
                return Err(MergeError::Duplicate {
                    site,
                    first_file,
                    file,
                });
            }
            let Ok(mut report) = outcome else {
                outcomes.push(outcome);
                continue;
            };
            match &life {
                None => life = Some((report.nonce_life_s, file.clone())),
                Some((first_life, first_file)) if *first_life != report.nonce_life_s => {
                    return Err(MergeError::MixedNonceLife {
                        file,
                        site,
                        life: report.nonce_life_s,
                        first_file: first_file.clone(),
                        first_life: *first_life,
                    });
                }
                Some(_) => {}
            }
            started = Some(started.map_or(report.started_at, |s| s.min(report.started_at)));
            finished = Some(finished.map_or(report.finished_at, |f| f.max(report.finished_at)));
            interrupted |= report.interrupted;
            finish(&mut report);
            report.pages = store.absorb(std::mem::take(&mut report.pages));
            outcomes.push(Ok(report));
        }
    }
    let mut multi =
        MultiReport::in_file_order(started.unwrap_or_else(Utc::now), outcomes, interrupted);
    if let Some(f) = finished {
        multi.finished_at = f;
    }
    Ok(multi)
}
