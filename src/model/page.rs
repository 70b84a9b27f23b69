//! The row of one page: the unit every report is made of.

use serde::{Deserialize, Serialize};

use super::{CacheInfo, Cause, NonceRow, Verdict};

/// The audit's finding for one page: the unit every report is made of.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PageResult {
    /// The page URL as listed in the sitemap.
    pub url: String,
    /// HTTP status of the page fetch (after same-site redirects), if any answer came.
    pub status: Option<u16>,
    /// The verdict.
    pub verdict: Verdict,
    /// Why, in words, for anything but a clean result.
    pub reason: Option<String>,
    /// The nonces found on the page.
    pub nonces: Vec<NonceRow>,
    /// The last second at which the page's nonces are all still accepted (RFC 3339 UTC).
    pub dies_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Which cache served the page and how old the copy is.
    pub cache: CacheInfo,
    /// The sitemap's `lastmod` for this page, as written there.
    pub lastmod: Option<String>,
    /// The REST root used to verify this page's nonces.
    pub rest_root: Option<String>,
    /// Where the page ended up after redirects, when that differs from `url`.
    pub final_url: Option<String>,
    /// For a dead page: when its nonce died (first rejected second), estimated from the copy's
    /// generation time.
    pub died_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Things worth knowing about the page that are not its verdict (ESI, optimiser rewrites...).
    pub notes: Vec<String>,
    /// For a dead page, why it is dead (proven by re-rendering it past the cache, or
    /// `unproven`); `None` for any other verdict.
    #[serde(default)]
    pub cause: Option<Cause>,
    /// The rejected nonce the cause is about (a page with several takes the cause no cache
    /// lifespan fixes first); `None` for a logged-in copy, whose cause is the whole page.
    #[serde(default)]
    pub cause_nonce: Option<String>,
    /// Whether the served copy is a logged-in user's render (admin bar, `logged-in` body
    /// class...): a private page in a shared cache, whatever its nonces say.
    #[serde(default)]
    pub private_copy: bool,
    /// The markers that showed the copy is a logged-in render, for the report.
    #[serde(default)]
    pub private_evidence: Vec<String>,
}

impl PageResult {
    /// A row for a page that could not be audited past its fetch.
    pub fn error(url: &str, status: Option<u16>, reason: impl Into<String>) -> Self {
        Self {
            url: url.to_owned(),
            status,
            verdict: Verdict::Error,
            reason: Some(reason.into()),
            nonces: Vec::new(),
            dies_at: None,
            cache: CacheInfo::default(),
            lastmod: None,
            rest_root: None,
            final_url: None,
            died_at: None,
            notes: Vec::new(),
            cause: None,
            cause_nonce: None,
            private_copy: false,
            private_evidence: Vec::new(),
        }
    }
}
