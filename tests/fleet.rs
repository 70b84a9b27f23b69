//! Fleets (issue #15): `--sites` audits several simulated sites at once and keeps the file's
//! order, a slow site holds up no other, `--sites -` reads the list from standard input, a
//! malformed line is reported before any site runs, and `--shard` splits the list exactly.

mod common;

use std::collections::BTreeSet;
use std::io::Write as _;
use std::sync::Mutex;
use std::time::Duration;

use nonce_audit::audit::{AuditConfig, EventSink};
use nonce_audit::fleet::{FleetOptions, FleetSite, FleetWatch};
use nonce_audit::model::{Report, SiteOutcome};
use nonce_audit::sim::{Shape, SimConfig, SimPage, SimSite};
use nonce_audit::{Target, audit};

const NOW: i64 = 1_795_532_400;

async fn site(pages: usize, page_delay: Duration) -> SimSite {
    SimSite::start(SimConfig {
        pages: (0..pages)
            .map(|i| SimPage::new(format!("/p{i}/"), Shape::WpApiSettings))
            .collect(),
        now: NOW,
        page_delay,
        ..SimConfig::default()
    })
    .await
    .unwrap()
}

fn config(s: &SimSite) -> AuditConfig {
    let mut c = AuditConfig::new(Target::parse(&format!("{}/", s.base_url())).unwrap());
    c.fetch.rate_per_host = 0.0;
    c
}

/// Records the order sites finish in and the most in flight at once.
#[derive(Default)]
struct Recorder {
    finished: Mutex<Vec<usize>>,
    in_flight: Mutex<(usize, usize)>,
}

impl FleetWatch for Recorder {
    fn started(&self, _: usize, _: &str) -> EventSink {
        let mut f = self.in_flight.lock().unwrap();
        f.0 += 1;
        f.1 = f.1.max(f.0);
        audit::quiet()
    }

    fn finished(&self, position: usize, _: &str, outcome: Result<&Report, &str>) {
        if outcome.is_ok() {
            self.in_flight.lock().unwrap().0 -= 1;
        }
        self.finished.lock().unwrap().push(position);
    }
}

