//! Turns one response into a [`CacheInfo`] by walking the table: which layers are present, which
//! of them answered from cache, and how old the HTML is.
//!
//! Age: a plugin's body timestamp dates the HTML (and so its
//! nonces); an `Age` header counts only the time spent in the layer that sent it; with stacked
//! layers the HTML is at least as old as the largest of the body timestamp's age, `Age` and
//! `Date − Last-Modified`.

use std::cmp::Reverse;

use chrono::{DateTime, TimeDelta, Utc};
use http::HeaderMap;

use super::headers;
use super::markers::{self, Windows};
use super::stamp::{self, MAX_OFFSET_S, WallTime};
use super::table::{Dating, LAYERS, LayerKind, LayerSpec, Stamp};
use super::{CacheInfo, LayerObservation};
use crate::model::{AgeSource, Id};

/// Age source label: the `Age` header.
pub const SOURCE_AGE_HEADER: AgeSource = AgeSource::AgeHeader;
/// Age source label: Unix seconds in a body marker.
pub const SOURCE_MARKER_UNIX: AgeSource = AgeSource::MarkerUnix;
/// Age source label: a GMT/UTC time in a body marker.
pub const SOURCE_MARKER_GMT: AgeSource = AgeSource::MarkerGmt;
/// Age source label: a site-local time in a body marker (calibrated when an offset was given).
pub const SOURCE_MARKER_LOCAL: AgeSource = AgeSource::MarkerLocal;
/// Age source label: a local time printed with its UTC offset (WP-Optimize).
pub const SOURCE_MARKER_OFFSET: AgeSource = AgeSource::MarkerOffset;
/// Age source label: a marker that states the age in seconds (Batcache).
pub const SOURCE_MARKER_SECONDS: AgeSource = AgeSource::MarkerSeconds;
/// Age source label: `Date − Last-Modified`.
pub const SOURCE_LAST_MODIFIED: AgeSource = AgeSource::LastModified;

/// One way of dating the HTML.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    age_s: Option<i64>,
    generated_at: Option<DateTime<Utc>>,
    source: AgeSource,
    /// The value may be off by more than a second (minute precision, ambiguous date, zone).
    approximate: bool,
    /// A site-local time read as UTC: may be off by hours, whichever candidate wins.
    zone_guess: bool,
}

impl Candidate {
    fn dated(generated_at: DateTime<Utc>, date: Option<DateTime<Utc>>, source: AgeSource) -> Self {
        Self {
            age_s: date.map(|d| d.signed_duration_since(generated_at).num_seconds()),
            generated_at: Some(generated_at),
            source,
            approximate: false,
            zone_guess: false,
        }
    }

    fn aged(age_s: i64, date: Option<DateTime<Utc>>, source: AgeSource) -> Self {
        let generated_at = date.and_then(|d| d.checked_sub_signed(TimeDelta::try_seconds(age_s)?));
        Self {
            age_s: Some(age_s),
            generated_at,
            source,
            approximate: false,
            zone_guess: false,
        }
    }

    /// Largest age first; then exact before approximate; with no age, earliest time first.
    fn rank(&self) -> (bool, i64, bool, Reverse<i64>) {
        (
            self.age_s.is_some(),
            self.age_s.unwrap_or(i64::MIN),
            !self.approximate,
            Reverse(self.generated_at.map_or(i64::MAX, |g| g.timestamp())),
        )
    }
}

fn best(cands: &[Candidate]) -> Option<Candidate> {
    cands.iter().copied().max_by_key(Candidate::rank)
}

/// A layer found in the response, before it becomes a [`LayerObservation`].
struct Seen {
    index: usize,
    spec: &'static LayerSpec,
    hit: Option<bool>,
    evidence: Vec<&'static str>,
    cands: Vec<Candidate>,
}

/// Any hit wins (some layer in the chain answered from its store); else any miss; else unknown.
fn combine(hits: &[Option<bool>]) -> Option<bool> {
    if hits.contains(&Some(true)) {
        Some(true)
    } else if hits.contains(&Some(false)) {
        Some(false)
    } else {
        None
    }
}

