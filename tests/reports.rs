//! Every report format on one fixed audit, compared with the files in `tests/golden/`.
//!
//! The audit is real (the demo's simulated WordPress on loopback, plus a page whose REST root is
//! off-site and a failing page whose URL carries `|` and `&`), with the server's clock
//! frozen, so the only volatile bits are the loopback port and the local start and finish times;
//! those are normalised before comparing. After a deliberate change to a format, rewrite the
//! golden files with `UPDATE_GOLDEN=1 cargo test --test reports` and review the diff.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use nonce_audit::audit::{self, AuditConfig};
use nonce_audit::baseline::Baseline;
use nonce_audit::clock::utc;
use nonce_audit::discover::Target;
use nonce_audit::model::{FailOn, MultiReport, PageResult, Report, SiteFailure, Verdict};
use nonce_audit::report::{Format, RenderOptions};
use nonce_audit::sim::{Shape, SimPage, SimSite};

/// 2026-11-24 15:00:00 UTC, three hours into the 12:00 tick.
const NOW: i64 = 1_795_532_400;

/// A page whose REST root is on another host: its nonce must not be sent there.
const OFF_SITE: &str = "<!DOCTYPE html><html><head><title>Partner</title>\
<link rel=\"https://api.w.org/\" href=\"https://partner.example/wp-json/\" />\
<script>var wpApiSettings = {\"root\":\"https:\\/\\/partner.example\\/wp-json\\/\",\"nonce\":\"{{nonce}}\"};</script>\
</head><body>partner</body></html>";

struct Fixture {
    report: Report,
    /// `http://127.0.0.1:<port>` of the run, replaced by [`BASE`] in the golden files.
    base: String,
}

const BASE: &str = "http://127.0.0.1:PORT";

async fn audit_fixed_site() -> Fixture {
    audit_fixed_site_keeping(nonce_audit::model::rows::SPILL_AFTER).await
}

/// The fixed audit with at most `rows_in_memory` page rows held in memory (0: every row goes
/// through the temporary file).
async fn audit_fixed_site_keeping(rows_in_memory: usize) -> Fixture {
    let mut sim = nonce_audit::demo::scenario(NOW);
    sim.pages.extend([
        SimPage::new("/partner/", Shape::Template(OFF_SITE.to_owned())),
        SimPage::new("/search/?q=a|b&lang=en", Shape::Status(503)),
    ]);
    let site = SimSite::start(sim).await.expect("start the simulated site");
    let mut config = AuditConfig::new(Target::parse(&format!("{}/", site.base_url())).unwrap());
    config.fetch.rate_per_host = 0.0;
    config.fetch.timeout = Duration::from_secs(5);
    config.rows_in_memory = rows_in_memory;
    let mut report = audit::run(&config, audit::quiet()).await.expect("audit");
    // The local clock's start and finish are the only times not taken from the frozen server.
    report.started_at = utc(NOW + 2);
    report.finished_at = utc(NOW + 2) + chrono::Duration::milliseconds(1_250);
    Fixture {
        report,
        base: site.base_url(),
    }
}

/// One audit for every test in this file (golden tests are plain `#[test]`s sharing it).
fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
            .block_on(audit_fixed_site())
    })
}

/// Replaces what differs from run to run: the loopback port and any probe cache-buster.
fn normalise(text: &str, base: &str) -> String {
    let text = text.replace(base, BASE);
    let buster = regex::Regex::new(r"nonce_audit_cb=[0-9A-Za-z_-]+").unwrap();
    buster.replace_all(&text, "nonce_audit_cb=CB").into_owned()
}

fn render(format: Format, fail_on: FailOn) -> String {
    let f = fixture();
    let bytes = format.render(
        &f.report,
        &RenderOptions {
            color: false,
            fail_on,
            width: 0,
        },
    );
    normalise(&String::from_utf8(bytes).unwrap(), &f.base)
}

fn golden_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name)
}

