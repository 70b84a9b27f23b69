//! The result model every report is rendered from.
//!
//! One model, many views (as hyperfine does it): the terminal table, JSON, CSV and the later
//! formats all read these types, so a field added here reaches every format and the JSON schema
//! (`nonce-audit/1`) only ever grows.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::baseline::BaselineDiff;
use crate::cache::CacheInfo;
use crate::extract::FoundNonce;

/// The JSON schema identifier; bumped only if a field is renamed or removed (never, so far).
pub const SCHEMA: &str = "nonce-audit/1";

/// What the audit concluded about one page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The site accepted every REST nonce on the page and they belong to the current tick.
    Fresh,
    /// Accepted, but at least one nonce is from the previous tick: it dies at the next boundary.
    Expiring,
    /// The site rejected a nonce the page carries (403 `rest_cookie_invalid_nonce`).
    Dead,
    /// The page carries no REST nonce, so nothing on it can go stale.
    NoNonce,
    /// The page carries a nonce but the site's answer cannot tell whether it is accepted.
    Unverifiable,
    /// The page itself could not be fetched or read.
    Error,
}

impl Verdict {
    /// All verdicts, in report order (worst first).
    pub const ALL: [Verdict; 6] = [
        Verdict::Dead,
        Verdict::Expiring,
        Verdict::Unverifiable,
        Verdict::Error,
        Verdict::Fresh,
        Verdict::NoNonce,
    ];

    /// The verdict's place in [`Verdict::ALL`] (0 = worst), for sorting and compact storage.
    pub fn rank(self) -> usize {
        Verdict::ALL.iter().position(|x| *x == self).unwrap_or(0)
    }

    /// The stable lower-case name used in every report.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Fresh => "fresh",
            Verdict::Expiring => "expiring",
            Verdict::Dead => "dead",
            Verdict::NoNonce => "no_nonce",
            Verdict::Unverifiable => "unverifiable",
            Verdict::Error => "error",
        }
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which verdicts make the run fail (`--fail-on`), for cron and CI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FailOn {
    /// Fail when a page is dead (the default: visitors are being hurt right now).
    #[default]
    Dead,
    /// Fail on dead or expiring pages.
    Expiring,
    /// Fail on dead, expiring, unverifiable or unfetchable pages.
    Unverifiable,
    /// Never fail on findings (exit 0 whenever the audit ran).
    Never,
    /// Fail only on pages dead now that were not dead in the `--baseline` report, so a nightly
    /// job reports each breakage once instead of every night until the cache is fixed.
    NewDead,
}

impl FailOn {
    /// Whether a page with this verdict counts as a finding at this threshold; `newly_dead` says
    /// whether the page is dead now and was not in the baseline (only [`FailOn::NewDead`] reads
    /// it). Reports decide page by page through [`Threshold`], which knows the baseline.
    pub fn trips(self, v: Verdict, newly_dead: bool) -> bool {
        match self {
            FailOn::Never => false,
            FailOn::NewDead => v == Verdict::Dead && newly_dead,
            FailOn::Dead => v == Verdict::Dead,
            FailOn::Expiring => matches!(v, Verdict::Dead | Verdict::Expiring),
            FailOn::Unverifiable => matches!(
                v,
                Verdict::Dead | Verdict::Expiring | Verdict::Unverifiable | Verdict::Error
            ),
        }
    }

    /// The value as typed on the command line, for messages and report properties.
    pub fn as_str(self) -> &'static str {
        match self {
            FailOn::Dead => "dead",
            FailOn::Expiring => "expiring",
            FailOn::Unverifiable => "unverifiable",
            FailOn::Never => "never",
            FailOn::NewDead => "new-dead",
        }
    }
}

/// `--fail-on` applied to one report: the exit code and the JUnit failures ask it page by page,
/// so both count the same pages. It looks the baseline's newly dead URLs up once, however many
/// pages the report has.
#[derive(Debug, Clone)]
pub struct Threshold<'a> {
    fail_on: FailOn,
    newly_dead: HashSet<&'a str>,
}

