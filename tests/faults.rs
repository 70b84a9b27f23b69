//! Fault injection: a raw loopback server that misbehaves in every way a production site can,
//! and the audit must still finish in bounded time, account for every page, and say what
//! happened in each row.

mod common;

use std::time::{Duration, Instant};

use common::{Fault, FaultServer, gzip, serve};

use nonce_audit::audit::{self, AuditConfig};
use nonce_audit::discover::Target;
use nonce_audit::model::{Report, Verdict};

const WP_PAGE: &str = "<html><head><link rel=\"https://api.w.org/\" href=\"/wp-json/\" /></head><body><script id='wp-api-request-js-extra'>var wpApiSettings = {\"root\":\"\\/wp-json\\/\",\"nonce\":\"0123abcdef\",\"versionString\":\"wp\\/v2\\/\"};</script></body></html>";

fn page_routes() -> Vec<(&'static str, Fault)> {
    // A 100 MB gzip bomb: ~100 KB on the wire.
    let bomb = gzip(&vec![b' '; 100 * 1024 * 1024]);
    vec![
        ("/hang/", Fault::Hang),
        ("/drip/", Fault::Drip),
        ("/reset/", Fault::Reset),
        ("/truncated/", Fault::Truncated),
        ("/huge/", Fault::Huge(100 * 1024 * 1024)),
        (
            "/bomb/",
            Fault::Ok(
                200,
                vec![
                    ("Content-Encoding", "gzip".into()),
                    ("Content-Type", "text/html".into()),
                ],
                bomb,
            ),
        ),
        ("/loop/", Fault::Redirect("/loop/".into())),
        ("/away/", Fault::Redirect("http://example.invalid/".into())),
        (
            "/latin1/",
            Fault::Ok(
                200,
                vec![("Content-Type", "text/html; charset=ISO-8859-1".into())],
                b"<html><title>Caf\xe9 \xff\xfe</title><body>\xc3\x28 invalid utf-8</body></html>"
                    .to_vec(),
            ),
        ),
        (
            "/storm/",
            Fault::Ok(
                502,
                vec![("Content-Type", "text/html".into())],
                b"<title>Bad gateway</title>".to_vec(),
            ),
        ),
        (
            "/ok/",
            Fault::Ok(
                200,
                vec![("Content-Type", "text/html".into())],
                WP_PAGE.as_bytes().to_vec(),
            ),
        ),
    ]
}

/// Serves every page fault plus a gzip-compressed sitemap (under a misleading Content-Type)
/// listing them, with `rest` as the REST probe's behaviour, and audits it.
async fn audit_fault_site(rest: Fault) -> (Report, FaultServer, Duration) {
    let server = serve().await;
    let pages = page_routes();
    let urls: String = pages
        .iter()
        .map(|(p, _)| format!("<url><loc>{}{p}</loc></url>", server.base))
        .collect();
    for (p, f) in pages {
        server.route(p, f);
    }
    server.route("/wp-json/nonce-audit/v1/probe", rest);
    server.route("/robots.txt", Fault::Ok(404, vec![], vec![]));
    let sitemap = format!(
        "<?xml version=\"1.0\"?><urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">{urls}</urlset>"
    );
    server.route(
        "/wp-sitemap.xml",
        Fault::Ok(
            200,
            vec![("Content-Type", "text/html".into())],
            gzip(sitemap.as_bytes()),
        ),
    );
    let started = Instant::now();
    let report = audit::run(&config(&server.base), audit::quiet())
        .await
        .unwrap();
    (report, server, started.elapsed())
}

fn config(base: &str) -> AuditConfig {
    let mut c = AuditConfig::new(Target::parse(&format!("{base}/")).unwrap());
    c.fetch.rate_per_host = 0.0;
    c.fetch.timeout = Duration::from_secs(1);
    c.fetch.retry_base = Duration::from_millis(20);
    c.fetch.max_page_bytes = 10 * 1024 * 1024;
    c.concurrency = 4;
    c
}

fn row(r: &Report, path: &str) -> nonce_audit::model::PageResult {
    r.pages
        .iter()
        .find(|p| p.url.ends_with(path))
        .unwrap_or_else(|| panic!("no row for {path}: {:#?}", r.pages))
}

