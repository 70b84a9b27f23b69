//! End-to-end behaviour of the audit against the simulated WordPress over real loopback HTTP.
//!
//! The simulated site computes nonces with core's algorithm and answers REST like
//! `rest_cookie_check_errors()`, with a clock the tests set; every assertion here is on what the
//! audit concluded and on what it actually sent to the site.

use std::time::Duration;

use nonce_audit::audit::{self, AuditConfig};
use nonce_audit::clock::{NonceClock, utc};
use nonce_audit::discover::Target;
use nonce_audit::model::{NonceState, PageResult, Report, Verdict};
use nonce_audit::sim::{Permalinks, RestMode, Shape, SimConfig, SimPage, SimSite};

/// 2026-11-24 15:00:00 UTC: three hours into the 12:00 tick (default nonce life).
const NOW: i64 = 1_795_532_400;
const DAY: u64 = 86_400;

fn config_for(site: &SimSite) -> AuditConfig {
    let mut c = AuditConfig::new(Target::parse(&format!("{}/", site.base_url())).unwrap());
    c.fetch.rate_per_host = 0.0;
    c.fetch.timeout = Duration::from_secs(3);
    c
}

async fn audit(site: &SimSite) -> Report {
    audit::run(&config_for(site), audit::quiet()).await.unwrap()
}

fn page(r: &Report, path: &str) -> PageResult {
    r.pages
        .iter()
        .find(|p| {
            let u = url::Url::parse(&p.url).unwrap();
            &u[url::Position::BeforePath..] == path
        })
        .unwrap_or_else(|| panic!("no row for {path}: {:#?}", r.pages))
}

fn sim(pages: Vec<SimPage>) -> SimConfig {
    SimConfig {
        pages,
        now: NOW,
        ..SimConfig::default()
    }
}

#[tokio::test]
async fn every_core_verdict_from_cached_copies_of_different_ages() {
    let clock = NonceClock::default();
    let tick_start = (clock.tick_at(NOW) - 1) * clock.tick_len();
    let site = SimSite::start(sim(vec![
        SimPage::new("/fresh/", Shape::WpApiSettings).cached_at(NOW - 600),
        SimPage::new("/expiring/", Shape::WpApiSettings).cached_at(tick_start - 60),
        SimPage::new("/dead/", Shape::WpApiSettings).cached_at(NOW - 2 * DAY as i64),
        SimPage::new("/fetch/", Shape::ApiFetch),
        SimPage::new("/plain/", Shape::NoNonce),
    ]))
    .await
    .unwrap();
    let r = audit(&site).await;

    assert_eq!(page(&r, "/fresh/").verdict, Verdict::Fresh);
    assert_eq!(page(&r, "/fetch/").verdict, Verdict::Fresh);
    assert_eq!(page(&r, "/expiring/").verdict, Verdict::Expiring);
    assert_eq!(page(&r, "/dead/").verdict, Verdict::Dead);
    assert_eq!(page(&r, "/plain/").verdict, Verdict::NoNonce);

    // Fresh: made in the current tick (ends 2026-11-25 00:00), accepted through the next one.
    assert_eq!(
        page(&r, "/fresh/").dies_at.unwrap().to_rfc3339(),
        "2026-11-25T12:00:00+00:00"
    );
    // Expiring: made in the previous tick, dies at the next boundary.
    assert_eq!(
        page(&r, "/expiring/").dies_at.unwrap().to_rfc3339(),
        "2026-11-25T00:00:00+00:00"
    );
    assert_eq!(page(&r, "/dead/").dies_at, None);
    assert!(
        page(&r, "/dead/")
            .reason
            .as_deref()
            .unwrap()
            .contains("rest_cookie_invalid_nonce")
    );
    assert_eq!(page(&r, "/dead/").nonces[0].state, NonceState::Rejected);
    assert_eq!(page(&r, "/expiring/").nonces[0].state, NonceState::Previous);
    assert_eq!(page(&r, "/fresh/").nonces[0].state, NonceState::Current);
    assert_eq!(
        page(&r, "/fetch/").nonces[0].source,
        "createNonceMiddleware"
    );

    assert_eq!(r.summary.pages, 5);
    assert_eq!(
        (
            r.summary.fresh,
            r.summary.expiring,
            r.summary.dead,
            r.summary.no_nonce
        ),
        (2, 1, 1, 1)
    );
    assert_eq!(r.server_time.map(|t| t.timestamp()), Some(NOW));
    assert_eq!(r.rest_root.as_deref(), Some(site.rest_root().as_str()));
    assert_eq!(r.nonce_life_s, DAY);
    // The dead page's cache is named and dated.
    let dead = page(&r, "/dead/");
    assert_eq!(dead.cache.layer.as_deref(), Some("varnish"));
    assert_eq!(dead.cache.age_s, Some(2 * DAY as i64));
}

