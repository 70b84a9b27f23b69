//! What must never happen: nonces or credentials reaching another host, a report lost to Ctrl-C,
//! a transient failure mistaken for a verdict.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use nonce_audit::audit::{self, AuditConfig};
use nonce_audit::discover::Target;
use nonce_audit::fetch::Secret;
use nonce_audit::model::Verdict;
use nonce_audit::sim::{Shape, SimConfig, SimPage, SimSite};

const NOW: i64 = 1_795_532_400; // 2026-11-24T15:00:00Z

async fn start(pages: Vec<SimPage>) -> SimSite {
    SimSite::start(SimConfig {
        pages,
        now: NOW,
        ..SimConfig::default()
    })
    .await
    .unwrap()
}

fn config(site: &SimSite) -> AuditConfig {
    let mut c = AuditConfig::new(Target::parse(&format!("{}/", site.base_url())).unwrap());
    c.fetch.rate_per_host = 0.0;
    c.fetch.timeout = Duration::from_secs(3);
    c.fetch.retry_base = Duration::from_millis(50);
    c
}

#[tokio::test]
async fn credentials_reach_only_the_audited_origin_even_through_a_redirect() {
    let other = start(vec![SimPage::new("/landing/", Shape::WpApiSettings)]).await;
    let site = start(vec![
        SimPage::new("/a/", Shape::WpApiSettings),
        SimPage::new(
            "/moved/",
            Shape::Redirect(format!("{}/landing/", other.base_url())),
        ),
    ])
    .await;
    let mut c = config(&site);
    c.fetch.basic_auth = Some(("stage".into(), Secret("s3cret-pass".into())));
    c.fetch.site_headers = vec![("X-Stage-Token".into(), Secret("tok-123".into()))];
    let r = audit::run(&c, audit::quiet()).await.unwrap();

    // Every request to the audited site carried the credentials...
    let own = site.requests();
    assert!(!own.is_empty());
    assert!(
        own.iter().all(|l| l
            .authorization
            .as_deref()
            .is_some_and(|a| a.starts_with("Basic "))),
        "{own:#?}"
    );
    // ...and the other host saw nothing at all: the redirect was recorded, not followed.
    assert!(other.requests().is_empty(), "{:#?}", other.requests());
    let moved = r.pages.iter().find(|p| p.url.ends_with("/moved/")).unwrap();
    assert_eq!(moved.verdict, Verdict::Error);
    assert_eq!(moved.status, Some(302));
    assert!(moved.reason.as_deref().unwrap().contains(&other.base_url()));
    // The password never appears in the report.
    let json = nonce_audit::report::json::render(&r);
    assert!(!json.contains("s3cret-pass") && !json.contains("tok-123"));
    assert!(!format!("{c:?}").contains("s3cret-pass"));
}

#[tokio::test]
async fn a_nonce_is_never_sent_to_a_rest_root_on_another_host() {
    let other = start(vec![]).await;
    let template = format!(
        "<html><head><link rel=\"https://api.w.org/\" href=\"{}/wp-json/\" /></head><body><script>var wpApiSettings = {{\"root\":\"{}/wp-json/\",\"nonce\":\"{{{{nonce}}}}\"}};</script></body></html>",
        other.base_url(),
        other.base_url()
    );
    let site = start(vec![SimPage::new("/a/", Shape::Template(template))]).await;
    let r = audit::run(&config(&site), audit::quiet()).await.unwrap();
    let p = &r.pages.to_vec()[0];
    assert_eq!(p.verdict, Verdict::Unverifiable);
    assert!(p.reason.as_deref().unwrap().contains("another origin"));
    assert!(other.requests().is_empty(), "{:#?}", other.requests());
    assert!(site.requests().iter().all(|l| !l.is_rest()));
}

#[tokio::test]
async fn a_503_with_retry_after_is_retried_and_the_page_is_judged() {
    let site = start(vec![SimPage::new("/busy/", Shape::Flaky(2))]).await;
    let started = Instant::now();
    let r = audit::run(&config(&site), audit::quiet()).await.unwrap();
    assert_eq!(
        r.pages.to_vec()[0].verdict,
        Verdict::Fresh,
        "{:?}",
        r.pages.to_vec()[0]
    );
    // Retry-After: 1 was honoured twice.
    assert!(started.elapsed() >= Duration::from_secs(2));
    let tries = site
        .requests()
        .iter()
        .filter(|l| l.path_and_query == "/busy/")
        .count();
    assert_eq!(tries, 3);
}

