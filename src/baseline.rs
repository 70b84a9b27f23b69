//! Comparing an audit with an earlier JSON report (`--baseline previous.json`).
//!
//! A scheduled audit of a site with a long-lived cache finds the same dead pages every night;
//! what an operator wants to hear about is what changed: pages that died since the last run,
//! pages that came back, pages now served by another cache layer. This module reads an earlier
//! report (`nonce-audit/1`, or a multi-site `nonce-audit-multi/1` file, of any age: keys added
//! since it was written are simply absent) and diffs a new [`Report`] against it, page by page,
//! matched by URL within the same site.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use serde::Deserialize;
use thiserror::Error;

use crate::model::{Report, SCHEMA, Verdict};

pub use crate::model::{BaselineDiff, Change, LayerChange, MULTI_SCHEMA};

/// Why a file cannot serve as a baseline (the binary exits 2 with this one line).
#[derive(Debug, Error)]
pub enum BaselineError {
    /// Not JSON at all.
    #[error("{file} is not a nonce-audit JSON report: {why}")]
    NotJson {
        /// The file as given.
        file: String,
        /// The parser's complaint.
        why: String,
    },
    /// JSON, but not a report this version reads.
    #[error("{file} is not a nonce-audit JSON report ({why})")]
    NotAReport {
        /// The file as given.
        file: String,
        /// What is missing or unexpected.
        why: String,
    },
}

/// One page of an earlier report: only what the diff needs, so older reports still parse.
#[derive(Debug, Clone, Deserialize)]
struct OldPage {
    url: String,
    #[serde(default)]
    verdict: Option<String>,
    #[serde(default)]
    cache: Option<OldCache>,
}

#[derive(Debug, Clone, Default, Deserialize)]
struct OldCache {
    #[serde(default)]
    layer: Option<String>,
}

/// The parts of one earlier `nonce-audit/1` report the diff reads. Every key but `pages` may be
/// missing (older versions) or `null`.
#[derive(Debug, Clone, Deserialize)]
struct OldReport {
    #[serde(default)]
    site: Option<String>,
    #[serde(default)]
    server_time: Option<String>,
    #[serde(default)]
    finished_at: Option<String>,
    #[serde(default)]
    started_at: Option<String>,
    pages: Vec<OldPage>,
}

/// An earlier report (or the reports of a multi-site run), loaded once and diffed against each
/// new report.
#[derive(Debug, Clone)]
pub struct Baseline {
    file: String,
    reports: Vec<OldReport>,
}

fn site_key(site: &str) -> String {
    site.trim_end_matches('/').to_ascii_lowercase()
}

fn parse_time(s: &Option<String>) -> Option<DateTime<Utc>> {
    s.as_deref()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc))
}

/// Cache layers are only compared for pages fetched both times: a page that failed has no
/// cache to speak of, and "varnish → null" would be noise.
fn fetched(verdict: Option<&str>) -> bool {
    verdict.is_some_and(|v| v != Verdict::Error.as_str())
}

