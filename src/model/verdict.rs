//! Verdicts, and the threshold that turns them into an exit code.
//!
//! A verdict is the one word an operator reads first; its order (worst first) is the order of
//! every report, and `--fail-on` picks how bad a page must be to fail a scheduled run.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::{PageResult, Report};

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
    /// Fail when a page is dead, or could not be audited at all (`error`: unreachable, refused,
    /// TLS), so an outage is never a green night (the default: visitors are being hurt now).
    #[default]
    Dead,
    /// Fail on dead, expiring or unfetchable pages.
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
            // A page that could not be audited (unreachable, refused) is never a green page.
            FailOn::Dead => matches!(v, Verdict::Dead | Verdict::Error),
            FailOn::Expiring => matches!(v, Verdict::Dead | Verdict::Expiring | Verdict::Error),
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

    /// Whether `page` is dead now and was not dead in the baseline (false without a baseline).
    pub fn newly_dead(&self, page: &PageResult) -> bool {
        page.verdict == Verdict::Dead && self.newly_dead.contains(page.url.as_str())
    }

    /// Whether `page` counts as a finding. A private copy (a logged-in render in the cache)
    /// always does, short of `never`: it hands one user's page to every guest, whatever its
    /// nonces say.
    pub fn trips(&self, page: &PageResult) -> bool {
        self.fail_on.trips(page.verdict, self.newly_dead(page))
            || (page.private_copy && self.fail_on != FailOn::Never)
    }

    /// Whether any page of `report` counts as a finding (the exit code 1).
    pub fn any(&self, report: &Report) -> bool {
        report.pages.iter().any(|p| self.trips(&p))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fail_on_thresholds_nest() {
        for newly in [false, true] {
            assert!(FailOn::Dead.trips(Verdict::Dead, newly));
            assert!(!FailOn::Dead.trips(Verdict::Expiring, newly));
            assert!(FailOn::Dead.trips(Verdict::Error, newly));
            assert!(FailOn::Expiring.trips(Verdict::Error, newly));
            assert!(!FailOn::Dead.trips(Verdict::Unverifiable, newly));
            assert!(FailOn::Expiring.trips(Verdict::Expiring, newly));
            assert!(!FailOn::Expiring.trips(Verdict::Unverifiable, newly));
            assert!(FailOn::Unverifiable.trips(Verdict::Unverifiable, newly));
            assert!(FailOn::Unverifiable.trips(Verdict::Error, newly));
            assert!(!FailOn::Unverifiable.trips(Verdict::Fresh, newly));
            assert!(!FailOn::Never.trips(Verdict::Dead, newly));
        }
    }

    #[test]
    fn a_private_copy_is_a_finding_whatever_its_verdict_short_of_never() {
        let report = crate::model::Report {
            tool_version: "test",
            site: "https://ex.com".to_owned(),
            nonce_life_s: 86_400,
            ..crate::model::Report::default()
        };
        let mut p = PageResult::error("https://ex.com/a/", Some(200), "x");
        p.verdict = Verdict::NoNonce;
        assert!(!Threshold::new(FailOn::Dead, &report).trips(&p));
        p.private_copy = true;
        for f in [
            FailOn::Dead,
            FailOn::Expiring,
            FailOn::Unverifiable,
            FailOn::NewDead,
        ] {
            assert!(Threshold::new(f, &report).trips(&p), "{f:?}");
        }
        assert!(!Threshold::new(FailOn::Never, &report).trips(&p));
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
