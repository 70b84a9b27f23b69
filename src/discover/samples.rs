//! The files in `sample-sitemaps/`, one per generator plus the broken cases, each with its exact
//! list of entries: a regression net for the parser and a reference for what each generator
//! serves.

use std::ops::ControlFlow;

use url::Url;

use super::bytes::decode_body;
use super::parse::{Format, Item, Lastmod, Limits, Outcome, SitemapError, parse};
use crate::robots::parse_robots;

/// Parses `body` as if fetched from `url`; entries become `"page <url>"` / `"sitemap <url>"`.
fn read(body: &[u8], url: &str) -> (Vec<String>, Result<Outcome, SitemapError>) {
    let base = Url::parse(url).unwrap();
    let mut seen = Vec::new();
    let result = parse(body, &base, &Limits::default(), |item| {
        seen.push(match &item {
            Item::Page { loc, .. } => format!("page {loc}"),
            Item::Sitemap { loc, .. } => format!("sitemap {loc}"),
        });
        ControlFlow::Continue(())
    });
    (seen, result)
}

/// Like [`read`] for a sample that must parse cleanly: no warnings, nothing skipped.
fn clean(body: &[u8], url: &str, format: Format) -> Vec<String> {
    let (seen, result) = read(body, url);
    let outcome = result.unwrap();
    assert_eq!(outcome.format, format);
    assert_eq!(outcome.warnings, Vec::<String>::new());
    assert_eq!(outcome.skipped, 0);
    assert!(!outcome.truncated);
    assert_eq!(outcome.entries, seen.len() as u64);
    seen
}

/// The lastmod strings of a sample, in order (`-` for none).
fn lastmods(body: &[u8], url: &str) -> Vec<String> {
    let base = Url::parse(url).unwrap();
    let mut out = Vec::new();
    parse(body, &base, &Limits::default(), |item| {
        // Instants in UTC, whatever zone the sitemap wrote (the value keeps that zone).
        out.push(item.lastmod().map_or("-".to_owned(), |l| {
            match l {
                Lastmod::DateTime(dt) => dt
                    .with_timezone(&chrono::Utc)
                    .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
                other => other.to_string(),
            }
        }));
        ControlFlow::Continue(())
    })
    .unwrap();
    out
}

#[test]
fn wp_core_index() {
    assert_eq!(
        clean(
            sample!("wp-core/wp-sitemap.xml"),
            "https://example.com/wp-sitemap.xml",
            Format::Index
        ),
        [
            "sitemap https://example.com/wp-sitemap-posts-post-1.xml",
            "sitemap https://example.com/wp-sitemap-posts-page-1.xml",
            "sitemap https://example.com/wp-sitemap-taxonomies-category-1.xml",
            "sitemap https://example.com/wp-sitemap-taxonomies-post_tag-1.xml",
            "sitemap https://example.com/wp-sitemap-users-1.xml",
        ]
    );
}

#[test]
fn wp_core_posts() {
    let url = "https://example.com/wp-sitemap-posts-post-1.xml";
    let body = sample!("wp-core/wp-sitemap-posts-post-1.xml");
    assert_eq!(
        clean(body, url, Format::UrlSet),
        [
            "page https://example.com/2024/05/hello-world/",
            "page https://example.com/2024/04/caching-rest-nonces/",
            "page https://example.com/2024/03/checkout-notes/",
            "page https://example.com/2023/12/year-in-review/",
        ]
    );
    assert_eq!(
        lastmods(body, url),
        [
            "2024-05-02T09:15:42Z",
            "2024-04-28T16:03:11Z",
            "2024-03-19T08:00:00Z",
            "2024-01-04T12:30:05Z",
        ]
    );
}

#[test]
fn wp_core_pages() {
    assert_eq!(
        clean(
            sample!("wp-core/wp-sitemap-posts-page-1.xml"),
            "https://example.com/wp-sitemap-posts-page-1.xml",
            Format::UrlSet
        ),
        [
            "page https://example.com/",
            "page https://example.com/about/",
            "page https://example.com/contact/",
            "page https://example.com/shop/",
            "page https://example.com/privacy-policy/",
        ]
    );
}

#[test]
fn wp_core_categories() {
    let url = "https://example.com/wp-sitemap-taxonomies-category-1.xml";
    let body = sample!("wp-core/wp-sitemap-taxonomies-category-1.xml");
    assert_eq!(
        clean(body, url, Format::UrlSet),
        [
            "page https://example.com/category/news/",
            "page https://example.com/category/uncategorized/",
        ]
    );
    assert_eq!(lastmods(body, url), ["-", "-"]);
}