/// Compares `actual` with `tests/golden/<name>`, or rewrites it when `UPDATE_GOLDEN=1`.
fn assert_golden(name: &str, actual: &str) {
    let path = golden_path(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {}: {e}; create it with UPDATE_GOLDEN=1",
            path.display()
        )
    });
    if expected != actual {
        let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("golden-actual");
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join(name), actual).unwrap();
        let line = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| expected.lines().count().min(actual.lines().count()));
        panic!(
            "{name} differs from the golden file at line {}:\n  golden: {:?}\n  actual: {:?}\n\
             actual output written to {}; if the change is intended, run UPDATE_GOLDEN=1 cargo test --test reports",
            line + 1,
            expected.lines().nth(line).unwrap_or("<end of file>"),
            actual.lines().nth(line).unwrap_or("<end of file>"),
            out.join(name).display()
        );
    }
}

/// The fixture with a `--baseline` section: yesterday `/blog/hello-world/` was fresh (so it is
/// newly dead), `/about/` was dead (recovered), `/contact/` came from another cache layer,
/// `/partner/` did not exist yet and `/retired/` has gone since.
fn with_baseline() -> Report {
    let f = fixture();
    let mut old = f.report.clone();
    old.started_at = utc(NOW - 86_400 + 2);
    old.finished_at = utc(NOW - 86_400 + 4);
    old.server_time = Some(utc(NOW - 86_400));
    let mut pages = old.pages.to_vec();
    pages.retain(|p| !p.url.ends_with("/partner/"));
    for p in &mut pages {
        if p.url.ends_with("/blog/hello-world/") {
            p.verdict = Verdict::Fresh;
        } else if p.url.ends_with("/about/") {
            p.verdict = Verdict::Dead;
        } else if p.url.ends_with("/contact/") {
            p.cache.layer = Some("cloudflare".into());
        }
    }
    pages.push(PageResult::error(
        &format!("{}/retired/", f.base),
        Some(200),
        "x",
    ));
    old.pages = pages.into();
    let text = String::from_utf8(Format::Json.render(&old, &RenderOptions::default())).unwrap();
    let baseline = Baseline::from_json(&text, "yesterday.json").unwrap();
    let mut report = f.report.clone();
    baseline.apply(&mut report);
    report
}

/// Two sites in one run: the fixture (with its baseline) and a site that could not be audited.
fn multi() -> MultiReport {
    let mut m = MultiReport::new(
        utc(NOW + 1),
        vec![with_baseline()],
        vec![SiteFailure {
            site: "https://down.example/".to_owned(),
            error: "https://down.example/robots.txt: unreachable (connection refused)".to_owned(),
        }],
        false,
    );
    m.finished_at = utc(NOW + 5);
    m
}

fn render_with(report: &Report, format: Format, fail_on: FailOn) -> String {
    let bytes = format.render(
        report,
        &RenderOptions {
            color: false,
            fail_on,
            width: 0,
        },
    );
    normalise(&String::from_utf8(bytes).unwrap(), &fixture().base)
}

fn render_multi(format: Format, fail_on: FailOn) -> String {
    let bytes = format.render_multi(
        &multi(),
        &RenderOptions {
            color: false,
            fail_on,
            width: 0,
        },
    );
    normalise(&String::from_utf8(bytes).unwrap(), &fixture().base)
}

#[test]
fn golden_baseline_sections_in_every_format() {
    let r = with_baseline();
    let d = r.baseline.as_ref().unwrap();
    assert_eq!(d.newly_dead.len(), 1);
    assert_eq!(d.recovered.len(), 1);
    assert_eq!(d.layer_changed.len(), 1);
    assert_eq!((d.added, d.removed), (1, 1));
    for (name, format) in [
        ("baseline/report.txt", Format::Table),
        ("baseline/report.json", Format::Json),
        ("baseline/report.csv", Format::Csv),
        ("baseline/report.md", Format::Markdown),
        ("baseline/report.junit.xml", Format::Junit),
        ("baseline/report.html", Format::Html),
    ] {
        assert_golden(name, &render_with(&r, format, FailOn::NewDead));
    }
}

