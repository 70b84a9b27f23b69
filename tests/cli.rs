//! The binary as users and schedulers run it: exit codes, report files, the JSON keys, the dry
//! run and the demo.

mod common;

use std::process::Output;

use common::run;
use nonce_audit::sim::{RestMode, Shape, SimConfig, SimPage, SimSite};

const NOW: i64 = 1_795_532_400; // 2026-11-24T15:00:00Z

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

async fn site(pages: Vec<SimPage>, rest: RestMode) -> SimSite {
    SimSite::start(SimConfig {
        pages,
        rest,
        now: NOW,
        ..SimConfig::default()
    })
    .await
    .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn exit_0_when_nothing_reaches_fail_on() {
    let s = site(
        vec![SimPage::new("/a/", Shape::WpApiSettings)],
        RestMode::Core,
    )
    .await;
    let o = run(args(&[
        "audit",
        &s.base_url(),
        "--rate",
        "0",
        "--no-progress",
    ]))
    .await;
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("FRESH"), "{out}");
    assert!(out.contains("1 pages: 0 dead"), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn exit_1_on_dead_and_fail_on_moves_the_threshold() {
    let s = site(
        vec![
            SimPage::new("/old/", Shape::WpApiSettings).cached_at(NOW - 3 * 86_400),
            SimPage::new("/new/", Shape::WpApiSettings),
        ],
        RestMode::Core,
    )
    .await;
    let base = s.base_url();
    let o = run(args(&["audit", &base, "--rate", "0", "-q"])).await;
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let o = run(args(&["audit", &base, "--rate", "0", "--fail-on", "never"])).await;
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[tokio::test(flavor = "multi_thread")]
async fn unverifiable_fails_only_when_asked() {
    let s = site(
        vec![SimPage::new("/a/", Shape::WpApiSettings)],
        RestMode::BlockedAnonymous,
    )
    .await;
    let base = s.base_url();
    let o = run(args(&["audit", &base, "--rate", "0"])).await;
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = run(args(&[
        "audit",
        &base,
        "--rate",
        "0",
        "--fail-on",
        "unverifiable",
    ]))
    .await;
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
}

#[tokio::test(flavor = "multi_thread")]
async fn exit_2_with_one_line_reason_when_the_audit_cannot_run() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let o = run(args(&[
        "audit",
        &format!("http://{addr}/"),
        "--timeout",
        "2s",
    ]))
    .await;
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("unreachable"), "{err}");

    let o = run(args(&["audit", "not a url or file"])).await;
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("neither an http(s) URL nor a readable file"));

    let o = run(args(&[
        "audit",
        "http://127.0.0.1:9/",
        "--nonce-life",
        "soon",
    ]))
    .await;
    assert_eq!(o.status.code(), Some(2), "bad arguments exit 2");

    let o = run(args(&["audit", "http://127.0.0.1:9/", "-o", "report.pdf"])).await;
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("report.pdf"));
}

#[tokio::test(flavor = "multi_thread")]
async fn no_sitemap_found_exits_2_and_says_what_was_tried() {
    // A site with no robots.txt Sitemap line and nothing at the well-known paths: a plain
    // loopback server that answers 404 to everything.
    let s = site(vec![], RestMode::Core).await;
    let o = run(args(&[
        "audit",
        &format!("{}/blog/", s.base_url()),
        "--rate",
        "0",
    ]))
    .await;
    // The simulated site always lists its sitemap in robots.txt, but with no pages the walk
    // finds no page URL: the audit cannot run.
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("no page URL"), "{}", stderr(&o));
}

