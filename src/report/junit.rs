//! The JUnit XML report, so a CI server shows dead pages as failed tests.
//!
//! Each audited page is one test case. Its identity (`classname` = the site's host, `name` = the
//! URL) never depends on the verdict, so a CI server's test history follows a page from run to
//! run and can say "this page started failing in build 41". The failures are the pages the
//! exit code counts (`--fail-on`), plus dead pages whatever the threshold, since a dead page is
//! broken for visitors right now; pages that could not be fetched are errors, not failures, as a
//! crashed test is in any JUnit report.

use std::fmt::Write;

use std::collections::HashMap;

use crate::model::{BaselineDiff, Change};
use crate::model::{FailOn, NonceState, PageResult, Report, Threshold, Verdict};
use crate::report::markup::escape;

/// What one page becomes in JUnit terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseOutcome {
    /// The page passes with nothing to say.
    Pass,
    /// The page passes, with a note for `<system-out>` (a finding below `--fail-on`).
    PassWithNote(String),
    /// A `<failure>`: the page is dead, or at or above `--fail-on`.
    Failure,
    /// An `<error>`: the page could not be audited.
    Error,
}

fn state_name(s: NonceState) -> &'static str {
    match s {
        NonceState::Current => "current",
        NonceState::Previous => "previous",
        NonceState::AcceptedUnknownTick => "accepted_unknown_tick",
        NonceState::Rejected => "rejected",
        NonceState::Unverifiable => "unverifiable",
        NonceState::NotProbed => "not_probed",
        NonceState::EstimatedLive => "estimated_live",
        NonceState::EstimatedDead => "estimated_dead",
    }
}

/// How a page with this verdict is reported at this threshold; `newly_dead` says whether the
/// page died since the `--baseline` report (for `--fail-on new-dead`). Public so that the exit
/// code and this report can be checked against each other.
pub fn outcome(p: &PageResult, fail_on: FailOn, newly_dead: bool) -> CaseOutcome {
    match p.verdict {
        Verdict::Error => CaseOutcome::Error,
        Verdict::Dead => CaseOutcome::Failure,
        // A logged-in render in a shared cache leaks a user's page to everyone.
        _ if p.private_copy => CaseOutcome::Failure,
        v if fail_on.trips(v, newly_dead) => CaseOutcome::Failure,
        Verdict::Expiring | Verdict::Unverifiable => CaseOutcome::PassWithNote(format!(
            "{}: {} (below --fail-on {}, so not a failure)",
            p.verdict,
            message(p),
            fail_on.as_str()
        )),
        Verdict::Fresh | Verdict::NoNonce => CaseOutcome::Pass,
    }
}

/// The one-line message of a finding: the audit's reason, or when the nonce dies.
fn message(p: &PageResult) -> String {
    if let Some(r) = &p.reason {
        return r.clone();
    }
    match p.dies_at {
        Some(d) => format!("dies after {}", d.format("%Y-%m-%d %H:%M:%S UTC")),
        None => p.verdict.to_string(),
    }
}

/// The details of a page, one `key: value` per line, for the body of a failure or error.
fn details(p: &PageResult) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "verdict: {}", p.verdict);
    if let Some(r) = &p.reason {
        let _ = writeln!(out, "reason: {r}");
    }
    if let Some(s) = p.status {
        let _ = writeln!(out, "status: {s}");
    }
    if let Some(d) = p.dies_at {
        let _ = writeln!(out, "dies_at: {}", d.to_rfc3339());
    }
    let age = super::age_text(p)
        .map(|a| format!(", {a} old"))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "cache: {}{age}",
        super::cache_layer_text(p, "none seen")
    );
    for n in &p.nonces {
        let _ = writeln!(
            out,
            "nonce: {} ({}, {}): {}",
            n.value,
            n.action,
            n.source,
            state_name(n.state)
        );
    }
    if let Some(r) = &p.rest_root {
        let _ = writeln!(out, "rest_root: {r}");
    }
    if let Some(f) = &p.final_url {
        let _ = writeln!(out, "final_url: {f}");
    }
    out
}

/// The host of the audited site, the `classname` of every test case.
fn host(report: &Report) -> String {
    url::Url::parse(&report.site)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_else(|| report.site.clone())
}

/// What a page's change since the baseline says in its `<system-out>`.
fn change_note(
    p: &PageResult,
    change: Option<Change>,
    diff: Option<&BaselineDiff>,
) -> Option<String> {
    let file = diff.map_or("", |d| d.file.as_str());
    match change? {
        Change::NewlyDead => Some(format!("newly dead since the baseline {file}")),
        Change::Recovered => Some(format!(
            "recovered since the baseline {file}: dead then, {} now",
            p.verdict
        )),
        Change::LayerChanged => {
            let c = diff?.layer_changed.iter().find(|c| c.url == p.url)?;
            Some(format!(
                "cache layer changed since the baseline {file}: {} → {}",
                c.from.as_deref().unwrap_or("none"),
                c.to.as_deref().unwrap_or("none")
            ))
        }
    }
}

