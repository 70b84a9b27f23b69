//! The binary as a scheduler runs it: `--baseline` and `--fail-on new-dead` across two runs of a
//! simulated site whose clock moves on, `--sites` with several sites, `-q` that prints nothing
//! on a clean night, and `-v` logs on standard error.

mod common;

use std::path::Path;
use std::process::Command;

use common::run;
use nonce_audit::sim::{Shape, SimConfig, SimPage, SimSite};

const NOW: i64 = 1_795_532_400; // 2026-11-24T15:00:00Z
const DAY: i64 = 86_400;
const BIN: &str = env!("CARGO_BIN_EXE_nonce-audit");

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

async fn site(pages: Vec<SimPage>) -> SimSite {
    SimSite::start(SimConfig {
        pages,
        now: NOW,
        ..SimConfig::default()
    })
    .await
    .unwrap()
}

/// An address on loopback nothing listens on.
fn closed_port() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    drop(l);
    format!("http://{addr}/")
}

#[tokio::test(flavor = "multi_thread")]
async fn new_dead_fails_once_when_a_page_dies_and_not_again_the_next_night() {
    // /old/ is dead from the start; /page/ was cached ten minutes ago and dies as the clock
    // moves two days on (the 7-day cache keeps serving the same copy).
    let s = site(vec![
        SimPage::new("/old/", Shape::WpApiSettings).cached_at(NOW - 3 * DAY),
        SimPage::new("/page/", Shape::WpApiSettings).cached_at(NOW - 600),
    ])
    .await;
    let base = s.base_url();
    let dir = tempfile::tempdir().unwrap();
    let day1 = dir.path().join("day1.json");
    let day2 = dir.path().join("day2.json");
    let day3 = dir.path().join("day3.json");
    let audit = |out: &Path, baseline: Option<&Path>| {
        let mut a = args(&["audit", &base, "--rate", "0", "--no-progress", "-q"]);
        a.extend(args(&["-o", out.to_str().unwrap()]));
        if let Some(b) = baseline {
            a.extend(args(&[
                "--baseline",
                b.to_str().unwrap(),
                "--fail-on",
                "new-dead",
            ]));
        }
        a
    };

    let o = run(audit(&day1, None)).await;
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    assert!(json(&day1)["baseline"].is_null());

    s.set_now(NOW + 2 * DAY);
    let o = run(audit(&day2, Some(&day1))).await;
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let report = json(&day2);
    let b = &report["baseline"];
    assert_eq!(b["file"], day1.to_str().unwrap());
    assert_eq!(
        b["newly_dead"],
        serde_json::json!([format!("{base}/page/")])
    );
    assert_eq!(b["recovered"], serde_json::json!([]));
    assert_eq!(
        (b["added"].as_u64(), b["removed"].as_u64()),
        (Some(0), Some(0))
    );
    assert_eq!(b["server_time"], "2026-11-24T15:00:00Z");
    assert_eq!(report["summary"]["dead"], 2);
    // -q with a finding prints the report, and it names the newly dead page.
    let out = text(&o.stdout);
    assert!(out.contains("Since the baseline"), "{out}");
    assert!(out.contains("newly dead   /page/"), "{out}");

    // The next night nothing new died: exit 0 although two pages are dead, and -q is silent.
    s.set_now(NOW + 3 * DAY);
    let o = run(audit(&day3, Some(&day2))).await;
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(text(&o.stdout), "");
    assert_eq!(text(&o.stderr), "");
    let report = json(&day3);
    assert_eq!(report["summary"]["dead"], 2);
    assert_eq!(report["baseline"]["newly_dead"], serde_json::json!([]));
}

#[tokio::test(flavor = "multi_thread")]
async fn new_dead_needs_a_baseline_and_the_baseline_must_be_a_report() {
    let s = site(vec![SimPage::new("/a/", Shape::WpApiSettings)]).await;
    let base = s.base_url();
    let o = run(args(&[
        "audit",
        &base,
        "--rate",
        "0",
        "--fail-on",
        "new-dead",
    ]))
    .await;
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("--baseline"), "{err}");

    let dir = tempfile::tempdir().unwrap();
    for (name, body) in [
        ("notes.json", "{\"hello\": 1}"),
        ("junit.xml", "<testsuites/>"),
        ("other.json", "{\"schema\": \"lychee/1\", \"pages\": []}"),
    ] {
        let f = dir.path().join(name);
        std::fs::write(&f, body).unwrap();
        let o = run(args(&[
            "audit",
            &base,
            "--rate",
            "0",
            "--baseline",
            f.to_str().unwrap(),
        ]))
        .await;
        assert_eq!(o.status.code(), Some(2), "{name}");
        let err = text(&o.stderr);
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(err.contains("is not a nonce-audit JSON report"), "{err}");
        // Refused before anything is fetched.
        assert!(s.requests().is_empty(), "{name}: {:?}", s.requests());
    }
    // A baseline that does not exist yet (the first night) is a warning, not a dead end: the
    // audit runs, every page is new, and the exit code is the findings'.
    let missing = dir.path().join("missing.json");
    let o = run(args(&[
        "audit",
        &base,
        "--rate",
        "0",
        "--no-progress",
        "--baseline",
        missing.to_str().unwrap(),
    ]))
    .await;
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("does not exist yet"),
        "{}",
        text(&o.stderr)
    );
}