impl<'a> Threshold<'a> {
    /// The threshold `fail_on` over `report` (and its baseline section, if any).
    pub fn new(fail_on: FailOn, report: &'a Report) -> Self {
        let newly_dead = report
            .baseline
            .as_ref()
            .map(|b| b.newly_dead.iter().map(String::as_str).collect())
            .unwrap_or_default();
        Self {
            fail_on,
            newly_dead,
        }
    }

    /// The `--fail-on` value.
    pub fn fail_on(&self) -> FailOn {
        self.fail_on
    }

    /// Whether `page` is dead now and was not dead in the baseline (false without a baseline).
    pub fn newly_dead(&self, page: &PageResult) -> bool {
        page.verdict == Verdict::Dead && self.newly_dead.contains(page.url.as_str())
    }

    /// Whether `page` counts as a finding.
    pub fn trips(&self, page: &PageResult) -> bool {
        self.fail_on.trips(page.verdict, self.newly_dead(page))
    }

    /// Whether any page of `report` counts as a finding (the exit code 1).
    pub fn any(&self, report: &Report) -> bool {
        report.pages.iter().any(|p| self.trips(&p))
    }
}

/// Whether a plugin verifies this nonce on a logged-out visitor's request (the pattern table's
/// "checked for guests" column). A nonce that is printed but never checked cannot break anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum GuestCheck {
    /// Verified on the guest path: a stale copy fails the request.
    Yes,
    /// Not verified for guests (or not printed for them at all).
    No,
    /// Not established from source.
    Unknown,
}

/// How much a stale copy of this nonce in a cached page matters (the pattern table's severity column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    /// Sent automatically, checked for guests and not self-healed: the feature breaks.
    WillBreak,
    /// Stale but unchecked, self-healing, or only loses something minor.
    Low,
    /// Not established.
    Unknown,
}

impl Severity {
    /// Stable label for reports: `"will-break"`, `"low"` or `"unknown"`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::WillBreak => "will-break",
            Self::Low => "low",
            Self::Unknown => "unknown",
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the site said about one nonce found on a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NonceState {
    /// Accepted, and the refreshed `X-WP-Nonce` equals it.
    Current,
    /// Accepted, from the previous tick.
    Previous,
    /// Accepted, but the site sent no refreshed `X-WP-Nonce` (WordPress < 4.6): tick unknown.
    AcceptedUnknownTick,
    /// Rejected with 403 `rest_cookie_invalid_nonce`.
    Rejected,
    /// Probed, but the answer proved nothing.
    Unverifiable,
    /// Not probed (not a `wp_rest` nonce, or the REST root could not be used).
    NotProbed,
    /// Not probeable (another plugin's action); by the page's render tick it is still accepted.
    EstimatedLive,
    /// Not probeable (another plugin's action); by the page's render tick it has died.
    EstimatedDead,
}

/// One nonce found on a page, with what the site said about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NonceRow {
    /// The 10-hex nonce.
    pub value: String,
    /// Where on the page it was found (a pattern id such as `wpApiSettings`).
    #[serde(deserialize_with = "crate::rows::de::str")]
    pub source: crate::rows::StaticStr,
    /// The nonce action (`wp_rest`, or another plugin's action, or `unknown`).
    #[serde(deserialize_with = "crate::rows::de::str")]
    pub action: crate::rows::StaticStr,
    /// What the live site said about it.
    pub state: NonceState,
    /// The plugin (or core) that prints it, from the pattern table.
    #[serde(deserialize_with = "crate::rows::de::opt_str")]
    pub plugin: Option<crate::rows::StaticStr>,
    /// How bad a stale copy is: `will-break`, `low` or `unknown`.
    pub severity: Option<Severity>,
    /// Whether guests' requests verify it: `yes`, `no` or `unknown`.
    pub checked_for_guests: Option<GuestCheck>,
    /// Its last accepted second: proved by the probe for `wp_rest` nonces, estimated from the
    /// page's render tick (and the action's own nonce life) for the others.
    pub dies_at: Option<DateTime<Utc>>,
}

