//! Bounded, panic-free reading of response headers: values are capped, decoded lossily and
//! interpreted through the table's [`Reading`]s, and `Age` / `Date` / `Last-Modified` are parsed
//! the way RFC 9111 and RFC 9110 ask.

use chrono::{DateTime, Utc};
use http::HeaderMap;

use super::table::{HeaderRule, Reading};

/// Bytes of one header value looked at; the rest is ignored.
pub const MAX_VALUE_BYTES: usize = 512;

/// Values of one header name looked at (repeated headers beyond this are ignored).
pub const MAX_VALUES_PER_NAME: usize = 8;

/// What RFC 9111 §1.2.2 says to use for a delta-seconds value too large to represent.
pub const AGE_CAP_S: i64 = 2_147_483_648;

/// The first values of `name`, each capped and decoded lossily (non-UTF-8 bytes become U+FFFD).
pub(crate) fn values(headers: &HeaderMap, name: &str) -> Vec<String> {
    headers
        .get_all(name)
        .iter()
        .take(MAX_VALUES_PER_NAME)
        .map(|v| {
            let bytes = v.as_bytes();
            let capped = bytes.get(..MAX_VALUE_BYTES).unwrap_or(bytes);
            String::from_utf8_lossy(capped).into_owned()
        })
        .collect()
}

/// Applies one table rule. Outer `None`: the rule does not match (header absent, or a
/// `Contains` needle missing). Inner value: what the header says about hit or miss.
pub(crate) fn apply_rule(headers: &HeaderMap, rule: &HeaderRule) -> Option<Option<bool>> {
    let vals = values(headers, rule.name);
    if vals.is_empty() {
        return None;
    }
    match rule.read {
        Reading::Presence(hit) => Some(hit),
        Reading::Status { hit, miss } => Some(status(&vals, hit, miss)),
        Reading::MissElseHit(miss) => Some(miss_else_hit(&vals, miss)),
        Reading::Exact(table) => Some(exact(&vals, table)),
        Reading::Contains { needle, hit } => {
            let needle = needle.to_ascii_lowercase();
            vals.iter()
                .any(|v| v.to_ascii_lowercase().contains(&needle))
                .then_some(hit)
        }
        Reading::VarnishXid => Some(varnish_xid(&vals)),
    }
}

fn tokens(value: &str) -> impl Iterator<Item = &str> {
    value
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|t| !t.is_empty())
}

fn status(vals: &[String], hit: &[&str], miss: &[&str]) -> Option<bool> {
    let has = |words: &[&str]| {
        vals.iter()
            .any(|v| tokens(v).any(|t| words.iter().any(|w| t.eq_ignore_ascii_case(w))))
    };
    if has(hit) {
        Some(true)
    } else if has(miss) {
        Some(false)
    } else {
        None
    }
}

fn miss_else_hit(vals: &[String], miss: &[&str]) -> Option<bool> {
    let mut result = None;
    for v in vals {
        let Some(first) = tokens(v).next() else {
            continue;
        };
        if miss.iter().any(|m| first.eq_ignore_ascii_case(m)) {
            result = result.or(Some(false));
        } else {
            return Some(true);
        }
    }
    result
}

fn exact(vals: &[String], table: &[(&str, Option<bool>)]) -> Option<bool> {
    vals.iter().find_map(|v| {
        let v = v.trim();
        table
            .iter()
            .find(|(k, _)| v.eq_ignore_ascii_case(k))
            .and_then(|(_, hit)| *hit)
    })
}

/// `X-Varnish: 32770` (miss or pass) or `X-Varnish: 32770 3` (hit).
fn varnish_xid(vals: &[String]) -> Option<bool> {
    vals.iter().find_map(|v| {
        let ids: Vec<&str> = v.split_whitespace().take(3).collect();
        if ids.is_empty() || !ids.iter().all(|id| id.bytes().all(|b| b.is_ascii_digit())) {
            return None;
        }
        Some(ids.len() >= 2)
    })
}

/// The `Age` header in seconds: the largest valid delta-seconds among its values.
///
/// Non-digits (a sign, a decimal point, letters) make a value invalid and it is ignored (RFC 9111
/// §5.1); values too large are capped at 2^31 as RFC 9111 §1.2.2 asks.
pub(crate) fn age(headers: &HeaderMap) -> Option<i64> {
    values(headers, "age")
        .iter()
        .flat_map(|v| v.split(',').map(str::trim).collect::<Vec<_>>())
        .filter_map(delta_seconds)
        .max()
}

fn delta_seconds(text: &str) -> Option<i64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let digits = text.trim_start_matches('0');
    if digits.len() > 10 {
        return Some(AGE_CAP_S);
    }
    let n: i64 = if digits.is_empty() {
        0
    } else {
        digits.parse().ok()?
    };
    Some(n.min(AGE_CAP_S))
}

