//! A nonce found on a page and what the live site said about it.
//!
//! These are facts about one value: which pattern found it, which plugin prints it, how bad a
//! stale copy of it is, and the site's answer to a probe, kept apart from the page they sit on
//! so the judge can reason about each one.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Id;

/// Whether a plugin verifies this nonce on a logged-out visitor's request (the pattern table's
/// "checked for guests" column). A nonce that is printed but never checked cannot break anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum GuestCheck {
    /// Verified on the guest path: a stale copy fails the request.
    Yes,
    /// Not verified for guests (or not printed for them at all).
    No,
    /// Not established from source.
    Unknown,
}

/// How much a stale copy of this nonce in a cached page matters (the pattern table's severity column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    /// Sent automatically, checked for guests and not self-healed: the feature breaks.
    WillBreak,
    /// Stale but unchecked, self-healing, or only loses something minor.
    Low,
    /// Not established.
    Unknown,
}

impl Severity {
    /// Stable label for reports: `"will-break"`, `"low"` or `"unknown"`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::WillBreak => "will-break",
            Self::Low => "low",
            Self::Unknown => "unknown",
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the site said about one nonce found on a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NonceState {
    /// Accepted, and the refreshed `X-WP-Nonce` equals it.
    Current,
    /// Accepted, from the previous tick.
    Previous,
    /// Accepted, but the site sent no refreshed `X-WP-Nonce` (WordPress < 4.6): tick unknown.
    AcceptedUnknownTick,
    /// Rejected with 403 `rest_cookie_invalid_nonce`.
    Rejected,
    /// Probed, but the answer proved nothing.
    Unverifiable,
    /// Not probed (not a `wp_rest` nonce, or the REST root could not be used).
    NotProbed,
    /// Not probeable (another plugin's action); by the page's render tick it is still accepted.
    EstimatedLive,
    /// Not probeable (another plugin's action); by the page's render tick it has died.
    EstimatedDead,
}

/// One nonce found on a page, with what the site said about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NonceRow {
    /// The 10-hex nonce.
    pub value: String,
    /// Where on the page it was found (a pattern id such as `wpApiSettings`).
    pub source: Id,
    /// The nonce action (`wp_rest`, or another plugin's action, or `unknown`).
    pub action: Id,
    /// What the live site said about it.
    pub state: NonceState,
    /// The plugin (or core) that prints it, from the pattern table.
    pub plugin: Option<Id>,
    /// How bad a stale copy is: `will-break`, `low` or `unknown`.
    pub severity: Option<Severity>,
    /// Whether guests' requests verify it: `yes`, `no` or `unknown`.
    pub checked_for_guests: Option<GuestCheck>,
    /// Its last accepted second: proved by the probe for `wp_rest` nonces, estimated from the
    /// page's render tick (and the action's own nonce life) for the others.
    pub dies_at: Option<DateTime<Utc>>,
}

/// What the site said about one nonce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeOutcome {
    /// Accepted. `refreshed` is the `X-WP-Nonce` the site sent back (the current tick's nonce).
    Accepted {
        /// The refreshed nonce, absent on WordPress < 4.6.
        refreshed: Option<String>,
        /// The server's clock when it answered.
        server_time: Option<DateTime<Utc>>,
    },
    /// Rejected with 403 `rest_cookie_invalid_nonce`.
    Rejected {
        /// The server's clock when it answered.
        server_time: Option<DateTime<Utc>>,
    },
    /// The answer proves nothing; the reason says what came back.
    Inconclusive {
        /// What came back, for the report.
        reason: String,
        /// The server's clock, if it sent one.
        server_time: Option<DateTime<Utc>>,
    },
}

impl ProbeOutcome {
    /// The server clock reading carried by the answer.
    pub fn server_time(&self) -> Option<DateTime<Utc>> {
        match self {
            ProbeOutcome::Accepted { server_time, .. }
            | ProbeOutcome::Rejected { server_time }
            | ProbeOutcome::Inconclusive { server_time, .. } => *server_time,
        }
    }
}