fn sites_of(list: &[&SimSite]) -> Vec<FleetSite> {
    list.iter()
        .map(|s| FleetSite {
            site: format!("{}/", s.base_url()),
            config: Ok(config(s)),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_slow_site_holds_up_no_other_and_the_report_keeps_the_file_order() {
    let slow = site(2, Duration::from_millis(900)).await;
    let quick: Vec<SimSite> =
        futures_util::future::join_all((0..3).map(|_| site(3, Duration::ZERO))).await;
    let mut list = vec![&slow];
    list.extend(quick.iter());
    let mut sites = sites_of(&list);
    // A malformed line in the middle stays in its place.
    sites.insert(
        2,
        FleetSite {
            site: "not a url".to_owned(),
            config: Err("not a site".to_owned()),
        },
    );

    let watch = Recorder::default();
    let options = FleetOptions {
        concurrency: 8,
        ..FleetOptions::default()
    };
    let multi = nonce_audit::fleet::run(sites, options, &watch).await;
    let finished = watch.finished.lock().unwrap().clone();
    // The slow site, first in the file, finished last: the others did not wait for it.
    assert_eq!(finished.last(), Some(&0), "{finished:?}");
    assert_eq!(
        watch.in_flight.lock().unwrap().1,
        4,
        "all four audits at once"
    );
    let order: Vec<String> = multi
        .in_order()
        .map(|o| match o {
            SiteOutcome::Audited(r) => r.site.clone(),
            SiteOutcome::Failed(f) => f.site.clone(),
        })
        .collect();
    let want = vec![
        format!("{}/", slow.base_url()),
        format!("{}/", quick[0].base_url()),
        "not a url".to_owned(),
        format!("{}/", quick[1].base_url()),
        format!("{}/", quick[2].base_url()),
    ];
    assert_eq!(order, want);
    assert_eq!(multi.summary.pages.pages, 2 + 3 * 3);
    assert_eq!(multi.summary.sites, 5);
    assert_eq!(multi.summary.sites_failed, 1);

    // One at a time, the same sites finish in file order: the test above can tell.
    let watch = Recorder::default();
    let options = FleetOptions {
        concurrency: 1,
        ..FleetOptions::default()
    };
    let multi = nonce_audit::fleet::run(sites_of(&list), options, &watch).await;
    assert_eq!(*watch.finished.lock().unwrap(), vec![0, 1, 2, 3]);
    assert_eq!(watch.in_flight.lock().unwrap().1, 1);
    assert_eq!(multi.sites.len(), 4);
}

#[tokio::test(flavor = "multi_thread")]
async fn finished_sites_share_one_spill_file_and_read_back_whole() {
    let list: Vec<SimSite> =
        futures_util::future::join_all((0..4).map(|_| site(5, Duration::ZERO))).await;
    let refs: Vec<&SimSite> = list.iter().collect();
    let options = FleetOptions {
        concurrency: 2,
        rows_in_memory: 6,
        ..FleetOptions::default()
    };
    let multi =
        nonce_audit::fleet::run(sites_of(&refs), options, &nonce_audit::fleet::Unwatched).await;
    let spilled: Vec<usize> = multi.sites.iter().map(|r| r.pages.spilled()).collect();
    // Five rows fit under six; every later site's rows went to the shared file.
    assert_eq!(
        spilled.iter().filter(|&&n| n == 0).count(),
        1,
        "{spilled:?}"
    );
    assert_eq!(
        spilled.iter().filter(|&&n| n == 5).count(),
        3,
        "{spilled:?}"
    );
    for (r, s) in multi.sites.iter().zip(&list) {
        let urls: Vec<String> = r.pages.iter().map(|p| p.url).collect();
        let want: Vec<String> = (0..5).map(|i| format!("{}/p{i}/", s.base_url())).collect();
        assert_eq!(urls, want);
    }
}

/// Runs the binary with `stdin` fed and extra environment variables.
async fn run_with(
    args: Vec<String>,
    stdin: String,
    env: Vec<(&'static str, String)>,
) -> std::process::Output {
    tokio::task::spawn_blocking(move || {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_nonce-audit"))
            .args(&args)
            .env("NO_COLOR", "1")
            .env_remove("RUST_LOG")
            .env_remove("JOB_COMPLETION_INDEX")
            .envs(env)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("start nonce-audit");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(stdin.as_bytes())
            .expect("write stdin");
        child.wait_with_output().expect("run nonce-audit")
    })
    .await
    .expect("the test's blocking task")
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn sites_from_standard_input_with_a_bad_line_reported_first_and_kept_in_place() {
    let a = site(1, Duration::ZERO).await;
    let b = site(2, Duration::ZERO).await;
    let list = format!("{}/\nnot a url\n{}/\n", a.base_url(), b.base_url());
    let o = run_with(
        args(&[
            "audit",
            "--sites",
            "-",
            "--rate",
            "0",
            "--no-progress",
            "-v",
        ]),
        list,
        Vec::new(),
    )
    .await;
    let (out, err) = (
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr),
    );
    assert_eq!(o.status.code(), Some(0), "{err}");
    let warned = err
        .find("warning: line 2 of the sites on standard input: not a url")
        .unwrap_or_else(|| panic!("{err}"));
    let first_start = err.find("site 1: ").unwrap_or_else(|| panic!("{err}"));
    assert!(
        warned < first_start,
        "the bad line is reported before any site runs: {err}"
    );
    let at = |needle: &str| {
        out.find(needle)
            .unwrap_or_else(|| panic!("{needle}: {out}"))
    };
    let one = at(&format!("=== site 1 of 3: {}/ ===", a.base_url()));
    let two = at("=== site 2 of 3: not a url ===");
    let three = at(&format!("=== site 3 of 3: {}/ ===", b.base_url()));
    assert!(one < two && two < three, "{out}");
}

fn json(b: &[u8]) -> serde_json::Value {
    serde_json::from_slice(b).unwrap()
}

fn audited(v: &serde_json::Value) -> BTreeSet<String> {
    v["sites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["site"].as_str().unwrap().to_owned())
        .chain(
            v["failed"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["site"].as_str().unwrap().to_owned()),
        )
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn shards_split_the_sites_exactly_and_auto_reads_the_job_index() {
    let list: Vec<SimSite> =
        futures_util::future::join_all((0..6).map(|_| site(1, Duration::ZERO))).await;
    let mut text: String = list
        .iter()
        .map(|s| format!("{}/\n", s.base_url()))
        .collect();
    text.push_str("not a url\n");
    let mut all = BTreeSet::new();
    let mut shards = Vec::new();
    for k in 1..=3 {
        let spec = format!("{k}/3");
        let o = run_with(
            args(&[
                "audit",
                "--sites",
                "-",
                "--rate",
                "0",
                "--format",
                "json",
                "--shard",
                &spec,
                "--fail-on",
                "never",
            ]),
            text.clone(),
            Vec::new(),
        )
        .await;
        // A shard may hold only the bad line: that is "no site could be audited" (exit 2).
        let v = if o.status.code() == Some(2) {
            assert!(String::from_utf8_lossy(&o.stderr).contains("not a url"));
            serde_json::json!({"sites": [], "failed": [{"site": "not a url"}], "shard": {"index": k, "count": 3}})
        } else {
            assert_eq!(
                o.status.code(),
                Some(0),
                "{}",
                String::from_utf8_lossy(&o.stderr)
            );
            json(&o.stdout)
        };
        assert_eq!(v["shard"], serde_json::json!({"index": k, "count": 3}));
        let mine = audited(&v);
        assert!(all.is_disjoint(&mine), "a site in two shards: {mine:?}");
        all.extend(mine.iter().cloned());
        shards.push(mine);
    }
    let mut want: BTreeSet<String> = list.iter().map(|s| format!("{}/", s.base_url())).collect();
    want.insert("not a url".to_owned());
    assert_eq!(all, want, "every site in exactly one shard");

    // In a Kubernetes Indexed Job, pod 1 (from 0) is shard 2.
    let o = run_with(
        args(&[
            "audit",
            "--sites",
            "-",
            "--rate",
            "0",
            "--format",
            "json",
            "--shard",
            "auto/3",
            "--fail-on",
            "never",
        ]),
        text.clone(),
        vec![("JOB_COMPLETION_INDEX", "1".to_owned())],
    )
    .await;
    if o.status.code() != Some(2) {
        assert_eq!(audited(&json(&o.stdout)), shards[1]);
    }
    let o = run_with(
        args(&["audit", "--sites", "-", "--shard", "auto/3"]),
        text,
        Vec::new(),
    )
    .await;
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("JOB_COMPLETION_INDEX"));
}

/// The `.prom` file parses as the Prometheus text format, each line a sample or a HELP/TYPE
/// line of its family, with the counts of the audit.
#[tokio::test(flavor = "multi_thread")]
async fn the_metrics_file_parses_as_prometheus_text() {
    let broken = SimSite::start(SimConfig {
        pages: vec![
            SimPage::new("/dead/", Shape::WpApiSettings).cached_at(NOW - 3 * 86_400),
            SimPage::new("/ok/", Shape::WpApiSettings).cached_at(NOW - 600),
            SimPage::new("/mine/", Shape::WpApiSettings)
                .cached_at(NOW - 300)
                .logged_in_copy(),
        ],
        now: NOW,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let clean = site(1, Duration::ZERO).await;
    let dir = tempfile::tempdir().unwrap();
    let prom = dir.path().join("nonce-audit.prom");
    let o = run_with(
        args(&[
            "audit",
            "--sites",
            "-",
            "--rate",
            "0",
            "-q",
            "-o",
            prom.to_str().unwrap(),
        ]),
        format!("{}/\nnot a url\n{}/\n", broken.base_url(), clean.base_url()),
        Vec::new(),
    )
    .await;
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let text = std::fs::read_to_string(&prom).unwrap();
    let lines: Vec<std::io::Result<String>> = text.lines().map(|l| Ok(l.to_owned())).collect();
    let scrape = prometheus_parse::Scrape::parse(lines.into_iter()).expect("valid text format");
    // The parser skips what it does not understand: every sample line must have become a sample.
    let sample_lines = text
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .count();
    assert_eq!(scrape.samples.len(), sample_lines, "{text}");
    assert!(
        scrape
            .samples
            .iter()
            .all(|s| s.metric.starts_with("nonce_audit_"))
    );
    for s in &scrape.samples {
        assert!(
            scrape.docs.contains_key(&s.metric),
            "no HELP for {}",
            s.metric
        );
        assert!(text.contains(&format!("# TYPE {} gauge", s.metric)));
    }
    let get = |metric: &str, site: &str, verdict: Option<&str>| -> Option<f64> {
        scrape
            .samples
            .iter()
            .find(|s| {
                s.metric == metric
                    && s.labels.get("site") == Some(site)
                    && verdict.is_none_or(|v| s.labels.get("verdict") == Some(v))
            })
            .map(|s| match s.value {
                prometheus_parse::Value::Gauge(v) => v,
                ref other => panic!("{metric} is not a gauge: {other:?}"),
            })
    };
    let b = format!("{}/", broken.base_url());
    let c = format!("{}/", clean.base_url());
    // /dead/ and the logged-in copy (its nonce is user 1's, which guests' REST calls fail).
    assert_eq!(get("nonce_audit_pages", &b, Some("dead")), Some(2.0));
    let all: f64 = [
        "fresh",
        "expiring",
        "dead",
        "no_nonce",
        "unverifiable",
        "error",
    ]
    .iter()
    .map(|v| get("nonce_audit_pages", &b, Some(v)).unwrap())
    .sum();
    assert_eq!(all, 3.0, "{text}");
    assert_eq!(get("nonce_audit_pages", &c, Some("dead")), Some(0.0));
    assert_eq!(get("nonce_audit_private_copies", &b, None), Some(1.0));
    assert_eq!(get("nonce_audit_site_audited", &b, None), Some(1.0));
    assert_eq!(
        get("nonce_audit_site_audited", "not a url", None),
        Some(0.0)
    );
    assert_eq!(get("nonce_audit_pages", "not a url", Some("dead")), None);
    // /ok/, cached ten minutes ago, dies within a day of the simulated clock.
    let next = get("nonce_audit_seconds_until_next_dead", &b, None).unwrap();
    assert!(next > 0.0 && next <= 86_400.0, "{next}");
    let done = get("nonce_audit_last_success_timestamp_seconds", &c, None).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    assert!((now - done).abs() < 600.0, "{done}");
    assert!(get("nonce_audit_audit_duration_seconds", &c, None).unwrap() >= 0.0);
}

async fn mixed_site(i: usize) -> SimSite {
    SimSite::start(SimConfig {
        pages: (0..4)
            .map(|p| {
                let page = SimPage::new(format!("/s{i}/p{p}/"), Shape::WpApiSettings);
                // Some pages dead (cached three days ago), some fresh.
                if (i + p) % 3 == 0 {
                    page.cached_at(NOW - 3 * 86_400)
                } else {
                    page.cached_at(NOW - 600)
                }
            })
            .collect(),
        now: NOW,
        ..SimConfig::default()
    })
    .await
    .unwrap()
}

fn by_site(v: &serde_json::Value) -> std::collections::BTreeMap<String, serde_json::Value> {
    v["sites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["site"].as_str().unwrap().to_owned(), s.clone()))
        .collect()
}

/// The shards of a fleet, merged, are the unsharded run: the same sites, pages, verdicts,
/// advice and counts; --fail-on and --baseline work on the merged result.
#[tokio::test(flavor = "multi_thread")]
async fn merged_shards_equal_the_unsharded_run() {
    let list: Vec<SimSite> = futures_util::future::join_all((0..6).map(mixed_site)).await;
    let text: String = list
        .iter()
        .map(|s| format!("{}/\n", s.base_url()))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_owned();
    let audit = |extra: &[&str]| {
        let mut a = args(&[
            "audit",
            "--sites",
            "-",
            "--rate",
            "0",
            "-q",
            "--fail-on",
            "never",
        ]);
        a.extend(args(extra));
        a
    };
    let o = run_with(audit(&["-o", &path("all.json")]), text.clone(), Vec::new()).await;
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let mut shard_files = Vec::new();
    for k in 1..=3 {
        let out = path(&format!("shard-{k}.json"));
        let spec = format!("{k}/3");
        let o = run_with(
            audit(&["--shard", &spec, "-o", &out]),
            text.clone(),
            Vec::new(),
        )
        .await;
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        shard_files.push(out);
    }
    let merged = path("merged.json");
    let html = path("merged.html");
    let mut m = args(&["merge"]);
    m.extend(shard_files.iter().cloned());
    m.extend(args(&[
        "-o",
        &merged,
        "-o",
        &html,
        "--fail-on",
        "dead",
        "-q",
    ]));
    let o = common::run(m.clone()).await;
    // Dead pages in the fleet: exit 1, as the unsharded run with --fail-on dead.
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let all: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path("all.json")).unwrap()).unwrap();
    let got: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&merged).unwrap()).unwrap();
    assert_eq!(got["schema"], "nonce-audit-multi/1");
    assert!(got["shard"].is_null(), "the merge is the whole fleet");
    let (want, have) = (by_site(&all), by_site(&got));
    assert_eq!(
        want.keys().collect::<Vec<_>>(),
        have.keys().collect::<Vec<_>>()
    );
    for (site, w) in &want {
        let h = &have[site];
        for key in [
            "pages",
            "summary",
            "recommendations",
            "forecast",
            "sitemaps",
            "nonce_life_s",
            "server_time",
        ] {
            assert_eq!(w[key], h[key], "{site}: {key}");
        }
    }
    for key in [
        "pages",
        "dead",
        "fresh",
        "expiring",
        "rest_probes",
        "sites",
        "sites_failed",
    ] {
        assert_eq!(all["summary"][key], got["summary"][key], "summary.{key}");
    }
    assert!(all["summary"]["dead"].as_u64().unwrap() > 0);
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains(&format!("{} site(s)", list.len())), "{page}");

    // --fail-on never: exit 0; against the unsharded run as baseline nothing is newly dead.
    let mut again = args(&["merge"]);
    again.extend(shard_files.iter().cloned());
    again.extend(args(&[
        "--baseline",
        &path("all.json"),
        "--fail-on",
        "new-dead",
        "--format",
        "json",
    ]));
    let o = common::run(again).await;
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["summary"]["newly_dead"], 0);

    // A file that is not a report, a site given twice, nonce lives that differ: exit 2.
    std::fs::write(path("other.json"), r#"{"name": "not a report"}"#).unwrap();
    let o = common::run(args(&["merge", &shard_files[0], &path("other.json")])).await;
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("other.json is not a nonce-audit JSON report"),
        "{err}"
    );
    let o = common::run(args(&["merge", &path("all.json"), &path("all.json")])).await;
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("is in both"), "{err}");
    let other = mixed_site(9).await;
    let twelve = path("twelve.json");
    let o = common::run(args(&[
        "audit",
        &format!("{}/", other.base_url()),
        "--rate",
        "0",
        "--nonce-life",
        "12h",
        "-q",
        "--fail-on",
        "never",
        "-o",
        &twelve,
    ]))
    .await;
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = common::run(args(&["merge", &path("all.json"), &twelve])).await;
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("nonce life of 43200 s") && err.contains("86400 s"),
        "{err}"
    );
    // A single-site report merges with multi-site ones.
    let single = path("single.json");
    let o = common::run(args(&[
        "audit",
        &format!("{}/", other.base_url()),
        "--rate",
        "0",
        "-q",
        "--fail-on",
        "never",
        "-o",
        &single,
    ]))
    .await;
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let mut with_single = m;
    with_single.insert(1, single);
    with_single.extend(args(&["--format", "json"]));
    let o = common::run(with_single).await;
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["summary"]["sites"], list.len() + 1);
    assert_eq!(v["sites"][0]["site"], format!("{}/", other.base_url()));
}