#[test]
fn wp_core_tags() {
    assert_eq!(
        clean(
            sample!("wp-core/wp-sitemap-taxonomies-post_tag-1.xml"),
            "https://example.com/wp-sitemap-taxonomies-post_tag-1.xml",
            Format::UrlSet
        ),
        [
            "page https://example.com/tag/wordpress/",
            "page https://example.com/tag/caching/",
            "page https://example.com/tag/rest-api/",
        ]
    );
}

#[test]
fn wp_core_users() {
    assert_eq!(
        clean(
            sample!("wp-core/wp-sitemap-users-1.xml"),
            "https://example.com/wp-sitemap-users-1.xml",
            Format::UrlSet
        ),
        [
            "page https://example.com/author/admin/",
            "page https://example.com/author/editor/",
        ]
    );
}

#[test]
fn wp_core_robots() {
    let robots = parse_robots(sample!("wp-core/robots.txt"), "nonce-audit/0.1");
    assert_eq!(robots.sitemaps, ["https://example.com/wp-sitemap.xml"]);
    assert!(!robots.allowed("/wp-admin/options.php"));
    assert!(robots.allowed("/wp-admin/admin-ajax.php"));
    assert!(robots.allowed("/2024/05/hello-world/"));
}

#[test]
fn wp_core_plain_permalinks_index() {
    assert_eq!(
        clean(
            sample!("wp-core-plain/index.xml"),
            "https://example.com/?sitemap=index",
            Format::Index
        ),
        [
            "sitemap https://example.com/?sitemap=posts&sitemap-subtype=post&paged=1",
            "sitemap https://example.com/?sitemap=posts&sitemap-subtype=page&paged=1",
            "sitemap https://example.com/?sitemap=taxonomies&sitemap-subtype=category&paged=1",
            "sitemap https://example.com/?sitemap=users&paged=1",
        ]
    );
}

#[test]
fn wp_core_plain_permalinks_posts() {
    let url = "https://example.com/?sitemap=posts&sitemap-subtype=post&paged=1";
    let body = sample!("wp-core-plain/posts-post-1.xml");
    assert_eq!(
        clean(body, url, Format::UrlSet),
        [
            "page https://example.com/?p=1",
            "page https://example.com/?p=12",
            "page https://example.com/?p=31",
        ]
    );
    assert_eq!(
        lastmods(body, url),
        ["2024-05-02T09:15:42Z", "2024-04-28T16:03:11Z", "-"]
    );
}

#[test]
fn yoast_index() {
    let url = "https://example.com/sitemap_index.xml";
    let body = sample!("yoast/sitemap_index.xml");
    assert_eq!(
        clean(body, url, Format::Index),
        [
            "sitemap https://example.com/post-sitemap.xml",
            "sitemap https://example.com/page-sitemap.xml",
            "sitemap https://example.com/category-sitemap.xml",
            "sitemap https://example.com/author-sitemap.xml",
        ]
    );
    // Site time zone offsets, compared as UTC instants.
    assert_eq!(
        lastmods(body, url),
        [
            "2024-05-02T09:15:42Z",
            "2024-04-30T18:45:00Z",
            "2024-05-02T09:15:42Z",
            "2024-03-01T08:00:00Z",
        ]
    );
}

#[test]
fn yoast_posts_skip_image_locs() {
    assert_eq!(
        clean(
            sample!("yoast/post-sitemap.xml"),
            "https://example.com/post-sitemap.xml",
            Format::UrlSet
        ),
        [
            "page https://example.com/blog/",
            "page https://example.com/2024/05/hello-world/",
            "page https://example.com/2024/04/caching-rest-nonces/",
            "page https://example.com/2024/03/checkout-notes/",
        ]
    );
}

#[test]
fn rank_math_index() {
    assert_eq!(
        clean(
            sample!("rank-math/sitemap_index.xml"),
            "https://example.com/sitemap_index.xml",
            Format::Index
        ),
        [
            "sitemap https://example.com/post-sitemap1.xml",
            "sitemap https://example.com/post-sitemap2.xml",
            "sitemap https://example.com/page-sitemap.xml",
            "sitemap https://example.com/product-sitemap.xml",
            "sitemap https://example.com/category-sitemap.xml",
        ]
    );
}

#[test]
fn rank_math_posts() {
    let url = "https://example.com/post-sitemap1.xml";
    let body = sample!("rank-math/post-sitemap1.xml");
    assert_eq!(
        clean(body, url, Format::UrlSet),
        [
            "page https://example.com/",
            "page https://example.com/2024/05/hello-world/",
            "page https://example.com/2024/04/caching-rest-nonces/",
            "page https://example.com/2024/04/cart-fragments/",
        ]
    );
    assert_eq!(
        lastmods(body, url),
        [
            "-",
            "2024-05-02T09:15:42Z",
            "2024-04-28T16:03:11Z",
            "2024-04-11T08:00:00Z"
        ]
    );
}