/// An HTTP-date header (`Date`, `Last-Modified`) as UTC; `None` when absent or malformed.
pub(crate) fn http_date(headers: &HeaderMap, name: &str) -> Option<DateTime<Utc>> {
    let vals = values(headers, name);
    let first = vals.first()?;
    let t = httpdate::parse_http_date(first.trim()).ok()?;
    let secs = t.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs();
    DateTime::from_timestamp(i64::try_from(secs).ok()?, 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::{HeaderName, HeaderValue};

    fn map(pairs: &[(&str, &[u8])]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            if let (Ok(k), Ok(v)) = (
                HeaderName::from_bytes(k.as_bytes()),
                HeaderValue::from_bytes(v),
            ) {
                h.append(k, v);
            }
        }
        h
    }

    fn status_rule(name: &'static str) -> HeaderRule {
        HeaderRule {
            name,
            read: Reading::Status {
                hit: &["hit", "stale", "updating", "revalidated"],
                miss: &["miss", "bypass", "expired"],
            },
            identifies: true,
        }
    }

    #[test]
    fn status_reads_nginx_values_in_any_case() {
        let rule = status_rule("x-fastcgi-cache");
        for (v, want) in [
            ("HIT", Some(true)),
            ("hit", Some(true)),
            ("STALE", Some(true)),
            ("MISS", Some(false)),
            ("BYPASS", Some(false)),
            ("EXPIRED", Some(false)),
            ("WHATEVER", None),
        ] {
            assert_eq!(
                apply_rule(&map(&[("X-FastCGI-Cache", v.as_bytes())]), &rule),
                Some(want),
                "{v}"
            );
        }
        assert_eq!(apply_rule(&HeaderMap::new(), &rule), None);
    }

    #[test]
    fn status_lists_count_any_hit() {
        let rule = status_rule("x-cache");
        let h = map(&[("x-cache", b"MISS, HIT")]);
        assert_eq!(apply_rule(&h, &rule), Some(Some(true)));
        let h = map(&[("x-cache", b"MISS, MISS")]);
        assert_eq!(apply_rule(&h, &rule), Some(Some(false)));
        let h = map(&[("x-cache", b"HIT: 1")]);
        assert_eq!(apply_rule(&h, &rule), Some(Some(true)));
        // Two separate header lines from two proxies.
        let h = map(&[("x-cache", b"MISS"), ("x-cache", b"HIT")]);
        assert_eq!(apply_rule(&h, &rule), Some(Some(true)));
    }

    #[test]
    fn litespeed_miss_else_hit() {
        let rule = HeaderRule {
            name: "x-litespeed-cache",
            read: Reading::MissElseHit(&["miss"]),
            identifies: true,
        };
        for (v, want) in [
            ("hit", Some(true)),
            ("hit,litemage", Some(true)),
            ("bkn", Some(true)),
            ("miss", Some(false)),
            ("", None),
        ] {
            let h = map(&[("x-litespeed-cache", v.as_bytes())]);
            assert_eq!(apply_rule(&h, &rule), Some(want), "{v:?}");
        }
    }

    #[test]
    fn varnish_xid_counts_ids() {
        let rule = HeaderRule {
            name: "x-varnish",
            read: Reading::VarnishXid,
            identifies: true,
        };
        let h = map(&[("x-varnish", b"32770 3")]);
        assert_eq!(apply_rule(&h, &rule), Some(Some(true)));
        let h = map(&[("x-varnish", b"32770")]);
        assert_eq!(apply_rule(&h, &rule), Some(Some(false)));
        let h = map(&[("x-varnish", b"abc def")]);
        assert_eq!(apply_rule(&h, &rule), Some(None));
    }

    #[test]
    fn contains_matches_only_with_the_needle() {
        let rule = HeaderRule {
            name: "x-powered-by",
            read: Reading::Contains {
                needle: "WP Rocket",
                hit: Some(true),
            },
            identifies: true,
        };
        let h = map(&[("x-powered-by", b"WP Rocket/3.17.1")]);
        assert_eq!(apply_rule(&h, &rule), Some(Some(true)));
        let h = map(&[("x-powered-by", b"PHP/8.2")]);
        assert_eq!(apply_rule(&h, &rule), None);
    }

    #[test]
    fn age_parsing_follows_rfc_9111() {
        let age_of = |v: &[u8]| age(&map(&[("age", v)]));
        assert_eq!(age_of(b"19"), Some(19));
        assert_eq!(age_of(b" 19 "), Some(19));
        assert_eq!(age_of(b"0"), Some(0));
        assert_eq!(age_of(b"000000000000000000019"), Some(19));
        assert_eq!(age_of(b"-5"), None);
        assert_eq!(age_of(b"1e9"), None);
        assert_eq!(age_of(b"12.5"), None);
        assert_eq!(age_of(b""), None);
        assert_eq!(age_of(b"99999999999999999999999999"), Some(AGE_CAP_S));
        assert_eq!(age_of(b"2147483649"), Some(AGE_CAP_S));
        assert_eq!(age_of(b"5, 60"), Some(60));
        assert_eq!(age_of(b"\xff\xfe"), None);
    }

    #[test]
    fn values_are_capped_and_lossy() {
        let long = vec![b'a'; 100_000];
        let h = map(&[("x-cache", &long)]);
        assert_eq!(
            values(&h, "x-cache").first().map(String::len),
            Some(MAX_VALUE_BYTES)
        );
        let h = map(&[("x-cache", b"HIT \xff")]);
        assert_eq!(
            values(&h, "x-cache").first().map(String::as_str),
            Some("HIT \u{fffd}")
        );
    }

    #[test]
    fn http_dates() {
        let h = map(&[("date", b"Tue, 24 Nov 2026 10:32:31 GMT")]);
        assert_eq!(
            http_date(&h, "date").map(|d| d.timestamp()),
            Some(1_795_516_351)
        );
        let h = map(&[("date", b"yesterday")]);
        assert_eq!(http_date(&h, "date"), None);
    }
}
