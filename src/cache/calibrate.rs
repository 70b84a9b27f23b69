//! The site's UTC offset, which site-local cache stamps need before they can date a copy.
//!
//! LiteSpeed, WP Super Cache, W3 Total Cache and others print the time a copy was made in the
//! site's own time zone, with no zone. Read as UTC, a copy made east of UTC would seem to come
//! from the future and one made west of it would seem hours older than it is. This is the one
//! part of `cache` that sends requests: once per origin, it asks the REST index for
//! `gmt_offset`; when that is closed it fetches the page with a cache-busting query (a fresh
//! render, stamped now) and compares the stamp with the response's `Date`, trusting it only when
//! the answer did not come from the cache (a cache that ignores query strings hands back the old
//! copy, whose stamp measures its age, not the zone); and last it reads the offset core's
//! sitemaps print in `<lastmod>`. When all fail the offset is unknown, and so is the copy's age.

use url::Url;

use super::{CacheInfo, SOURCE_MARKER_LOCAL, fingerprint};
use crate::fetch::Fetcher;
use crate::model::OffsetSource;
use crate::once::OnceMap;
use crate::util::{origin_of, random_hex};

/// Offsets beyond this are not a time zone: the answer is ignored.
const MAX_OFFSET_S: i64 = 18 * 3600;

/// Whether a layer dated the copy from a site-local timestamp (which needs the site's offset).
pub fn uses_local_marker(info: &CacheInfo) -> bool {
    info.layers
        .iter()
        .any(|l| l.age_source == Some(SOURCE_MARKER_LOCAL))
}

/// The offset of each origin, found once (see the module documentation).
#[derive(Default)]
pub struct Calibrator {
    offsets: OnceMap<String, Option<(i32, OffsetSource)>>,
    /// Set when a page's stamp, read with the offset found, lies after the server's `Date`:
    /// the offset (or the stamp) is then wrong, and the report must not state it as the site's.
    refused: std::sync::atomic::AtomicBool,
}

impl Calibrator {
    /// The site's UTC offset in seconds and how it was found, or `None` when neither way
    /// works; asked once per origin however many pages need it.
    /// `fallback` is what the page itself says (its sitemap `<lastmod>` or dated markup, see
    /// [`offset_from_lastmod`] and [`offset_from_markup`]), the last resort.
    pub async fn offset(
        &self,
        fetcher: &Fetcher,
        page: &Url,
        fallback: Option<(i32, OffsetSource)>,
    ) -> Option<(i32, OffsetSource)> {
        let origin = origin_of(page)?;
        self.offsets
            .get_or_init(origin.to_string(), || async {
                if let Some(found) = from_rest_index(fetcher, &origin).await {
                    return Some(found);
                }
                if let Some(found) = from_busted_page(fetcher, page).await {
                    return Some(found);
                }
                fallback
            })
            .await
    }

    /// One offset found so far (a single-site audit has one origin), for the report; `None`
    /// once a page has shown it impossible (see [`Calibrator::refuse`]).
    pub async fn any(&self) -> Option<(i32, OffsetSource)> {
        if self.refused.load(std::sync::atomic::Ordering::Relaxed) {
            return None;
        }
        self.offsets.find_map(|o| *o).await
    }