#[test]
fn golden_multi_site_in_every_format() {
    for (name, format) in [
        ("multi/report.txt", Format::Table),
        ("multi/report.json", Format::Json),
        ("multi/report.csv", Format::Csv),
        ("multi/report.md", Format::Markdown),
        ("multi/report.junit.xml", Format::Junit),
        ("multi/report.html", Format::Html),
    ] {
        assert_golden(name, &render_multi(format, FailOn::Dead));
    }
}

#[test]
fn new_dead_fails_only_the_newly_dead_page_and_junit_agrees() {
    let r = with_baseline();
    let t = nonce_audit::model::Threshold::new(FailOn::NewDead, &r);
    let tripping: Vec<String> = r
        .pages
        .iter()
        .filter(|p| t.trips(p))
        .map(|p| p.url)
        .collect();
    assert_eq!(tripping.len(), 1);
    assert!(tripping[0].ends_with("/blog/hello-world/"));
    // Without a baseline, new-dead trips nothing.
    let plain = &fixture().report;
    assert!(!nonce_audit::model::Threshold::new(FailOn::NewDead, plain).any(plain));
    // JUnit still fails every dead page (they are broken for visitors), and says which is new.
    let xml = render_with(&r, Format::Junit, FailOn::NewDead);
    let c = parse_junit(&xml);
    assert_eq!(c.failures, 2);
    assert!(xml.contains("newly dead since the baseline yesterday.json"));
    assert!(xml.contains("<property name=\"baseline_newly_dead\" value=\"1\"/>"));
}

#[test]
fn multi_site_json_is_a_wrapper_of_single_reports_and_a_valid_baseline() {
    let json = render_multi(Format::Json, FailOn::Dead);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["schema"], "nonce-audit-multi/1");
    assert_eq!(v["sites"][0]["schema"], "nonce-audit/1");
    assert_eq!(v["summary"]["sites"], 2);
    assert_eq!(v["summary"]["sites_failed"], 1);
    assert_eq!(v["summary"]["pages"], 8);
    assert_eq!(v["summary"]["newly_dead"], 1);
    assert_eq!(v["failed"][0]["site"], "https://down.example/");
    // A multi-site report is itself a baseline for the next multi-site run.
    let b = Baseline::from_json(&json, "all.json").unwrap();
    let mut again = fixture().report.clone();
    again.site = again.site.replace(&fixture().base, BASE);
    let mut pages = again.pages.to_vec();
    for p in &mut pages {
        p.url = p.url.replace(&fixture().base, BASE);
    }
    again.pages = pages.into();
    b.apply(&mut again);
    let d = again.baseline.unwrap();
    assert!(d.site.is_some(), "{:?}", again.warnings);
    assert!(d.is_empty(), "{d:?}");
    // JUnit: one suite per site, the failed site as an error.
    let c = parse_junit(&render_multi(Format::Junit, FailOn::Dead));
    assert_eq!(c.suites, 2);
    assert_eq!(c.testcases, 9);
    assert_eq!(c.errors, 2);
    // CSV: a leading site column, one row per page plus one for the failed site.
    let csv = render_multi(Format::Csv, FailOn::Dead);
    assert!(csv.starts_with("site,url,status,verdict"));
    assert_eq!(csv.lines().count(), 1 + 8 + 1);
}

#[test]
fn the_fixture_has_every_verdict() {
    let r = &fixture().report;
    let s = &r.summary;
    assert_eq!(
        (
            s.dead,
            s.expiring,
            s.unverifiable,
            s.error,
            s.fresh,
            s.no_nonce
        ),
        (2, 1, 1, 1, 2, 1),
        "{:#?}",
        r.pages
            .iter()
            .map(|p| (p.url, p.verdict, p.reason))
            .collect::<Vec<_>>()
    );
}