#[test]
fn aioseo_index_with_crlf_and_comment_before_stylesheet() {
    let body = sample!("aioseo/sitemap.xml");
    assert!(body.windows(2).any(|w| w == b"\r\n"));
    assert_eq!(
        clean(body, "https://example.com/sitemap.xml", Format::Index),
        [
            "sitemap https://example.com/post-sitemap.xml",
            "sitemap https://example.com/page-sitemap.xml",
            "sitemap https://example.com/category-sitemap.xml",
        ]
    );
}

#[test]
fn aioseo_posts_skip_hreflang_and_padded_image_locs() {
    assert_eq!(
        clean(
            sample!("aioseo/post-sitemap.xml"),
            "https://example.com/post-sitemap.xml",
            Format::UrlSet
        ),
        [
            "page https://example.com/2024/05/hello-world/",
            "page https://example.com/de/2024/05/hallo-welt/",
            "page https://example.com/2024/04/caching-rest-nonces/",
        ]
    );
}

#[test]
fn aioseo_rss_sitemap() {
    let url = "https://example.com/sitemap.rss";
    let body = sample!("aioseo/sitemap.rss");
    assert_eq!(
        clean(body, url, Format::Rss),
        [
            "page https://example.com/2024/05/hello-world/",
            "page https://example.com/2024/04/caching-rest-nonces/",
        ]
    );
    assert_eq!(
        lastmods(body, url),
        ["2024-05-02T09:15:42Z", "2024-04-28T16:03:11Z"]
    );
}

#[test]
fn seopress_index_on_one_line() {
    assert_eq!(
        clean(
            sample!("seopress/sitemaps.xml"),
            "https://example.com/sitemaps.xml",
            Format::Index
        ),
        [
            "sitemap https://example.com/post-sitemap1.xml",
            "sitemap https://example.com/page-sitemap1.xml",
            "sitemap https://example.com/category-sitemap1.xml",
            "sitemap https://example.com/author.xml",
        ]
    );
}

#[test]
fn seopress_posts() {
    assert_eq!(
        clean(
            sample!("seopress/post-sitemap1.xml"),
            "https://example.com/post-sitemap1.xml",
            Format::UrlSet
        ),
        [
            "page https://example.com/2024/05/hello-world/",
            "page https://example.com/2024/04/caching-rest-nonces/",
        ]
    );
}

#[test]
fn the_seo_framework_flat_with_dates() {
    let url = "https://example.com/sitemap.xml";
    let body = sample!("the-seo-framework/sitemap.xml");
    assert_eq!(
        clean(body, url, Format::UrlSet),
        [
            "page https://example.com/",
            "page https://example.com/about/",
            "page https://example.com/shop/",
            "page https://example.com/2024/05/hello-world/",
            "page https://example.com/2024/04/caching-rest-nonces/",
        ]
    );
    assert_eq!(
        lastmods(body, url),
        [
            "2024-05-02",
            "2023-11-07",
            "2024-04-30",
            "2024-05-02",
            "2024-04-28"
        ]
    );
}

#[test]
fn text_sitemap() {
    assert_eq!(
        clean(
            sample!("text/sitemap.txt"),
            "https://example.com/sitemap.txt",
            Format::Text
        ),
        [
            "page https://example.com/",
            "page https://example.com/about/",
            "page https://example.com/2024/05/hello-world/",
        ]
    );
}

#[test]
fn broken_bom() {
    let (seen, result) = read(
        sample!("broken/bom.xml"),
        "https://example.com/post-sitemap.xml",
    );
    assert_eq!(seen, ["page https://example.com/2024/05/hello-world/"]);
    assert_eq!(
        result.unwrap().warnings,
        ["starts with a UTF-8 byte order mark (ignored)"]
    );
}

#[test]
fn broken_whitespace_before_declaration() {
    let (seen, result) = read(
        sample!("broken/whitespace-before-declaration.xml"),
        "https://example.com/sitemap_index.xml",
    );
    assert_eq!(seen, ["sitemap https://example.com/post-sitemap.xml"]);
    assert_eq!(
        result.unwrap().warnings,
        [
            "2 byte(s) of whitespace before the <?xml declaration: invalid XML that browsers reject (usually stray output from a theme or plugin file)"
        ]
    );
}

#[test]
fn broken_php_notice_before_declaration() {
    let (seen, result) = read(
        sample!("broken/php-notice.xml"),
        "https://example.com/page-sitemap.xml",
    );
    assert_eq!(seen, ["page https://example.com/about/"]);
    assert_eq!(
        result.unwrap().warnings,
        [
            "stray content before the <urlset> root (first: <br>) was ignored; PHP notices printed into the sitemap look like this"
        ]
    );
}