impl NonceRow {
    /// A row for a nonce that has not been probed yet, with what the pattern table knows of it.
    pub fn from_found(n: &FoundNonce) -> Self {
        let pattern = crate::extract::pattern_for(n.source);
        Self {
            value: n.value.clone(),
            source: n.source,
            action: n.action,
            state: NonceState::NotProbed,
            plugin: pattern.map(|p| p.plugin),
            severity: pattern.map(|p| p.severity),
            checked_for_guests: pattern.map(|p| p.checked_for_guests),
            dies_at: None,
        }
    }
}

/// The audit's finding for one page: the unit every report is made of.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PageResult {
    /// The page URL as listed in the sitemap.
    pub url: String,
    /// HTTP status of the page fetch (after same-site redirects), if any answer came.
    pub status: Option<u16>,
    /// The verdict.
    pub verdict: Verdict,
    /// Why, in words, for anything but a clean result.
    pub reason: Option<String>,
    /// The nonces found on the page.
    pub nonces: Vec<NonceRow>,
    /// The last second at which the page's nonces are all still accepted (RFC 3339 UTC).
    pub dies_at: Option<DateTime<Utc>>,
    /// Which cache served the page and how old the copy is.
    pub cache: CacheInfo,
    /// The sitemap's `lastmod` for this page, as written there.
    pub lastmod: Option<String>,
    /// The REST root used to verify this page's nonces.
    pub rest_root: Option<String>,
    /// Where the page ended up after redirects, when that differs from `url`.
    pub final_url: Option<String>,
    /// For a dead page: when its nonce died (first rejected second), estimated from the copy's
    /// generation time.
    pub died_at: Option<DateTime<Utc>>,
    /// Things worth knowing about the page that are not its verdict (ESI, optimiser rewrites...).
    pub notes: Vec<String>,
}

impl PageResult {
    /// A row for a page that could not be audited past its fetch.
    pub fn error(url: &str, status: Option<u16>, reason: impl Into<String>) -> Self {
        Self {
            url: url.to_owned(),
            status,
            verdict: Verdict::Error,
            reason: Some(reason.into()),
            nonces: Vec::new(),
            dies_at: None,
            cache: CacheInfo::default(),
            lastmod: None,
            rest_root: None,
            final_url: None,
            died_at: None,
            notes: Vec::new(),
        }
    }
}

/// When a group of cached pages will start serving dead nonces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Forecast {
    /// The last second their nonces are accepted; from the next second on they are dead.
    pub dies_at: DateTime<Utc>,
    /// How many cached pages die then.
    pub pages: u64,
    /// A few of them, for the report.
    pub examples: Vec<String>,
}

/// Counts per verdict, plus the number of REST probes the audit sent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Pages audited.
    pub pages: u64,
    /// Pages whose nonces are all current.
    pub fresh: u64,
    /// Pages with a nonce from the previous tick.
    pub expiring: u64,
    /// Pages with a rejected nonce.
    pub dead: u64,
    /// Pages with no REST nonce.
    pub no_nonce: u64,
    /// Pages whose nonces could not be judged.
    pub unverifiable: u64,
    /// Pages that could not be fetched.
    pub error: u64,
    /// REST requests sent (nonce probes plus control probes).
    pub rest_probes: u64,
}

impl Summary {
    /// Adds one page's verdict to the counts.
    pub fn count(&mut self, v: Verdict) {
        self.pages += 1;
        match v {
            Verdict::Fresh => self.fresh += 1,
            Verdict::Expiring => self.expiring += 1,
            Verdict::Dead => self.dead += 1,
            Verdict::NoNonce => self.no_nonce += 1,
            Verdict::Unverifiable => self.unverifiable += 1,
            Verdict::Error => self.error += 1,
        }
    }

    /// The count for one verdict.
    pub fn get(&self, v: Verdict) -> u64 {
        match v {
            Verdict::Fresh => self.fresh,
            Verdict::Expiring => self.expiring,
            Verdict::Dead => self.dead,
            Verdict::NoNonce => self.no_nonce,
            Verdict::Unverifiable => self.unverifiable,
            Verdict::Error => self.error,
        }
    }
}