/// A site too big for memory spills its rows to disk and streams the reports: the rows read back
/// and written one at a time must give the same files, byte for byte, as the in-memory rows.
#[test]
fn rows_spilled_to_disk_and_streamed_give_the_golden_reports() {
    let spilled = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
        .block_on(audit_fixed_site_keeping(0));
    assert_eq!(spilled.report.pages.spilled(), spilled.report.pages.len());
    assert!(spilled.report.pages.len() > 5);
    for (format, name) in [
        (Format::Table, "report.txt"),
        (Format::Json, "report.json"),
        (Format::Csv, "report.csv"),
        (Format::Markdown, "report.md"),
        (Format::Junit, "report.junit.xml"),
        (Format::Html, "report.html"),
    ] {
        let mut out = Vec::new();
        format
            .write(&mut out, &spilled.report, &RenderOptions::default())
            .unwrap();
        assert_golden(
            name,
            &normalise(&String::from_utf8(out).unwrap(), &spilled.base),
        );
    }
}

#[test]
fn golden_table() {
    assert_golden("report.txt", &render(Format::Table, FailOn::Dead));
}

#[test]
fn golden_json() {
    assert_golden("report.json", &render(Format::Json, FailOn::Dead));
}

#[test]
fn golden_csv() {
    assert_golden("report.csv", &render(Format::Csv, FailOn::Dead));
}

#[test]
fn golden_markdown() {
    assert_golden("report.md", &render(Format::Markdown, FailOn::Dead));
}

#[test]
fn golden_junit() {
    assert_golden("report.junit.xml", &render(Format::Junit, FailOn::Dead));
}

#[test]
fn golden_html() {
    assert_golden("report.html", &render(Format::Html, FailOn::Dead));
}

#[test]
fn rendering_is_deterministic() {
    for format in [
        Format::Table,
        Format::Json,
        Format::Csv,
        Format::Markdown,
        Format::Junit,
        Format::Html,
    ] {
        assert_eq!(
            render(format, FailOn::Dead),
            render(format, FailOn::Dead),
            "{format:?}"
        );
    }
}

/// What a CI server reads from the JUnit file: the counts on `<testsuite>` and the elements.
#[derive(Debug, Default, PartialEq, Eq)]
struct JunitCounts {
    tests_attr: u64,
    failures_attr: u64,
    errors_attr: u64,
    testcases: u64,
    failures: u64,
    errors: u64,
    system_outs: u64,
    suites: u64,
}