#[tokio::test]
async fn fifty_pages_sharing_one_nonce_cost_one_probe_and_one_control() {
    let pages = (0..50)
        .map(|i| SimPage::new(format!("/p{i}/"), Shape::WpApiSettings).cached_at(NOW - 60))
        .collect();
    let site = SimSite::start(sim(pages)).await.unwrap();
    let r = audit(&site).await;
    assert_eq!(r.summary.fresh, 50);
    let log = site.requests();
    let rest: Vec<_> = log.iter().filter(|l| l.is_rest()).collect();
    let nonce = site.nonce_at(NOW - 60);
    let probes = rest
        .iter()
        .filter(|l| l.x_wp_nonce.as_deref() == Some(nonce.as_str()))
        .count();
    assert_eq!(probes, 1, "one probe for the shared nonce: {rest:#?}");
    assert_eq!(rest.len(), 2, "plus exactly one control probe: {rest:#?}");
    assert_eq!(r.summary.rest_probes, 2);
    // Every page fetched exactly once, never cache-busted, never with a cookie.
    let page_fetches: Vec<_> = log
        .iter()
        .filter(|l| l.path_and_query.starts_with("/p"))
        .collect();
    assert_eq!(page_fetches.len(), 50);
    let mut paths: Vec<_> = page_fetches.iter().map(|l| &l.path_and_query).collect();
    paths.sort();
    paths.dedup();
    assert_eq!(paths.len(), 50);
    assert!(page_fetches.iter().all(|l| !l.path_and_query.contains('?')));
    assert!(log.iter().all(|l| !l.had_cookie));
    assert!(log.iter().all(|l| {
        l.user_agent
            .as_deref()
            .is_some_and(|ua| ua.starts_with("nonce-audit/"))
    }));
}

#[tokio::test]
async fn probes_carry_a_cache_buster_and_the_nonce_in_a_header() {
    let site = SimSite::start(sim(vec![SimPage::new("/a/", Shape::WpApiSettings)]))
        .await
        .unwrap();
    audit(&site).await;
    let probes: Vec<_> = site
        .requests()
        .into_iter()
        .filter(|l| l.is_rest())
        .collect();
    assert_eq!(probes.len(), 2);
    for p in &probes {
        assert!(
            p.path_and_query.contains("nonce_audit_cb="),
            "{}",
            p.path_and_query
        );
        assert!(!p.path_and_query.contains("_wpnonce"));
        assert!(p.x_wp_nonce.as_deref().is_some_and(|n| n.len() == 10));
    }
    assert_ne!(probes[0].path_and_query, probes[1].path_and_query);
}

#[tokio::test]
async fn rest_blocked_for_anonymous_makes_nonce_pages_unverifiable_not_fresh() {
    let mut cfg = sim(vec![
        SimPage::new("/a/", Shape::WpApiSettings).cached_at(NOW - 60),
        SimPage::new("/b/", Shape::WpApiSettings).cached_at(NOW - 3 * DAY as i64),
        SimPage::new("/c/", Shape::NoNonce),
    ]);
    cfg.rest = RestMode::BlockedAnonymous;
    let site = SimSite::start(cfg).await.unwrap();
    let r = audit(&site).await;
    for path in ["/a/", "/b/"] {
        let p = page(&r, path);
        assert_eq!(p.verdict, Verdict::Unverifiable, "{path}");
        let reason = p.reason.as_deref().unwrap();
        assert!(reason.contains("rest_not_logged_in"), "{reason}");
        assert!(reason.contains("401"), "{reason}");
    }
    assert_eq!(page(&r, "/c/").verdict, Verdict::NoNonce);
    // Only the control probe was sent: page nonces are not handed to a root that cannot judge.
    let rest: Vec<_> = site
        .requests()
        .into_iter()
        .filter(|l| l.is_rest())
        .collect();
    assert_eq!(rest.len(), 1, "{rest:#?}");
}