/// One sitemap the audit read, and how it was found.
#[derive(Debug, Clone, Serialize)]
pub struct SitemapRow {
    /// The sitemap's final URL (after redirects), or the local file path.
    pub url: String,
    /// How it was found: `argument`, `robots.txt`, `well-known`, `index`, `file`.
    pub found_via: String,
    /// Page URLs it listed (after dedupe and filters, before `--max-pages`).
    pub urls: u64,
    /// What was wrong with it.
    pub warnings: Vec<String>,
}

/// Something the operator should change, with the setting to change and what it would fix.
#[derive(Debug, Clone, Serialize)]
pub struct Recommendation {
    /// The cache layer id the advice is for (`null` when no layer was recognised).
    pub layer: Option<&'static str>,
    /// `ttl`, `exclude`, `esi` or `refresh`.
    pub kind: &'static str,
    /// The layer's own setting (UI path and option key).
    pub setting: String,
    /// The value to set.
    pub value: String,
    /// The URLs (or URL patterns) concerned.
    pub urls: Vec<String>,
    /// Why, in one or two sentences.
    pub why: String,
    /// What it would have changed on this audit, computed from the observed pages.
    pub impact: String,
}

/// The whole audit: what every report format renders.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Always [`SCHEMA`].
    pub schema: &'static str,
    /// nonce-audit's version.
    pub tool_version: &'static str,
    /// The audited site (origin URL).
    pub site: String,
    /// The REST root used (the most common one when pages disagree).
    pub rest_root: Option<String>,
    /// The audited server's clock (its latest `Date` header), RFC 3339 UTC.
    pub server_time: Option<DateTime<Utc>>,
    /// The `nonce_life` the tick arithmetic used, in seconds.
    pub nonce_life_s: u64,
    /// When the audit started, by the local clock.
    pub started_at: DateTime<Utc>,
    /// When it finished, by the local clock.
    pub finished_at: DateTime<Utc>,
    /// Whether the run was interrupted before every page was audited.
    pub interrupted: bool,
    /// Counts per verdict.
    pub summary: Summary,
    /// One row per page, in sitemap order (held by the row store: partly on disk for a big
    /// site).
    pub pages: crate::rows::Rows,
    /// What to change.
    pub recommendations: Vec<Recommendation>,
    /// The sitemaps read.
    pub sitemaps: Vec<SitemapRow>,
    /// Problems that did not stop the audit (bad sitemap entries, skipped hosts...).
    pub warnings: Vec<String>,
    /// When cached pages that are alive now will start serving dead nonces, soonest first.
    pub forecast: Vec<Forecast>,
    /// The site's UTC offset in seconds, when site-local cache timestamps needed it.
    pub site_utc_offset_s: Option<i32>,
    /// How that offset was found (`rest-index` or `cache-busted-page`).
    pub site_utc_offset_source: Option<OffsetSource>,
    /// What changed since the `--baseline` report; `null` without one.
    pub baseline: Option<BaselineDiff>,
}

impl Report {
    /// Every warning of the audit, the site's and each sitemap's (named), in one list for the
    /// formats that print them together.
    pub fn all_warnings(&self) -> Vec<String> {
        self.warnings
            .iter()
            .cloned()
            .chain(self.sitemaps.iter().flat_map(|sm| {
                sm.warnings
                    .iter()
                    .map(move |w| format!("sitemap {}: {w}", sm.url))
            }))
            .collect()
    }
}

/// A site of a `--sites` run that could not be audited at all (what would be exit code 2 alone).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SiteFailure {
    /// The line of the sites file.
    pub site: String,
    /// Why, in one line.
    pub error: String,
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
    /// Always [`crate::baseline::MULTI_SCHEMA`].
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
}

