//! Hostile sites on the network side (issue #14): servers that fan sitemaps out forever, drip,
//! point elsewhere, send too much, ask for hour-long delays, redirect robots.txt, speak UTF-16,
//! loop redirects, or hide a feed behind a URL that looks like a page. Every server is a real
//! loopback one from `common`, and every run is bounded by a watchdog that kills it.

mod common;

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{Fault, FaultServer, gzip, serve};

use nonce_audit::audit::{self, AuditConfig};
use nonce_audit::discover::{DEFAULT_MAX_SITEMAPS, Target};
use nonce_audit::model::{Report, Verdict};

const BIN: &str = env!("CARGO_BIN_EXE_nonce-audit");

/// A page whose `wpApiSettings` nonce the probe below always calls dead.
const WP_PAGE: &str = "<html><head><link rel=\"https://api.w.org/\" href=\"/wp-json/\" /></head><body><script id='wp-api-request-js-extra'>var wpApiSettings = {\"root\":\"\\/wp-json\\/\",\"nonce\":\"0123abcdef\",\"versionString\":\"wp\\/v2\\/\"};</script></body></html>";
const INVALID: &str =
    r#"{"code":"rest_cookie_invalid_nonce","message":"Cookie check failed","data":{"status":403}}"#;

fn xml(body: impl Into<Vec<u8>>) -> Fault {
    Fault::Ok(
        200,
        vec![("Content-Type", "application/xml".into())],
        body.into(),
    )
}

fn html(body: impl Into<Vec<u8>>) -> Fault {
    Fault::Ok(200, vec![("Content-Type", "text/html".into())], body.into())
}

fn urlset(base: &str, paths: &[&str]) -> String {
    let urls: String = paths
        .iter()
        .map(|p| format!("<url><loc>{base}{p}</loc></url>"))
        .collect();
    format!(
        "<?xml version=\"1.0\"?><urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">{urls}</urlset>"
    )
}

fn dead_probe(s: &FaultServer) {
    s.route(
        "/wp-json/nonce-audit/v1/probe",
        Fault::Ok(
            403,
            vec![("Content-Type", "application/json".into())],
            INVALID.as_bytes().to_vec(),
        ),
    );
}

fn config(target: &str) -> AuditConfig {
    let mut c = AuditConfig::new(Target::parse(target).unwrap());
    c.fetch.rate_per_host = 0.0;
    c.fetch.timeout = Duration::from_secs(5);
    c.fetch.retry_base = Duration::from_millis(20);
    c
}