#[tokio::test]
async fn waf_html_on_rest_is_unverifiable_with_its_title() {
    let mut cfg = sim(vec![SimPage::new("/a/", Shape::WpApiSettings)]);
    cfg.rest = RestMode::WafHtml;
    let site = SimSite::start(cfg).await.unwrap();
    let r = audit(&site).await;
    let p = page(&r, "/a/");
    assert_eq!(p.verdict, Verdict::Unverifiable);
    assert!(p.reason.as_deref().unwrap().contains("Access denied"));
}

#[tokio::test]
async fn a_rest_root_that_hangs_times_out_and_the_audit_goes_on() {
    let mut cfg = sim(vec![
        SimPage::new("/a/", Shape::WpApiSettings),
        SimPage::new("/b/", Shape::NoNonce),
    ]);
    cfg.rest = RestMode::Hang;
    let site = SimSite::start(cfg).await.unwrap();
    let mut c = config_for(&site);
    c.fetch.timeout = Duration::from_millis(500);
    let started = std::time::Instant::now();
    let r = audit::run(&c, audit::quiet()).await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(20));
    let p = page(&r, "/a/");
    assert_eq!(p.verdict, Verdict::Unverifiable);
    assert!(p.reason.as_deref().unwrap().contains("timed out"), "{p:?}");
    assert_eq!(page(&r, "/b/").verdict, Verdict::NoNonce);
}

#[tokio::test]
async fn failing_and_malformed_pages_become_rows_and_the_audit_goes_on() {
    let site = SimSite::start(sim(vec![
        SimPage::new("/down/", Shape::Status(500)),
        SimPage::new("/gone/", Shape::Status(410)),
        SimPage::new(
            "/garbage/",
            Shape::Template("<html><script>var wpApiSettings = {\"nonce\":\"ZZZ\"\u{0}<<<".into()),
        ),
        SimPage::new("/ok/", Shape::WpApiSettings),
    ]))
    .await
    .unwrap();
    let r = audit(&site).await;
    let down = page(&r, "/down/");
    assert_eq!(down.verdict, Verdict::Error);
    assert_eq!(down.status, Some(500));
    assert!(down.reason.as_deref().unwrap().contains("HTTP 500"));
    assert_eq!(page(&r, "/gone/").status, Some(410));
    assert_eq!(page(&r, "/garbage/").verdict, Verdict::NoNonce);
    assert_eq!(page(&r, "/ok/").verdict, Verdict::Fresh);
    assert_eq!(r.summary.pages, 4);
}

#[tokio::test]
async fn plain_permalinks_use_rest_route_and_the_query_sitemap() {
    let mut cfg = sim(vec![
        SimPage::new("/?p=1", Shape::WpApiSettings).cached_at(NOW - 3 * DAY as i64),
        SimPage::new("/?page_id=2", Shape::WpApiSettings),
    ]);
    cfg.permalinks = Permalinks::Plain;
    let site = SimSite::start(cfg).await.unwrap();
    let r = audit(&site).await;
    assert_eq!(r.summary.pages, 2, "{:#?}", r.sitemaps);
    assert_eq!(page(&r, "/?p=1").verdict, Verdict::Dead);
    assert_eq!(page(&r, "/?page_id=2").verdict, Verdict::Fresh);
    assert!(r.rest_root.as_deref().unwrap().ends_with("?rest_route=/"));
    let rest: Vec<_> = site
        .requests()
        .into_iter()
        .filter(|l| l.is_rest())
        .collect();
    assert!(rest.iter().all(|l| {
        l.path_and_query
            .contains("rest_route=%2Fnonce-audit%2Fv1%2Fprobe")
    }));
}

