//! Several sites in one run (`--sites`): one full report per site, plus the ones that failed.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{FailOn, Report, Summary, Threshold};

/// The schema identifier of a multi-site report.
pub const MULTI_SCHEMA: &str = "nonce-audit-multi/1";

/// A site of a `--sites` run that could not be audited at all (what would be exit code 2 alone).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteFailure {
    /// The line of the sites file.
    pub site: String,
    /// Why, in one line.
    pub error: String,
}

/// Which part of a sites file a sharded run (`--shard K/N`) audited: the sites whose URL hashes
/// to shard `index` of `count`. Several machines each run one shard and `merge` puts their
/// reports back together, so every report says which part it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// The shard, from 1.
    pub index: u32,
    /// How many shards the sites file is split into.
    pub count: u32,
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// One site of a multi-site run in the order of the sites file: audited, or not.
#[derive(Debug, Clone, Copy)]
pub enum SiteOutcome<'a> {
    /// The site's report.
    Audited(&'a Report),
    /// Why it could not be audited.
    Failed(&'a SiteFailure),
}

/// The combined counts of a `--sites` run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MultiSummary {
    /// Sites listed (audited or not).
    pub sites: u64,
    /// Sites that could not be audited.
    pub sites_failed: u64,
    /// The per-verdict page counts and REST probes, summed over the audited sites.
    #[serde(flatten)]
    pub pages: Summary,
    /// Pages newly dead since the baseline, summed; `null` without `--baseline`.
    pub newly_dead: Option<u64>,
}

/// Several sites audited in one run (`--sites FILE`): one full report per site, so each
/// element of `sites` reads exactly like a single-site `nonce-audit/1` report, plus the sites
/// that could not be audited and the combined counts.
#[derive(Debug, Clone, Serialize)]
pub struct MultiReport {
    /// Always [`MULTI_SCHEMA`].
    pub schema: &'static str,
    /// nonce-audit's version.
    pub tool_version: &'static str,
    /// When the first audit started, by the local clock.
    pub started_at: DateTime<Utc>,
    /// When the last one finished.
    pub finished_at: DateTime<Utc>,
    /// Whether the run was interrupted (the sites not reached are neither audited nor failed).
    pub interrupted: bool,
    /// Combined counts.
    pub summary: MultiSummary,
    /// One report per audited site, in the order of the sites file.
    pub sites: Vec<Report>,
    /// The sites that could not be audited, in the order of the sites file.
    pub failed: Vec<SiteFailure>,
    /// The part of the sites file this run audited (`--shard`); `null` for the whole file.
    pub shard: Option<Shard>,
    /// The sites file's order across `sites` and `failed`: `true` takes the next audited
    /// site, `false` the next failed one. The JSON keeps the two lists apart (its schema);
    /// the other formats list the sites as the file does.
    #[serde(skip)]
    order: Vec<bool>,
}

impl MultiReport {
    /// Puts the per-site outcomes together and sums their counts: the audited sites first,
    /// then the failed ones (see [`MultiReport::in_order`] for a file's order).
    pub fn new(
        started_at: DateTime<Utc>,
        sites: Vec<Report>,
        failed: Vec<SiteFailure>,
        interrupted: bool,
    ) -> Self {
        let order = std::iter::repeat_n(true, sites.len())
            .chain(std::iter::repeat_n(false, failed.len()))
            .collect();
        Self::from_parts(started_at, sites, failed, order, interrupted)
    }

    /// Puts the outcomes of a run together in the order of its sites file, and sums their
    /// counts.
    pub fn in_file_order(
        started_at: DateTime<Utc>,
        outcomes: impl IntoIterator<Item = Result<Report, SiteFailure>>,
        interrupted: bool,
    ) -> Self {
        let (mut sites, mut failed, mut order) = (Vec::new(), Vec::new(), Vec::new());
        for o in outcomes {
            match o {
                Ok(r) => {
                    sites.push(r);
                    order.push(true);
                }
                Err(f) => {
                    failed.push(f);
                    order.push(false);
                }
            }
        }
        Self::from_parts(started_at, sites, failed, order, interrupted)
    }

    /// The sites in the order of the sites file, audited and failed alike.
    pub fn in_order(&self) -> impl Iterator<Item = SiteOutcome<'_>> {
        let (mut a, mut f) = (self.sites.iter(), self.failed.iter());
        let mut order = self.order.iter();
        std::iter::from_fn(move || {
            match order.next() {
                Some(true) => a.next().map(SiteOutcome::Audited),
                Some(false) => f.next().map(SiteOutcome::Failed),
                // Lists changed after construction: the rest in list order.
                None => a
                    .next()
                    .map(SiteOutcome::Audited)
                    .or_else(|| f.next().map(SiteOutcome::Failed)),
            }
        })
    }

    fn from_parts(
        started_at: DateTime<Utc>,
        sites: Vec<Report>,
        failed: Vec<SiteFailure>,
        order: Vec<bool>,
        interrupted: bool,
    ) -> Self {
        let mut summary = MultiSummary {
            sites: (sites.len() + failed.len()) as u64,
            sites_failed: failed.len() as u64,
            ..MultiSummary::default()
        };
        for r in &sites {
            let (t, s) = (&mut summary.pages, &r.summary);
            t.pages += s.pages;
            t.fresh += s.fresh;
            t.expiring += s.expiring;
            t.dead += s.dead;
            t.no_nonce += s.no_nonce;
            t.unverifiable += s.unverifiable;
            t.error += s.error;
            t.rest_probes += s.rest_probes;
            if let Some(b) = &r.baseline {
                *summary.newly_dead.get_or_insert(0) += b.newly_dead.len() as u64;
            }
        }
        Self {
            schema: MULTI_SCHEMA,
            tool_version: env!("CARGO_PKG_VERSION"),
            started_at,
            finished_at: Utc::now(),
            interrupted: interrupted || sites.iter().any(|r| r.interrupted),
            summary,
            sites,
            failed,
            shard: None,
            order,
        }
    }

    /// Whether the run counts as having findings at `fail_on`: a page of any site trips it, or
    /// a site could not be audited and `fail_on` is `unverifiable` (a site that cannot be
    /// audited is the site-level `error`).
    pub fn failing(&self, fail_on: FailOn) -> bool {
        self.sites.iter().any(|r| Threshold::new(fail_on, r).any(r))
            || (!self.failed.is_empty() && fail_on == FailOn::Unverifiable)
    }

    /// Whether no site could be audited at all (the exit code 2).
    pub fn all_failed(&self) -> bool {
        self.sites.is_empty() && !self.failed.is_empty()
    }
}