impl MultiReport {
    /// Puts the per-site outcomes together and sums their counts.
    pub fn new(
        started_at: DateTime<Utc>,
        sites: Vec<Report>,
        failed: Vec<SiteFailure>,
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
            schema: crate::baseline::MULTI_SCHEMA,
            tool_version: env!("CARGO_PKG_VERSION"),
            started_at,
            finished_at: Utc::now(),
            interrupted: interrupted || sites.iter().any(|r| r.interrupted),
            summary,
            sites,
            failed,
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

/// How the site's offset was learnt, as the report names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OffsetSource {
    /// The REST index's `gmt_offset` (no page is fetched for it).
    RestIndex,
    /// A cache-busted fetch of a page, its stamp compared with its `Date`.
    CacheBustedPage,
}

/// What the site said about one nonce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeOutcome {
    /// Accepted. `refreshed` is the `X-WP-Nonce` the site sent back (the current tick's nonce).
    Accepted {
        /// The refreshed nonce, absent on WordPress < 4.6.
        refreshed: Option<String>,
        /// The server's clock when it answered.
        server_time: Option<DateTime<Utc>>,
    },
    /// Rejected with 403 `rest_cookie_invalid_nonce`.
    Rejected {
        /// The server's clock when it answered.
        server_time: Option<DateTime<Utc>>,
    },
    /// The answer proves nothing; the reason says what came back.
    Inconclusive {
        /// What came back, for the report.
        reason: String,
        /// The server's clock, if it sent one.
        server_time: Option<DateTime<Utc>>,
    },
}

impl ProbeOutcome {
    /// The server clock reading carried by the answer.
    pub fn server_time(&self) -> Option<DateTime<Utc>> {
        match self {
            ProbeOutcome::Accepted { server_time, .. }
            | ProbeOutcome::Rejected { server_time }
            | ProbeOutcome::Inconclusive { server_time, .. } => *server_time,
        }
    }
}

/// "3 h 12 min", "45 s": ages and lifespans as an operator reads them.
pub fn human_duration(seconds: i64) -> String {
    let s = seconds.unsigned_abs();
    let sign = if seconds < 0 { "-" } else { "" };
    let (d, h, m, sec) = (s / 86_400, s % 86_400 / 3600, s % 3600 / 60, s % 60);
    let text = if d > 0 {
        if h > 0 {
            format!("{d} d {h} h")
        } else {
            format!("{d} d")
        }
    } else if h > 0 {
        if m > 0 {
            format!("{h} h {m} min")
        } else {
            format!("{h} h")
        }
    } else if m > 0 {
        if sec > 0 {
            format!("{m} min {sec} s")
        } else {
            format!("{m} min")
        }
    } else {
        format!("{sec} s")
    };
    format!("{sign}{text}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_an_operator_writes_them() {
        assert_eq!(human_duration(45), "45 s");
        assert_eq!(human_duration(600), "10 min");
        assert_eq!(human_duration(3_725), "1 h 2 min");
        assert_eq!(human_duration(36_000), "10 h");
        assert_eq!(human_duration(90_000), "1 d 1 h");
        assert_eq!(human_duration(-30), "-30 s");
    }

    #[test]
    fn fail_on_thresholds_nest() {
        for newly in [false, true] {
            assert!(FailOn::Dead.trips(Verdict::Dead, newly));
            assert!(!FailOn::Dead.trips(Verdict::Expiring, newly));
            assert!(FailOn::Expiring.trips(Verdict::Expiring, newly));
            assert!(!FailOn::Expiring.trips(Verdict::Unverifiable, newly));
            assert!(FailOn::Unverifiable.trips(Verdict::Unverifiable, newly));
            assert!(FailOn::Unverifiable.trips(Verdict::Error, newly));
            assert!(!FailOn::Unverifiable.trips(Verdict::Fresh, newly));
            assert!(!FailOn::Never.trips(Verdict::Dead, newly));
        }
    }

    #[test]
    fn new_dead_trips_only_pages_that_died_since_the_baseline() {
        assert!(FailOn::NewDead.trips(Verdict::Dead, true));
        assert!(!FailOn::NewDead.trips(Verdict::Dead, false));
        assert!(!FailOn::NewDead.trips(Verdict::Expiring, true));
        assert!(!FailOn::NewDead.trips(Verdict::Error, true));
    }

    #[test]
    fn verdict_names_are_the_schema_names() {
        let names: Vec<_> = Verdict::ALL.iter().map(|v| v.as_str()).collect();
        assert_eq!(
            names,
            [
                "dead",
                "expiring",
                "unverifiable",
                "error",
                "fresh",
                "no_nonce"
            ]
        );
        assert_eq!(
            serde_json::to_string(&Verdict::NoNonce).unwrap(),
            "\"no_nonce\""
        );
    }
}
