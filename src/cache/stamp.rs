//! Reading the timestamps cache plugins print in their HTML comments.
//!
//! Each parser takes text a marker regex captured (already bounded in length) and returns a
//! naive date-time plus how exact it is; choosing the clock (UTC, site-local, printed offset) is
//! the caller's job, because only it knows whether the site's offset was calibrated.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

/// Longest captured timestamp text a parser looks at; longer text is not a timestamp.
const MAX_STAMP_LEN: usize = 96;

/// Largest UTC offset accepted, in seconds (real zones span −12 h to +14 h).
pub(crate) const MAX_OFFSET_S: i32 = 18 * 3600;

/// A wall-clock time read from a marker, before any time-zone decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WallTime {
    /// The time as printed.
    pub naive: NaiveDateTime,
    /// False when the format has no seconds (the age may be up to 59 s too large).
    pub has_seconds: bool,
    /// True when more than one reading of the text was possible (e.g. `03/04/2026`).
    pub ambiguous: bool,
}

impl WallTime {
    fn exact(naive: NaiveDateTime) -> Self {
        Self {
            naive,
            has_seconds: true,
            ambiguous: false,
        }
    }
}

/// Unix seconds (`cached@1732444351`) as a UTC time; `None` when not a representable number.
pub(crate) fn parse_unix(text: &str) -> Option<DateTime<Utc>> {
    let t = text.trim();
    if t.is_empty() || t.len() > 16 || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let secs: i64 = t.parse().ok()?;
    DateTime::from_timestamp(secs, 0)
}

/// `D, d M Y H:i:s GMT` (Cache Enabler) as a UTC time.
pub(crate) fn parse_http_gmt(text: &str) -> Option<DateTime<Utc>> {
    let t = bounded(text)?;
    NaiveDateTime::parse_from_str(t, "%a, %d %b %Y %H:%M:%S GMT")
        .ok()
        .filter(|n| plausible(n.date()))
        .map(|n| n.and_utc())
}

/// `Y-m-d H:i:s` (LiteSpeed, WP Super Cache, W3 Total Cache, Nginx Helper).
pub(crate) fn parse_ymd_hms(text: &str) -> Option<WallTime> {
    let t = bounded(text)?;
    NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S")
        .ok()
        .filter(|n| plausible(n.date()))
        .map(WallTime::exact)
}

/// `d-m-y G:i:s` with a two-digit year (Hummingbird, WP Fastest Cache before 1.3.5).
pub(crate) fn parse_dmy_hms(text: &str) -> Option<WallTime> {
    let t = bounded(text)?;
    NaiveDateTime::parse_from_str(t, "%d-%m-%y %H:%M:%S")
        .ok()
        .filter(|n| plausible(n.date()))
        .map(WallTime::exact)
}

/// `M jS, Y @ g:i a` (Comet Cache, e.g. `Aug 8th, 2017 @ 3:05 pm`): minute precision.
pub(crate) fn parse_month_day_year_ampm(text: &str) -> Option<WallTime> {
    let t = bounded(text)?;
    let cleaned = strip_ordinal_suffix(t)?;
    NaiveDateTime::parse_from_str(&cleaned, "%b %d, %Y @ %I:%M %p")
        .ok()
        .filter(|n| plausible(n.date()))
        .map(|naive| WallTime {
            naive,
            has_seconds: false,
            ambiguous: false,
        })
}

/// Date formats offered by WordPress's Settings › General plus a few common custom ones.
const SITE_DATE_FORMATS: &[&str] = &[
    "%B %d, %Y", // F j, Y (WordPress default; %B also reads "Oct")
    "%Y-%m-%d",  // Y-m-d
    "%m/%d/%Y",  // m/d/Y
    "%d/%m/%Y",  // d/m/Y
    "%d %B %Y",  // j F Y
    "%d.%m.%Y",  // d.m.Y
    "%Y/%m/%d",  // Y/m/d
    "%d-%m-%Y",  // d-m-Y
    "%d-%m-%y",  // d-m-y (WP Fastest Cache before 1.3.5)
];

/// Time formats: with seconds first, then minute-only ones.
const SITE_TIME_FORMATS: &[(&str, bool)] = &[
    ("%H:%M:%S", true),    // H:i:s, G:i:s
    ("%I:%M:%S %p", true), // g:i:s a
    ("%I:%M:%S%p", true),  // g:i:sa
    ("%H:%M", false),      // H:i (WordPress choice)
    ("%I:%M %p", false),   // g:i a (WordPress default), g:i A
    ("%I:%M%p", false),    // g:ia
];

