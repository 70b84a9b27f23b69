//! Sitemaps as real sites serve them, over loopback HTTP: each generator's sample walked by
//! `nonce-audit sitemap`, discovery order, gzip both ways, wrong Content-Types, redirects, 404s,
//! challenge pages, and the selection options.

mod common;

use std::io::Write as _;
use std::process::{Command, Output, Stdio};

use common::{Fault, FaultServer, gzip, serve};

const BIN: &str = env!("CARGO_BIN_EXE_nonce-audit");

/// A sample file with `https://example.com` pointed at the test server.
fn sample(base: &str, path: &str) -> Vec<u8> {
    let raw = std::fs::read(format!(
        "{}/sample-sitemaps/{path}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap_or_else(|e| panic!("{path}: {e}"));
    String::from_utf8_lossy(&raw)
        .replace("https://example.com", base)
        .into_bytes()
}

fn xml(body: Vec<u8>) -> Fault {
    Fault::Ok(200, vec![("Content-Type", "application/xml".into())], body)
}

async fn run(args: Vec<String>, stdin: Option<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        let mut child = Command::new(BIN)
            .args(&args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut input = child.stdin.take().unwrap();
        if let Some(s) = stdin {
            input.write_all(s.as_bytes()).unwrap();
        }
        drop(input);
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap()
}

async fn sitemap_cmd(server: &FaultServer, target: &str, extra: &[&str]) -> (Vec<String>, String) {
    let mut args = vec![
        "sitemap".to_owned(),
        target.to_owned(),
        "--rate".to_owned(),
        "0".to_owned(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    let o = run(args, None).await;
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    let base = &server.base;
    let lines = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| l.replace(base.as_str(), ""))
        .collect();
    (lines, stderr)
}

fn strs(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

async fn wp_core_site() -> FaultServer {
    let s = serve().await;
    let b = s.base.clone();
    s.route(
        "/robots.txt",
        Fault::Ok(200, vec![], sample(&b, "wp-core/robots.txt")),
    );
    for f in [
        "wp-sitemap.xml",
        "wp-sitemap-posts-post-1.xml",
        "wp-sitemap-posts-page-1.xml",
        "wp-sitemap-taxonomies-category-1.xml",
        "wp-sitemap-taxonomies-post_tag-1.xml",
        "wp-sitemap-users-1.xml",
    ] {
        s.route(&format!("/{f}"), xml(sample(&b, &format!("wp-core/{f}"))));
    }
    s
}

const WP_CORE_PAGES: &[&str] = &[
    "/2024/05/hello-world/",
    "/2024/04/caching-rest-nonces/",
    "/2024/03/checkout-notes/",
    "/2023/12/year-in-review/",
    "/",
    "/about/",
    "/contact/",
    "/shop/",
    "/privacy-policy/",
    "/category/news/",
    "/category/uncategorized/",
    "/tag/wordpress/",
    "/tag/caching/",
    "/tag/rest-api/",
    "/author/admin/",
    "/author/editor/",
];

#[tokio::test(flavor = "multi_thread")]
async fn wp_core_site_is_found_through_robots_and_walked_in_order() {
    let s = wp_core_site().await;
    let (lines, stderr) = sitemap_cmd(&s, &format!("{}/", s.base), &[]).await;
    assert_eq!(lines, strs(WP_CORE_PAGES));
    assert!(stderr.contains("robots.txt lists 1 sitemap"), "{stderr}");
    // Each sitemap fetched once, no page fetched.
    assert_eq!(s.hits("/wp-sitemap.xml"), 1);
    assert_eq!(s.hits("/about/"), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn each_generator_sample_prints_exactly_its_pages() {
    // (generator dir, index path, served children, expected pages)
    type Case<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)], &'a [&'a str]);
    let cases: &[Case] = &[
        (
            "yoast",
            "/sitemap_index.xml",
            &[("/post-sitemap.xml", "post-sitemap.xml")],
            &[
                "/blog/",
                "/2024/05/hello-world/",
                "/2024/04/caching-rest-nonces/",
                "/2024/03/checkout-notes/",
            ],
        ),
        (
            "rank-math",
            "/sitemap_index.xml",
            &[("/post-sitemap1.xml", "post-sitemap1.xml")],
            &[
                "/",
                "/2024/05/hello-world/",
                "/2024/04/caching-rest-nonces/",
                "/2024/04/cart-fragments/",
            ],
        ),
        (
            "aioseo",
            "/sitemap.xml",
            &[("/post-sitemap.xml", "post-sitemap.xml")],
            &[
                "/2024/05/hello-world/",
                "/de/2024/05/hallo-welt/",
                "/2024/04/caching-rest-nonces/",
            ],
        ),
        (
            "seopress",
            "/sitemaps.xml",
            &[("/post-sitemap1.xml", "post-sitemap1.xml")],
            &["/2024/05/hello-world/", "/2024/04/caching-rest-nonces/"],
        ),
        (
            "the-seo-framework",
            "/sitemap.xml",
            &[],
            &[
                "/",
                "/about/",
                "/shop/",
                "/2024/05/hello-world/",
                "/2024/04/caching-rest-nonces/",
            ],
        ),
        (
            "text",
            "/sitemap.txt",
            &[],
            &["/", "/about/", "/2024/05/hello-world/"],
        ),
        (
            "aioseo",
            "/sitemap.rss",
            &[],
            &["/2024/05/hello-world/", "/2024/04/caching-rest-nonces/"],
        ),
    ];
    for (dir, index, children, expected) in cases {
        let s = serve().await;
        let file = index.trim_start_matches('/');
        s.route(index, xml(sample(&s.base, &format!("{dir}/{file}"))));
        for (path, f) in *children {
            s.route(path, xml(sample(&s.base, &format!("{dir}/{f}"))));
        }
        let (lines, stderr) = sitemap_cmd(&s, &format!("{}{index}", s.base), &[]).await;
        assert_eq!(lines, strs(expected), "{dir}{index}: {stderr}");
        if !children.is_empty() {
            // The index's other children are not served: each is named in a warning.
            assert!(stderr.contains("HTTP 404"), "{dir}: {stderr}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn plain_permalink_index_with_escaped_ampersands() {
    // A server that answers the index for every query on `/`: each child is the index again.
    // The visited set stops the loop, and an audit with no page is an error, not "0 URLs, fine".
    let s = serve().await;
    s.route("/", xml(sample(&s.base, "wp-core-plain/index.xml")));
    let o = run(
        strs(&[
            "sitemap",
            &format!("{}/?sitemap=index", s.base),
            "--rate",
            "0",
        ]),
        None,
    )
    .await;
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("lists its own URL"));
    assert_eq!(s.hits("/"), 5, "the index and its four children, each once");
    let s = serve().await;
    s.route(
        "/?sitemap=index",
        xml(sample(&s.base, "wp-core-plain/index.xml")),
    );
    s.route(
        "/?sitemap=posts&sitemap-subtype=post&paged=1",
        xml(sample(&s.base, "wp-core-plain/posts-post-1.xml")),
    );
    let (lines, _) = sitemap_cmd(&s, &format!("{}/?sitemap=index", s.base), &[]).await;
    assert_eq!(lines, strs(&["/?p=1", "/?p=12", "/?p=31"]));
}

#[tokio::test(flavor = "multi_thread")]
async fn discovery_order_without_robots_sitemaps() {
    // robots.txt 404: the well-known paths are tried in order; the first sitemap wins.
    let s = serve().await;
    s.route("/robots.txt", Fault::Ok(404, vec![], vec![]));
    s.route(
        "/sitemap_index.xml",
        xml(sample(&s.base, "yoast/sitemap_index.xml")),
    );
    s.route(
        "/post-sitemap.xml",
        xml(sample(&s.base, "yoast/post-sitemap.xml")),
    );
    s.route(
        "/sitemap.xml",
        xml(sample(&s.base, "the-seo-framework/sitemap.xml")),
    );
    let (lines, stderr) = sitemap_cmd(&s, &format!("{}/", s.base), &[]).await;
    assert_eq!(lines.len(), 4, "{lines:?}");
    assert!(
        stderr.contains("/sitemap_index.xml (well-known"),
        "{stderr}"
    );
    assert_eq!(s.hits("/wp-sitemap.xml"), 1, "tried first");
    assert_eq!(
        s.hits("/sitemap_index.xml"),
        1,
        "fetched once, not again for the walk"
    );
    assert_eq!(s.hits("/sitemap.xml"), 0, "not tried after a hit");
}

#[tokio::test(flavor = "multi_thread")]
async fn redirects_gzip_both_ways_and_wrong_content_types() {
    let s = serve().await;
    let b = s.base.clone();
    s.route("/robots.txt", Fault::Ok(404, vec![], vec![]));
    // /wp-sitemap.xml redirects (as core does for /sitemap.xml) to the real index.
    s.route("/wp-sitemap.xml", Fault::Redirect("/real-index.xml".into()));
    let index = format!(
        "<sitemapindex><sitemap><loc>{b}/enc.xml</loc></sitemap><sitemap><loc>{b}/raw.xml.gz</loc></sitemap><sitemap><loc>{b}/plain.xml.gz</loc></sitemap><sitemap><loc>{b}/missing.xml</loc></sitemap><sitemap><loc>{b}/challenge.xml</loc></sitemap></sitemapindex>"
    );
    s.route(
        "/real-index.xml",
        Fault::Ok(
            200,
            vec![("Content-Type", "text/plain".into())],
            index.into_bytes(),
        ),
    );
    let urlset = |p: &str| format!("<urlset><url><loc>{b}{p}</loc></url></urlset>").into_bytes();
    // Content-Encoding: gzip, undone by the HTTP client.
    s.route(
        "/enc.xml",
        Fault::Ok(
            200,
            vec![
                ("Content-Encoding", "gzip".into()),
                ("Content-Type", "application/xml".into()),
            ],
            gzip(&urlset("/a/")),
        ),
    );
    // gzip bytes with no Content-Encoding and an HTML content type.
    s.route(
        "/raw.xml.gz",
        Fault::Ok(
            200,
            vec![("Content-Type", "text/html".into())],
            gzip(&urlset("/b/")),
        ),
    );
    // .xml.gz that is plain XML (AIOSEO).
    s.route(
        "/plain.xml.gz",
        Fault::Ok(
            200,
            vec![("Content-Type", "application/x-gzip".into())],
            urlset("/c/"),
        ),
    );
    s.route(
        "/challenge.xml",
        Fault::Ok(
            403,
            vec![("Content-Type", "text/html".into())],
            b"<html><head><title>Attention Required! | Cloudflare</title></head></html>".to_vec(),
        ),
    );
    let (lines, stderr) = sitemap_cmd(&s, &format!("{b}/"), &[]).await;
    assert_eq!(lines, strs(&["/a/", "/b/", "/c/"]), "{stderr}");
    assert!(stderr.contains("missing.xml: HTTP 404"), "{stderr}");
    assert!(
        stderr.contains("Attention Required! | Cloudflare"),
        "{stderr}"
    );
    assert!(stderr.contains("HTTP 403"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn html_served_as_a_sitemap_is_an_error_not_zero_urls() {
    let s = serve().await;
    s.route(
        "/wp-sitemap.xml",
        Fault::Ok(
            200,
            vec![("Content-Type", "application/xml".into())],
            sample(&s.base, "broken/html-404.xml"),
        ),
    );
    let o = run(
        strs(&[
            "sitemap",
            &format!("{}/wp-sitemap.xml", s.base),
            "--rate",
            "0",
        ]),
        None,
    )
    .await;
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("HTML page titled \"Page not found – Example\""),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn include_exclude_sample_and_max_pages() {
    let s = wp_core_site().await;
    let site = format!("{}/", s.base);
    let (lines, _) = sitemap_cmd(&s, &site, &["--include", "/20*/**"]).await;
    assert_eq!(lines, strs(&WP_CORE_PAGES[..4]));
    let (lines, stderr) = sitemap_cmd(
        &s,
        &site,
        &["--exclude", "/tag/**", "--exclude", "/author/*/"],
    )
    .await;
    assert_eq!(lines.len(), 11, "{lines:?}");
    assert!(
        lines
            .iter()
            .all(|l| !l.starts_with("/tag/") && !l.starts_with("/author/"))
    );
    assert!(stderr.contains("5 page URL(s) left out"), "{stderr}");
    let (lines, _) = sitemap_cmd(&s, &site, &["--sample", "4"]).await;
    // Evenly spread over the 16 pages: positions 0, 4, 8, 12.
    assert_eq!(
        lines,
        strs(&[
            WP_CORE_PAGES[0],
            WP_CORE_PAGES[4],
            WP_CORE_PAGES[8],
            WP_CORE_PAGES[12]
        ])
    );
    let (again, _) = sitemap_cmd(&s, &site, &["--sample", "4"]).await;
    assert_eq!(lines, again, "deterministic");
    let (lines, _) = sitemap_cmd(&s, &site, &["--max-pages", "3"]).await;
    assert_eq!(lines, strs(&WP_CORE_PAGES[..3]));
}

#[tokio::test(flavor = "multi_thread")]
async fn other_hosts_are_skipped_unless_allowed() {
    let s = serve().await;
    let b = s.base.clone();
    s.route(
        "/sitemap.xml",
        xml(format!("<urlset><url><loc>{b}/mine/</loc></url><url><loc>http://cdn.example.net/theirs/</loc></url></urlset>").into_bytes()),
    );
    let (lines, stderr) = sitemap_cmd(&s, &format!("{b}/sitemap.xml"), &[]).await;
    assert_eq!(lines, strs(&["/mine/"]));
    assert!(
        stderr.contains("skipped 1 page URL(s) on another host"),
        "{stderr}"
    );
    let (lines, _) = sitemap_cmd(
        &s,
        &format!("{b}/sitemap.xml"),
        &["--allow-host", "cdn.example.net"],
    )
    .await;
    assert_eq!(lines, strs(&["/mine/", "http://cdn.example.net/theirs/"]));
}

#[tokio::test(flavor = "multi_thread")]
async fn url_lists_from_stdin_and_from_a_file() {
    let list = "# pages to check\nhttp://127.0.0.1:9/a/\n\nnot a url\nhttp://127.0.0.1:9/b/\nhttp://127.0.0.1:9/a/\n";
    let o = run(strs(&["sitemap", "-"]), Some(list.to_owned())).await;
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "http://127.0.0.1:9/a/\nhttp://127.0.0.1:9/b/\n"
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("1 line(s) skipped"));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("urls.txt");
    std::fs::write(&file, list).unwrap();
    let o = run(strs(&["sitemap", "--urls", file.to_str().unwrap()]), None).await;
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&o.stdout).lines().count(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn lastmod_reaches_the_report() {
    let s = wp_core_site().await;
    for p in WP_CORE_PAGES {
        s.route(p, Fault::Ok(200, vec![], b"<html>no nonce</html>".to_vec()));
    }
    let o = run(
        strs(&[
            "audit",
            &format!("{}/wp-sitemap.xml", s.base),
            "--rate",
            "0",
            "--max-pages",
            "1",
            "--format",
            "json",
        ]),
        None,
    )
    .await;
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["pages"][0]["lastmod"], "2024-05-02T09:15:42Z");
    assert_eq!(v["sitemaps"][0]["found_via"], "argument");
}

fn urlset(base: &str, paths: &[&str]) -> Fault {
    let urls: String = paths
        .iter()
        .map(|p| format!("<url><loc>{base}{p}</loc></url>"))
        .collect();
    xml(format!(
        "<?xml version=\"1.0\"?><urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">{urls}</urlset>"
    )
    .into_bytes())
}

/// WordPress in a subdirectory: its sitemap under the TARGET's path wins over the root's
/// robots.txt, which lists another site's; a page URL with no sitemap under it falls back to
/// the root and says that the whole site is audited; the error keeps the path typed.
#[tokio::test]
async fn a_target_path_finds_a_subdirectory_install_or_says_it_audits_the_origin() {
    let s = serve().await;
    let b = s.base.clone();
    s.route(
        "/robots.txt",
        Fault::Ok(
            200,
            vec![],
            format!("User-agent: *\nSitemap: {b}/main.xml\n").into_bytes(),
        ),
    );
    s.route("/main.xml", urlset(&b, &["/", "/shop/"]));
    s.route(
        "/blog/wp-sitemap.xml",
        urlset(&b, &["/blog/", "/blog/hello/"]),
    );
    let (lines, stderr) = sitemap_cmd(&s, &format!("{b}/blog/"), &[]).await;
    assert_eq!(lines, strs(&["/blog/", "/blog/hello/"]), "{stderr}");
    let (lines, stderr) = sitemap_cmd(&s, &format!("{b}/blog/hello/"), &[]).await;
    assert_eq!(lines, strs(&["/blog/", "/blog/hello/"]), "{stderr}");
    // A page of the root site: nothing under /shop/, so the root's sitemaps, said as such.
    let (lines, stderr) = sitemap_cmd(&s, &format!("{b}/shop/"), &[]).await;
    assert_eq!(lines, strs(&["/", "/shop/"]), "{stderr}");
    assert!(
        stderr.contains("no sitemap under /shop/") && stderr.contains("--include '/shop/**'"),
        "{stderr}"
    );
    // No sitemap anywhere: the error names the URL as typed, path included.
    let empty = serve().await;
    let o = run(
        vec![
            "sitemap".into(),
            format!("{}/wp/", empty.base),
            "--rate".into(),
            "0".into(),
        ],
        None,
    )
    .await;
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains(&format!("{}/wp/", empty.base)), "{err}");
    assert!(
        err.contains("/wp/wp-sitemap.xml answered HTTP 404"),
        "{err}"
    );
}