#[tokio::test(flavor = "multi_thread")]
async fn json_and_csv_reports_carry_every_documented_key() {
    let s = site(
        vec![
            SimPage::new("/a/", Shape::WpApiSettings).cached_at(NOW - 3 * 86_400),
            SimPage::new("/b/", Shape::NoNonce),
        ],
        RestMode::Core,
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("r.json");
    let csv = dir.path().join("r.csv");
    let o = run(args(&[
        "audit",
        &s.base_url(),
        "--rate",
        "0",
        "-o",
        json.to_str().unwrap(),
        "-o",
        csv.to_str().unwrap(),
        "--format",
        "json",
    ]))
    .await;
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let stdout: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(stdout["summary"], file["summary"]);
    assert_eq!(file["schema"], "nonce-audit/1");
    for key in [
        "site",
        "rest_root",
        "server_time",
        "nonce_life_s",
        "summary",
        "pages",
        "recommendations",
        "sitemaps",
    ] {
        assert!(file.get(key).is_some(), "missing {key}");
    }
    for key in [
        "pages",
        "fresh",
        "expiring",
        "dead",
        "no_nonce",
        "unverifiable",
        "error",
        "rest_probes",
    ] {
        assert!(file["summary"].get(key).is_some(), "missing summary.{key}");
    }
    let b = file["pages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["url"].as_str().unwrap().ends_with("/b/"))
        .unwrap();
    for key in [
        "url", "status", "verdict", "reason", "nonces", "dies_at", "cache",
    ] {
        assert!(b.get(key).is_some(), "missing pages[].{key}");
    }
    for key in ["layer", "hit", "age_s", "age_source", "generated_at"] {
        assert!(b["cache"].get(key).is_some(), "missing cache.{key}");
    }
    assert!(b["dies_at"].is_null());
    let a = &file["pages"][0];
    assert_eq!(a["verdict"], "dead");
    assert_eq!(a["nonces"][0]["action"], "wp_rest");
    assert_eq!(a["nonces"][0]["source"], "wpApiSettings");
    assert_eq!(file["summary"]["dead"], 1);

    let csv_text = std::fs::read_to_string(&csv).unwrap();
    let mut lines = csv_text.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("url,status,verdict,reason,nonces,dies_at")
    );
    assert_eq!(lines.count(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn sitemap_subcommand_prints_urls_and_fetches_no_page() {
    let s = site(
        vec![
            SimPage::new("/one/", Shape::WpApiSettings),
            SimPage::new("/two/", Shape::NoNonce),
        ],
        RestMode::Core,
    )
    .await;
    let o = run(args(&["sitemap", &s.base_url(), "--rate", "0"])).await;
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let base = s.base_url();
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        format!("{base}/one/\n{base}/two/\n")
    );
    assert!(stderr(&o).contains("robots.txt lists 1 sitemap"));
    assert!(
        s.requests()
            .iter()
            .all(|l| !l.path_and_query.starts_with("/one") && !l.path_and_query.starts_with("/two"))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn local_sitemap_file_is_a_target() {
    let s = site(
        vec![SimPage::new("/x/", Shape::WpApiSettings)],
        RestMode::Core,
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sitemap.xml");
    std::fs::write(
        &file,
        format!(
            "<?xml version=\"1.0\"?><urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\"><url><loc>{}/x/</loc></url></urlset>",
            s.base_url()
        ),
    )
    .unwrap();
    let o = run(args(&[
        "audit",
        file.to_str().unwrap(),
        "--rate",
        "0",
        "--format",
        "json",
    ]))
    .await;
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["pages"][0]["verdict"], "fresh");
    assert_eq!(v["site"], format!("{}/", s.base_url()));
}

#[tokio::test(flavor = "multi_thread")]
async fn demo_shows_every_kind_of_row_and_exits_1() {
    let o = run(args(&["demo", "--format", "json"])).await;
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let s = &v["summary"];
    assert!(s["fresh"].as_u64().unwrap() >= 1);
    assert!(s["expiring"].as_u64().unwrap() >= 1);
    assert!(s["dead"].as_u64().unwrap() >= 1);
    assert!(s["no_nonce"].as_u64().unwrap() >= 1);
    assert!(stderr(&o).contains("This demo audits a simulated WordPress site"));
    assert!(!v["recommendations"].as_array().unwrap().is_empty());
}

/// A simulated site with one fresh page at /a/.
async fn one_page_site() -> SimSite {
    SimSite::start(SimConfig {
        pages: vec![SimPage::new("/a/", Shape::WpApiSettings)],
        now: NOW,
        ..SimConfig::default()
    })
    .await
    .unwrap()
}

/// A run where no page could be audited is never a silent green run: exit 2 with the reason,
/// even under `-q`, and the requested report is still written.
#[tokio::test(flavor = "multi_thread")]
async fn no_page_audited_is_exit_2_with_the_reason_and_a_report() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("down.txt");
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    drop(l);
    std::fs::write(&list, format!("http://{addr}/a/\nhttp://{addr}/b/\n")).unwrap();
    let out = dir.path().join("r.json");
    let o = run(args(&[
        "audit",
        "--urls",
        list.to_str().unwrap(),
        "-q",
        "--rate",
        "0",
        "--max-tries",
        "1",
        "-o",
        out.to_str().unwrap(),
    ]))
    .await;
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("no page could be audited: all 2 page(s) failed"),
        "{err}"
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(report["summary"]["error"], 2);
}

/// Some pages unreachable among audited ones: a finding at the default `--fail-on dead`.
#[tokio::test(flavor = "multi_thread")]
async fn unreachable_pages_count_at_the_default_threshold() {
    let s = one_page_site().await;
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("urls.txt");
    std::fs::write(&list, format!("{0}/a/\n{0}/missing/\n", s.base_url())).unwrap();
    let o = run(args(&[
        "audit",
        "--urls",
        list.to_str().unwrap(),
        "--rate",
        "0",
        "--no-progress",
    ]))
    .await;
    let stdout = String::from_utf8_lossy(&o.stdout);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stdout}{err}");
    let o = run(args(&[
        "audit",
        "--urls",
        list.to_str().unwrap(),
        "--rate",
        "0",
        "--no-progress",
        "--fail-on",
        "never",
    ]))
    .await;
    assert_eq!(o.status.code(), Some(0));
}

/// Report paths are checked before the first request: a missing directory fails at once, and
/// the site sees nothing.
#[tokio::test(flavor = "multi_thread")]
async fn report_paths_are_checked_before_the_first_request() {
    let s = one_page_site().await;
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("ok.json");
    let bad = dir.path().join("no-such-dir").join("r.json");
    let o = run(args(&[
        "audit",
        &s.base_url(),
        "--rate",
        "0",
        "-o",
        good.to_str().unwrap(),
        "-o",
        bad.to_str().unwrap(),
    ]))
    .await;
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("does not exist"), "{err}");
    assert!(s.requests().is_empty(), "{:?}", s.requests());
    assert!(!good.exists());
}

/// Mistakes a newcomer makes on the command line get a precise answer, before any request.
#[tokio::test(flavor = "multi_thread")]
async fn typos_and_conflicting_flags_are_answered_precisely() {
    let err = |o: &Output| String::from_utf8_lossy(&o.stderr).into_owned();
    let o = run(args(&["audit", "example.com/blog/"])).await;
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err(&o).contains("did you mean https://example.com/blog/ ?"),
        "{}",
        err(&o)
    );
    let o = run(args(&[
        "audit",
        "https://x.test/",
        "--allow-host",
        "http://cdn.test/",
    ]))
    .await;
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("write `cdn.test`"), "{}", err(&o));
    let o = run(args(&[
        "audit",
        "https://x.test/",
        "--sample",
        "5",
        "--max-pages",
        "3",
    ]))
    .await;
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("cannot be used with"), "{}", err(&o));
    let o = run(args(&["audit", "https://x.test/", "-q", "-v"])).await;
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("cannot be used with"), "{}", err(&o));
    // `txt` is what `-o report.txt` calls the table; --format takes it too.
    let o = run(args(&[
        "audit",
        "https://x.test/",
        "--format",
        "txt",
        "--help",
    ]))
    .await;
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    // A host that does not resolve says to check the URL, not to ignore robots.txt.
    let o = run(args(&[
        "audit",
        "https://nonce-audit-test.invalid/",
        "--max-tries",
        "1",
    ]))
    .await;
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("does not resolve"), "{}", err(&o));
    assert!(!err(&o).contains("--ignore-robots"), "{}", err(&o));
}