/// See [`super::fingerprint`].
pub(crate) fn run(
    headers: &HeaderMap,
    body: &str,
    server_date: Option<DateTime<Utc>>,
    site_utc_offset_s: Option<i32>,
) -> CacheInfo {
    let date = server_date.or_else(|| headers::http_date(headers, "date"));
    let offset = site_utc_offset_s.filter(|o| o.unsigned_abs() <= MAX_OFFSET_S.unsigned_abs());
    let windows = Windows::new(body);

    let mut seen = identify(headers, &windows, date, offset);
    supersede(&mut seen);
    seen.sort_by_key(|s| (s.spec.kind.outer_rank(), s.index));

    let mut page_cands = Vec::new();
    attach_age_header(headers, date, &mut seen, &mut page_cands);
    attach_last_modified(headers, date, &mut seen, &mut page_cands);

    let layers: Vec<LayerObservation> = seen.iter().map(observe).collect();
    let served_by = layers
        .iter()
        .find(|l| l.hit == Some(true))
        .or_else(|| layers.iter().find(|l| l.hit.is_none()));
    let hit = match served_by {
        Some(l) => l.hit,
        None if layers.is_empty() => None,
        None => Some(false),
    };

    let all: Vec<Candidate> = seen
        .iter()
        .flat_map(|s| s.cands.iter().copied())
        .chain(page_cands)
        .collect();
    let top = best(&all);
    CacheInfo {
        layer: served_by.map(|l| l.layer.clone()),
        hit,
        age_s: top.and_then(|c| c.age_s),
        age_source: top.map(|c| c.source),
        generated_at: top.and_then(|c| c.generated_at),
        approximate: top.is_some_and(|c| c.approximate) || all.iter().any(|c| c.zone_guess),
        layers,
    }
}

/// Every layer with at least one identifying header or marker, in table order.
fn identify(
    headers: &HeaderMap,
    windows: &Windows<'_>,
    date: Option<DateTime<Utc>>,
    offset: Option<i32>,
) -> Vec<Seen> {
    let mut seen = Vec::new();
    for (index, spec) in LAYERS.iter().enumerate() {
        let mut identified = false;
        let mut hits = Vec::new();
        let mut evidence = Vec::new();
        let mut cands = Vec::new();
        for rule in spec.headers {
            if let Some(hit) = headers::apply_rule(headers, rule) {
                identified |= rule.identifies;
                hits.push(hit);
                evidence.push(rule.name);
            }
        }
        for found in markers::find(windows, index) {
            let Some(m) = spec.body_markers.get(found.marker) else {
                continue;
            };
            identified |= m.identifies;
            hits.push(m.hit);
            evidence.push(m.label);
            if let Some(c) = marker_candidate(m.stamp, found.ts, found.off, date, offset) {
                cands.push(c);
            }
        }
        if identified {
            seen.push(Seen {
                index,
                spec,
                hit: combine(&hits),
                evidence,
                cands,
            });
        }
    }
    seen
}

/// Drops layers another present layer stands for (Pantheon runs on Fastly, APO on Cloudflare),
/// keeping what they knew about hit or miss when the remaining layer knew nothing.
fn supersede(seen: &mut Vec<Seen>) {
    let mut i = 0;
    while i < seen.len() {
        let id = seen[i].spec.id;
        let by = seen.iter().position(|s| s.spec.supersedes.contains(&id));
        match by {
            Some(j) => {
                let dropped = seen.remove(i);
                let j = if j > i { j - 1 } else { j };
                if let Some(keeper) = seen.get_mut(j) {
                    keeper.hit = keeper.hit.or(dropped.hit);
                    keeper.cands.extend(dropped.cands);
                }
            }
            None => i += 1,
        }
    }
}

/// Gives the `Age` header to the outermost present layer that can send one and did not miss: a
/// layer that missed forwards what it got from inside (Cloudflare `DYNAMIC` passes Varnish's
/// `Age` through), and a layer's own `Age` on a miss says nothing about an inner layer's older
/// copy. When every such layer missed, `Age` is dropped; when there is no such layer, it dates
/// the page only. A positive `Age` on a layer with unknown status marks it a hit (RFC 9111:
/// `Age` means the response came from a cache).
fn attach_age_header(
    headers: &HeaderMap,
    date: Option<DateTime<Utc>>,
    seen: &mut [Seen],
    page: &mut Vec<Candidate>,
) {
    let Some(age) = headers::age(headers) else {
        return;
    };
    let cand = Candidate::aged(age, date, SOURCE_AGE_HEADER);
    let sends_age = |s: &Seen| {
        s.spec.kind != LayerKind::Plugin
            && s.spec
                .age_source
                .iter()
                .any(|a| matches!(a, Dating::AgeHeader { .. }))
    };
    if !seen.iter().any(sends_age) {
        page.push(cand);
        return;
    }
    if let Some(layer) = seen
        .iter_mut()
        .find(|s| sends_age(s) && s.hit != Some(false))
    {
        if layer.hit.is_none() && age > 0 {
            layer.hit = Some(true);
        }
        layer.evidence.push("age");
        layer.cands.push(cand);
    }
}

