//! Property tests for everything that reads hostile input: the sitemap parser, robots.txt, the
//! nonce extractor, the cache fingerprinter and the probe classifier. cargo-fuzz needs a nightly
//! toolchain this project's machines cannot fetch, so these run in `cargo test` instead: random
//! and mutated inputs (seeded from the sample sitemaps and realistic pages) must never panic,
//! and what comes out must respect the caps.

use std::ops::ControlFlow;

use proptest::prelude::*;
use url::Url;

use nonce_audit::cache::fingerprint;
use nonce_audit::discover::bytes::decode_body;
use nonce_audit::discover::parse::{Limits, parse};
use nonce_audit::extract::{MAX_NONCES, extract};
use nonce_audit::robots::parse_robots;

const SEEDS: &[&str] = &[
    include_str!("../sample-sitemaps/wp-core/wp-sitemap.xml"),
    include_str!("../sample-sitemaps/yoast/post-sitemap.xml"),
    include_str!("../sample-sitemaps/aioseo/sitemap.rss"),
    include_str!("../sample-sitemaps/broken/truncated.xml"),
    include_str!("../sample-sitemaps/text/sitemap.txt"),
    "<html><head><link rel='https://api.w.org/' href='http://s.test/wp-json/' /><script id='wp-api-request-js-extra'>var wpApiSettings = {\"root\":\"http:\\/\\/s.test\\/wp-json\\/\",\"nonce\":\"0123abcdef\",\"versionString\":\"wp\\/v2\\/\"};</script><script type=\"rocketlazyloadscript\">wp.apiFetch.nonceMiddleware = wp.apiFetch.createNonceMiddleware( \"abcdef0123\" );</script><input type=\"hidden\" name=\"_wpnonce\" value=\"aaaaaaaaaa\" /><script src=\"data:text/javascript;base64,dmFyIHg9MTs=\"></script></head></html><!-- Page cached by LiteSpeed Cache 7.9 on 2026-11-24 09:32:31 -->",
];

fn base() -> Url {
    Url::parse("https://s.test/sitemap.xml").unwrap()
}

/// A seed with random bytes spliced in, cut short, or repeated.
fn mutated() -> impl Strategy<Value = Vec<u8>> {
    (
        0..SEEDS.len(),
        any::<usize>(),
        prop::collection::vec(any::<u8>(), 0..64),
        any::<usize>(),
        0u8..4,
    )
        .prop_map(|(i, at, junk, cut, mode)| {
            let seed = SEEDS[i].as_bytes();
            let at = at % (seed.len() + 1);
            let mut v = seed[..at].to_vec();
            match mode {
                0 => {
                    v.extend_from_slice(&junk);
                    v.extend_from_slice(&seed[at..]);
                }
                1 => v.extend_from_slice(&junk),
                2 => {
                    v.extend_from_slice(&seed[at..]);
                    let cut = cut % (v.len() + 1);
                    v.truncate(cut);
                }
                _ => {
                    for _ in 0..(cut % 8) {
                        v.extend_from_slice(&seed[at..]);
                    }
                }
            }
            v
        })
}

fn bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..512),
        mutated(),
        ".{0,400}".prop_map(String::into_bytes),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn sitemap_parser_never_panics_and_respects_the_entry_cap(body in bytes(), cap in 1u64..20) {
        let limits = Limits { max_entries: cap, ..Limits::default() };
        let mut seen = 0u64;
        let _ = parse(&body, &base(), &limits, |_| {
            seen += 1;
            ControlFlow::Continue(())
        });
        prop_assert!(seen <= cap);
    }

    #[test]
    fn gzip_decoding_never_panics_and_respects_the_cap(body in bytes(), cap in 1usize..4096) {
        if let Ok(out) = decode_body(&body, cap) {
            prop_assert!(out.len() <= cap.max(body.len()));
        }
    }

    #[test]
    fn robots_parser_never_panics(body in bytes(), path in "/[ -~]{0,40}") {
        let r = parse_robots(&body, "nonce-audit");
        let _ = r.allowed(&path);
        let _ = r.crawl_delay;
    }

    #[test]
    fn extraction_never_panics_and_only_returns_ten_hex_nonces(body in bytes()) {
        let html = String::from_utf8_lossy(&body);
        let page = Url::parse("https://s.test/a/").unwrap();
        let found = extract(&html, &page);
        prop_assert!(found.nonces.len() <= MAX_NONCES);
        for n in &found.nonces {
            prop_assert_eq!(n.value.len(), 10);
            prop_assert!(n.value.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        }
        if let Some(root) = &found.rest_root {
            prop_assert!(Url::parse(root).is_ok());
        }
    }

    #[test]
    fn fingerprinting_never_panics_on_hostile_headers_and_bodies(
        body in bytes(),
        values in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..80), 0..6),
    ) {
        let names = ["age", "x-varnish", "cf-cache-status", "last-modified", "date", "x-litespeed-cache"];
        let mut h = http::HeaderMap::new();
        for (name, v) in names.iter().zip(values.iter()) {
            if let Ok(v) = http::HeaderValue::from_bytes(v) {
                h.append(*name, v);
            }
        }
        let html = String::from_utf8_lossy(&body);
        let info = fingerprint(&h, &html, None, Some(3600));
        if let Some(layer) = info.layer {
            prop_assert!(info.layers.iter().any(|l| l.layer == layer));
        }
    }
}
