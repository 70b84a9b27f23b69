//! What a hostile site sends must not take over the operator's terminal, and what the operator
//! gives (passwords, tokens) must not come back out: the binary run against loopback servers
//! that misbehave on purpose, with its terminal table, text and CSV reports and standard error
//! checked byte by byte.

mod common;

use std::process::{Command, Output};

use common::run;

use common::{Fault, serve};

const BIN: &str = env!("CARGO_BIN_EXE_nonce-audit");

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// No byte that starts or ends a terminal control sequence: ESC, BEL, CR, BS, and the C1
/// controls (U+0080 to U+009F, two bytes in UTF-8).
fn assert_no_controls(what: &str, s: &str) {
    let bad: Vec<char> = s.chars().filter(|c| c.is_control() && *c != '\n').collect();
    assert!(
        bad.is_empty(),
        "{what} carries control characters {bad:?}:\n{s}"
    );
}

fn urlset(base: &str, paths: &[&str]) -> Vec<u8> {
    let mut x = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">"#,
    );
    for p in paths {
        x.push_str(&format!("<url><loc>{base}{p}</loc></url>"));
    }
    x.push_str("</urlset>");
    x.into_bytes()
}

/// A window-title change, a screen clear, an OSC 8 link, a C1 CSI and a carriage return.
const HOSTILE: &str =
    "\u{1b}]0;pwned\u{7}\u{1b}[2J\u{1b}]8;;http://evil.example/\u{1b}\\click\u{9b}31m\rgone";

#[tokio::test(flavor = "multi_thread")]
async fn hostile_titles_and_rest_codes_reach_no_terminal_or_text_report_raw() {
    let s = serve().await;
    let base = s.base.clone();
    s.route(
        "/sitemap.xml",
        Fault::Ok(
            200,
            vec![("Content-Type", "application/xml".into())],
            urlset(&base, &["/down/", "/page/"]),
        ),
    );
    s.route(
        "/down/",
        Fault::Ok(
            503,
            vec![("Content-Type", "text/html".into())],
            format!("<html><head><title>{HOSTILE}</title></head></html>").into_bytes(),
        ),
    );
    let page = format!(
        "<html><head><link rel=\"https://api.w.org/\" href=\"{base}/wp-json/\" />\
         <script>var wpApiSettings = {{\"root\":\"{}\\/wp-json\\/\",\"nonce\":\"0123abcdef\"}};</script></head></html>",
        base.replace('/', "\\/")
    );
    s.route(
        "/page/",
        Fault::Ok(
            200,
            vec![("Content-Type", "text/html".into())],
            page.into_bytes(),
        ),
    );
    let code = serde_json::to_string(HOSTILE).unwrap();
    s.route(
        "/wp-json/nonce-audit/v1/probe",
        Fault::Ok(
            401,
            vec![("Content-Type", "application/json".into())],
            format!("{{\"code\":{code},\"data\":{{\"status\":401}}}}").into_bytes(),
        ),
    );
    let dir = tempfile::tempdir().unwrap();
    let txt = dir.path().join("r.txt");
    let csv = dir.path().join("r.csv");
    let mut argv = vec![
        "audit".to_owned(),
        format!("{base}/sitemap.xml"),
        "--rate".into(),
        "0".into(),
        "--max-tries".into(),
        "1".into(),
        "--no-progress".into(),
        "-v".into(),
        "-o".into(),
        txt.display().to_string(),
        "-o".into(),
        csv.display().to_string(),
    ];
    let table = run(argv.clone()).await;
    assert_eq!(
        s.hits("/wp-json/nonce-audit/v1/probe"),
        1,
        "{}",
        text(&table.stderr)
    );
    argv.extend(["--format".into(), "csv".into()]);
    let csv_out = run(argv).await;
    for (what, got) in [
        ("the table", text(&table.stdout)),
        ("standard error", text(&table.stderr)),
        ("the CSV on standard output", text(&csv_out.stdout)),
        ("the .txt report", std::fs::read_to_string(&txt).unwrap()),
        ("the .csv report", std::fs::read_to_string(&csv).unwrap()),
    ] {
        assert_no_controls(what, &got);
    }
    // The hostile text is still there for the operator to see, escaped (the title's `\r` is
    // whitespace, folded to a space like any other).
    let shown = "\\x1b]0;pwned\\x07\\x1b[2J\\x1b]8;;http://evil.example/\\x1b\\click\\u{9b}31m";
    // The table wraps at its width (a token this long is cut after a separator), so its
    // continuation lines are joined back before counting.
    let out = regex::Regex::new(r"\n +")
        .unwrap()
        .replace_all(&text(&table.stdout), "")
        .into_owned();
    assert_eq!(out.matches(shown).count(), 2, "{out}");
    let csv_text = std::fs::read_to_string(&csv).unwrap();
    assert_eq!(csv_text.matches(shown).count(), 2, "{csv_text}");
}