impl Baseline {
    /// Reads a baseline from the text of a JSON report; `file` names it in messages and in the
    /// diff. Accepts `nonce-audit/1` and `nonce-audit-multi/1`.
    pub fn from_json(text: &str, file: &str) -> Result<Self, BaselineError> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| BaselineError::NotJson {
                file: file.to_owned(),
                why: e.to_string(),
            })?;
        let not_a_report = |why: String| BaselineError::NotAReport {
            file: file.to_owned(),
            why,
        };
        let schema = value
            .get("schema")
            .and_then(serde_json::Value::as_str)
            .ok_or_else(|| not_a_report("no \"schema\" key".to_owned()))?;
        let reports = match schema {
            SCHEMA => vec![value.clone()],
            MULTI_SCHEMA => value
                .get("sites")
                .and_then(serde_json::Value::as_array)
                .cloned()
                .ok_or_else(|| not_a_report("a multi-site report without \"sites\"".to_owned()))?,
            other => {
                return Err(not_a_report(format!(
                    "schema \"{other}\"; this version reads {SCHEMA} and {MULTI_SCHEMA}"
                )));
            }
        };
        let reports = reports
            .into_iter()
            .enumerate()
            .map(|(i, r)| {
                serde_json::from_value::<OldReport>(r).map_err(|e| {
                    let which = if schema == SCHEMA {
                        String::new()
                    } else {
                        format!("sites[{i}]: ")
                    };
                    not_a_report(format!("{which}{e}"))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            file: file.to_owned(),
            reports,
        })
    }

    /// Reads a baseline file.
    pub fn load(path: &std::path::Path) -> Result<Self, BaselineError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| BaselineError::NotJson {
            file: file.clone(),
            why: format!("cannot read it: {}", crate::util::io_words(&e)),
        })?;
        Self::from_json(&text, &file)
    }

    /// A baseline that does not exist yet (the first night of a scheduled audit): it holds no
    /// report, so every page counts as added and every dead page as newly dead, and this run's
    /// report becomes the next one's baseline.
    pub fn missing(path: &std::path::Path) -> Self {
        Self {
            file: path.display().to_string(),
            reports: Vec::new(),
        }
    }

    /// The sites the baseline holds reports on.
    pub fn sites(&self) -> Vec<&str> {
        self.reports
            .iter()
            .filter_map(|r| r.site.as_deref())
            .collect()
    }

    /// Diffs `report` against the baseline's report on the same site (matched without a
    /// trailing slash, case-insensitively). With no such report every page counts as added.
    pub fn diff(&self, report: &Report) -> BaselineDiff {
        let key = site_key(&report.site);
        let old = self
            .reports
            .iter()
            .find(|r| r.site.as_deref().map(site_key).as_deref() == Some(key.as_str()));
        let mut before: HashMap<&str, &OldPage> = HashMap::new();
        if let Some(old) = old {
            for p in &old.pages {
                before.entry(p.url.as_str()).or_insert(p);
            }
        }
        let mut diff = BaselineDiff {
            file: self.file.clone(),
            site: old.and_then(|o| o.site.clone()),
            generated_at: old
                .and_then(|o| parse_time(&o.finished_at).or(parse_time(&o.started_at))),
            server_time: old.and_then(|o| parse_time(&o.server_time)),
            ..BaselineDiff::default()
        };
        let mut seen: HashSet<String> = HashSet::new();
        for p in &report.pages {
            if !seen.insert(p.url.clone()) {
                continue;
            }
            let dead = p.verdict == Verdict::Dead;
            let Some(was) = before.get(p.url.as_str()) else {
                diff.added += 1;
                if dead {
                    diff.newly_dead.push(p.url.clone());
                }
                continue;
            };
            let was_verdict = was.verdict.as_deref();
            let was_dead = was_verdict == Some(Verdict::Dead.as_str());
            if dead && !was_dead {
                diff.newly_dead.push(p.url.clone());
            } else if !dead && was_dead {
                diff.recovered.push(p.url.clone());
            }
            let from = was.cache.as_ref().and_then(|c| c.layer.clone());
            let to = p.cache.layer.as_deref().map(str::to_owned);
            if fetched(was_verdict) && p.verdict != Verdict::Error && from != to {
                diff.layer_changed.push(LayerChange {
                    url: p.url.clone(),
                    from,
                    to,
                });
            }
        }
        diff.removed = before.keys().filter(|u| !seen.contains(**u)).count() as u64;
        diff
    }

    /// Diffs `report` and stores the result in its `baseline` section; when the baseline holds
    /// no report on this site, says so in the report's warnings.
    pub fn apply(&self, report: &mut Report) {
        let diff = self.diff(report);
        if diff.site.is_none() {
            let covers = self.sites();
            report.warnings.push(format!(
                "the baseline {} holds no report on {} (it covers {}); every page counts as added",
                self.file,
                report.site,
                if covers.is_empty() {
                    "no named site".to_owned()
                } else {
                    covers.join(", ")
                }
            ));
        }
        report.baseline = Some(diff);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::PageResult;

    fn page(url: &str, v: Verdict, layer: Option<&'static str>) -> PageResult {
        let mut p = PageResult::error(url, Some(200), "x");
        p.verdict = v;
        p.cache.layer = layer.map(Into::into);
        p
    }

    fn report(site: &str, pages: Vec<PageResult>) -> Report {
        let t = crate::clock::utc(1_795_532_400);
        Report {
            tool_version: "test",
            site: site.to_owned(),
            server_time: Some(t),
            nonce_life_s: 86_400,
            started_at: t,
            finished_at: t,
            pages: pages.into(),
            ..Report::default()
        }
    }

    fn baseline_of(r: &Report) -> Baseline {
        Baseline::from_json(&crate::report::json::render(r), "old.json").unwrap()
    }

    const S: &str = "https://ex.com/";

    #[test]
    fn newly_dead_recovered_layer_changed_added_removed() {
        let old = report(
            S,
            vec![
                page("https://ex.com/a/", Verdict::Fresh, Some("varnish")),
                page("https://ex.com/b/", Verdict::Dead, Some("varnish")),
                page("https://ex.com/c/", Verdict::Dead, Some("varnish")),
                page("https://ex.com/d/", Verdict::Fresh, Some("varnish")),
                page("https://ex.com/gone/", Verdict::Dead, None),
            ],
        );
        let new = report(
            S,
            vec![
                page("https://ex.com/a/", Verdict::Dead, Some("varnish")),
                page("https://ex.com/b/", Verdict::Fresh, Some("varnish")),
                page("https://ex.com/c/", Verdict::Dead, Some("varnish")),
                page("https://ex.com/d/", Verdict::Fresh, Some("cloudflare")),
                page("https://ex.com/new-dead/", Verdict::Dead, None),
                page("https://ex.com/new-ok/", Verdict::Fresh, None),
            ],
        );
        let d = baseline_of(&old).diff(&new);
        assert_eq!(d.site.as_deref(), Some(S));
        assert_eq!(
            d.newly_dead,
            ["https://ex.com/a/", "https://ex.com/new-dead/"]
        );
        assert_eq!(d.recovered, ["https://ex.com/b/"]);
        assert_eq!(
            d.layer_changed,
            [LayerChange {
                url: "https://ex.com/d/".into(),
                from: Some("varnish".into()),
                to: Some("cloudflare".into())
            }]
        );
        assert_eq!((d.added, d.removed), (2, 1));
        assert_eq!(d.server_time, new.server_time);
        assert_eq!(d.generated_at, Some(old.finished_at));
        let changes = d.changes();
        assert_eq!(changes.get("https://ex.com/a/"), Some(&Change::NewlyDead));
        assert_eq!(changes.get("https://ex.com/b/"), Some(&Change::Recovered));
        assert_eq!(
            changes.get("https://ex.com/d/"),
            Some(&Change::LayerChanged)
        );
        assert_eq!(changes.get("https://ex.com/c/"), None);
    }

    #[test]
    fn the_same_audit_twice_changes_nothing() {
        let r = report(
            S,
            vec![
                page("https://ex.com/a/", Verdict::Dead, Some("varnish")),
                page("https://ex.com/b/", Verdict::Fresh, None),
            ],
        );
        let d = baseline_of(&r).diff(&r);
        assert!(d.is_empty(), "{d:?}");
    }

    #[test]
    fn pages_that_failed_to_fetch_do_not_count_as_layer_changes() {
        let old = report(
            S,
            vec![page("https://ex.com/a/", Verdict::Fresh, Some("varnish"))],
        );
        let new = report(S, vec![page("https://ex.com/a/", Verdict::Error, None)]);
        assert!(baseline_of(&old).diff(&new).layer_changed.is_empty());
        let d = baseline_of(&new).diff(&old);
        assert!(d.layer_changed.is_empty());
    }

    #[test]
    fn older_reports_missing_newer_keys_still_parse() {
        let text = r#"{"schema":"nonce-audit/1","site":"https://ex.com","pages":[
            {"url":"https://ex.com/a/","verdict":"fresh"},
            {"url":"https://ex.com/b/"},
            {"url":"https://ex.com/c/","verdict":"some_future_verdict","cache":{}}]}"#;
        let b = Baseline::from_json(text, "old.json").unwrap();
        let new = report(
            S,
            vec![
                page("https://ex.com/a/", Verdict::Dead, None),
                page("https://ex.com/b/", Verdict::Dead, None),
                page("https://ex.com/c/", Verdict::Fresh, None),
            ],
        );
        let d = b.diff(&new);
        assert_eq!(d.site.as_deref(), Some("https://ex.com"));
        assert_eq!(d.newly_dead.len(), 2);
        assert!(d.recovered.is_empty() && d.layer_changed.is_empty());
        assert_eq!((d.generated_at, d.server_time), (None, None));
    }

    #[test]
    fn a_multi_site_baseline_is_matched_by_site() {
        let a = report(
            "https://a.example/",
            vec![page("https://a.example/x", Verdict::Dead, None)],
        );
        let b = report(
            "https://b.example/",
            vec![page("https://b.example/y", Verdict::Fresh, None)],
        );
        let text = format!(
            "{{\"schema\":\"{MULTI_SCHEMA}\",\"sites\":[{},{}]}}",
            crate::report::json::render(&a),
            crate::report::json::render(&b)
        );
        let base = Baseline::from_json(&text, "multi.json").unwrap();
        assert_eq!(base.sites(), ["https://a.example/", "https://b.example/"]);
        let mut b_now = report(
            "https://B.example",
            vec![page("https://b.example/y", Verdict::Dead, None)],
        );
        base.apply(&mut b_now);
        let d = b_now.baseline.as_ref().unwrap();
        assert_eq!(d.newly_dead, ["https://b.example/y"]);
        assert_eq!(d.added, 0);
        assert!(b_now.warnings.is_empty());
    }

    #[test]
    fn a_report_on_another_site_compares_as_all_added_with_a_warning() {
        let old = report(
            "https://a.example/",
            vec![page("https://a.example/x", Verdict::Dead, None)],
        );
        let mut new = report(
            "https://c.example/",
            vec![page("https://c.example/x", Verdict::Dead, None)],
        );
        baseline_of(&old).apply(&mut new);
        let d = new.baseline.as_ref().unwrap();
        assert_eq!(d.site, None);
        assert_eq!((d.added, d.removed), (1, 0));
        assert_eq!(d.newly_dead, ["https://c.example/x"]);
        assert!(new.warnings[0].contains("holds no report on https://c.example/"));
    }

    #[test]
    fn files_that_are_not_reports_are_refused_with_a_reason() {
        for (text, why) in [
            ("not json", "is not a nonce-audit JSON report: "),
            ("[1,2]", "no \"schema\" key"),
            (
                "{\"schema\":\"other/1\",\"pages\":[]}",
                "schema \"other/1\"",
            ),
            ("{\"schema\":\"nonce-audit/1\"}", "missing field `pages`"),
            (
                "{\"schema\":\"nonce-audit/1\",\"pages\":[{\"verdict\":\"dead\"}]}",
                "missing field `url`",
            ),
            ("{\"schema\":\"nonce-audit-multi/1\"}", "without \"sites\""),
        ] {
            let e = Baseline::from_json(text, "x.json").unwrap_err().to_string();
            assert!(e.contains(why), "{text}: {e}");
            assert!(e.starts_with("x.json"), "{e}");
            assert!(!e.contains('\n'), "{e}");
        }
    }
}