/// Runs the binary, killing it if it is still running after `limit` (the test then fails on
/// the missing exit code instead of hanging).
async fn run_bounded(args: Vec<String>, limit: Duration) -> Output {
    tokio::task::spawn_blocking(move || {
        let mut child = Command::new(BIN)
            .args(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let start = Instant::now();
        while child.try_wait().unwrap().is_none() {
            if start.elapsed() > limit {
                let _ = child.kill();
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap()
}

fn strs(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout_lines(o: &Output, base: &str) -> Vec<String> {
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| l.replace(base, ""))
        .collect()
}

async fn audit_bounded(c: &AuditConfig) -> Report {
    tokio::time::timeout(Duration::from_secs(60), audit::run(c, audit::quiet()))
        .await
        .expect("the audit did not end by itself")
        .unwrap()
}

fn row(r: &Report, path: &str) -> nonce_audit::model::PageResult {
    r.pages
        .iter()
        .find(|p| p.url.ends_with(path))
        .unwrap_or_else(|| panic!("no row for {path}: {:#?}", r.pages))
}

// 1. Unbounded sitemap walks.

/// An index listing the real pages' sitemap, then an index that fans out forever.
fn fan_out_site(s: &FaultServer, fan: usize) {
    let b = &s.base;
    s.route(
        "/sitemap_index.xml",
        xml(format!(
            "<sitemapindex><sitemap><loc>{b}/pages.xml</loc></sitemap><sitemap><loc>{b}/fan/root.xml</loc></sitemap></sitemapindex>"
        )),
    );
    s.route("/pages.xml", xml(urlset(b, &["/one/", "/two/"])));
    s.route("/fan/*", Fault::Fanout(fan));
}

/// Runs the binary, sends it SIGINT after `after`, and returns its exit code; a watchdog kills
/// a run still going `watchdog` later (it then has no exit code), so the test always ends.
async fn interrupted_after(args: Vec<String>, after: Duration, watchdog: Duration) -> Option<i32> {
    tokio::task::spawn_blocking(move || {
        let mut child = Command::new(BIN)
            .args(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(after);
        let pid = child.id().to_string();
        Command::new("kill").args(["-INT", &pid]).status().unwrap();
        let start = Instant::now();
        while child.try_wait().unwrap().is_none() && start.elapsed() < watchdog {
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        child.wait().unwrap().code()
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_fan_out_of_indexes_stops_at_max_sitemaps_and_keeps_the_pages_found() {
    let s = serve().await;
    fan_out_site(&s, 500);
    let o = run_bounded(
        strs(&[
            "sitemap",
            &format!("{}/sitemap_index.xml", s.base),
            "--rate",
            "0",
            "--max-sitemaps",
            "25",
        ]),
        Duration::from_secs(60),
    )
    .await;
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert_eq!(stdout_lines(&o, &s.base), strs(&["/one/", "/two/"]));
    assert!(
        err.contains("sitemap budget reached: 25 sitemaps read"),
        "{err}"
    );
    assert!(err.contains("--max-sitemaps"), "{err}");
    // The index, the pages' sitemap and the fan-out share the budget of 25.
    assert_eq!(s.hits_under("/fan/"), 23);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_default_sitemap_budget_bounds_an_endless_fan_out() {
    let s = serve().await;
    fan_out_site(&s, 5_000);
    let c = config(&format!("{}/sitemap_index.xml", s.base));
    let mut pages = Vec::new();
    let summary = tokio::time::timeout(
        Duration::from_secs(120),
        audit::list_pages(&c, audit::quiet(), |p| pages.push(p.url.path().to_owned())),
    )
    .await
    .expect("the walk did not end by itself")
    .unwrap();
    assert_eq!(pages, strs(&["/one/", "/two/"]));
    assert_eq!(summary.sitemaps.len(), DEFAULT_MAX_SITEMAPS);
    // The index and the pages' sitemap share the budget with the fan-out.
    assert_eq!(s.hits_under("/fan/"), DEFAULT_MAX_SITEMAPS - 2);
    assert!(
        summary
            .warnings
            .iter()
            .any(|w| w.starts_with("sitemap budget reached") && w.contains("at least")),
        "{:?}",
        summary.warnings
    );
    // Indexes read once the budget is spent stop at their first child instead of being parsed
    // to the end, each saying so.
    let cut = summary
        .sitemaps
        .iter()
        .filter(|r| r.warnings.iter().any(|w| w.contains("budget is spent")))
        .count();
    assert!(cut > 0, "no index was cut at the budget");
}

#[tokio::test(flavor = "multi_thread")]
async fn indexes_nested_too_deep_are_refused_before_they_are_queued() {
    let s = serve().await;
    s.route("/fan/*", Fault::Fanout(2));
    let c = config(&format!("{}/fan/root.xml", s.base));
    let summary = tokio::time::timeout(
        Duration::from_secs(60),
        audit::list_pages(&c, audit::quiet(), |_| {}),
    )
    .await
    .expect("the walk did not end by itself")
    .unwrap();
    // Depths 0 to 5 are read; the 64 children at depth 6 are refused with one warning.
    assert_eq!(s.hits_under("/fan/"), 1 + 2 + 4 + 8 + 16 + 32);
    let deep: Vec<&String> = summary
        .warnings
        .iter()
        .filter(|w| w.contains("nested deeper than 5 levels"))
        .collect();
    assert_eq!(deep.len(), 1, "{:?}", summary.warnings);
    assert!(deep[0].starts_with("64 child sitemap(s)"), "{}", deep[0]);
}

// 3. Ctrl-C during a sitemap download.

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_while_a_sitemap_or_robots_txt_drips_exits_130_with_the_report_written() {
    let s = serve().await;
    s.route("/slow-sitemap.xml", Fault::Drip);
    let dripping_robots = serve().await;
    dripping_robots.route("/robots.txt", Fault::Drip);
    for target in [
        format!("{}/slow-sitemap.xml", s.base),
        format!("{}/", dripping_robots.base),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let json = dir.path().join("report.json");
        let args: Vec<String> = strs(&[
            "audit",
            &target,
            "--rate",
            "0",
            "--timeout",
            "10s",
            "-o",
            json.to_str().unwrap(),
        ]);
        // Watchdog: without cancellation the download runs its 3 × 10 s.
        let code =
            interrupted_after(args, Duration::from_millis(1_500), Duration::from_secs(20)).await;
        assert_eq!(code, Some(130), "{target}");
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
        assert_eq!(v["interrupted"], true, "{target}");
        assert_eq!(v["pages"].as_array().map(Vec::len), Some(0), "{target}");
    }
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_with_thousands_of_pages_still_queued_exits_130_with_the_report_written() {
    // Pages that never answer keep every fetcher busy while the walk fills both channels.
    let s = serve().await;
    let paths: Vec<String> = (0..2_000).map(|i| format!("/p/{i}/")).collect();
    let refs: Vec<&str> = paths.iter().map(String::as_str).collect();
    s.route("/sitemap.xml", xml(urlset(&s.base, &refs)));
    s.route("/p/*", Fault::Hang);
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("report.json");
    let args: Vec<String> = strs(&[
        "audit",
        &format!("{}/sitemap.xml", s.base),
        "--rate",
        "0",
        "-o",
        json.to_str().unwrap(),
    ]);
    let code = interrupted_after(args, Duration::from_millis(1_500), Duration::from_secs(25)).await;
    assert_eq!(code, Some(130));
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(v["interrupted"], true);
    let rows = v["pages"].as_array().unwrap();
    assert!(
        !rows.is_empty() && rows.len() < paths.len(),
        "{}",
        rows.len()
    );
}

// 4. Child sitemaps on other origins.

#[tokio::test(flavor = "multi_thread")]
async fn child_sitemaps_on_other_origins_are_skipped_unless_allowed_and_get_no_credentials() {
    let site = serve().await;
    let other = serve().await;
    // The same loopback server under another name is another origin.
    let other_base = other.base.replace("127.0.0.1", "localhost");
    let b = site.base.clone();
    let https_self = b.replace("http://", "https://");
    site.route(
        "/sitemap_index.xml",
        xml(format!(
            "<sitemapindex><sitemap><loc>{b}/mine.xml</loc></sitemap><sitemap><loc>{other_base}/theirs.xml</loc></sitemap><sitemap><loc>{https_self}/tls.xml</loc></sitemap></sitemapindex>"
        )),
    );
    site.route("/mine.xml", xml(urlset(&b, &["/mine/"])));
    other.route("/theirs.xml", xml(urlset(&other_base, &["/theirs/"])));
    let base_args = [
        "sitemap",
        &format!("{b}/sitemap_index.xml"),
        "--rate",
        "0",
        "-H",
        "X-Stage-Token: s3cret-token",
    ];

    let o = run_bounded(strs(&base_args), Duration::from_secs(60)).await;
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert_eq!(stdout_lines(&o, &b), strs(&["/mine/"]));
    assert!(
        err.contains("2 child sitemap(s) on another origin skipped"),
        "{err}"
    );
    assert!(err.contains(&format!("{other_base}/theirs.xml")), "{err}");
    assert!(err.contains(&format!("{https_self}/tls.xml")), "{err}");
    assert!(err.contains("--allow-host"), "{err}");
    assert_eq!(other.total_hits(), 0);

    let mut allowed = strs(&base_args);
    allowed.extend(strs(&["--allow-host", "localhost"]));
    let o = run_bounded(allowed, Duration::from_secs(60)).await;
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let lines = stdout_lines(&o, &b);
    assert_eq!(
        lines,
        vec!["/mine/".to_owned(), format!("{other_base}/theirs/")]
    );
    assert_eq!(other.hits("/theirs.xml"), 1);
    let heads = other.heads.lock().unwrap().join("\n");
    assert!(!heads.contains("s3cret-token"), "{heads}");
    // The audited origin did get it: the header was really sent.
    assert!(
        site.heads
            .lock()
            .unwrap()
            .join("\n")
            .contains("s3cret-token")
    );
}

// 5. Oversized, endless and bomb sitemaps keep what was read before the cap.

#[tokio::test(flavor = "multi_thread")]
async fn oversized_endless_and_bomb_sitemaps_keep_the_urls_before_the_cap() {
    let s = serve().await;
    let b = s.base.clone();
    let paths: Vec<String> = (0..2_000).map(|i| format!("/post-{i:05}/")).collect();
    let refs: Vec<&str> = paths.iter().map(String::as_str).collect();
    let big = urlset(&b, &refs);
    assert!(big.len() > 100_000);
    s.route("/big.xml", xml(big.clone()));
    s.route(
        "/bomb.xml",
        Fault::Ok(
            200,
            vec![("Content-Type", "application/octet-stream".into())],
            gzip(big.as_bytes()),
        ),
    );
    s.route(
        "/endless.txt",
        Fault::Endless(
            "text/plain",
            Vec::new(),
            format!("{b}/again-and-again/\n").into_bytes(),
        ),
    );
    for (path, from_big) in [
        ("/big.xml", true),
        ("/bomb.xml", true),
        ("/endless.txt", false),
    ] {
        let o = run_bounded(
            strs(&[
                "sitemap",
                &format!("{b}{path}"),
                "--rate",
                "0",
                "--max-sitemap-bytes",
                "50000",
            ]),
            Duration::from_secs(60),
        )
        .await;
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(0), "{path}: {err}");
        let lines = stdout_lines(&o, &b);
        assert!(!lines.is_empty(), "{path}: {err}");
        if from_big {
            // A prefix of the list, each URL whole.
            assert!(lines.len() < paths.len(), "{path}");
            assert_eq!(lines, paths[..lines.len()], "{path}");
        } else {
            assert_eq!(lines, strs(&["/again-and-again/"]), "{path}");
        }
        assert!(err.contains("cap"), "{path}: {err}");
        assert!(err.contains("kept"), "{path}: {err}");
    }
}

// 6. Crawl-delay.

#[tokio::test(flavor = "multi_thread")]
async fn an_hour_long_crawl_delay_is_capped_with_a_notice_and_ignore_robots_ignores_it() {
    let s = serve().await;
    let b = s.base.clone();
    s.route(
        "/robots.txt",
        Fault::Ok(200, vec![], b"User-agent: *\nCrawl-delay: 3600\n".to_vec()),
    );
    s.route("/sitemap.xml", xml(urlset(&b, &["/a/", "/b/", "/c/"])));
    let mut c = config(&format!("{b}/sitemap.xml"));
    let summary = audit::list_pages(&c, audit::quiet(), |_| {}).await.unwrap();
    let notice = summary
        .warnings
        .iter()
        .find(|w| w.contains("Crawl-delay"))
        .unwrap_or_else(|| panic!("no Crawl-delay notice: {:?}", summary.warnings));
    assert!(notice.contains("3600"), "{notice}");
    assert!(notice.contains("capped at 30 s"), "{notice}");
    assert!(
        notice.contains("3 page(s) take at least 1m 30s"),
        "{notice}"
    );
    assert!(notice.contains("ETA"), "{notice}");

    c.fetch.ignore_robots = true;
    let before = s.hits("/robots.txt");
    let summary = audit::list_pages(&c, audit::quiet(), |_| {}).await.unwrap();
    assert!(
        summary.warnings.iter().all(|w| !w.contains("Crawl-delay")),
        "{:?}",
        summary.warnings
    );
    assert_eq!(s.hits("/robots.txt"), before);
}

// 7. robots.txt redirects, and an unreadable robots.txt.

#[tokio::test(flavor = "multi_thread")]
async fn robots_txt_redirected_to_another_host_is_followed_for_its_rules() {
    let site = serve().await;
    let cdn = serve().await;
    let b = site.base.clone();
    let cdn_base = cdn.base.replace("127.0.0.1", "localhost");
    site.route(
        "/robots.txt",
        Fault::Redirect(format!("{cdn_base}/robots/site.txt")),
    );
    cdn.route(
        "/robots/site.txt",
        Fault::Ok(
            200,
            vec![],
            b"User-agent: *\nDisallow: /private/\n".to_vec(),
        ),
    );
    site.route("/sitemap.xml", xml(urlset(&b, &["/ok/", "/private/x/"])));
    site.route("/ok/", html(WP_PAGE));
    site.route("/private/x/", html(WP_PAGE));
    dead_probe(&site);
    let r = audit_bounded(&config(&format!("{b}/sitemap.xml"))).await;
    assert_eq!(
        row(&r, "/ok/").verdict,
        Verdict::Dead,
        "{:?}",
        row(&r, "/ok/")
    );
    let private = row(&r, "/private/x/");
    assert_eq!(private.verdict, Verdict::Error);
    assert!(
        private
            .reason
            .as_deref()
            .unwrap_or_default()
            .contains("disallowed by robots.txt"),
        "{private:?}"
    );
    assert_eq!(site.hits("/private/x/"), 0);
    assert_eq!(cdn.hits("/robots/site.txt"), 1);

    // Five redirects are followed (RFC 9309's minimum); a sixth makes the file unavailable,
    // which allows everything.
    for (redirects, private_refused) in [(5, true), (6, false)] {
        let chain = serve().await;
        let cb = chain.base.clone();
        chain.route("/robots.txt", Fault::Redirect("/r1".into()));
        for i in 1..redirects {
            chain.route(&format!("/r{i}"), Fault::Redirect(format!("/r{}", i + 1)));
        }
        chain.route(
            &format!("/r{redirects}"),
            Fault::Ok(
                200,
                vec![],
                b"User-agent: *\nDisallow: /private/\n".to_vec(),
            ),
        );
        chain.route("/sitemap.xml", xml(urlset(&cb, &["/private/x/"])));
        chain.route("/private/x/", html(WP_PAGE));
        dead_probe(&chain);
        let r = audit_bounded(&config(&format!("{cb}/sitemap.xml"))).await;
        let got = row(&r, "/private/x/");
        if private_refused {
            assert_eq!(got.verdict, Verdict::Error, "{got:?}");
            assert_eq!(chain.hits(&format!("/r{redirects}")), 1);
        } else {
            assert_eq!(got.verdict, Verdict::Dead, "{got:?}");
            assert_eq!(chain.hits(&format!("/r{redirects}")), 0);
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreadable_robots_txt_fails_the_audit_instead_of_a_green_run() {
    let s = serve().await;
    let b = s.base.clone();
    s.route(
        "/robots.txt",
        Fault::Ok(503, vec![], b"<title>Service unavailable</title>".to_vec()),
    );
    s.route("/wp-sitemap.xml", xml(urlset(&b, &["/ok/"])));
    s.route("/ok/", html(WP_PAGE));
    dead_probe(&s);
    for target in [format!("{b}/"), format!("{b}/wp-sitemap.xml")] {
        let o = run_bounded(
            strs(&["audit", &target, "--rate", "0", "--fail-on", "never"]),
            Duration::from_secs(60),
        )
        .await;
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{target}: {err}");
        assert!(err.contains("robots.txt"), "{err}");
        assert!(err.contains("HTTP 503"), "{err}");
        assert!(err.contains("--ignore-robots"), "{err}");
    }
    // --ignore-robots: the operator's own site is audited anyway.
    let o = run_bounded(
        strs(&["audit", &format!("{b}/"), "--rate", "0", "--ignore-robots"]),
        Duration::from_secs(60),
    )
    .await;
    assert_eq!(o.status.code(), Some(1), "dead nonce found: {}", stderr(&o));
}

// 12. UTF-16 pages.

fn utf16(text: &str, big_endian: bool, bom: bool) -> Vec<u8> {
    let mut out = Vec::new();
    if bom {
        out.extend(if big_endian {
            [0xFE, 0xFF]
        } else {
            [0xFF, 0xFE]
        });
    }
    for unit in text.encode_utf16() {
        out.extend(if big_endian {
            unit.to_be_bytes()
        } else {
            unit.to_le_bytes()
        });
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn utf16_pages_are_decoded_before_the_nonce_is_looked_for() {
    let s = serve().await;
    let b = s.base.clone();
    let ct = |v: &str| vec![("Content-Type", v.to_owned())];
    s.route(
        "/le-bom/",
        Fault::Ok(200, ct("text/html"), utf16(WP_PAGE, false, true)),
    );
    s.route(
        "/be-bom/",
        Fault::Ok(200, ct("text/html"), utf16(WP_PAGE, true, true)),
    );
    s.route(
        "/be-charset/",
        Fault::Ok(
            200,
            ct("text/html; charset=UTF-16BE"),
            utf16(WP_PAGE, true, false),
        ),
    );
    s.route(
        "/le-charset/",
        Fault::Ok(
            200,
            ct("text/html; charset=\"utf-16\""),
            utf16(WP_PAGE, false, false),
        ),
    );
    s.route("/utf8/", html(WP_PAGE));
    let paths = [
        "/le-bom/",
        "/be-bom/",
        "/be-charset/",
        "/le-charset/",
        "/utf8/",
    ];
    s.route("/sitemap.xml", xml(urlset(&b, &paths)));
    dead_probe(&s);
    let r = audit_bounded(&config(&format!("{b}/sitemap.xml"))).await;
    for p in paths {
        assert_eq!(row(&r, p).verdict, Verdict::Dead, "{p}: {:?}", row(&r, p));
    }
}

// 13. Redirect loops.

#[tokio::test(flavor = "multi_thread")]
async fn a_redirect_loop_stops_at_the_first_revisit_and_is_named() {
    let s = serve().await;
    let b = s.base.clone();
    s.route("/a/", Fault::Redirect("/b/".into()));
    s.route("/b/", Fault::Redirect("/a/".into()));
    s.route("/self/", Fault::Redirect("/self/".into()));
    s.route("/sitemap.xml", xml(urlset(&b, &["/a/", "/self/"])));
    let r = audit_bounded(&config(&format!("{b}/sitemap.xml"))).await;
    let a = row(&r, "/a/");
    assert_eq!(a.verdict, Verdict::Error);
    let reason = a.reason.clone().unwrap_or_default();
    assert!(
        reason.contains(&format!("redirect loop: {b}/a/ → {b}/b/ → {b}/a/")),
        "{reason}"
    );
    assert_eq!((s.hits("/a/"), s.hits("/b/")), (1, 1));
    let own = row(&r, "/self/").reason.clone().unwrap_or_default();
    assert!(own.contains("redirect loop"), "{own}");
    assert_eq!(s.hits("/self/"), 1);
}

// 14. A feed or sitemap given with a path ending in `/`.

#[tokio::test(flavor = "multi_thread")]
async fn a_feed_url_ending_in_a_slash_is_read_as_a_feed_and_a_page_url_stays_a_site() {
    let s = serve().await;
    let b = s.base.clone();
    s.route(
        "/feed/atom/",
        Fault::Ok(
            200,
            vec![("Content-Type", "application/atom+xml; charset=UTF-8".into())],
            format!(
                "<?xml version=\"1.0\"?><feed xmlns=\"http://www.w3.org/2005/Atom\"><title>t</title><entry><link href=\"{b}/hello/\"/></entry><entry><link href=\"{b}/world/\"/></entry></feed>"
            )
            .into_bytes(),
        ),
    );
    s.route(
        "/pages/list/",
        Fault::Ok(
            200,
            vec![("Content-Type", "text/plain".into())],
            format!("{b}/from-text/\n").into_bytes(),
        ),
    );
    s.route("/blog/", html("<html><title>Blog</title></html>"));
    s.route(
        "/robots.txt",
        Fault::Ok(
            200,
            vec![],
            format!("Sitemap: {b}/sitemap.xml\n").into_bytes(),
        ),
    );
    s.route("/sitemap.xml", xml(urlset(&b, &["/from-sitemap/"])));
    for (target, want) in [
        ("/feed/atom/", vec!["/hello/", "/world/"]),
        ("/pages/list/", vec!["/from-text/"]),
        ("/blog/", vec!["/from-sitemap/"]),
    ] {
        let o = run_bounded(
            strs(&["sitemap", &format!("{b}{target}"), "--rate", "0"]),
            Duration::from_secs(60),
        )
        .await;
        assert_eq!(o.status.code(), Some(0), "{target}: {}", stderr(&o));
        assert_eq!(stdout_lines(&o, &b), strs(&want), "{target}");
    }
}