#[test]
fn broken_html_served_as_sitemap() {
    let (seen, result) = read(
        sample!("broken/html-404.xml"),
        "https://example.com/sitemap.xml",
    );
    assert!(seen.is_empty());
    assert_eq!(
        result,
        Err(SitemapError::Html {
            title: Some("Page not found – Example".to_owned())
        })
    );
}

#[test]
fn broken_truncated() {
    let (seen, result) = read(
        sample!("broken/truncated.xml"),
        "https://example.com/wp-sitemap-posts-post-1.xml",
    );
    assert_eq!(
        seen,
        [
            "page https://example.com/2024/05/hello-world/",
            "page https://example.com/2024/04/caching-rest-nonces/",
            "page https://example.com/2024/03/checkout-notes/",
        ]
    );
    let outcome = result.unwrap();
    assert!(outcome.truncated);
    assert_eq!(
        outcome.warnings,
        [
            "the document ends inside <loc> before its closing </urlset> tag (download cut short?); kept the 3 entries read before the cut"
        ]
    );
}

#[test]
fn broken_doctype() {
    let (seen, result) = read(
        sample!("broken/doctype.xml"),
        "https://example.com/sitemap.xml",
    );
    assert!(seen.is_empty());
    assert_eq!(result, Err(SitemapError::Doctype));
}

#[test]
fn broken_gzip_body() {
    let raw = sample!("broken/sitemap.xml.gz");
    let url = "https://example.com/sitemap.xml.gz";
    assert_eq!(read(raw, url).1, Err(SitemapError::Compressed));
    let body = decode_body(raw, 1 << 20).unwrap();
    assert_eq!(
        clean(&body, url, Format::UrlSet),
        [
            "page https://example.com/static/one.html",
            "page https://example.com/static/two.html",
        ]
    );
}

#[test]
fn broken_plain_xml_named_gz() {
    let raw = sample!("broken/plain-named.xml.gz");
    let body = decode_body(raw, 1 << 20).unwrap();
    assert_eq!(&*body, &raw[..]);
    assert_eq!(
        clean(
            &body,
            "https://example.com/post-sitemap.xml.gz",
            Format::UrlSet
        ),
        ["page https://example.com/2024/05/hello-world/"]
    );
}

#[test]
fn broken_self_referencing_index() {
    let (seen, result) = read(
        sample!("broken/self-index.xml"),
        "https://example.com/sitemap.xml",
    );
    assert_eq!(
        seen,
        [
            "sitemap https://example.com/sitemap.xml",
            "sitemap https://example.com/post-sitemap.xml",
        ]
    );
    assert_eq!(
        result.unwrap().warnings,
        ["the sitemap index lists its own URL"]
    );
}

/// Every sample file, for the robustness sweeps below.
const ALL: &[&[u8]] = &[
    sample!("wp-core/wp-sitemap.xml"),
    sample!("wp-core/wp-sitemap-posts-post-1.xml"),
    sample!("wp-core-plain/index.xml"),
    sample!("yoast/post-sitemap.xml"),
    sample!("rank-math/post-sitemap1.xml"),
    sample!("aioseo/post-sitemap.xml"),
    sample!("aioseo/sitemap.rss"),
    sample!("seopress/sitemaps.xml"),
    sample!("the-seo-framework/sitemap.xml"),
    sample!("text/sitemap.txt"),
    sample!("broken/bom.xml"),
    sample!("broken/php-notice.xml"),
    sample!("broken/html-404.xml"),
    sample!("broken/doctype.xml"),
    sample!("broken/sitemap.xml.gz"),
    fixture!("usp/atom1.0.xml"),
    fixture!("usp/hreflang.xml"),
];

/// Parses without looking at the result: the point is that it returns.
fn survive(body: &[u8]) {
    let base = Url::parse("https://example.com/sitemap.xml").unwrap();
    let limits = Limits::default();
    let _ = parse(body, &base, &limits, |_| ControlFlow::Continue(()));
    let _ = decode_body(body, 1 << 16);
    let _ = parse_robots(body, "nonce-audit");
}

#[test]
fn every_prefix_of_every_sample_is_handled() {
    for body in ALL {
        for end in 0..=body.len() {
            survive(&body[..end]);
        }
    }
}

#[test]
fn random_corruption_is_handled() {
    // A fixed xorshift sequence: reproducible, no extra crate.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    const NASTY: &[u8] = b"<>&;/![]?-\"'\r\n\0\xff\xef\xbb\xbf#x";
    for body in ALL {
        for _ in 0..300 {
            let mut copy = body.to_vec();
            for _ in 0..(next() % 8 + 1) {
                let at = (next() % copy.len() as u64) as usize;
                copy[at] = NASTY[(next() % NASTY.len() as u64) as usize];
            }
            survive(&copy);
        }
    }
}
