//! Fleets: many sites in one run, and one sites file split across machines.
//!
//! Politeness is per host and sites are independent, so a `--sites` run audits several sites at
//! once ([`run`]), each through its own [`crate::audit::run`] with its own fetcher and rate
//! limiter: 500 sites no longer take 500 times one site. The combined report keeps the sites
//! file's order whatever order the audits finish in, and a finished site's page rows move to the
//! run's one spill file ([`FleetRows`]), so memory grows with the sites in flight, not with the
//! sites done.
//!
//! Past one machine, [`shard_of`] splits a sites file by a hash of each site's URL (SHA-256, not
//! std's per-process randomised hasher), so a site stays in its shard on every machine, in every
//! run, and as the list grows: each shard's reports line up with its baselines.

use chrono::Utc;
use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::audit::{AuditConfig, EventSink};
use crate::model::{FleetRows, MultiReport, Report, Shard, SiteFailure};

/// Sites audited at once by default: each site has its own politeness, so this bounds the
/// local work (connections, memory for the pages in flight), not the load on any one host.
pub const DEFAULT_SITE_CONCURRENCY: usize = 8;

/// The environment variable a Kubernetes Indexed Job sets to each pod's index, from 0; read by
/// `--shard auto/N`.
pub const JOB_INDEX_ENV: &str = "JOB_COMPLETION_INDEX";

/// Why a `--shard` value cannot pick a shard.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ShardError {
    /// Not `K/N` or `auto/N`.
    #[error("--shard must look like K/N (e.g. 2/4, K from 1) or auto/N, not {0:?}")]
    Syntax(String),
    /// `N` is 0, or `K` is not in `1..=N`.
    #[error("--shard {index}/{count}: K must be from 1 to N, and N at least 1")]
    OutOfRange {
        /// The `K` given.
        index: u64,
        /// The `N` given.
        count: u64,
    },
    /// `auto/N` without the Indexed Job's variable.
    #[error(
        "--shard auto/{0} reads {JOB_INDEX_ENV} (set by a Kubernetes Indexed Job), which is not set"
    )]
    NoJobIndex(u32),
    /// The variable is not an index below `N`.
    #[error("--shard auto/{count}: {JOB_INDEX_ENV}={value:?} is not an index from 0 to {last}", last = count - 1)]
    BadJobIndex {
        /// The variable's value.
        value: String,
        /// The `N` given.
        count: u32,
    },
}

/// Reads `--shard K/N` (K from 1), or `auto/N`, where `job_index` is the value of
/// [`JOB_INDEX_ENV`] (from 0, as Kubernetes numbers its pods).
pub fn parse_shard(spec: &str, job_index: Option<&str>) -> Result<Shard, ShardError> {
    let syntax = || ShardError::Syntax(spec.to_owned());
    let (k, n) = spec.trim().split_once('/').ok_or_else(syntax)?;
    let n: u64 = n.trim().parse().map_err(|_| syntax())?;
    let k: u64 = if k.trim().eq_ignore_ascii_case("auto") {
        let count = u32::try_from(n).map_err(|_| syntax())?;
        let value = job_index.ok_or(ShardError::NoJobIndex(count))?;
        let bad = || ShardError::BadJobIndex {
            value: value.to_owned(),
            count,
        };
        if count == 0 {
            return Err(ShardError::OutOfRange { index: 0, count: 0 });
        }
        let i: u64 = value.trim().parse().map_err(|_| bad())?;
        if i >= n {
            return Err(bad());
        }
        i + 1
    } else {
        k.trim().parse().map_err(|_| syntax())?
    };
    let range = ShardError::OutOfRange { index: k, count: n };
    if n == 0 || k == 0 || k > n {
        return Err(range);
    }
    match (u32::try_from(k), u32::try_from(n)) {
        (Ok(index), Ok(count)) => Ok(Shard { index, count }),
        _ => Err(range),
    }
}

/// What a sites line hashes as: its URL without credentials (a password changed in the file
/// must not move the site to another shard) and as the URL parser writes it, or the line
/// itself when it is not a URL (it still lands in exactly one shard, where it is reported).
fn shard_key(line: &str) -> String {
    let line = line.trim();
    match url::Url::parse(line) {
        Ok(u) => crate::util::strip_userinfo(&u).to_string(),
        Err(_) => line.to_owned(),
    }
}