/// "No page URL" has many causes; each gets its own words, so the operator knows what to change.
#[tokio::test(flavor = "multi_thread")]
async fn an_empty_walk_says_why_it_found_no_page() {
    let s = one_page_site().await;
    let sitemap = format!("{}/wp-sitemap.xml", s.base_url());
    // Globs that can never match are refused before any request.
    for cmd in ["audit", "sitemap"] {
        let o = run(args(&[cmd, &sitemap, "--include", "blog/**"])).await;
        assert_eq!(o.status.code(), Some(2));
        assert!(
            stderr(&o).contains("did you mean `/blog/**`?"),
            "{}",
            stderr(&o)
        );
        // Zero pages is never a request: it is a mistake, said as one, in both subcommands.
        let o = run(args(&[cmd, &sitemap, "--sample", "0"])).await;
        assert_eq!(o.status.code(), Some(2), "{cmd} --sample 0");
        assert!(stderr(&o).contains("must be at least 1"), "{}", stderr(&o));
    }
    assert!(s.requests().is_empty(), "{:?}", s.requests());
    // A glob that matches nothing on this site names the filters.
    for cmd in ["audit", "sitemap"] {
        let o = run(args(&[cmd, &sitemap, "--include", "/nothing-here/**"])).await;
        assert_eq!(o.status.code(), Some(2));
        assert!(
            stderr(&o).contains("that --include/--exclude keep: all 1 listed were left out"),
            "{cmd}: {}",
            stderr(&o)
        );
    }
    // A directory given as the URL list, and an empty list.
    let dir = tempfile::tempdir().expect("temp dir");
    let o = run(args(&[
        "audit",
        "--urls",
        &dir.path().display().to_string(),
    ]))
    .await;
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("it is a directory"), "{}", stderr(&o));
    let empty = dir.path().join("empty.txt");
    std::fs::write(&empty, "# nothing yet\n").expect("write");
    let o = run(args(&["audit", "--urls", &empty.display().to_string()])).await;
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("the URL list gives no page URL: it is empty"),
        "{}",
        stderr(&o)
    );
    let o = run(args(&["audit", "--urls", "/nonexistent/urls.txt"])).await;
    assert!(
        stderr(&o).contains("cannot read the URL list /nonexistent/urls.txt: no such file"),
        "{}",
        stderr(&o)
    );
    assert!(!stderr(&o).contains("os error"), "{}", stderr(&o));
}