/// The README's cron recipe through a missed night: night 1 writes its report, night 2 the site
/// is down (exit 2, no report), night 3 finds no report of night 2 and must still audit, warn,
/// and write the report night 4 will compare with.
#[tokio::test(flavor = "multi_thread")]
async fn the_cron_recipe_survives_a_missed_night() {
    let s = site(vec![
        SimPage::new("/old/", Shape::WpApiSettings).cached_at(NOW - 3 * DAY),
        SimPage::new("/page/", Shape::WpApiSettings),
    ])
    .await;
    let dir = tempfile::tempdir().unwrap();
    let night = |n: u32, target: &str| {
        let report = dir.path().join(format!("report-{n}.json"));
        let yesterday = dir.path().join(format!("report-{}.json", n - 1));
        let a = args(&[
            "audit",
            target,
            "-q",
            "--rate",
            "0",
            "-o",
            report.to_str().unwrap(),
            "--baseline",
            yesterday.to_str().unwrap(),
            "--fail-on",
            "new-dead",
        ]);
        (a, report)
    };
    // Night 1: no report of night 0 either; the dead page is new, so the job mails once.
    let (a, r1) = night(1, &s.base_url());
    let o = run(a).await;
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    assert!(r1.exists());
    // Night 2: the site is down.
    let (a, r2) = night(2, &closed_port());
    let o = run(a).await;
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(!r2.exists());
    // Night 3: yesterday's report is missing, the audit still runs and writes tonight's.
    let (a, r3) = night(3, &s.base_url());
    let o = run(a).await;
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("does not exist yet"));
    assert!(r3.exists());
    // Night 4 compares with night 3 again: nothing died since, a quiet night.
    let (a, r4) = night(4, &s.base_url());
    let o = run(a).await;
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(o.stdout.is_empty() && o.stderr.is_empty());
    assert_eq!(json(&r4)["baseline"]["newly_dead"], serde_json::json!([]));
}

#[tokio::test(flavor = "multi_thread")]
async fn sites_file_audits_each_site_and_reports_them_together() {
    let broken = site(vec![
        SimPage::new("/dead/", Shape::WpApiSettings).cached_at(NOW - 3 * DAY),
        SimPage::new("/ok/", Shape::WpApiSettings),
    ])
    .await;
    let clean = site(vec![SimPage::new("/", Shape::WpApiSettings)]).await;
    let down = closed_port();
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("sites.txt");
    std::fs::write(
        &list,
        format!(
            "# the sites of the agency\n{}/\n\n{}/   # shop\n{down}\n",
            broken.base_url(),
            clean.base_url()
        ),
    )
    .unwrap();
    let all = dir.path().join("all.json");
    let csv = dir.path().join("all.csv");
    let common = |extra: &[&str]| {
        let mut a = args(&["audit", "--sites", list.to_str().unwrap(), "--rate", "0"]);
        a.extend(args(&[
            "--timeout",
            "2s",
            "--max-tries",
            "1",
            "--no-progress",
        ]));
        a.extend(args(extra));
        a
    };
    let o = run(common(&[
        "-o",
        all.to_str().unwrap(),
        "-o",
        csv.to_str().unwrap(),
    ]))
    .await;
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let v = json(&all);
    assert_eq!(v["schema"], "nonce-audit-multi/1");
    assert_eq!(v["sites"].as_array().unwrap().len(), 2);
    assert_eq!(v["sites"][0]["schema"], "nonce-audit/1");
    assert_eq!(v["sites"][0]["site"], format!("{}/", broken.base_url()));
    assert_eq!(v["sites"][1]["site"], format!("{}/", clean.base_url()));
    assert_eq!(v["failed"][0]["site"], down);
    assert!(
        v["failed"][0]["error"]
            .as_str()
            .unwrap()
            .contains("unreachable")
    );
    let s = &v["summary"];
    assert_eq!(
        (s["sites"].as_u64(), s["sites_failed"].as_u64()),
        (Some(3), Some(1))
    );
    assert_eq!(
        (s["pages"].as_u64(), s["dead"].as_u64()),
        (Some(3), Some(1))
    );
    assert!(s["newly_dead"].is_null());
    // The table: one section per site, then the combined line.
    let out = text(&o.stdout);
    assert!(
        out.contains(&format!("=== site 1 of 3: {}/ ===", broken.base_url())),
        "{out}"
    );
    assert!(out.contains("could not be audited:"), "{out}");
    assert!(
        out.contains("All sites: 3 site(s) (1 could not be audited) · 3 pages: 1 dead"),
        "{out}"
    );
    // The CSV: a leading site column.
    let csv_text = std::fs::read_to_string(&csv).unwrap();
    assert!(
        csv_text.starts_with("site,url,status,verdict,"),
        "{csv_text}"
    );
    assert_eq!(csv_text.lines().count(), 1 + 3 + 1);

    // The multi-site report is the next run's baseline; nothing died since.
    let o = run(common(&[
        "--baseline",
        all.to_str().unwrap(),
        "--fail-on",
        "new-dead",
        "--format",
        "json",
    ]))
    .await;
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["summary"]["newly_dead"], 0);
    assert_eq!(v["sites"][0]["baseline"]["added"], 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_site_that_cannot_run_counts_at_fail_on_unverifiable_and_all_failing_exits_2() {
    let clean = site(vec![SimPage::new("/", Shape::WpApiSettings)]).await;
    let down = closed_port();
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("sites.txt");
    std::fs::write(&list, format!("{}/\n{down}\n", clean.base_url())).unwrap();
    let audit = |list: &Path, fail_on: &str| {
        args(&[
            "audit",
            "--sites",
            list.to_str().unwrap(),
            "--rate",
            "0",
            "--timeout",
            "2s",
            "--max-tries",
            "1",
            "--fail-on",
            fail_on,
        ])
    };
    let o = run(audit(&list, "dead")).await;
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let o = run(audit(&list, "unverifiable")).await;
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));

    let only_down = dir.path().join("down.txt");
    std::fs::write(&only_down, format!("# nothing up\n{down}\nnot a url\n")).unwrap();
    let o = run(audit(&only_down, "dead")).await;
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(err.contains("no site could be audited"), "{err}");
    assert!(
        err.trim().lines().last().unwrap().contains("not a url"),
        "{err}"
    );

    let empty = dir.path().join("empty.txt");
    std::fs::write(&empty, "# nothing yet\n\n").unwrap();
    let o = run(audit(&empty, "dead")).await;
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("lists no site"));
}

