//! Nonce tick arithmetic on the audited server's clock.
//!
//! WordPress counts nonce age in "ticks" of `nonce_life / 2` seconds aligned to the Unix epoch
//! (`wp_nonce_tick()` = `ceil(time() / (nonce_life / 2))`). A nonce made in tick `i` is accepted
//! through second `(i + 1)·L` and rejected from the second after. Every date the audit reports
//! comes from here, computed on the server's `Date` header rather than the local clock, because a
//! skewed auditing machine would otherwise move every boundary.

use chrono::{DateTime, TimeZone, Utc};

/// WordPress's default `nonce_life` (`DAY_IN_SECONDS`).
pub const DEFAULT_NONCE_LIFE_S: u64 = 86_400;

/// The tick arithmetic for one site's `nonce_life`.
///
/// Kept as a value (not free functions) so a site that filters `nonce_life` is handled by the same
/// code as the default, and tests can use a 20-second life like the end-to-end fixture does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NonceClock {
    tick_s: i64,
}

impl NonceClock {
    /// A clock for the given `nonce_life` in seconds (values below 2 s are raised to 2 s, since
    /// WordPress divides by two and a zero tick would divide by zero).
    pub fn new(nonce_life_s: u64) -> Self {
        let life = i64::try_from(nonce_life_s.max(2)).unwrap_or(i64::MAX);
        Self { tick_s: life / 2 }
    }

    /// Length of one tick in seconds (`nonce_life / 2`).
    pub fn tick_len(&self) -> i64 {
        self.tick_s
    }

    /// The `nonce_life` this clock was built for, in seconds.
    pub fn nonce_life_s(&self) -> i64 {
        self.tick_s * 2
    }

    /// `wp_nonce_tick()` at Unix time `t`: `ceil(t / L)`. The boundary second belongs to the
    /// earlier tick, exactly as PHP's `ceil` does.
    pub fn tick_at(&self, t: i64) -> i64 {
        t.div_euclid(self.tick_s) + i64::from(t.rem_euclid(self.tick_s) != 0)
    }

    /// The last second at which a nonce made in tick `i` is still accepted: `(i + 1)·L`.
    pub fn last_accepted_second(&self, made_in_tick: i64) -> i64 {
        made_in_tick.saturating_add(1).saturating_mul(self.tick_s)
    }

    /// When a nonce made at Unix time `t` stops being accepted (its last accepted second).
    pub fn dies_at_for_generation(&self, generated_at: i64) -> i64 {
        self.last_accepted_second(self.tick_at(generated_at))
    }

    /// Whether a nonce made at `generated_at` is still accepted at `now`.
    pub fn accepted_at(&self, generated_at: i64, now: i64) -> bool {
        let made = self.tick_at(generated_at);
        let current = self.tick_at(now);
        current == made || current == made + 1
    }

    /// The last accepted second of a nonce the server just accepted, seen at server time `now`.
    ///
    /// `current_tick` is true when the server's refreshed `X-WP-Nonce` equals the nonce (it was
    /// made in the current tick, so it lives through the boundary after next); false when it was
    /// made in the previous tick and dies at the next boundary.
    pub fn dies_at_for_accepted(&self, now: i64, current_tick: bool) -> i64 {
        let i = self.tick_at(now);
        if current_tick {
            self.last_accepted_second(i)
        } else {
            self.last_accepted_second(i - 1)
        }
    }
}

impl Default for NonceClock {
    fn default() -> Self {
        Self::new(DEFAULT_NONCE_LIFE_S)
    }
}

/// Converts a Unix timestamp to a UTC date-time, clamping values chrono cannot represent.
pub fn utc(t: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(t, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH)
}

/// Parses an HTTP `Date` header (IMF-fixdate and the obsolete forms) into UTC.
pub fn parse_http_date(value: &str) -> Option<DateTime<Utc>> {
    let t = httpdate::parse_http_date(value.trim()).ok()?;
    let secs = t.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs();
    Some(utc(i64::try_from(secs).ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> i64 {
        DateTime::parse_from_rfc3339(s).unwrap().timestamp()
    }

    #[test]
    fn worked_example_of_wp_nonce_tick() {
        // Made 2024-05-01 09:30:00 UTC with the default life: returns 1 until 12:00:00, 2 until
        // 2024-05-02 00:00:00 inclusive, rejected from 00:00:01.
        let c = NonceClock::default();
        let made = ts("2024-05-01T09:30:00Z");
        assert_eq!(
            utc(c.dies_at_for_generation(made)).to_rfc3339(),
            "2024-05-02T00:00:00+00:00"
        );
        assert!(c.accepted_at(made, ts("2024-05-01T12:00:00Z")));
        assert!(c.accepted_at(made, ts("2024-05-01T12:00:01Z")));
        assert!(c.accepted_at(made, ts("2024-05-02T00:00:00Z")));
        assert!(!c.accepted_at(made, ts("2024-05-02T00:00:01Z")));
    }

    #[test]
    fn boundary_second_belongs_to_earlier_tick() {
        let c = NonceClock::default();
        let noon = ts("2024-05-01T12:00:00Z");
        assert_eq!(c.tick_at(noon), c.tick_at(noon - 1));
        assert_eq!(c.tick_at(noon + 1), c.tick_at(noon) + 1);
        // A nonce made exactly on the boundary lives only 12 hours.
        assert_eq!(c.dies_at_for_generation(noon) - noon, 43_200);
        // One made a second later lives 86 399 seconds.
        assert_eq!(c.dies_at_for_generation(noon + 1) - (noon + 1), 86_399);
    }

    #[test]
    fn accepted_nonce_death_depends_on_refreshed_header() {
        let c = NonceClock::default();
        let now = ts("2024-05-01T15:00:00Z");
        assert_eq!(
            utc(c.dies_at_for_accepted(now, true)).to_rfc3339(),
            "2024-05-02T12:00:00+00:00"
        );
        assert_eq!(
            utc(c.dies_at_for_accepted(now, false)).to_rfc3339(),
            "2024-05-02T00:00:00+00:00"
        );
    }

    #[test]
    fn short_life_like_the_e2e_fixture() {
        let c = NonceClock::new(20);
        assert_eq!(c.tick_len(), 10);
        assert_eq!(c.tick_at(100), 10);
        assert_eq!(c.tick_at(101), 11);
        assert_eq!(c.dies_at_for_generation(101), 120);
        assert!(!c.accepted_at(101, 121));
    }

    #[test]
    fn tiny_life_never_divides_by_zero() {
        let c = NonceClock::new(0);
        assert_eq!(c.tick_len(), 1);
        assert_eq!(c.tick_at(5), 5);
        assert_eq!(c.tick_at(-3), -3);
    }

    #[test]
    fn http_dates_parse_and_garbage_does_not() {
        assert_eq!(
            parse_http_date("Tue, 24 Nov 2026 10:28:54 GMT").map(|d| d.timestamp()),
            Some(ts("2026-11-24T10:28:54Z"))
        );
        assert_eq!(parse_http_date("yesterday"), None);
        assert_eq!(parse_http_date(""), None);
    }
}