fn parse_junit(xml: &str) -> JunitCounts {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut c = JunitCounts::default();
    let attr = |e: &quick_xml::events::BytesStart<'_>, name: &str| -> u64 {
        e.attributes()
            .map(|a| a.unwrap())
            .find(|a| a.key.as_ref() == name)
            .map(|a| a.value.parse().unwrap())
            .unwrap_or_else(|| panic!("missing attribute {name}"))
    };
    loop {
        match reader.read_event().expect("well-formed JUnit XML") {
            Event::Start(e) | Event::Empty(e) => match e.name().as_ref() {
                "testsuite" => {
                    c.suites += 1;
                    c.tests_attr = attr(&e, "tests");
                    c.failures_attr = attr(&e, "failures");
                    c.errors_attr = attr(&e, "errors");
                }
                "testcase" => c.testcases += 1,
                "failure" => c.failures += 1,
                "error" => c.errors += 1,
                "system-out" => c.system_outs += 1,
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    c
}

#[test]
fn junit_counts_follow_fail_on() {
    // The fixture: 2 dead, 1 expiring, 1 unverifiable, 1 error, 2 fresh, 1 no nonce.
    for (fail_on, failures, notes) in [
        (FailOn::Dead, 2, 2),
        (FailOn::Expiring, 3, 1),
        (FailOn::Unverifiable, 4, 0),
        (FailOn::Never, 2, 2),
    ] {
        let c = parse_junit(&render(Format::Junit, fail_on));
        assert_eq!(
            c,
            JunitCounts {
                tests_attr: 8,
                failures_attr: failures,
                errors_attr: 1,
                testcases: 8,
                failures,
                errors: 1,
                system_outs: notes,
                suites: 1,
            },
            "--fail-on {fail_on:?}"
        );
    }
}

/// The demo report with hostile strings where a hostile site can put them.
fn hostile_report() -> Report {
    let mut r = fixture().report.clone();
    let evil = "<script>alert(1)</script>";
    let mut p = PageResult::error(
        &format!("https://evil.example/{evil}?a=1&b=\"2\"'"),
        Some(500),
        format!("the server said {evil} & \u{0}\u{1b}[31m"),
    );
    p.verdict = Verdict::Dead;
    let mut pages = r.pages.to_vec();
    pages.push(p);
    let mut js = PageResult::error("javascript:alert(1)", None, evil);
    js.verdict = Verdict::Unverifiable;
    pages.push(js);
    r.pages = pages.into();
    r.site = format!("https://site.example/{evil}/");
    r.warnings.push(format!("sitemap entry {evil}"));
    if let Some(rec) = r.recommendations.first_mut() {
        rec.urls.push(format!("https://evil.example/{evil}"));
        rec.why = format!("{evil} why");
    }
    r
}

#[test]
fn html_escapes_hostile_urls_and_reasons() {
    let html = String::from_utf8(Format::Html.render(&hostile_report(), &RenderOptions::default()))
        .unwrap();
    assert!(
        !html.contains("<script>alert"),
        "raw script tag in the HTML"
    );
    assert!(!html.contains("\u{0}") && !html.contains("\u{1b}"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    // Exactly one script element: the report's own, admitted by its hash in the CSP.
    assert_eq!(html.matches("<script").count(), 1);
    assert!(html.contains("script-src 'sha256-"));
    assert!(
        !html.contains("href=\"javascript:"),
        "javascript: URL became a link"
    );
    // Quotes cannot end an attribute early.
    assert!(!html.contains("b=\"2\""));
    assert!(html.contains("b=&quot;2&quot;&#39;"));
}

#[test]
fn junit_and_markdown_escape_hostile_strings_too() {
    let report = hostile_report();
    let xml = String::from_utf8(Format::Junit.render(&report, &RenderOptions::default())).unwrap();
    assert!(!xml.contains("<script>"));
    assert!(!xml.contains('\u{0}') && !xml.contains('\u{1b}'));
    let c = parse_junit(&xml);
    assert_eq!(c.testcases, c.tests_attr);
    let md =
        String::from_utf8(Format::Markdown.render(&report, &RenderOptions::default())).unwrap();
    assert!(!md.contains("<script>"));
    assert!(!md.contains("](<javascript:"));
    for line in md
        .lines()
        .filter(|l| l.starts_with("| [") || l.starts_with("| javascript"))
    {
        // Every row keeps its five cells: no unescaped `|` from the report.
        let cells = line.replace("\\|", "").matches('|').count();
        assert_eq!(cells, 6, "{line}");
    }
}

#[test]
fn the_binary_writes_every_new_format_and_junit_follows_fail_on() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_owned();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_nonce-audit"))
        .args(["demo", "-q", "--no-progress", "--format", "junit"])
        .args(["--fail-on", "expiring"])
        .args(["-o", &path("r.json"), "-o", &path("r.md")])
        .args(["-o", &path("r.xml"), "-o", &path("r.HTML")])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path("r.json")).unwrap()).unwrap();
    let s = &json["summary"];
    let xml = String::from_utf8(out.stdout).unwrap();
    assert_eq!(std::fs::read_to_string(path("r.xml")).unwrap(), xml);
    let c = parse_junit(&xml);
    assert_eq!(c.tests_attr, s["pages"].as_u64().unwrap());
    assert_eq!(
        c.failures_attr,
        s["dead"].as_u64().unwrap() + s["expiring"].as_u64().unwrap()
    );
    let md = std::fs::read_to_string(path("r.md")).unwrap();
    assert!(md.starts_with("## nonce-audit report: http://127.0.0.1:"));
    let html = std::fs::read_to_string(path("r.HTML")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains(&format!(
        "<span class=\"count\" id=\"count-dead\">{}</span>",
        s["dead"]
    )));
}

/// The fixture with a page whose path is far longer than any column, and a long warning.
fn long_url_report() -> Report {
    let f = fixture();
    let mut r = with_baseline();
    let mut pages = r.pages.to_vec();
    let long = format!(
        "{}/shop/category/{}/product-with-a-very-long-slug-that-ends-here/",
        f.base,
        "nested-".repeat(12)
    );
    let mut p = PageResult::error(
        &long,
        Some(502),
        "HTTP 502 (\"Bad Gateway\") from the origin",
    );
    p.verdict = Verdict::Error;
    pages.push(p);
    r.pages = pages.into();
    r.warnings.push(format!(
        "the sitemap {long}wp-sitemap-posts-post-1.xml was cut short"
    ));
    r
}

fn table_at(report: &Report, width: usize) -> String {
    String::from_utf8(Format::Table.render(
        report,
        &RenderOptions {
            color: false,
            fail_on: FailOn::Dead,
            width,
        },
    ))
    .unwrap()
}

#[test]
fn the_table_fits_60_80_and_120_columns() {
    let report = long_url_report();
    let multi = multi();
    for width in [60, 80, 120] {
        let single = table_at(&report, width);
        let many = String::from_utf8(Format::Table.render_multi(
            &multi,
            &RenderOptions {
                color: false,
                fail_on: FailOn::Dead,
                width,
            },
        ))
        .unwrap();
        for text in [&single, &many] {
            for line in text.lines() {
                assert!(
                    line.chars().count() <= width,
                    "{width} columns, {} chars: {line:?}",
                    line.chars().count()
                );
            }
        }
        // The long path keeps its end, shortened in the middle.
        assert!(
            single
                .lines()
                .any(|l| l.contains('…') && l.contains("ends-here/")),
            "{single}"
        );
    }
}

#[test]
fn the_table_wraps_between_words_never_inside_one() {
    let report = long_url_report();
    for width in [60, 80, 120] {
        let text = table_at(&report, width);
        let words: std::collections::HashSet<&str> = text.split_whitespace().collect();
        for p in report.pages.iter() {
            if matches!(p.verdict, Verdict::Fresh | Verdict::Expiring) {
                continue; // their detail is when they die, not the reason
            }
            if let Some(reason) = &p.reason {
                for word in reason.split_whitespace() {
                    // A word that fits the narrowest detail column is printed whole.
                    if word.chars().count() < 32 {
                        assert!(
                            words.contains(word),
                            "{width} columns: {word:?} of {reason:?} was split:\n{text}"
                        );
                    }
                }
            }
        }
        for r in &report.recommendations {
            for word in r.impact.split_whitespace().chain(r.why.split_whitespace()) {
                assert!(words.contains(word), "{width} columns: {word:?} split");
            }
        }
    }
}

/// The fixture grown to 300 pages (copies of its rows under new paths).
fn three_hundred_pages() -> Report {
    let f = fixture();
    let mut r = f.report.clone();
    let base: Vec<PageResult> = r.pages.to_vec();
    let mut pages = Vec::new();
    for i in 0..300 {
        let mut p = base[i % base.len()].clone();
        p.url = format!("{}/page-{i}/", f.base);
        p.private_copy = false;
        pages.push(p);
    }
    let mut summary = nonce_audit::model::Summary {
        rest_probes: r.summary.rest_probes,
        ..Default::default()
    };
    for p in &pages {
        summary.count(p.verdict);
    }
    r.pages = pages.into();
    r.summary = summary;
    r
}

#[test]
fn the_html_chart_scales_and_stays_short_at_300_pages() {
    let report = three_hundred_pages();
    let html = String::from_utf8(Format::Html.render(&report, &RenderOptions::default())).unwrap();
    let svg = regex::Regex::new(r#"<svg class="chart"[^>]*>"#)
        .unwrap()
        .find(&html)
        .expect("a chart")
        .as_str()
        .to_owned();
    assert!(svg.contains(r#"width="100%""#), "{svg}");
    assert!(!svg.contains("height=\""), "no fixed height: {svg}");
    let view = regex::Regex::new(r#"viewBox="0 0 (\d+) (\d+)""#)
        .unwrap()
        .captures(&svg)
        .expect("a viewBox");
    let (w, h): (u32, u32) = (view[1].parse().unwrap(), view[2].parse().unwrap());
    // Drawn at most 1160 px wide, the chart is then at most about 900 px tall.
    assert!(h * 1160 / w <= 900, "viewBox {w}x{h}");
    assert!(
        html.contains("oldest copies of 300 pages. Not drawn: 275"),
        "says what is left out"
    );
    // What to change before the chart, the chart before the long table.
    let at = |id: &str| html.find(&format!("id=\"{id}\"")).unwrap_or(usize::MAX);
    assert!(at("layers") < at("chart") && at("chart") < at("page-table"));
}

#[test]
fn the_html_table_lists_pages_worst_first_like_the_terminal() {
    let f = fixture();
    let html = render(Format::Html, FailOn::Dead);
    let table = &html[html.find("<tbody>").unwrap()..];
    let rows: Vec<&str> = regex::Regex::new(r#"<tr class="v-[a-z_]+" data-verdict="([a-z_]+)""#)
        .unwrap()
        .captures_iter(table)
        .map(|c| c.get(1).unwrap().as_str())
        .collect();
    let mut expected = Vec::new();
    for v in Verdict::ALL {
        expected.extend(f.report.pages.with_verdict(v).map(|_| v.as_str()));
    }
    assert_eq!(rows, expected);
    // The terminal lists the same pages in the same order.
    let text = render(Format::Table, FailOn::Dead);
    let order = |s: &str, a: &str, b: &str| s.find(a).unwrap() < s.find(b).unwrap();
    assert!(
        order(table, "/blog/launch-week/", "/shop/")
            && order(&text, "/blog/launch-week/", "/shop/")
    );
}

/// A sharded run (`--shard 2/4`) says which shard it is in every format.
#[test]
fn every_format_names_the_shard() {
    let mut m = multi();
    m.shard = Some(nonce_audit::model::Shard { index: 2, count: 4 });
    let options = RenderOptions {
        color: false,
        fail_on: FailOn::Dead,
        width: 0,
    };
    let text = |f: Format| String::from_utf8(f.render_multi(&m, &options)).unwrap();
    assert!(text(Format::Table).contains("Shard 2/4"));
    assert!(text(Format::Table).contains("· shard 2/4"));
    assert!(text(Format::Markdown).contains("**Shard 2/4**"));
    assert!(text(Format::Html).contains("id=\"shard\">Shard 2/4"));
    assert!(text(Format::Junit).contains("<testsuites name=\"nonce-audit shard 2/4\""));
    let v: serde_json::Value = serde_json::from_str(&text(Format::Json)).unwrap();
    assert_eq!(v["shard"], serde_json::json!({"index": 2, "count": 4}));
    let csv = text(Format::Csv);
    assert!(csv.starts_with("shard,site,url,"), "{csv}");
    assert!(csv.lines().skip(1).all(|l| l.starts_with("2/4,")), "{csv}");
    // Unsharded, none of them mentions a shard.
    let plain = multi();
    for f in [
        Format::Table,
        Format::Markdown,
        Format::Html,
        Format::Csv,
        Format::Junit,
    ] {
        let t = String::from_utf8(f.render_multi(&plain, &options)).unwrap();
        assert!(!t.to_lowercase().contains("shard"), "{f:?}");
    }
}

/// A JSON report read back by `merge` renders as it was written: every key of every site
/// (but the baseline section, which `merge --baseline` computes afresh) and the failed sites.
#[test]
fn merge_reads_a_json_report_back_whole() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("all.json");
    let written = render_multi(Format::Json, FailOn::Dead);
    std::fs::write(&file, &written).unwrap();
    let merged = nonce_audit::merge::merge(&[&file], &|_| {}).unwrap();
    let again: serde_json::Value =
        serde_json::from_slice(&Format::Json.render_multi(&merged, &RenderOptions::default()))
            .unwrap();
    let mut before: serde_json::Value = serde_json::from_str(&written).unwrap();
    for s in before["sites"].as_array_mut().unwrap() {
        s["baseline"] = serde_json::Value::Null;
    }
    assert_eq!(again["sites"], before["sites"]);
    assert_eq!(again["failed"], before["failed"]);
    assert_eq!(again["summary"]["pages"], before["summary"]["pages"]);
}