/// Separators between date and time: WP Fastest Cache prints `" @ "`, WP-Optimize `" "`.
const SITE_SEPARATORS: &[&str] = &[" @ ", " "];

/// The site's own `date_format` + `time_format` (WP Fastest Cache ≥ 1.3.5, WP-Optimize).
///
/// Best effort over the formats WordPress offers and English month names. When the text reads
/// two ways (day/month order), the reading closest to `near` (the server's clock) is kept and
/// flagged ambiguous. Text in other languages or custom formats returns `None`.
pub(crate) fn parse_site_format(text: &str, near: Option<NaiveDateTime>) -> Option<WallTime> {
    let t = bounded(text)?;
    let mut found: Vec<WallTime> = Vec::new();
    for date in SITE_DATE_FORMATS {
        for sep in SITE_SEPARATORS {
            for (time, has_seconds) in SITE_TIME_FORMATS {
                let fmt = format!("{date}{sep}{time}");
                let Ok(naive) = NaiveDateTime::parse_from_str(t, &fmt) else {
                    continue;
                };
                if !plausible(naive.date()) || found.iter().any(|w| w.naive == naive) {
                    continue;
                }
                found.push(WallTime {
                    naive,
                    has_seconds: *has_seconds,
                    ambiguous: false,
                });
            }
        }
    }
    let ambiguous = found.len() > 1;
    let best = match near {
        Some(reference) => found
            .into_iter()
            .min_by_key(|w| (w.naive - reference).num_seconds().unsigned_abs()),
        None => found.into_iter().next(),
    }?;
    Some(WallTime { ambiguous, ..best })
}

/// A printed UTC offset in hours (`2`, `-3.5`, `+5.75`) as seconds.
pub(crate) fn parse_offset_hours(text: &str) -> Option<i32> {
    let t = text.trim();
    if t.is_empty() || t.len() > 8 {
        return None;
    }
    let (sign, rest) = match t.as_bytes().first() {
        Some(b'-') => (-1, t.get(1..)?),
        Some(b'+') => (1, t.get(1..)?),
        _ => (1, t),
    };
    let (whole, frac) = rest.split_once('.').unwrap_or((rest, ""));
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if frac.len() > 2 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // At most two digits each way: nothing here can overflow.
    if whole.len() > 2 {
        return None;
    }
    let hours: i32 = whole.parse().ok()?;
    let hundredths: i32 = match frac.len() {
        0 => 0,
        1 => frac.parse::<i32>().ok()? * 10,
        _ => frac.parse::<i32>().ok()?,
    };
    let secs = sign * (hours * 3600 + hundredths * 36);
    (secs.abs() <= MAX_OFFSET_S).then_some(secs)
}

fn bounded(text: &str) -> Option<&str> {
    let t = text.trim();
    (!t.is_empty() && t.len() <= MAX_STAMP_LEN).then_some(t)
}

/// Years a cache comment can honestly carry; rejects `%Y` reading `24` as the year 24.
fn plausible(date: NaiveDate) -> bool {
    use chrono::Datelike;
    (1995..=2200).contains(&date.year())
}

