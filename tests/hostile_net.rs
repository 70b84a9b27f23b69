//! Hostile sites on the network side (issue #14): servers that fan sitemaps out forever, drip,
//! point elsewhere, send too much, ask for hour-long delays, redirect robots.txt, speak UTF-16,
//! loop redirects, or hide a feed behind a URL that looks like a page. Every server is a real
//! loopback one from `common`, and every run is bounded by a watchdog that kills it.

mod common;

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{Fault, FaultServer, gzip, serve};

use nonce_audit::audit::{self, AuditConfig};
use nonce_audit::discover::Target;
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