    /// Records that the offset found dated a page's stamp after the server's `Date`, which is
    /// impossible: the report then states no offset rather than a wrong one.
    pub fn refuse(&self) {
        self.refused
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

async fn from_rest_index(fetcher: &Fetcher, origin: &Url) -> Option<(i32, OffsetSource)> {
    let root = origin.join("/wp-json/").ok()?;
    let resp = fetcher.json(&root).await.ok()?;
    let v: serde_json::Value = serde_json::from_slice(&resp.body).ok()?;
    let hours = match v.get("gmt_offset")? {
        serde_json::Value::Number(n) => n.as_f64()?,
        serde_json::Value::String(s) => s.trim().parse().ok()?,
        _ => return None,
    };
    let secs = (hours * 3600.0).round();
    (secs.abs() <= MAX_OFFSET_S as f64).then_some((secs as i32, OffsetSource::RestIndex))
}

async fn from_busted_page(fetcher: &Fetcher, page: &Url) -> Option<(i32, OffsetSource)> {
    let mut busted = page.clone();
    busted
        .query_pairs_mut()
        .append_pair(crate::verify::CACHE_BUSTER, &random_hex(12));
    // robots.txt can forbid query strings where it allows the page.
    fetcher.robots_allow(&busted).await.ok()?;
    let resp = fetcher.page(&busted).await.ok()?;
    let date = resp.date?;
    let html = String::from_utf8_lossy(&resp.body);
    // Offset 0 on purpose: the stamp's wall clock is read as it is printed, and its distance
    // from `Date` is the offset being measured (read as an uncalibrated guess, a stamp east of
    // UTC would lie in the future and be discarded).
    let info = fingerprint(&resp.headers, &html, Some(date), Some(0));
    let local = info
        .layers
        .iter()
        .find(|l| l.age_source == Some(SOURCE_MARKER_LOCAL))?;
    // A hit is the stored copy: its stamp is its age plus the offset, not the offset.
    if local.hit == Some(true) || info.hit == Some(true) {
        return None;
    }
    let generated = local.generated_at?;
    offset_from_stamp((generated - date).num_seconds()).map(|o| (o, OffsetSource::CacheBustedPage))
}

/// A fresh render's stamp minus its `Date`, rounded to the quarter hour every time zone is a
/// multiple of; `None` beyond ±18 h.
fn offset_from_stamp(raw_s: i64) -> Option<i32> {
    let rounded = ((raw_s as f64) / 900.0).round() as i64 * 900;
    if rounded.abs() > MAX_OFFSET_S {
        return None;
    }
    i32::try_from(rounded).ok()
}

/// The UTC offset of a W3C `<lastmod>` (`2026-11-24T10:00:00+02:00`): core prints it in the
/// site's zone. `Z` and `+00:00` prove nothing (SEO plugins print UTC whatever the zone), nor
/// does a date without a time.
pub fn offset_from_lastmod(lastmod: &str) -> Option<i32> {
    let t = chrono::DateTime::parse_from_rfc3339(lastmod.trim()).ok()?;
    let o = t.offset().local_minus_utc();
    (o != 0 && i64::from(o).abs() <= MAX_OFFSET_S && o % 900 == 0).then_some(o)
}

/// The UTC offset of the page's own dated markup: core's post-date block and `the_date()`
/// print `<time datetime="…">` with `get_the_date( 'c' )`, ISO 8601 in the site's zone. Only a
/// non-zero offset counts (a UTC time proves nothing), and only when every such time agrees.
pub fn offset_from_markup(html: &str) -> Option<i32> {
    static TIME: std::sync::LazyLock<Option<regex::Regex>> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r#"<time\b[^>]{0,200}?\bdatetime\s*=\s*["'](\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d)?[+-]\d\d:\d\d)["']"#,
        )
        .ok()
    });
    let re = TIME.as_ref()?;
    let mut found: Option<i32> = None;
    for c in re.captures_iter(html).take(32) {
        let t = c.get(1).map(|m| m.as_str())?;
        let t = if t.len() == 22 {
            // No seconds: `2026-11-23T15:00+02:00`.
            format!("{}:00{}", &t[..16], &t[16..])
        } else {
            t.to_owned()
        };
        let o = offset_from_lastmod(&t)?;
        match found {
            Some(f) if f != o => return None,
            _ => found = Some(o),
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dated_markup_gives_the_zone_when_its_times_agree() {
        let one = r#"<time datetime="2026-11-23T15:00:00+02:00">23 Nov</time>"#;
        assert_eq!(offset_from_markup(one), Some(7200));
        let short = r#"<time class="x" datetime='2026-11-23T15:00-05:00'>"#;
        assert_eq!(offset_from_markup(short), Some(-18_000));
        let utc = r#"<time datetime="2026-11-23T15:00:00+00:00">"#;
        assert_eq!(offset_from_markup(utc), None);
        let disagree = format!("{one}<time datetime=\"2026-06-01T10:00:00+03:00\">");
        assert_eq!(offset_from_markup(&disagree), None);
        assert_eq!(offset_from_markup("<p>no time</p>"), None);
    }

    #[test]
    fn a_lastmod_gives_its_zone_only_when_it_is_not_utc() {
        assert_eq!(offset_from_lastmod("2026-11-24T10:00:00+02:00"), Some(7200));
        assert_eq!(
            offset_from_lastmod("2026-11-24T10:00:00-05:00"),
            Some(-18_000)
        );
        assert_eq!(
            offset_from_lastmod("2026-11-24T10:00:00+05:45"),
            Some(20_700)
        );
        assert_eq!(offset_from_lastmod("2026-11-24T10:00:00+00:00"), None);
        assert_eq!(offset_from_lastmod("2026-11-24T10:00:00Z"), None);
        assert_eq!(offset_from_lastmod("2026-11-24"), None);
        assert_eq!(offset_from_lastmod("garbage"), None);
    }

    #[test]
    fn a_stamp_rounds_to_the_quarter_hour_of_its_zone() {
        assert_eq!(offset_from_stamp(7200 + 3), Some(7200));
        assert_eq!(offset_from_stamp(-3600 - 40), Some(-3600));
        // Kathmandu, +5:45, with the render taking a few seconds.
        assert_eq!(offset_from_stamp(20_700 + 9), Some(20_700));
        assert_eq!(offset_from_stamp(0), Some(0));
        assert_eq!(offset_from_stamp(19 * 3600), None);
        assert_eq!(offset_from_stamp(i64::MIN / 2), None);
    }
}