fn reason(r: &Report, path: &str) -> String {
    row(r, path).reason.clone().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_page_fault_ends_in_a_row_that_says_what_happened() {
    const INVALID: &str = r#"{"code":"rest_cookie_invalid_nonce","message":"Cookie check failed","data":{"status":403}}"#;
    let (r, server, elapsed) = audit_fault_site(Fault::Ok(
        403,
        vec![("Content-Type", "application/json".into())],
        INVALID.as_bytes().to_vec(),
    ))
    .await;
    // Bounded time: 2 s timeouts, 3 tries, 4 workers.
    assert!(elapsed < Duration::from_secs(40), "took {elapsed:?}");
    // Pages in == rows out.
    assert_eq!(r.pages.len(), page_routes().len());
    assert_eq!(r.summary.pages as usize, page_routes().len());

    for path in ["/hang/", "/drip/"] {
        assert_eq!(row(&r, path).verdict, Verdict::Error, "{path}");
        assert!(
            reason(&r, path).contains("timed out"),
            "{path}: {}",
            reason(&r, path)
        );
    }
    assert_eq!(row(&r, "/reset/").verdict, Verdict::Error);
    assert!(
        reason(&r, "/reset/").starts_with("fetch failed"),
        "{}",
        reason(&r, "/reset/")
    );
    assert_eq!(row(&r, "/truncated/").verdict, Verdict::Error);
    for path in ["/huge/", "/bomb/"] {
        assert_eq!(row(&r, path).verdict, Verdict::Error, "{path}");
        assert!(
            reason(&r, path).contains("cap"),
            "{path}: {}",
            reason(&r, path)
        );
    }
    assert_eq!(row(&r, "/loop/").verdict, Verdict::Error);
    assert!(
        reason(&r, "/loop/").contains("redirect"),
        "{}",
        reason(&r, "/loop/")
    );
    assert_eq!(row(&r, "/away/").verdict, Verdict::Error);
    assert!(reason(&r, "/away/").contains("example.invalid"));
    assert_eq!(row(&r, "/latin1/").verdict, Verdict::NoNonce);
    assert_eq!(row(&r, "/storm/").status, Some(502));
    assert_eq!(row(&r, "/ok/").verdict, Verdict::Dead);
    // Transient failures were retried, permanent ones were not.
    assert_eq!(server.hits("/storm/"), 3);
    assert_eq!(server.hits("/reset/"), 3);
    assert_eq!(server.hits("/away/"), 1);
    assert_eq!(server.hits("/latin1/"), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rest_root_answering_html_makes_nonce_pages_unverifiable() {
    let (r, _server, _) = audit_fault_site(Fault::Ok(
        200,
        vec![("Content-Type", "text/html".into())],
        b"<html><head><title>Just a moment...</title></head></html>".to_vec(),
    ))
    .await;
    let ok = row(&r, "/ok/");
    assert_eq!(ok.verdict, Verdict::Unverifiable);
    assert!(
        reason(&r, "/ok/").contains("Just a moment..."),
        "{}",
        reason(&r, "/ok/")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_5xx_storm_stops_the_host_with_a_clear_reason() {
    let server = serve().await;
    let n = 25;
    let urls: String = (0..n)
        .map(|i| format!("<url><loc>{}/s{i}/</loc></url>", server.base))
        .collect();
    for i in 0..n {
        server.route(
            &format!("/s{i}/"),
            Fault::Ok(503, vec![], b"<title>Service Unavailable</title>".to_vec()),
        );
    }
    server.route("/robots.txt", Fault::Ok(404, vec![], vec![]));
    server.route(
        "/sitemap.xml",
        Fault::Ok(
            200,
            vec![("Content-Type", "application/xml".into())],
            format!("<urlset>{urls}</urlset>").into_bytes(),
        ),
    );
    let mut c = config(&server.base);
    c.target = Target::parse(&format!("{}/sitemap.xml", server.base)).unwrap();
    c.concurrency = 1;
    let started = Instant::now();
    let r = audit::run(&c, audit::quiet()).await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(60));
    assert_eq!(r.pages.len(), n);
    assert!(r.pages.iter().all(|p| p.verdict == Verdict::Error));
    let stopped = r
        .pages
        .iter()
        .filter(|p| p.reason.as_deref().unwrap_or("").contains("stopped after"))
        .count();
    assert!(stopped >= n - 5, "{:#?}", r.pages);
    // Once stopped, the host got no more requests.
    let total: usize = (0..n).map(|i| server.hits(&format!("/s{i}/"))).sum();
    assert!(total <= 12, "{total} requests to a failing host");
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_sitemaps_warn_by_name_and_the_good_one_is_still_audited() {
    let server = serve().await;
    let b = &server.base;
    let bomb = gzip(&vec![b' '; 80 * 1024 * 1024]);
    let billion_laughs = "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">]><urlset><url><loc>&lol2;</loc></url></urlset>";
    server.route(
        "/robots.txt",
        Fault::Ok(
            200,
            vec![],
            format!(
                "User-agent: *\nSitemap: {b}/laughs.xml\nSitemap: {b}/challenge.xml\nSitemap: {b}/bomb.xml.gz\nSitemap: {b}/hang.xml\nSitemap: {b}/good.xml\n"
            )
            .into_bytes(),
        ),
    );
    server.route(
        "/laughs.xml",
        Fault::Ok(200, vec![], billion_laughs.as_bytes().to_vec()),
    );
    server.route(
        "/challenge.xml",
        Fault::Ok(
            200,
            vec![("Content-Type", "text/html".into())],
            b"<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>checking your browser</body></html>".to_vec(),
        ),
    );
    server.route("/bomb.xml.gz", Fault::Ok(200, vec![], bomb));
    server.route("/hang.xml", Fault::Hang);
    server.route(
        "/good.xml",
        Fault::Ok(
            200,
            vec![],
            format!("<urlset><url><loc>{b}/ok/</loc></url></urlset>").into_bytes(),
        ),
    );
    server.route(
        "/ok/",
        Fault::Ok(200, vec![], b"<html><body>plain</body></html>".to_vec()),
    );
    let mut c = config(b);
    c.walk.limits.max_bytes = 10 * 1024 * 1024;
    let started = Instant::now();
    let r = audit::run(&c, audit::quiet()).await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(30));
    assert_eq!(r.pages.len(), 1);
    assert_eq!(r.pages.to_vec()[0].verdict, Verdict::NoNonce);
    let warning = |name: &str| -> String {
        r.sitemaps
            .iter()
            .find(|s| s.url.ends_with(name))
            .unwrap_or_else(|| panic!("no sitemap row for {name}: {:#?}", r.sitemaps))
            .warnings
            .join(" | ")
    };
    assert!(
        warning("/laughs.xml").to_lowercase().contains("doctype"),
        "{}",
        warning("/laughs.xml")
    );
    assert!(
        warning("/challenge.xml").contains("Just a moment..."),
        "{}",
        warning("/challenge.xml")
    );
    assert!(
        warning("/bomb.xml.gz").contains("bomb"),
        "{}",
        warning("/bomb.xml.gz")
    );
    assert!(
        warning("/hang.xml").contains("timed out"),
        "{}",
        warning("/hang.xml")
    );
    assert!(warning("/good.xml").is_empty());
}