#[tokio::test]
async fn server_clock_not_local_clock_dates_the_nonces() {
    // The simulated server lives in 2026 whatever this machine's clock says; a fresh page's
    // death must follow the server's Date header.
    let site = SimSite::start(SimConfig {
        pages: vec![SimPage::new("/a/", Shape::WpApiSettings)],
        now: 1_000_000_000, // 2001-09-09T01:46:40Z
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let r = audit(&site).await;
    let clock = NonceClock::default();
    assert_eq!(
        page(&r, "/a/").dies_at,
        Some(utc(clock.dies_at_for_generation(1_000_000_000)))
    );
}

#[tokio::test]
async fn time_passing_turns_fresh_into_expiring_into_dead() {
    let mut cfg = sim(vec![SimPage::new("/a/", Shape::WpApiSettings)]);
    cfg.nonce_life_s = 20;
    cfg.now = 1_000;
    let site = SimSite::start(cfg).await.unwrap();
    let mut c = config_for(&site);
    c.nonce_life_s = 20;
    // 1000 is a boundary of tick 100; render at 1001 (tick 101, dies after 1020).
    site.set_now(1_001);
    let r = audit::run(&c, audit::quiet()).await.unwrap();
    assert_eq!(r.pages.to_vec()[0].verdict, Verdict::Fresh);
    assert_eq!(
        r.pages.to_vec()[0].dies_at.map(|d| d.timestamp()),
        Some(1_020)
    );
    site.set_now(1_011);
    let r = audit::run(&c, audit::quiet()).await.unwrap();
    assert_eq!(r.pages.to_vec()[0].verdict, Verdict::Expiring);
    assert_eq!(
        r.pages.to_vec()[0].dies_at.map(|d| d.timestamp()),
        Some(1_020)
    );
    site.set_now(1_020);
    let r = audit::run(&c, audit::quiet()).await.unwrap();
    assert_eq!(
        r.pages.to_vec()[0].verdict,
        Verdict::Expiring,
        "last accepted second"
    );
    site.set_now(1_021);
    let r = audit::run(&c, audit::quiet()).await.unwrap();
    assert_eq!(r.pages.to_vec()[0].verdict, Verdict::Dead);
}

#[tokio::test]
async fn max_pages_stops_the_walk_in_sitemap_order() {
    let pages = (0..30)
        .map(|i| SimPage::new(format!("/p{i}/"), Shape::NoNonce))
        .collect();
    let mut cfg = sim(pages);
    cfg.per_sitemap = 7;
    let site = SimSite::start(cfg).await.unwrap();
    let mut c = config_for(&site);
    c.walk.max_pages = Some(10);
    let r = audit::run(&c, audit::quiet()).await.unwrap();
    let urls: Vec<_> = r.pages.iter().map(|p| p.url.clone()).collect();
    let expected: Vec<_> = (0..10)
        .map(|i| format!("{}/p{i}/", site.base_url()))
        .collect();
    assert_eq!(urls, expected);
    let fetched = site
        .requests()
        .iter()
        .filter(|l| l.path_and_query.starts_with("/p"))
        .count();
    assert_eq!(fetched, 10);
}

#[tokio::test]
async fn unreachable_site_is_an_error_not_a_report() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let mut c = AuditConfig::new(Target::parse(&format!("http://{addr}/")).unwrap());
    c.fetch.timeout = Duration::from_secs(2);
    let err = audit::run(&c, audit::quiet()).await.unwrap_err();
    assert!(err.to_string().contains("unreachable"), "{err}");
}

/// A site with more pages than the rows kept in memory: the rows go through the temporary file
/// while 16 workers finish them in any order, and come back complete, in sitemap order, with
/// the summary, the advice and the forecast computed on the way agreeing with them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_site_bigger_than_the_rows_kept_in_memory_spills_them_and_keeps_sitemap_order() {
    let n = nonce_audit::model::rows::SPILL_AFTER + 276;
    let pages = (0..n)
        .map(|i| {
            let page = SimPage::new(format!("/p{i}/"), Shape::WpApiSettings);
            match i % 4 {
                0 => SimPage::new(format!("/p{i}/"), Shape::NoNonce),
                1 => page.cached_at(NOW - 2 * DAY as i64),
                _ => page.cached_at(NOW - 600),
            }
        })
        .collect();
    let mut cfg = sim(pages);
    cfg.per_sitemap = 500;
    let site = SimSite::start(cfg).await.unwrap();
    let mut c = config_for(&site);
    c.concurrency = 16;
    let r = audit::run(&c, audit::quiet()).await.unwrap();
    assert_eq!(r.pages.len(), n);
    assert!(r.pages.spilled() >= n - 16, "{} spilled", r.pages.spilled());
    let rows = r.pages.to_vec();
    let urls: Vec<_> = rows.iter().map(|p| p.url.clone()).collect();
    let expected: Vec<_> = (0..n)
        .map(|i| format!("{}/p{i}/", site.base_url()))
        .collect();
    assert_eq!(urls, expected);
    for (i, p) in rows.iter().enumerate() {
        let want = match i % 4 {
            0 => Verdict::NoNonce,
            1 => Verdict::Dead,
            _ => Verdict::Fresh,
        };
        assert_eq!(p.verdict, want, "{}", p.url);
    }
    let dead = rows.iter().filter(|p| p.verdict == Verdict::Dead).count();
    assert_eq!(r.summary.dead as usize, dead);
    assert_eq!(r.summary.pages as usize, n);
    assert_eq!(r.pages.count(Verdict::Dead), dead);
    assert_eq!(r.pages.with_verdict(Verdict::Dead).count(), dead);
    // The TTL advice names every dead page, in sitemap order, from the slim findings.
    let ttl = r
        .recommendations
        .iter()
        .find(|rec| rec.kind == nonce_audit::model::RecommendationKind::Ttl)
        .expect("a TTL recommendation");
    let dead_urls: Vec<_> = rows
        .iter()
        .filter(|p| p.verdict == Verdict::Dead)
        .map(|p| p.url.clone())
        .collect();
    assert_eq!(ttl.urls, dead_urls);
}