/// `Aug 8th, 2017` → `Aug 8, 2017`; `None` for non-ASCII text, which is no Comet Cache date.
fn strip_ordinal_suffix(text: &str) -> Option<String> {
    if !text.is_ascii() {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut prev_digit = false;
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        let suffix = ["st", "nd", "rd", "th"].iter().any(|s| rest.starts_with(s));
        if prev_digit && suffix {
            rest = rest.get(2..).unwrap_or("");
            prev_digit = false;
            continue;
        }
        out.push(c);
        prev_digit = c.is_ascii_digit();
        rest = rest.get(c.len_utf8()..).unwrap_or("");
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap_or_default()
    }

    #[test]
    fn unix_accepts_digits_and_rejects_overflow_and_junk() {
        assert_eq!(
            parse_unix("1732444351").map(|d| d.timestamp()),
            Some(1_732_444_351)
        );
        assert_eq!(parse_unix("99999999999999999999"), None);
        assert_eq!(parse_unix("9999999999999999"), None); // beyond chrono's range
        assert_eq!(parse_unix("-5"), None);
        assert_eq!(parse_unix(""), None);
    }

    #[test]
    fn http_gmt_reads_cache_enabler_dates() {
        assert_eq!(
            parse_http_gmt("Thu, 24 Oct 2024 10:00:00 GMT").map(|d| d.timestamp()),
            Some(1_729_764_000)
        );
        assert_eq!(parse_http_gmt("Thu, 99 Oct 2024 10:00:00 GMT"), None);
    }

    #[test]
    fn ymd_and_dmy_forms() {
        assert_eq!(
            parse_ymd_hms("2026-11-24 10:32:12").map(|w| w.naive),
            Some(naive("2026-11-24 10:32:12"))
        );
        assert_eq!(parse_ymd_hms("9999-99-99 99:99:99"), None);
        assert_eq!(
            parse_dmy_hms("24-11-26 9:32:12").map(|w| w.naive),
            Some(naive("2026-11-24 09:32:12"))
        );
    }

    #[test]
    fn comet_dates_have_minute_precision() {
        let w = parse_month_day_year_ampm("Nov 24th, 2026 @ 9:32 am");
        assert_eq!(w.map(|w| w.naive), Some(naive("2026-11-24 09:32:00")));
        assert_eq!(w.map(|w| w.has_seconds), Some(false));
        assert_eq!(
            parse_month_day_year_ampm("Aug 1st, 2017 @ 12:05 pm").map(|w| w.naive),
            Some(naive("2017-08-01 12:05:00"))
        );
        assert_eq!(parse_month_day_year_ampm("Août 1st, 2017 @ 12:05 pm"), None);
    }

    #[test]
    fn site_formats_cover_wordpress_defaults() {
        let cases = [
            ("November 24, 2026 @ 9:32 am", "2026-11-24 09:32:00", false),
            ("November 24, 2026 9:32 pm", "2026-11-24 21:32:00", false),
            ("2026-11-24 @ 21:32:05", "2026-11-24 21:32:05", true),
            ("24.11.2026 21:32", "2026-11-24 21:32:00", false),
            ("24-11-26 21:32:05", "2026-11-24 21:32:05", true),
            ("24 November 2026 @ 9:32 PM", "2026-11-24 21:32:00", false),
        ];
        for (text, want, secs) in cases {
            let w = parse_site_format(text, None);
            assert_eq!(w.map(|w| w.naive), Some(naive(want)), "{text}");
            assert_eq!(w.map(|w| w.has_seconds), Some(secs), "{text}");
            assert_eq!(w.map(|w| w.ambiguous), Some(false), "{text}");
        }
    }

    #[test]
    fn site_format_day_month_ambiguity_picks_closest_and_flags_it() {
        let near = naive("2026-04-03 12:00:00");
        let w = parse_site_format("04/03/2026 11:00", Some(near));
        assert_eq!(w.map(|w| w.naive), Some(naive("2026-04-03 11:00:00")));
        assert_eq!(w.map(|w| w.ambiguous), Some(true));
        // 24 cannot be a month: one reading only.
        let w = parse_site_format("11/24/2026 11:00", Some(near));
        assert_eq!(w.map(|w| w.ambiguous), Some(false));
    }

    #[test]
    fn site_format_rejects_unknown_text() {
        assert_eq!(parse_site_format("24. Oktober 2026 um 9:32", None), None);
        assert_eq!(parse_site_format("", None), None);
        assert_eq!(parse_site_format(&"9".repeat(500), None), None);
    }

    #[test]
    fn offsets_in_hours() {
        assert_eq!(parse_offset_hours("2"), Some(7200));
        assert_eq!(parse_offset_hours("+2"), Some(7200));
        assert_eq!(parse_offset_hours("-3.5"), Some(-12_600));
        assert_eq!(parse_offset_hours("5.75"), Some(20_700));
        assert_eq!(parse_offset_hours("0"), Some(0));
        assert_eq!(parse_offset_hours("99"), None);
        assert_eq!(parse_offset_hours("99999999"), None);
        assert_eq!(parse_offset_hours("-999.99"), None);
        assert_eq!(parse_offset_hours("2.123"), None);
        assert_eq!(parse_offset_hours("-"), None);
        assert_eq!(parse_offset_hours("x"), None);
    }
}