fn duration_text(report: &Report) -> String {
    let millis = (report.finished_at - report.started_at)
        .num_milliseconds()
        .max(0);
    format!("{}.{:03}", millis / 1000, millis % 1000)
}

/// Counts of one `<testsuite>`: tests, failures, errors.
struct Counts {
    tests: usize,
    failures: usize,
    errors: usize,
}

fn document(suites: &str, counts: &Counts, time: &str) -> String {
    document_named(suites, counts, time, "nonce-audit")
}

/// [`document`] with the `<testsuites>` name (a sharded run names its shard there).
fn document_named(suites: &str, counts: &Counts, time: &str, name: &str) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" time=\"{time}\">",
        escape(name),
        counts.tests,
        counts.failures,
        counts.errors
    );
    out.push_str(suites);
    let _ = writeln!(out, "</testsuites>");
    out
}

/// Renders the report as JUnit XML; `fail_on` decides which findings besides dead pages fail.
pub fn render(report: &Report, fail_on: FailOn) -> String {
    let mut suite = String::new();
    let counts = testsuite(&mut suite, report, fail_on);
    document(&suite, &counts, &duration_text(report))
}

/// Renders a multi-site run: one `<testsuite>` per site; a site that could not be audited is a
/// suite with one test case in error, so a CI server shows it instead of silently dropping it.
pub fn render_multi(multi: &crate::model::MultiReport, fail_on: FailOn) -> String {
    let mut suites = String::new();
    let mut total = Counts {
        tests: 0,
        failures: 0,
        errors: 0,
    };
    let timestamp = multi.started_at.format("%Y-%m-%dT%H:%M:%S");
    for outcome in multi.in_order() {
        let f = match outcome {
            crate::model::SiteOutcome::Audited(report) => {
                let c = testsuite(&mut suites, report, fail_on);
                total.tests += c.tests;
                total.failures += c.failures;
                total.errors += c.errors;
                continue;
            }
            crate::model::SiteOutcome::Failed(f) => f,
        };
        let site = escape(&f.site);
        let _ = writeln!(
            suites,
            "  <testsuite name=\"{site}\" tests=\"1\" failures=\"0\" errors=\"1\" skipped=\"0\" timestamp=\"{timestamp}\" time=\"0.000\">"
        );
        let _ = writeln!(
            suites,
            "    <testcase classname=\"{site}\" name=\"audit\" time=\"0\">\n      <error message=\"{}\" type=\"site\">{}</error>\n    </testcase>",
            escape(&f.error),
            escape(&f.error)
        );
        let _ = writeln!(suites, "  </testsuite>");
        total.tests += 1;
        total.errors += 1;
    }
    let millis = (multi.finished_at - multi.started_at)
        .num_milliseconds()
        .max(0);
    let time = format!("{}.{:03}", millis / 1000, millis % 1000);
    let name = match multi.shard {
        Some(shard) => format!("nonce-audit shard {shard}"),
        None => "nonce-audit".to_owned(),
    };
    document_named(&suites, &total, &time, &name)
}

