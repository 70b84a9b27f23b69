//! What seven real page-cache plugins served on a real WordPress (captured from their PHP
//! delivery, nonce life 20 s, site offset +2 h, and Europe/Berlin, +1 h in December), run through
//! the real fingerprinting: each capture must be named, classified hit or miss, and dated to the
//! generation time the capture itself proves.

use chrono::{DateTime, Utc};
use http::{HeaderMap, HeaderName, HeaderValue};
use nonce_audit::cache::fingerprint;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/real-plugins");

/// Reads `<name>.headers` (a raw HTTP/1.1 head) and `<name>.html`.
fn capture(name: &str) -> (HeaderMap, String, DateTime<Utc>) {
    let head = std::fs::read_to_string(format!("{DIR}/{name}.headers")).expect("headers file");
    let body = std::fs::read_to_string(format!("{DIR}/{name}.html")).expect("html file");
    let mut headers = HeaderMap::new();
    for line in head.lines().skip(1) {
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        headers.append(
            HeaderName::from_bytes(k.trim().as_bytes()).expect("header name"),
            HeaderValue::from_str(v.trim()).expect("header value"),
        );
    }
    let date = headers
        .get("date")
        .and_then(|d| d.to_str().ok())
        .and_then(|d| httpdate::parse_http_date(d).ok())
        .map(DateTime::<Utc>::from)
        .expect("Date header");
    (headers, body, date)
}

/// One capture and what it must read as: (file stem, layer, hit, age source, generated at UTC).
/// `hit: None` where the plugin's PHP delivery says nothing about hit or miss (WP Super Cache and
/// W3 Total Cache serve the same bytes either way): there the age tells, 0 on the miss.
type Expect = (
    &'static str,
    Option<&'static str>,
    Option<bool>,
    Option<&'static str>,
    Option<&'static str>,
);

// Where two signals give the same age, the report names the first of them that the largest-age
// rule keeps (Powered Cache: `Age: 15` and its footer stamp agree to the second).
const CAPTURES: &[Expect] = &[
    (
        "breeze",
        Some("breeze"),
        Some(true),
        Some("marker-gmt"),
        Some("2026-12-03T08:13:40Z"),
    ),
    (
        "breeze.miss",
        None,
        Some(false),
        Some("marker-gmt"),
        Some("2026-12-03T08:13:40Z"),
    ),
    (
        "cache-enabler",
        Some("cache-enabler"),
        Some(true),
        Some("marker-gmt"),
        Some("2026-12-03T08:11:21Z"),
    ),
    // Cache Enabler's first visit carries no mark at all: nothing to name, rendered now.
    ("cache-enabler.miss", None, None, None, None),
    // Minute precision: "Dec 3rd, 2026 @ 8:12 am UTC".
    (
        "comet-cache",
        Some("comet-cache"),
        Some(true),
        Some("marker-gmt"),
        Some("2026-12-03T08:12:00Z"),
    ),
    (
        "comet-cache.miss",
        Some("comet-cache"),
        None,
        Some("marker-gmt"),
        Some("2026-12-03T08:12:00Z"),
    ),
    (
        "powered-cache",
        Some("powered-cache"),
        Some(true),
        Some("age-header"),
        Some("2026-12-03T08:13:20Z"),
    ),
    // The miss names the layer but did not serve from it, so no layer "served" the page.
    (
        "powered-cache.miss",
        None,
        Some(false),
        Some("marker-gmt"),
        Some("2026-12-03T08:13:20Z"),
    ),
    (
        "w3-total-cache",
        Some("w3-total-cache"),
        None,
        Some("last-modified"),
        Some("2026-12-03T08:11:51Z"),
    ),
    (
        "w3-total-cache.miss",
        Some("w3-total-cache"),
        None,
        Some("last-modified"),
        Some("2026-12-03T08:11:51Z"),
    ),
    (
        "w3-total-cache.no-browsercache",
        Some("w3-total-cache"),
        None,
        Some("marker-local"),
        Some("2026-12-03T08:19:53Z"),
    ),
    (
        "w3-total-cache@Europe_Berlin",
        Some("w3-total-cache"),
        None,
        Some("last-modified"),
        Some("2026-12-03T08:14:31Z"),
    ),
    (
        "wp-fastest-cache",
        Some("wp-fastest-cache"),
        Some(true),
        Some("marker-local"),
        Some("2026-12-03T08:12:21Z"),
    ),
    (
        "wp-fastest-cache.miss",
        None,
        Some(false),
        Some("marker-local"),
        Some("2026-12-03T08:12:21Z"),
    ),
    (
        "wp-fastest-cache@Europe_Berlin",
        Some("wp-fastest-cache"),
        Some(true),
        Some("marker-local"),
        Some("2026-12-03T08:15:01Z"),
    ),
    (
        "wp-super-cache",
        Some("wp-super-cache"),
        None,
        Some("marker-local"),
        Some("2026-12-03T08:10:56Z"),
    ),
    (
        "wp-super-cache.miss",
        Some("wp-super-cache"),
        None,
        Some("marker-local"),
        Some("2026-12-03T08:10:56Z"),
    ),
    (
        "wp-super-cache@Europe_Berlin",
        Some("wp-super-cache"),
        None,
        Some("marker-local"),
        Some("2026-12-03T08:14:10Z"),
    ),
];

/// The site's UTC offset the capture's name says: +2 h, or Europe/Berlin (+1 h in December).
fn offset_of(name: &str) -> i32 {
    if name.contains("@Europe_Berlin") {
        3600
    } else {
        7200
    }
}

#[test]
fn every_capture_is_named_classified_and_dated() {
    let mut seen = 0;
    for (name, layer, hit, source, generated) in CAPTURES {
        let (headers, body, date) = capture(name);
        let info = fingerprint(&headers, &body, Some(date), Some(offset_of(name)));
        assert_eq!(info.layer.as_deref(), *layer, "{name}: layer");
        assert_eq!(info.hit, *hit, "{name}: hit");
        assert_eq!(
            info.age_source.map(|a| a.as_str()),
            *source,
            "{name}: age source"
        );
        let want = generated.map(|g| DateTime::parse_from_rfc3339(g).unwrap().with_timezone(&Utc));
        assert_eq!(info.generated_at, want, "{name}: generated at");
        if let Some(g) = want {
            assert_eq!(
                info.age_s,
                Some((date - g).num_seconds()),
                "{name}: age by the server's Date"
            );
        }
        if name.ends_with(".miss") && *name != "comet-cache.miss" {
            assert_eq!(info.age_s.unwrap_or(0), 0, "{name}: a miss is rendered now");
        }
        seen += 1;
    }
    let on_disk = std::fs::read_dir(DIR)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "headers"))
        })
        .count();
    assert_eq!(seen, on_disk, "every capture in {DIR} has an expectation");
}

/// Site-local stamps read without the offset are flagged approximate, never silently wrong: on
/// these sites (+2 h) the stamp read as UTC lies after the server's `Date`, which no copy can, so
/// the age is unknown instead of "-2 h".
#[test]
fn local_stamps_without_the_offset_give_no_negative_age() {
    for name in ["wp-super-cache", "wp-fastest-cache"] {
        let (headers, body, date) = capture(name);
        let info = fingerprint(&headers, &body, Some(date), None);
        assert!(info.approximate, "{name}");
        assert_eq!(info.age_s, None, "{name}");
        assert_eq!(info.layer.as_deref(), Some(name), "{name}: still named");
    }
}