#[tokio::test]
async fn retries_stop_at_max_tries_and_the_row_keeps_the_status() {
    let site = start(vec![SimPage::new("/down/", Shape::Flaky(10))]).await;
    let mut c = config(&site);
    c.fetch.max_tries = 2;
    let r = audit::run(&c, audit::quiet()).await.unwrap();
    assert_eq!(r.pages.to_vec()[0].verdict, Verdict::Error);
    assert_eq!(r.pages.to_vec()[0].status, Some(503));
    let tries = site
        .requests()
        .iter()
        .filter(|l| l.path_and_query == "/down/")
        .count();
    assert_eq!(tries, 2);
}

#[tokio::test]
async fn retry_after_longer_than_the_cap_is_not_waited_for() {
    let site = start(vec![SimPage::new("/busy/", Shape::Flaky(5))]).await;
    let mut c = config(&site);
    c.fetch.max_retry_after = Duration::from_millis(100);
    let started = Instant::now();
    let r = audit::run(&c, audit::quiet()).await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(r.pages.to_vec()[0].status, Some(503));
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn sigint_mid_audit_writes_a_partial_report_marked_interrupted() {
    let pages = (0..40)
        .map(|i| SimPage::new(format!("/p{i}/"), Shape::WpApiSettings))
        .collect();
    let site = SimSite::start(SimConfig {
        pages,
        now: NOW,
        page_delay: Duration::from_millis(300),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("partial.json");
    let base = site.base_url();
    let json_arg = json.to_str().unwrap().to_owned();
    let (code, elapsed) = tokio::task::spawn_blocking(move || {
        let mut child = Command::new(env!("CARGO_BIN_EXE_nonce-audit"))
            .args([
                "audit",
                &base,
                "--rate",
                "0",
                "--concurrency",
                "1",
                "-o",
                &json_arg,
                "-q",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(2_000));
        let sent = Instant::now();
        let pid = child.id().to_string();
        Command::new("kill").args(["-INT", &pid]).status().unwrap();
        let status = child.wait().unwrap();
        (status.code(), sent.elapsed())
    })
    .await
    .unwrap();
    assert_eq!(code, Some(130));
    assert!(elapsed < Duration::from_secs(6), "took {elapsed:?} to stop");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(v["interrupted"], true);
    assert_eq!(v["schema"], "nonce-audit/1");
    let n = v["pages"].as_array().unwrap().len();
    assert!(n > 0 && n < 40, "{n} pages");
    assert_eq!(v["summary"]["pages"].as_u64().unwrap() as usize, n);
}

#[tokio::test]
async fn robots_disallow_and_crawl_delay_for_our_agent_are_honoured() {
    let site = SimSite::start(SimConfig {
        pages: vec![
            SimPage::new("/public/", Shape::WpApiSettings),
            SimPage::new("/private/report/", Shape::WpApiSettings),
            SimPage::new("/public/two/", Shape::NoNonce),
        ],
        robots_extra: "\nUser-agent: nonce-audit\nDisallow: /private/\nCrawl-delay: 1\n".into(),
        now: NOW,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let started = Instant::now();
    let r = audit::run(&config(&site), audit::quiet()).await.unwrap();
    let private = r
        .pages
        .iter()
        .find(|p| p.url.contains("/private/"))
        .unwrap();
    assert_eq!(private.verdict, Verdict::Error);
    assert!(private.reason.as_deref().unwrap().contains("robots.txt"));
    assert!(
        site.requests()
            .iter()
            .all(|l| !l.path_and_query.starts_with("/private/"))
    );
    // Crawl-delay 1 s between requests to the host: robots, sitemap index, sitemap, 2 pages, probes.
    assert!(
        started.elapsed() >= Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );

    let mut c = config(&site);
    c.fetch.ignore_robots = true;
    let r = audit::run(&c, audit::quiet()).await.unwrap();
    let private = r
        .pages
        .iter()
        .find(|p| p.url.contains("/private/"))
        .unwrap();
    assert_eq!(private.verdict, Verdict::Fresh);
}