/// Writes one site's `<testsuite>` and returns its counts.
fn testsuite(out: &mut String, report: &Report, fail_on: FailOn) -> Counts {
    let threshold = Threshold::new(fail_on, report);
    let outcomes: Vec<CaseOutcome> = report
        .pages
        .iter()
        .map(|p| outcome(&p, fail_on, threshold.newly_dead(&p)))
        .collect();
    let failures = outcomes
        .iter()
        .filter(|o| **o == CaseOutcome::Failure)
        .count();
    let errors = outcomes
        .iter()
        .filter(|o| **o == CaseOutcome::Error)
        .count();
    let tests = report.pages.len();
    let time = duration_text(report);
    let timestamp = report.started_at.format("%Y-%m-%dT%H:%M:%S");
    let host = escape(&host(report));
    let diff = report.baseline.as_ref();
    let changes: HashMap<&str, Change> = diff.map(BaselineDiff::changes).unwrap_or_default();

    let _ = writeln!(
        out,
        "  <testsuite name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"0\" timestamp=\"{timestamp}\" time=\"{time}\" hostname=\"{host}\">",
        escape(&report.site)
    );
    let _ = writeln!(out, "    <properties>");
    let mut property = |name: &str, value: &str| {
        let _ = writeln!(
            out,
            "      <property name=\"{name}\" value=\"{}\"/>",
            escape(value)
        );
    };
    property("fail_on", fail_on.as_str());
    property("tool_version", report.tool_version);
    property("nonce_life_s", &report.nonce_life_s.to_string());
    if let Some(t) = report.server_time {
        property("server_time", &t.to_rfc3339());
    }
    if let Some(r) = &report.rest_root {
        property("rest_root", r);
    }
    property("rest_probes", &report.summary.rest_probes.to_string());
    for v in Verdict::ALL {
        property(&format!("pages_{v}"), &report.summary.get(v).to_string());
    }
    if report.interrupted {
        property("interrupted", "true");
    }
    if let Some(d) = diff {
        property("baseline_file", &d.file);
        if let Some(site) = &d.site {
            property("baseline_site", site);
        }
        if let Some(t) = d.generated_at {
            property("baseline_generated_at", &t.to_rfc3339());
        }
        if let Some(t) = d.server_time {
            property("baseline_server_time", &t.to_rfc3339());
        }
        property("baseline_newly_dead", &d.newly_dead.len().to_string());
        property("baseline_recovered", &d.recovered.len().to_string());
        property("baseline_layer_changed", &d.layer_changed.len().to_string());
        property("baseline_added", &d.added.to_string());
        property("baseline_removed", &d.removed.to_string());
    }
    let _ = writeln!(out, "    </properties>");

    // Private copies (a logged-in render served to guests) first, then sitemap order.
    let private = report
        .pages
        .iter()
        .zip(&outcomes)
        .filter(|(p, _)| p.private_copy);
    let public = report
        .pages
        .iter()
        .zip(&outcomes)
        .filter(|(p, _)| !p.private_copy);
    for (p, o) in private.chain(public) {
        let open = format!(
            "    <testcase classname=\"{host}\" name=\"{}\" time=\"0\"",
            escape(&p.url)
        );
        let change = change_note(&p, changes.get(p.url.as_str()).copied(), diff);
        let mut notes: Vec<String> = Vec::new();
        if let CaseOutcome::PassWithNote(note) = o {
            notes.push(note.clone());
        }
        notes.extend(change);
        if *o == CaseOutcome::Pass && notes.is_empty() {
            let _ = writeln!(out, "{open}/>");
            continue;
        }
        let _ = writeln!(out, "{open}>");
        if matches!(o, CaseOutcome::Failure | CaseOutcome::Error) {
            let tag = if *o == CaseOutcome::Error {
                "error"
            } else {
                "failure"
            };
            let _ = writeln!(
                out,
                "      <{tag} message=\"{}\" type=\"{}\">{}</{tag}>",
                escape(&message(&p)),
                p.verdict,
                escape(&details(&p))
            );
        }
        if !notes.is_empty() {
            let _ = writeln!(
                out,
                "      <system-out>{}</system-out>",
                escape(&notes.join("\n"))
            );
        }
        let _ = writeln!(out, "    </testcase>");
    }
    let _ = writeln!(out, "  </testsuite>");
    Counts {
        tests,
        failures,
        errors,
    }
}

super::renderer!(
    /// JUnit XML, as one of the report formats.
    Junit,
    one(out, report, options) { out.write_all(render(report, options.fail_on).as_bytes()) },
    many(out, multi, options) { out.write_all(render_multi(multi, options.fail_on).as_bytes()) }
);

#[cfg(test)]
mod tests {
    use super::*;

    fn page(v: Verdict) -> PageResult {
        let mut p = PageResult::error("https://ex.com/a/", Some(200), "why");
        p.verdict = v;
        p
    }

    #[test]
    fn dead_always_fails_errors_are_errors_and_the_rest_follows_fail_on() {
        for f in [
            FailOn::Dead,
            FailOn::Expiring,
            FailOn::Unverifiable,
            FailOn::Never,
            FailOn::NewDead,
        ] {
            assert_eq!(
                outcome(&page(Verdict::Dead), f, false),
                CaseOutcome::Failure
            );
            assert_eq!(outcome(&page(Verdict::Error), f, false), CaseOutcome::Error);
            assert_eq!(outcome(&page(Verdict::Fresh), f, false), CaseOutcome::Pass);
            assert_eq!(
                outcome(&page(Verdict::NoNonce), f, false),
                CaseOutcome::Pass
            );
        }
        assert!(matches!(
            outcome(&page(Verdict::Expiring), FailOn::Dead, false),
            CaseOutcome::PassWithNote(n) if n.contains("below --fail-on dead")
        ));
        assert_eq!(
            outcome(&page(Verdict::Expiring), FailOn::Expiring, false),
            CaseOutcome::Failure
        );
        assert!(matches!(
            outcome(&page(Verdict::Unverifiable), FailOn::Expiring, false),
            CaseOutcome::PassWithNote(_)
        ));
        assert_eq!(
            outcome(&page(Verdict::Unverifiable), FailOn::Unverifiable, false),
            CaseOutcome::Failure
        );
        assert!(matches!(
            outcome(&page(Verdict::Expiring), FailOn::NewDead, false),
            CaseOutcome::PassWithNote(n) if n.contains("below --fail-on new-dead")
        ));
    }
}