/// The shard (from 1) of `count` that a sites line belongs to: the first 8 bytes of the SHA-256
/// of its URL, modulo `count`. It depends on that URL alone, so appending sites moves none.
pub fn shard_of(line: &str, count: u32) -> u32 {
    let digest = Sha256::digest(shard_key(line).as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    let n = u64::from(count.max(1));
    // The remainder is below `count`, a u32.
    u32::try_from(u64::from_be_bytes(first) % n).unwrap_or(0) + 1
}

/// One line of a sites file, checked before any site runs: the site as it may be shown (no
/// password) and its audit, or why the line cannot make one.
#[derive(Debug)]
pub struct FleetSite {
    /// The line with any password taken out.
    pub site: String,
    /// The site's audit, or the reason the line is refused (reported as a failed site).
    pub config: Result<AuditConfig, String>,
}

/// Hears about the sites of a [`run`] as they start and finish (the binary's progress bars).
pub trait FleetWatch: Send + Sync {
    /// Site number `position` (from 0, in file order) starts; its audit's events go to the
    /// sink returned.
    fn started(&self, position: usize, site: &str) -> EventSink;
    /// Site number `position` is done: its report, or why it could not be audited.
    fn finished(&self, position: usize, site: &str, outcome: Result<&Report, &str>);
}

/// A [`FleetWatch`] that hears nothing.
pub struct Unwatched;

impl FleetWatch for Unwatched {
    fn started(&self, _: usize, _: &str) -> EventSink {
        crate::audit::quiet()
    }

    fn finished(&self, _: usize, _: &str, _: Result<&Report, &str>) {}
}

/// How a [`run`] goes: sites at once, the cancel flag, and what to do to each finished report
/// (apply the baseline) before its rows are put away.
pub struct FleetOptions<'a> {
    /// Sites audited at once (at least 1).
    pub concurrency: usize,
    /// Raised on Ctrl-C: no new site starts, those in flight stop as one audit does.
    pub cancel: Option<tokio::sync::watch::Receiver<bool>>,
    /// Called on each site's report as it finishes, before its rows are moved.
    pub finish: &'a (dyn Fn(&mut Report) + Send + Sync),
    /// Page rows of the whole run kept in memory before the rest share one temporary file.
    pub rows_in_memory: usize,
}

impl Default for FleetOptions<'_> {
    fn default() -> Self {
        Self {
            concurrency: DEFAULT_SITE_CONCURRENCY,
            cancel: None,
            finish: &|_| {},
            rows_in_memory: crate::model::rows::SPILL_AFTER,
        }
    }
}

