//! The Prometheus text format (`-o nonce-audit.prom`), for node_exporter's textfile collector.
//!
//! Operators watch their fleet in the monitoring they already run: a cron job writes this file
//! into the collector's directory (atomically, like every report, so node_exporter never reads
//! half of it) and an alert rule fires on dead pages, on a copy about to die, or on a site that
//! stopped being audited. Every metric is a gauge named `nonce_audit_…` with a `site` label, and
//! each family has its `# HELP` and `# TYPE` lines once, its samples together, as the format
//! requires.

use std::fmt::Write;

use crate::model::{MultiReport, Report, SiteFailure, Verdict};

/// The prefix of every metric name.
pub const PREFIX: &str = "nonce_audit_";

/// A label value as the text format writes it: `\`, `"` and newlines escaped.
fn label(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// A sample value: integers as integers, `+Inf` for "never".
fn value(v: f64) -> String {
    if v.is_infinite() {
        if v > 0.0 { "+Inf" } else { "-Inf" }.to_owned()
    } else if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        format!("{v:.3}")
    }
}

/// One metric family: its name (without the prefix), help, and samples as
/// (labels, value).
struct Family {
    name: &'static str,
    help: &'static str,
    samples: Vec<(String, f64)>,
}

impl Family {
    fn new(name: &'static str, help: &'static str) -> Self {
        Self {
            name,
            help,
            samples: Vec::new(),
        }
    }

    fn write(&self, out: &mut String) {
        if self.samples.is_empty() {
            return;
        }
        let _ = writeln!(out, "# HELP {PREFIX}{} {}", self.name, self.help);
        let _ = writeln!(out, "# TYPE {PREFIX}{} gauge", self.name);
        for (labels, v) in &self.samples {
            let _ = writeln!(out, "{PREFIX}{}{{{labels}}} {}", self.name, value(*v));
        }
    }
}

/// The families every report writes, in this order.
struct Metrics {
    up: Family,
    pages: Family,
    private: Family,
    next_dead: Family,
    duration: Family,
    success: Family,
    newly_dead: Family,
}

impl Metrics {
    fn new() -> Self {
        Self {
            up: Family::new(
                "site_audited",
                "1 if the site could be audited in this run, 0 if it could not (unreachable, no sitemap...).",
            ),
            pages: Family::new(
                "pages",
                "Pages audited, by verdict (dead: the cached copy's REST nonce is rejected).",
            ),
            private: Family::new(
                "private_copies",
                "Pages whose cached copy is a logged-in render served to everyone (purge them).",
            ),
            next_dead: Family::new(
                "seconds_until_next_dead",
                "Seconds from the audit until the next cached copy alive now carries a dead nonce (+Inf: none will).",
            ),
            duration: Family::new("audit_duration_seconds", "How long the site's audit took."),
            success: Family::new(
                "last_success_timestamp_seconds",
                "When the site's last complete audit finished (Unix time).",
            ),
            newly_dead: Family::new(
                "newly_dead_pages",
                "Pages dead now that were not dead in the --baseline report.",
            ),
        }
    }

    fn site(&mut self, r: &Report, extra: &str) {
        let site = format!("site=\"{}\"{extra}", label(&r.site));
        self.up.samples.push((site.clone(), 1.0));
        for v in Verdict::ALL {
            self.pages.samples.push((
                format!("{site},verdict=\"{}\"", v.as_str()),
                r.summary.get(v) as f64,
            ));
        }
        let private = r.pages.iter().filter(|p| p.private_copy).count();
        self.private.samples.push((site.clone(), private as f64));
        // Measured from the audited server's clock, which decides when nonces die.
        let now = r.server_time.unwrap_or(r.finished_at);
        let next = r
            .forecast
            .iter()
            .map(|f| f.dies_at)
            .min()
            .map_or(f64::INFINITY, |t| {
                ((t - now).num_milliseconds().max(0) as f64) / 1000.0
            });
        self.next_dead.samples.push((site.clone(), next));
        let took = (r.finished_at - r.started_at).num_milliseconds().max(0) as f64 / 1000.0;
        self.duration.samples.push((site.clone(), took));
        if !r.interrupted {
            self.success
                .samples
                .push((site.clone(), r.finished_at.timestamp() as f64));
        }
        if let Some(b) = &r.baseline {
            self.newly_dead
                .samples
                .push((site, b.newly_dead.len() as f64));
        }
    }

    fn failed(&mut self, f: &SiteFailure, extra: &str) {
        self.up
            .samples
            .push((format!("site=\"{}\"{extra}", label(&f.site)), 0.0));
    }

    fn write(&self, out: &mut String) {
        for f in [
            &self.up,
            &self.pages,
            &self.private,
            &self.next_dead,
            &self.duration,
            &self.success,
            &self.newly_dead,
        ] {
            f.write(out);
        }
    }
}

/// Renders one site's report.
pub fn render(report: &Report) -> String {
    let mut m = Metrics::new();
    m.site(report, "");
    let mut out = String::new();
    m.write(&mut out);
    out
}

/// Renders a multi-site run: the same families, one sample per site; a sharded run adds a
/// `shard="K/N"` label to every sample, so shards written into one collector directory stay
/// apart.
pub fn render_multi(multi: &MultiReport) -> String {
    let extra = multi
        .shard
        .map(|s| format!(",shard=\"{s}\""))
        .unwrap_or_default();
    let mut m = Metrics::new();
    for r in &multi.sites {
        m.site(r, &extra);
    }
    for f in &multi.failed {
        m.failed(f, &extra);
    }
    let mut out = String::new();
    m.write(&mut out);
    out
}

super::renderer!(
    /// The Prometheus text format, as one of the report formats.
    Prometheus,
    one(out, report, _options) { out.write_all(render(report).as_bytes()) },
    many(out, multi, _options) { out.write_all(render_multi(multi).as_bytes()) }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped_and_values_are_prometheus_numbers() {
        assert_eq!(label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
        assert_eq!(value(3.0), "3");
        assert_eq!(value(1.25), "1.250");
        assert_eq!(value(f64::INFINITY), "+Inf");
    }

    #[test]
    fn each_family_has_help_and_type_once_and_every_name_the_prefix() {
        let mut r = Report {
            site: "https://a.example/".to_owned(),
            ..Report::default()
        };
        r.summary.dead = 2;
        r.summary.pages = 2;
        let text = render(&r);
        for line in text.lines() {
            let name = line
                .strip_prefix("# HELP ")
                .or_else(|| line.strip_prefix("# TYPE "))
                .unwrap_or(line);
            assert!(name.starts_with(PREFIX), "{line}");
        }
        assert_eq!(text.matches("# TYPE nonce_audit_pages gauge").count(), 1);
        assert!(text.contains("nonce_audit_pages{site=\"https://a.example/\",verdict=\"dead\"} 2"));
        assert!(
            text.contains("nonce_audit_seconds_until_next_dead{site=\"https://a.example/\"} +Inf")
        );
        // No baseline: no newly-dead family at all.
        assert!(!text.contains("newly_dead"));
    }
}