/// Runs the binary with standard output on a pipe whose reading end is already closed, as
/// `nonce-audit audit … | head -1` leaves it once `head` has its line: every write gets EPIPE.
async fn run_into_closed_pipe(args: Vec<String>) -> Output {
    let (tx, rx) = tokio::net::unix::pipe::pipe().unwrap();
    drop(rx);
    let stdout = tx.into_blocking_fd().unwrap();
    tokio::task::spawn_blocking(move || {
        Command::new(BIN)
            .args(&args)
            .env("NO_COLOR", "1")
            .stdout(std::process::Stdio::from(stdout))
            .stderr(std::process::Stdio::piped())
            .output()
            .expect("run nonce-audit")
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_closed_stdout_pipe_keeps_the_verdicts_exit_code_in_every_format() {
    use nonce_audit::sim::{Shape, SimConfig, SimPage, SimSite};
    const NOW: i64 = 1_795_532_400;
    let site = SimSite::start(SimConfig {
        pages: vec![SimPage::new("/old/", Shape::WpApiSettings).cached_at(NOW - 3 * 86_400)],
        now: NOW,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let base = site.base_url();
    for format in ["table", "json", "csv", "md", "junit", "html"] {
        let o = run_into_closed_pipe(
            [
                "audit",
                &base,
                "--rate",
                "0",
                "--no-progress",
                "--format",
                format,
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        )
        .await;
        // 1, as without the pipe: the page is dead.
        assert_eq!(
            o.status.code(),
            Some(1),
            "--format {format}: {}",
            text(&o.stderr)
        );
        assert!(
            !text(&o.stderr).contains("cannot write"),
            "{}",
            text(&o.stderr)
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn rates_that_cannot_pace_are_refused_from_flags_and_the_config_file() {
    // Nothing listens there: the run must stop at the validation, before any request.
    let target = "http://127.0.0.1:9/";
    for (rate, says) in [
        ("1e-300", "too slow to pace requests"),
        ("inf", "must be a finite number"),
        ("NaN", "not NaN"),
        ("-2", "not -2.0"),
        ("-inf", "must be a finite number"),
    ] {
        let o = run(vec![
            "audit".into(),
            target.into(),
            "--no-progress".into(),
            format!("--rate={rate}"),
        ])
        .await;
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "--rate {rate}: {err}");
        assert!(err.contains(says), "--rate {rate}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("n.toml");
    for (line, says) in [
        ("rate = 1e-300", "too slow to pace requests"),
        ("rate = -2", "not -2.0"),
        ("rate = inf", "must be a finite number"),
    ] {
        std::fs::write(&config, format!("{line}\n")).unwrap();
        for sub in ["audit", "sitemap"] {
            let o = run(vec![
                sub.into(),
                target.into(),
                "--config".into(),
                config.display().to_string(),
            ])
            .await;
            let err = text(&o.stderr);
            assert_eq!(o.status.code(), Some(2), "{sub}: {err}");
            assert!(err.contains(says), "{sub} with {line}: {err}");
        }
    }
}

/// `stage:s3cret-pass` as the `Authorization` header carries it.
const STAGE_AUTH: &str = "Basic c3RhZ2U6czNjcmV0LXBhc3M=";

fn all_output(o: &Output, files: &[&std::path::Path]) -> String {
    let mut all = text(&o.stdout) + &text(&o.stderr);
    for f in files {
        all.push_str(&std::fs::read_to_string(f).unwrap_or_default());
    }
    all
}

async fn staging_site() -> nonce_audit::sim::SimSite {
    use nonce_audit::sim::{Shape, SimConfig, SimPage, SimSite};
    SimSite::start(SimConfig {
        pages: vec![
            SimPage::new("/a/", Shape::WpApiSettings),
            SimPage::new("/b/", Shape::WpApiSettings),
        ],
        now: 1_795_532_400,
        ..SimConfig::default()
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_password_in_the_target_authenticates_every_request_and_is_never_printed() {
    let site = staging_site().await;
    let base = site.base_url();
    let with_password = base.replace("http://", "http://stage:s3cret-pass@");
    let dir = tempfile::tempdir().unwrap();
    let (json, csv, txt) = (
        dir.path().join("r.json"),
        dir.path().join("r.csv"),
        dir.path().join("r.txt"),
    );
    let o = run(vec![
        "audit".into(),
        format!("{with_password}/"),
        "--rate".into(),
        "0".into(),
        "-vv".into(),
        "--no-progress".into(),
        "-o".into(),
        json.display().to_string(),
        "-o".into(),
        csv.display().to_string(),
        "-o".into(),
        txt.display().to_string(),
    ])
    .await;
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let requests = site.requests();
    assert!(requests.len() > 4, "{requests:#?}");
    // Not only the first request (robots.txt or the sitemap): every one, pages and probes too.
    for r in &requests {
        assert_eq!(r.authorization.as_deref(), Some(STAGE_AUTH), "{r:#?}");
    }
    let all = all_output(&o, &[&json, &csv, &txt]);
    assert!(!all.contains("s3cret"), "{all}");
    assert!(all.contains(&format!("{base}/a/")), "{all}");
}

#[tokio::test(flavor = "multi_thread")]
async fn passwords_in_sites_lines_and_url_lists_stay_out_of_logs_and_reports() {
    let site = staging_site().await;
    let base = site.base_url();
    let with_password = base.replace("http://", "http://stage:s3cret-pass@");
    let dir = tempfile::tempdir().unwrap();
    let sites = dir.path().join("sites.txt");
    std::fs::write(
        &sites,
        format!(
            "{with_password}/\nhttp://ops:hunter2-pass@127.0.0.1:9/\nhttps://u:bad-pass@[::1/\n"
        ),
    )
    .unwrap();
    let (json, csv) = (dir.path().join("m.json"), dir.path().join("m.csv"));
    let o = run(vec![
        "audit".into(),
        "--sites".into(),
        sites.display().to_string(),
        "--rate".into(),
        "0".into(),
        "--max-tries".into(),
        "1".into(),
        "--timeout".into(),
        "5s".into(),
        "-v".into(),
        "--no-progress".into(),
        "-o".into(),
        json.display().to_string(),
        "-o".into(),
        csv.display().to_string(),
    ])
    .await;
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let all = all_output(&o, &[&json, &csv]);
    for secret in ["s3cret", "hunter2", "bad-pass"] {
        assert!(!all.contains(secret), "{secret} in:\n{all}");
    }
    assert!(all.contains("http://127.0.0.1:9/"), "{all}");
    assert!(
        site.requests()
            .iter()
            .all(|r| r.authorization.as_deref() == Some(STAGE_AUTH)),
        "{:#?}",
        site.requests()
    );

    // A URL list: the userinfo of its lines authenticates that origin and is stored nowhere.
    let before = site.requests().len();
    let list = dir.path().join("urls.txt");
    std::fs::write(&list, format!("{with_password}/a/\n{base}/b/\n")).unwrap();
    let report = dir.path().join("u.json");
    let o = run(vec![
        "audit".into(),
        "--urls".into(),
        list.display().to_string(),
        "--rate".into(),
        "0".into(),
        "-v".into(),
        "--no-progress".into(),
        "-o".into(),
        report.display().to_string(),
    ])
    .await;
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let all = all_output(&o, &[&report]);
    assert!(!all.contains("s3cret"), "{all}");
    assert!(all.contains(&format!("{base}/a/")), "{all}");
    let later = &site.requests()[before..];
    assert!(later.len() >= 2, "{later:#?}");
    for r in later {
        assert_eq!(r.authorization.as_deref(), Some(STAGE_AUTH), "{r:#?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_headers_and_config_lines_are_reported_without_their_secret() {
    for header in [
        "Authorization Bearer tok-SECRET",
        "Authorization Bearer tok-SECRET: x",
        "X-Token: tok-SECRET\u{1}",
    ] {
        let o = run(vec![
            "audit".into(),
            "http://127.0.0.1:9/".into(),
            "-H".into(),
            header.into(),
        ])
        .await;
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains("--header"), "{err}");
        assert!(!err.contains("SECRET"), "{err}");
    }
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("n.toml");
    std::fs::write(&config, "rate = 2\nbasic-auth = stage:pw-SECRET\n").unwrap();
    let o = run(vec![
        "audit".into(),
        "http://127.0.0.1:9/".into(),
        "--config".into(),
        config.display().to_string(),
    ])
    .await;
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(!err.contains("SECRET"), "{err}");
    assert!(err.contains("n.toml"), "{err}");
    assert!(
        err.contains("n.toml:2: not valid TOML, key `basic-auth`"),
        "{err}"
    );
}
