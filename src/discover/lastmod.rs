//! `<lastmod>` values: the W3C Datetime profile that sitemaps.org requires, plus the lenient forms
//! generators really emit (space instead of `T`, `+0000`, no zone, RFC 2822 from RSS feeds).
//!
//! A value is kept at the precision it was written with, so a report never shows `2024-01-01` for a
//! sitemap that only said `2024`.

use std::fmt;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, SecondsFormat, TimeZone, Utc};
use serde::{Serialize, Serializer};

/// A parsed `<lastmod>` (or feed date), kept as precise as the source was.
///
/// Date-only values stay dates: turning them into midnight UTC would invent a time zone the site
/// never stated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lastmod {
    /// A full timestamp (W3C `YYYY-MM-DDThh:mm[:ss[.s]]TZD`) in the zone it was written with:
    /// core's sitemaps print the site's own offset, which dates a cache stamp in site-local time
    /// when nothing else can (see `cache::calibrate`). Equality and hashing compare instants.
    DateTime(DateTime<FixedOffset>),
    /// `YYYY-MM-DD`.
    Date(NaiveDate),
    /// `YYYY-MM` (W3C allows it; rare in practice).
    Month {
        /// Calendar year.
        year: i32,
        /// Month, 1–12.
        month: u32,
    },
    /// `YYYY` alone.
    Year(i32),
}

impl Lastmod {
    /// Parses a `<lastmod>`, `<updated>` or `<pubDate>` value; `None` when it is not a date.
    ///
    /// Accepts every W3C Datetime form, then the lenient forms seen in the wild (space or
    /// lower-case `t` as separator, `+hhmm` / `+hh` offsets, a space before the offset, `UTC` /
    /// `GMT`, no zone at all = UTC, `,` as decimal mark), then RFC 2822 (`Mon, 01 Jan 2024
    /// 12:00:00 GMT`, as RSS feeds write it). Anything else is `None`, never a panic.
    pub fn parse(value: &str) -> Option<Lastmod> {
        let value = value.trim();
        if value.len() > MAX_LEN {
            return None;
        }
        parse_w3c(value).or_else(|| parse_rfc2822(value))
    }

    /// The first instant the value can stand for, in UTC (`2024-05` ⇒ `2024-05-01T00:00:00Z`).
    ///
    /// For sorting and "changed since" filters; dates are read as UTC because the sitemap gave
    /// no zone.
    pub fn earliest(&self) -> DateTime<Utc> {
        let date = match *self {
            Lastmod::DateTime(dt) => return dt.with_timezone(&Utc),
            Lastmod::Date(d) => Some(d),
            Lastmod::Month { year, month } => NaiveDate::from_ymd_opt(year, month, 1),
            Lastmod::Year(year) => NaiveDate::from_ymd_opt(year, 1, 1),
        };
        date.map(|d| d.and_time(NaiveTime::MIN).and_utc())
            .unwrap_or(DateTime::<Utc>::MIN_UTC)
    }
}

/// Longest value worth trying: the longest legal form with nanoseconds and an offset is 35 bytes,
/// RFC 2822 with a day name about 31; anything much longer is garbage.
const MAX_LEN: usize = 64;

impl fmt::Display for Lastmod {
    /// RFC 3339 in the written zone for timestamps (`2024-05-01T08:00:00Z`,
    /// `2024-05-01T10:00:00+02:00`), the written precision otherwise
    /// (`2024-05-01`, `2024-05`, `2024`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Lastmod::DateTime(dt) => f.write_str(&dt.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
            Lastmod::Date(d) => write!(f, "{}", d.format("%Y-%m-%d")),
            Lastmod::Month { year, month } => write!(f, "{year:04}-{month:02}"),
            Lastmod::Year(year) => write!(f, "{year:04}"),
        }
    }
}