#[tokio::test]
async fn the_total_is_announced_once_every_page_is_queued() {
    // More pages than the queue holds, so the walk ends while pages are still being audited.
    let n = audit::CHANNEL_CAPACITY * 2 + 40;
    let pages = (0..n)
        .map(|i| SimPage::new(format!("/p{i}/"), Shape::WpApiSettings).cached_at(NOW - 60))
        .collect();
    let site = SimSite::start(sim(pages)).await.unwrap();
    #[derive(Debug, PartialEq)]
    enum Seen {
        Queued,
        Page,
        Listed(u64),
    }
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = std::sync::Arc::clone(&seen);
    let sink: audit::EventSink = std::sync::Arc::new(move |e| {
        let s = match e {
            audit::Event::Queued => Seen::Queued,
            audit::Event::Page(_) => Seen::Page,
            audit::Event::Listed(total) => Seen::Listed(total),
            _ => return,
        };
        log.lock().unwrap().push(s);
    });
    let r = audit::run(&config_for(&site), sink).await.unwrap();
    assert_eq!(r.summary.pages, n as u64);
    let seen = seen.lock().unwrap();
    let listed: Vec<usize> = (0..seen.len())
        .filter(|i| matches!(seen[*i], Seen::Listed(_)))
        .collect();
    assert_eq!(listed.len(), 1, "announced once");
    let at = listed[0];
    assert_eq!(seen[at], Seen::Listed(n as u64), "the total is every page");
    assert!(
        !seen[at + 1..].contains(&Seen::Queued),
        "after the last queued URL"
    );
    assert!(
        seen[at + 1..].contains(&Seen::Page),
        "while pages are still being audited, so the bar has something to show"
    );
}