/// `Date − Last-Modified`, given to the innermost present layer that dates copies this way.
/// Dropped when a layer whose `Last-Modified` is trustworthy only on hits missed, or when it is
/// in the future of `Date`.
fn attach_last_modified(
    headers: &HeaderMap,
    date: Option<DateTime<Utc>>,
    seen: &mut [Seen],
    page: &mut Vec<Candidate>,
) {
    let Some(lm) = headers::http_date(headers, "last-modified") else {
        return;
    };
    let untrusted = seen.iter().any(|s| {
        s.hit == Some(false)
            && s.spec
                .age_source
                .contains(&Dating::LastModified { hits_only: true })
    });
    let cand = Candidate::dated(lm, date, SOURCE_LAST_MODIFIED);
    if untrusted || cand.age_s.is_some_and(|a| a < 0) {
        return;
    }
    let dates_by_lm = |s: &&mut Seen| {
        s.spec
            .age_source
            .iter()
            .any(|a| matches!(a, Dating::LastModified { .. }))
    };
    match seen.iter_mut().rev().find(dates_by_lm) {
        Some(layer) => layer.cands.push(cand),
        None => page.push(cand),
    }
}

fn observe(s: &Seen) -> LayerObservation {
    let top = best(&s.cands);
    LayerObservation {
        layer: Id::Borrowed(s.spec.id),
        hit: s.hit,
        age_s: top.and_then(|c| c.age_s),
        age_source: top.map(|c| c.source),
        generated_at: top.and_then(|c| c.generated_at),
        approximate: top.is_some_and(|c| c.approximate) || s.cands.iter().any(|c| c.zone_guess),
        evidence: s.evidence.iter().map(|e| Id::Borrowed(*e)).collect(),
    }
}

/// Dates the HTML from one marker's captured text, choosing the clock its [`Stamp`] names.
fn marker_candidate(
    stamp: Stamp,
    ts: Option<&str>,
    off: Option<&str>,
    date: Option<DateTime<Utc>>,
    offset: Option<i32>,
) -> Option<Candidate> {
    let ts = ts?;
    // Reference for day/month disambiguation: the server's clock in the site's zone.
    let near = date.map(|d| {
        let shifted = d.checked_add_signed(TimeDelta::seconds(i64::from(offset.unwrap_or(0))));
        shifted.unwrap_or(d).naive_utc()
    });
    let local = |w: WallTime| match offset {
        Some(o) => from_wall(w, o, date, SOURCE_MARKER_LOCAL, false),
        None => from_wall(w, 0, date, SOURCE_MARKER_LOCAL, true),
    };
    match stamp {
        Stamp::None => None,
        Stamp::Unix => stamp::parse_unix(ts).map(|g| Candidate::dated(g, date, SOURCE_MARKER_UNIX)),
        Stamp::HttpDateGmt => {
            stamp::parse_http_gmt(ts).map(|g| Candidate::dated(g, date, SOURCE_MARKER_GMT))
        }
        Stamp::LocalYmdHms => stamp::parse_ymd_hms(ts).and_then(local),
        Stamp::LocalSiteFormat => stamp::parse_site_format(ts, near).and_then(local),
        Stamp::SiteFormatWithOffset => {
            let wall = stamp::parse_site_format(ts, near)?;
            match off.and_then(stamp::parse_offset_hours) {
                Some(printed) => from_wall(wall, printed, date, SOURCE_MARKER_OFFSET, false),
                None => local(wall),
            }
        }
        Stamp::UtcMonthDayYearAmPm => stamp::parse_month_day_year_ampm(ts)
            .and_then(|w| from_wall(w, 0, date, SOURCE_MARKER_GMT, false)),
        Stamp::UtcOrLocalDmyHms => stamp::parse_dmy_hms(ts)
            .and_then(|w| from_wall(w, 0, date, SOURCE_MARKER_LOCAL, offset != Some(0))),
        Stamp::SecondsAgo => {
            let t = ts.trim();
            if t.is_empty() || t.len() > 12 || !t.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let n: i64 = t.parse().ok()?;
            Some(Candidate::aged(n, date, SOURCE_MARKER_SECONDS))
        }
    }
}

