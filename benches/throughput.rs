//! Throughput of the per-byte stages, in MB/s, on realistic inputs (`nonce_audit::sim::corpus`):
//!
//! - `extract`: nonce extraction from cached WooCommerce/Elementor product pages of 50-300 KB;
//! - `fingerprint`: cache-layer fingerprinting of the same pages (Cloudflare + WP Rocket headers
//!   and footer comment);
//! - `page`: what a worker does per page body: UTF-8 check, extraction and fingerprint together
//!   (as `audit_page` does it);
//! - `sitemap`: `decode_body` + `parse` of a 50,000-URL Yoast-like urlset, plain and gzipped
//!   (throughput counted on the decoded XML).
//!
//! ```sh
//! cargo bench --bench throughput               # everything (about 3 minutes)
//! cargo bench --bench throughput -- extract    # one group
//! ```

use std::hint::black_box;
use std::io::Write;
use std::ops::ControlFlow;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use http::{HeaderMap, HeaderValue};
use url::Url;

use nonce_audit::discover::{bytes, parse};
use nonce_audit::sim::corpus::{self, PageSpec};
use nonce_audit::{cache, extract};

const ORIGIN: &str = "https://shop.example.com";
const SIZES_KB: [usize; 4] = [50, 100, 200, 300];

fn page(kb: usize) -> String {
    let mut html = corpus::wordpress_page(&PageSpec {
        origin: ORIGIN,
        path: "/product/organic-cotton-hoodie/",
        rest_nonce: &corpus::nonce(7),
        target_bytes: kb * 1024,
        seed: kb as u64,
    });
    html.push_str("\n<!-- This website is like a Rocket, isn't it? Performance optimized by WP Rocket. Learn more: https://wp-rocket.me - Debug: cached@1779000000 -->");
    html
}

fn page_url() -> Url {
    Url::parse(&format!("{ORIGIN}/product/organic-cotton-hoodie/")).expect("static URL")
}

fn headers() -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, v) in [
        ("date", "Tue, 24 Nov 2026 12:00:00 GMT"),
        ("content-type", "text/html; charset=UTF-8"),
        ("cf-cache-status", "HIT"),
        ("age", "5000"),
        ("cache-control", "max-age=14400"),
        ("server", "cloudflare"),
        ("vary", "Accept-Encoding"),
        ("x-powered-by", "WP Rocket/3.17.1"),
        (
            "link",
            "<https://shop.example.com/wp-json/>; rel=\"https://api.w.org/\"",
        ),
    ] {
        h.insert(k, HeaderValue::from_static(v));
    }
    h
}

fn bench_extract(c: &mut Criterion) {
    let url = page_url();
    let mut g = c.benchmark_group("extract");
    for kb in SIZES_KB {
        let html = page(kb);
        g.throughput(Throughput::Bytes(html.len() as u64));
        g.bench_with_input(
            BenchmarkId::from_parameter(format!("{kb}KB")),
            &html,
            |b, html| b.iter(|| extract::extract(black_box(html), &url)),
        );
    }
    g.finish();
}

fn bench_fingerprint(c: &mut Criterion) {
    let h = headers();
    let mut g = c.benchmark_group("fingerprint");
    for kb in SIZES_KB {
        let html = page(kb);
        g.throughput(Throughput::Bytes(html.len() as u64));
        g.bench_with_input(
            BenchmarkId::from_parameter(format!("{kb}KB")),
            &html,
            |b, html| b.iter(|| cache::fingerprint(&h, black_box(html), None, None)),
        );
    }
    g.finish();
}

fn bench_page(c: &mut Criterion) {
    let h = headers();
    let url = page_url();
    let mut g = c.benchmark_group("page");
    for kb in [60, 300] {
        let body = page(kb).into_bytes();
        g.throughput(Throughput::Bytes(body.len() as u64));
        g.bench_with_input(
            BenchmarkId::from_parameter(format!("{kb}KB")),
            &body,
            |b, body| {
                b.iter(|| {
                    let html = match std::str::from_utf8(black_box(body)) {
                        Ok(text) => std::borrow::Cow::Borrowed(text),
                        Err(_) => String::from_utf8_lossy(body),
                    };
                    let found = extract::extract(&html, &url);
                    let info = cache::fingerprint(&h, &html, None, None);
                    (found.nonces.len(), info.age_s)
                })
            },
        );
    }
    g.finish();
}

fn sitemap_xml(n: usize) -> Vec<u8> {
    let urls: Vec<String> = (0..n)
        .map(|i| format!("{ORIGIN}/product/widget-{i}/"))
        .collect();
    corpus::urlset(urls.iter().map(String::as_str)).into_bytes()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(data).expect("in-memory gzip");
    enc.finish().expect("in-memory gzip")
}

fn parse_count(raw: &[u8], base: &Url) -> u64 {
    let body = bytes::decode_body(raw, bytes::DEFAULT_MAX_UNCOMPRESSED).expect("valid body");
    let mut n = 0u64;
    let limits = parse::Limits::default();
    let _ = parse::parse(&body, base, &limits, |item| {
        n += u64::from(matches!(item, parse::Item::Page { .. }));
        ControlFlow::Continue(())
    });
    n
}

fn bench_sitemap(c: &mut Criterion) {
    let base = Url::parse(&format!("{ORIGIN}/product-sitemap1.xml")).expect("static URL");
    let xml = sitemap_xml(50_000);
    let gz = gzip(&xml);
    assert_eq!(parse_count(&xml, &base), 50_000);
    let mut g = c.benchmark_group("sitemap");
    g.sample_size(20);
    g.throughput(Throughput::Bytes(xml.len() as u64));
    g.bench_function("50000-urls-plain", |b| {
        b.iter(|| parse_count(black_box(&xml), &base))
    });
    g.bench_function("50000-urls-gzip", |b| {
        b.iter(|| parse_count(black_box(&gz), &base))
    });
    g.finish();
}

criterion_group!(
    benches,
    bench_extract,
    bench_fingerprint,
    bench_page,
    bench_sitemap
);
criterion_main!(benches);