#[tokio::test(flavor = "multi_thread")]
async fn quiet_prints_nothing_on_either_stream_without_findings() {
    // This site makes notes (robots.txt, the sitemap) that a normal run prints on stderr.
    let s = site(vec![SimPage::new("/a/", Shape::WpApiSettings)]).await;
    let base = s.base_url();
    let o = run(args(&["audit", &base, "--rate", "0", "--insecure"])).await;
    assert_eq!(o.status.code(), Some(0));
    assert!(!text(&o.stderr).is_empty(), "a normal run says something");

    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    let o = run(args(&[
        "audit",
        &base,
        "--rate",
        "0",
        "--insecure",
        "-q",
        "-o",
        report.to_str().unwrap(),
    ]))
    .await;
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(text(&o.stdout), "", "stdout");
    assert_eq!(text(&o.stderr), "", "stderr");
    assert!(report.exists(), "-o files are still written");
    // -q with -v asks for two opposite things: refused, not one silently winning.
    let o = run(args(&["audit", &base, "-q", "-v"])).await;
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("cannot be used with"));

    // With a finding, -q prints the report and what it held back.
    s.set_now(NOW + 2 * DAY);
    let o = run(args(&["audit", &base, "--rate", "0", "--insecure", "-q"])).await;
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stdout).contains("DEAD"));
    assert!(
        text(&o.stderr).contains("--insecure"),
        "{}",
        text(&o.stderr)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn verbose_logs_one_line_per_page_and_more_with_vv() {
    let s = site(vec![
        SimPage::new("/a/", Shape::WpApiSettings),
        SimPage::new("/b/", Shape::NoNonce),
    ])
    .await;
    let base = s.base_url();
    let o = run(args(&["audit", &base, "--rate", "0", "-v"])).await;
    let err = text(&o.stderr);
    assert!(err.contains(&format!("fresh        {base}/a/")), "{err}");
    assert!(err.contains(&format!("no_nonce     {base}/b/")), "{err}");
    assert!(err.contains("sitemap fetched"), "{err}");
    assert!(!err.contains("REST probe sent"), "{err}");
    // stdout stays the report alone.
    assert!(!text(&o.stdout).contains("INFO"));

    let o = run(args(&["audit", &base, "--rate", "0", "-vv"])).await;
    let err = text(&o.stderr);
    assert!(err.contains("REST probe sent"), "{err}");
    assert!(err.contains("page audited"), "{err}");

    // RUST_LOG replaces the filter.
    let o = tokio::task::spawn_blocking(move || {
        Command::new(BIN)
            .args(["audit", &base, "--rate", "0", "-v"])
            .env("RUST_LOG", "off")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(!text(&o.stderr).contains("sitemap fetched"));
}