/// A wall-clock time in a zone `offset_s` east of UTC. `zone_guess`: the offset is a guess (0).
fn from_wall(
    w: WallTime,
    offset_s: i32,
    date: Option<DateTime<Utc>>,
    source: AgeSource,
    zone_guess: bool,
) -> Option<Candidate> {
    let utc = w
        .naive
        .and_utc()
        .checked_sub_signed(TimeDelta::seconds(i64::from(offset_s)))?;
    let mut c = Candidate::dated(utc, date, source);
    c.approximate = zone_guess || !w.has_seconds || w.ambiguous;
    c.zone_guess = zone_guess;
    // A copy cannot be made after the server's `Date`: a site-local stamp read as UTC that lands
    // in the future proves the guess wrong (the site is east of UTC), so this stamp gives no age
    // at all rather than a negative one ("~-1 h 29 min old").
    if zone_guess && c.age_s.is_some_and(|a| a < -FUTURE_STAMP_TOLERANCE_S) {
        c.age_s = None;
        c.generated_at = None;
    }
    Some(c)
}

/// How far a stamp may lie after the server's `Date` and still be clock skew (a minute-precision
/// stamp, a copy written while the response was being sent).
const FUTURE_STAMP_TOLERANCE_S: i64 = 60;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_uncalibrated_local_stamp_after_the_servers_date_gives_no_age() {
        let wall = stamp::parse_ymd_hms("2026-12-03 10:10:56").expect("stamp");
        let date = DateTime::parse_from_rfc3339("2026-12-03T08:11:15Z")
            .ok()
            .map(|d| d.with_timezone(&Utc));
        let guessed = from_wall(wall, 0, date, SOURCE_MARKER_LOCAL, true).expect("candidate");
        assert_eq!((guessed.age_s, guessed.generated_at), (None, None));
        assert!(guessed.approximate);
        // The same stamp with the site's offset known is dated to the second.
        let known = from_wall(wall, 7200, date, SOURCE_MARKER_LOCAL, false).expect("candidate");
        assert_eq!(known.age_s, Some(19));
        // A guess that lands in the past stays, flagged approximate.
        let west = stamp::parse_ymd_hms("2026-12-03 08:00:00").expect("stamp");
        let past = from_wall(west, 0, date, SOURCE_MARKER_LOCAL, true).expect("candidate");
        assert_eq!(past.age_s, Some(675));
    }

    fn cand(age_s: Option<i64>, generated: Option<i64>, approximate: bool) -> Candidate {
        Candidate {
            age_s,
            generated_at: generated.and_then(|t| DateTime::from_timestamp(t, 0)),
            source: SOURCE_MARKER_UNIX,
            approximate,
            zone_guess: false,
        }
    }

    #[test]
    fn combine_prefers_hit_then_miss() {
        assert_eq!(combine(&[None, Some(false), Some(true)]), Some(true));
        assert_eq!(combine(&[None, Some(false)]), Some(false));
        assert_eq!(combine(&[None, None]), None);
        assert_eq!(combine(&[]), None);
    }

    #[test]
    fn best_takes_the_oldest_and_prefers_exact_on_ties() {
        let picked = best(&[cand(Some(10), None, false), cand(Some(20), None, true)]);
        assert_eq!(picked.and_then(|c| c.age_s), Some(20));
        let picked = best(&[cand(Some(20), None, true), cand(Some(20), None, false)]);
        assert_eq!(picked.map(|c| c.approximate), Some(false));
        // Without a server clock, the earliest generation time wins.
        let picked = best(&[cand(None, Some(200), false), cand(None, Some(100), false)]);
        assert_eq!(
            picked.and_then(|c| c.generated_at).map(|g| g.timestamp()),
            Some(100)
        );
        // A known age beats an unknown one.
        let picked = best(&[cand(None, Some(1), false), cand(Some(-5), None, false)]);
        assert_eq!(picked.and_then(|c| c.age_s), Some(-5));
        assert!(best(&[]).is_none());
    }

    #[test]
    fn supersede_drops_the_platform_and_keeps_its_hit() {
        let seen_of = |id: &str, hit: Option<bool>| {
            let index = LAYERS.iter().position(|l| l.id == id).unwrap_or(usize::MAX);
            LAYERS.get(index).map(|spec| Seen {
                index,
                spec,
                hit,
                evidence: Vec::new(),
                cands: Vec::new(),
            })
        };
        let mut seen: Vec<Seen> = [
            seen_of("varnish", Some(true)),
            seen_of("fastly", None),
            seen_of("pantheon", None),
        ]
        .into_iter()
        .flatten()
        .collect();
        supersede(&mut seen);
        let left: Vec<(&str, Option<bool>)> = seen.iter().map(|s| (s.spec.id, s.hit)).collect();
        assert_eq!(left, vec![("pantheon", Some(true))]);
    }
}