impl Serialize for Lastmod {
    /// Serialized as its [`Display`](fmt::Display) string so JSON and CSV reports agree.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// A byte cursor for the hand-written W3C parser (chrono's format strings cannot express the
/// optional parts without trying a dozen patterns per value).
struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn done(&self) -> bool {
        self.pos >= self.bytes.len()
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn eat(&mut self, wanted: u8) -> bool {
        if self.peek() == Some(wanted) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// Exactly `count` ASCII digits as a number.
    fn digits(&mut self, count: usize) -> Option<u32> {
        let slice = self.bytes.get(self.pos..self.pos + count)?;
        let mut value = 0u32;
        for &b in slice {
            if !b.is_ascii_digit() {
                return None;
            }
            value = value * 10 + u32::from(b - b'0');
        }
        self.pos += count;
        Some(value)
    }

    fn skip_spaces(&mut self) {
        while self.peek() == Some(b' ') {
            self.pos += 1;
        }
    }

    /// Case-insensitive literal (for `UTC` / `GMT`).
    fn eat_word(&mut self, word: &str) -> bool {
        let end = self.pos + word.len();
        match self.bytes.get(self.pos..end) {
            Some(s) if s.eq_ignore_ascii_case(word.as_bytes()) => {
                self.pos = end;
                true
            }
            _ => false,
        }
    }
}

fn parse_w3c(value: &str) -> Option<Lastmod> {
    let mut c = Cursor {
        bytes: value.as_bytes(),
        pos: 0,
    };
    let year = i32::try_from(c.digits(4)?).ok()?;
    if c.done() {
        return Some(Lastmod::Year(year));
    }
    if !c.eat(b'-') {
        return None;
    }
    let month = c.digits(2)?;
    if !(1..=12).contains(&month) {
        return None;
    }
    if c.done() {
        return Some(Lastmod::Month { year, month });
    }
    if !c.eat(b'-') {
        return None;
    }
    let day = c.digits(2)?;
    let date = NaiveDate::from_ymd_opt(year, month, day)?;
    if c.done() {
        return Some(Lastmod::Date(date));
    }
    if !(c.eat(b'T') || c.eat(b't') || c.eat(b' ')) {
        return None;
    }
    let hour = c.digits(2)?;
    if !c.eat(b':') {
        return None;
    }
    let minute = c.digits(2)?;
    let mut second = 0;
    let mut nanos = 0;
    if c.eat(b':') {
        second = c.digits(2)?;
        if c.eat(b'.') || c.eat(b',') {
            let mut scale = 100_000_000;
            let start = c.pos;
            while let Some(d) = c.peek().filter(u8::is_ascii_digit) {
                nanos += u32::from(d - b'0') * scale;
                scale /= 10;
                c.pos += 1;
            }
            if c.pos == start {
                return None;
            }
        }
    }
    if second == 60 {
        // A leap second: chrono spells it as second 59 plus one extra second of nanoseconds.
        second = 59;
        nanos += 1_000_000_000;
    }
    let time = NaiveTime::from_hms_nano_opt(hour, minute, second, nanos)?;
    c.skip_spaces();
    let offset_secs = parse_offset(&mut c)?;
    if !c.done() {
        return None;
    }
    let offset = FixedOffset::east_opt(offset_secs)?;
    let local = offset.from_local_datetime(&date.and_time(time)).single()?;
    Some(Lastmod::DateTime(local))
}

/// The zone designator in seconds east of UTC. No designator at all is read as UTC (MySQL-style
/// `2024-05-01 10:00:00` is common in hand-made sitemaps).
fn parse_offset(c: &mut Cursor<'_>) -> Option<i32> {
    if c.done() || c.eat(b'Z') || c.eat(b'z') || c.eat_word("UTC") || c.eat_word("GMT") {
        return Some(0);
    }
    let sign = if c.eat(b'+') {
        1
    } else if c.eat(b'-') {
        -1
    } else {
        return None;
    };
    let hours = c.digits(2)?;
    let minutes = if c.done() {
        0
    } else {
        c.eat(b':');
        c.digits(2)?
    };
    if hours > 23 || minutes > 59 {
        return None;
    }
    let secs = i32::try_from(hours * 3600 + minutes * 60).ok()?;
    Some(sign * secs)
}

fn parse_rfc2822(value: &str) -> Option<Lastmod> {
    // chrono knows `GMT` and `UT` but not the `UTC` many feeds write.
    let fixed;
    let value = match value.strip_suffix("UTC") {
        Some(head) => {
            fixed = format!("{head}+0000");
            fixed.as_str()
        }
        None => value,
    };
    DateTime::parse_from_rfc2822(value)
        .ok()
        .map(Lastmod::DateTime)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> Lastmod {
        Lastmod::DateTime(DateTime::parse_from_rfc3339(s).unwrap())
    }

    fn date(y: i32, m: u32, d: u32) -> Lastmod {
        Lastmod::Date(NaiveDate::from_ymd_opt(y, m, d).unwrap())
    }

    #[test]
    fn year_only() {
        assert_eq!(Lastmod::parse("2024"), Some(Lastmod::Year(2024)));
    }

    #[test]
    fn year_and_month() {
        assert_eq!(
            Lastmod::parse("2024-05"),
            Some(Lastmod::Month {
                year: 2024,
                month: 5
            })
        );
    }

    #[test]
    fn date_only() {
        assert_eq!(Lastmod::parse("2024-05-01"), Some(date(2024, 5, 1)));
    }

    #[test]
    fn minutes_with_offset() {
        assert_eq!(
            Lastmod::parse("2024-05-01T10:30+02:00"),
            Some(utc("2024-05-01T08:30:00Z"))
        );
    }

    #[test]
    fn seconds_with_z() {
        assert_eq!(
            Lastmod::parse("2024-05-01T10:30:15Z"),
            Some(utc("2024-05-01T10:30:15Z"))
        );
    }

    #[test]
    fn fractions_with_negative_offset() {
        assert_eq!(
            Lastmod::parse("2024-05-01T10:30:15.25-05:00"),
            Some(utc("2024-05-01T15:30:15.25Z"))
        );
    }

    #[test]
    fn php_c_format_from_wordpress_core() {
        assert_eq!(
            Lastmod::parse("2024-05-01T10:00:00+00:00"),
            Some(utc("2024-05-01T10:00:00Z"))
        );
    }

    #[test]
    fn space_instead_of_t() {
        assert_eq!(
            Lastmod::parse("2024-05-01 10:00:00+00:00"),
            Some(utc("2024-05-01T10:00:00Z"))
        );
    }

    #[test]
    fn offset_without_colon() {
        assert_eq!(
            Lastmod::parse("2024-05-01T10:00:00+0200"),
            Some(utc("2024-05-01T08:00:00Z"))
        );
    }

    #[test]
    fn space_before_offset() {
        assert_eq!(
            Lastmod::parse("2024-05-01 10:00:00 +0000"),
            Some(utc("2024-05-01T10:00:00Z"))
        );
    }

    #[test]
    fn no_zone_is_utc() {
        assert_eq!(
            Lastmod::parse("2024-05-01 10:00:00"),
            Some(utc("2024-05-01T10:00:00Z"))
        );
    }

    #[test]
    fn surrounding_whitespace_is_ignored() {
        assert_eq!(
            Lastmod::parse("\n\t 2024-05-01 \r\n"),
            Some(date(2024, 5, 1))
        );
    }

    #[test]
    fn leap_second() {
        let parsed = Lastmod::parse("2016-12-31T23:59:60Z");
        assert_eq!(
            parsed.map(|l| l.to_string()).as_deref(),
            Some("2016-12-31T23:59:60Z")
        );
    }

    #[test]
    fn rfc2822_from_rss() {
        assert_eq!(
            Lastmod::parse("Mon, 01 Jan 2024 12:00:00 GMT"),
            Some(utc("2024-01-01T12:00:00Z"))
        );
    }

    #[test]
    fn rfc2822_with_utc_word() {
        assert_eq!(
            Lastmod::parse("Tue, 02 Jan 2024 14:00:00 UTC"),
            Some(utc("2024-01-02T14:00:00Z"))
        );
    }

    #[test]
    fn garbage_is_none() {
        for bad in [
            "",
            "yesterday",
            "2024-13-01",
            "2024-02-30",
            "2024-05-01T25:00Z",
            "2024-05-01T10:00+24:00",
            "2024-05-01T10:00:00.Z",
            "20240501",
            "2024-05-01T10",
            "2024-05-01T10:00:00+02:00 junk",
            "९९९९",
        ] {
            assert_eq!(Lastmod::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn overlong_value_is_none_without_work() {
        let long = format!("2024-05-01T10:00:00.{}Z", "1".repeat(100));
        assert_eq!(Lastmod::parse(&long), None);
    }

    #[test]
    fn display_keeps_precision() {
        let shown: Vec<String> = ["2024", "2024-05", "2024-05-01", "2024-05-01T10:00:00+02:00"]
            .iter()
            .filter_map(|s| Lastmod::parse(s))
            .map(|l| l.to_string())
            .collect();
        assert_eq!(
            shown,
            ["2024", "2024-05", "2024-05-01", "2024-05-01T10:00:00+02:00"]
        );
    }

    #[test]
    fn a_timestamp_keeps_the_zone_it_was_written_in() {
        // Core's sitemaps print the site's offset; the calibration of site-local cache stamps
        // reads it back from this string, so a conversion to UTC here would lose it.
        let shown = |s: &str| Lastmod::parse(s).map(|l| l.to_string());
        assert_eq!(
            shown("2026-11-24T10:00:00-05:00").as_deref(),
            Some("2026-11-24T10:00:00-05:00")
        );
        assert_eq!(
            shown("2026-11-24 10:00:00 +0545").as_deref(),
            Some("2026-11-24T10:00:00+05:45")
        );
        assert_eq!(
            shown("2026-11-24T10:00:00+00:00").as_deref(),
            Some("2026-11-24T10:00:00Z")
        );
        // The instant is the same either way.
        assert_eq!(
            Lastmod::parse("2026-11-24T10:00:00-05:00").map(|l| l.earliest()),
            Lastmod::parse("2026-11-24T15:00:00Z").map(|l| l.earliest())
        );
    }

    #[test]
    fn earliest_instant_of_each_precision() {
        assert_eq!(
            Lastmod::Year(2024).earliest(),
            DateTime::parse_from_rfc3339("2024-01-01T00:00:00Z").unwrap()
        );
        assert_eq!(
            Lastmod::Month {
                year: 2024,
                month: 5
            }
            .earliest(),
            DateTime::parse_from_rfc3339("2024-05-01T00:00:00Z").unwrap()
        );
    }
}