/// A site that refuses connections is said in words, without the client's chain of types or
/// the operating system's error number, and without suggesting --ignore-robots.
#[tokio::test(flavor = "multi_thread")]
async fn a_refused_connection_reads_as_words() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let site = format!("http://127.0.0.1:{port}/");
    let o = run(args(&["audit", &site, "--max-tries", "1"])).await;
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(e.contains("connection refused"), "{e}");
    assert!(
        !e.contains("os error") && !e.contains("tcp connect error"),
        "{e}"
    );
    let list = tempfile::NamedTempFile::new().expect("temp");
    std::fs::write(list.path(), format!("{site}a/\n")).expect("write");
    let o = run(args(&[
        "audit",
        "--urls",
        &list.path().display().to_string(),
        "--max-tries",
        "1",
    ]))
    .await;
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(e.contains("the site does not answer"), "{e}");
    assert!(
        !e.contains("--ignore-robots") && !e.contains("os error"),
        "{e}"
    );
}

/// `--color always` colours the table into a pipe (for `less -R`), over NO_COLOR; `never` and
/// the default into a pipe do not.
#[tokio::test(flavor = "multi_thread")]
async fn color_is_the_operators_choice() {
    let esc = |o: &Output| o.stdout.windows(2).any(|w| w == b"\x1b[");
    let o = run(args(&["demo", "--color", "always"])).await;
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(esc(&o), "no colour with --color always");
    let o = run(args(&["demo", "--color", "never"])).await;
    assert!(!esc(&o));
    let o = run(args(&["demo"])).await;
    assert!(!esc(&o), "a pipe gets no colour by default");
}