/// Audits `sites`, up to `options.concurrency` at once, and puts their reports together in the
/// order of `sites`. A site that cannot be audited (a refused line, an unreachable host) is a
/// [`SiteFailure`] and the others go on; a slow site holds up no other, since the next site
/// starts as soon as any one finishes.
pub async fn run(
    sites: Vec<FleetSite>,
    options: FleetOptions<'_>,
    watch: &dyn FleetWatch,
) -> MultiReport {
    let started_at = Utc::now();
    let mut outcomes: Vec<Option<Result<Report, SiteFailure>>> =
        std::iter::repeat_with(|| None).take(sites.len()).collect();
    let mut runnable = Vec::new();
    for (i, s) in sites.into_iter().enumerate() {
        match s.config {
            Ok(config) => runnable.push((i, s.site, config)),
            Err(error) => {
                watch.finished(i, &s.site, Err(&error));
                outcomes[i] = Some(Err(SiteFailure {
                    site: s.site,
                    error,
                }));
            }
        }
    }
    let cancel = options.cancel.clone();
    let is_cancelled = move |c: &Option<tokio::sync::watch::Receiver<bool>>| {
        c.as_ref().is_some_and(|rx| *rx.borrow())
    };
    let audits = futures_util::stream::iter(runnable)
        .map(|(i, site, mut config)| {
            let cancel = cancel.clone();
            async move {
                if is_cancelled(&cancel) {
                    return (i, site, None);
                }
                config.walk.cancel = cancel;
                let events = watch.started(i, &site);
                let result = crate::audit::run(&config, events).await;
                (i, site, Some(result))
            }
        })
        .buffer_unordered(options.concurrency.max(1));
    let mut audits = std::pin::pin!(audits);
    let mut store = FleetRows::with_spill_after(options.rows_in_memory);
    let mut interrupted = false;
    while let Some((i, site, result)) = audits.next().await {
        let outcome = match result {
            // Not started: the run was interrupted first.
            None => {
                interrupted = true;
                continue;
            }
            Some(Ok(mut report)) => {
                (options.finish)(&mut report);
                report.pages = store.absorb(std::mem::take(&mut report.pages));
                watch.finished(i, &site, Ok(&report));
                Ok(report)
            }
            Some(Err(e)) => {
                let error = crate::util::redact_userinfo(&e.to_string()).into_owned();
                watch.finished(i, &site, Err(&error));
                Err(SiteFailure { site, error })
            }
        };
        outcomes[i] = Some(outcome);
    }
    if let Some(why) = store.failure() {
        tracing::warn!("{why}");
    }
    MultiReport::in_file_order(started_at, outcomes.into_iter().flatten(), interrupted)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sites(n: usize) -> Vec<String> {
        (0..n)
            .map(|i| format!("https://site-{i}.example/"))
            .collect()
    }

    #[test]
    fn shards_partition_the_list_exactly() {
        let list = sites(500);
        for count in 1..=7u32 {
            let mut seen = vec![0usize; list.len()];
            for index in 1..=count {
                for (i, s) in list.iter().enumerate() {
                    if shard_of(s, count) == index {
                        seen[i] += 1;
                    }
                }
            }
            assert!(seen.iter().all(|&n| n == 1), "N = {count}");
            // Every shard gets a fair part of 500 sites.
            for index in 1..=count {
                let n = list.iter().filter(|s| shard_of(s, count) == index).count();
                assert!(
                    n * usize::try_from(count).unwrap() * 2 > list.len(),
                    "{index}/{count}: {n}"
                );
            }
        }
    }

    #[test]
    fn a_site_keeps_its_shard_when_sites_are_appended() {
        let before = sites(100);
        let after = sites(250);
        for s in &before {
            assert_eq!(
                shard_of(s, 4),
                shard_of(&after[before.iter().position(|x| x == s).unwrap()], 4)
            );
        }
        // The shard depends on the URL, not on a password in it, nor on a missing slash.
        assert_eq!(
            shard_of("https://site-1.example/", 5),
            shard_of("https://user:secret@site-1.example", 5)
        );
    }

    /// The hash is SHA-256, fixed across versions and machines: `sha256sum` gives
    /// `527d4ef383c0949f…` for `https://site-0.example/`, so its shard of N is
    /// 0x527d4ef383c0949f mod N, plus 1 (the values below come from that, computed outside).
    #[test]
    fn the_shard_is_the_sha256_of_the_url() {
        for (n, want) in [(1u32, 1u32), (2, 2), (3, 1), (10, 4), (1000, 464)] {
            assert_eq!(shard_of("https://site-0.example/", n), want, "N = {n}");
        }
    }

    #[test]
    fn shard_specs_read_k_of_n_and_the_job_index() {
        assert_eq!(parse_shard("2/4", None), Ok(Shard { index: 2, count: 4 }));
        assert_eq!(parse_shard(" 1/1 ", None), Ok(Shard { index: 1, count: 1 }));
        assert_eq!(
            parse_shard("auto/4", Some("0")),
            Ok(Shard { index: 1, count: 4 })
        );
        assert_eq!(
            parse_shard("auto/4", Some("3")),
            Ok(Shard { index: 4, count: 4 })
        );
        assert!(matches!(
            parse_shard("auto/4", Some("4")),
            Err(ShardError::BadJobIndex { .. })
        ));
        assert!(matches!(
            parse_shard("auto/4", Some("x")),
            Err(ShardError::BadJobIndex { .. })
        ));
        assert_eq!(parse_shard("auto/4", None), Err(ShardError::NoJobIndex(4)));
        assert!(matches!(
            parse_shard("0/4", None),
            Err(ShardError::OutOfRange { .. })
        ));
        assert!(matches!(
            parse_shard("5/4", None),
            Err(ShardError::OutOfRange { .. })
        ));
        assert!(matches!(
            parse_shard("1/0", None),
            Err(ShardError::OutOfRange { .. })
        ));
        assert!(matches!(parse_shard("2", None), Err(ShardError::Syntax(_))));
        assert!(matches!(
            parse_shard("a/b", None),
            Err(ShardError::Syntax(_))
        ));
        let msg = parse_shard("auto/3", Some("7")).unwrap_err().to_string();
        assert!(
            msg.contains("JOB_COMPLETION_INDEX") && msg.contains("0 to 2"),
            "{msg}"
        );
    }
}
