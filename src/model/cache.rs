//! What the cache layers in front of a page showed: which served it and how old the copy is.
//!
//! Filled in by `crate::cache` from its fingerprint table; kept here because every page row
//! carries it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Id;

/// The signal that dated a copy, as the report names it: how far to trust an age.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AgeSource {
    /// The `Age` header of a shared cache.
    AgeHeader,
    /// Unix seconds in a body marker.
    MarkerUnix,
    /// A GMT/UTC time in a body marker.
    MarkerGmt,
    /// A site-local time in a body marker (calibrated when the site's offset is known).
    MarkerLocal,
    /// A local time printed with its UTC offset (WP-Optimize).
    MarkerOffset,
    /// A marker that states the age in seconds (Batcache).
    MarkerSeconds,
    /// `Date − Last-Modified`.
    LastModified,
}

impl AgeSource {
    /// The schema's name for it.
    pub fn as_str(self) -> &'static str {
        match self {
            AgeSource::AgeHeader => "age-header",
            AgeSource::MarkerUnix => "marker-unix",
            AgeSource::MarkerGmt => "marker-gmt",
            AgeSource::MarkerLocal => "marker-local",
            AgeSource::MarkerOffset => "marker-offset",
            AgeSource::MarkerSeconds => "marker-seconds",
            AgeSource::LastModified => "last-modified",
        }
    }
}

impl std::fmt::Display for AgeSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What one layer of the stack showed in the response, so reports can list every layer seen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerObservation {
    /// The layer's table id.
    pub layer: Id,
    /// `Some(true)`: answered from its store (stale copies included); `Some(false)`: did not;
    /// `None`: present but silent about it.
    pub hit: Option<bool>,
    /// Age of the HTML as this layer shows it, in seconds by the server's clock. Negative when a
    /// marker is ahead of `Date` (clock skew, or a site-local time east of UTC read as UTC).
    pub age_s: Option<i64>,
    /// Which signal gave `age_s` .
    pub age_source: Option<AgeSource>,
    /// When the HTML was generated (or stored), UTC.
    pub generated_at: Option<DateTime<Utc>>,
    /// True when `age_s` may be off by more than a second: an uncalibrated site-local time,
    /// a minute-precision or ambiguous date.
    pub approximate: bool,
    /// Header names and marker labels that revealed the layer, for the report.
    pub evidence: Vec<Id>,
}

/// Everything the audit needs to know about the cache in front of one page.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CacheInfo {
    /// The outermost layer (CDN › host › proxy › server › plugin) that served a hit. When no
    /// layer says hit, the outermost layer whose status is unknown (it may have served the copy);
    /// `None` when every layer seen missed, or none was seen.
    pub layer: Option<Id>,
    /// Whether `layer` served the page from cache; `Some(false)` when all layers seen missed.
    pub hit: Option<bool>,
    /// Age of the HTML: the largest of the body generation timestamp's age, `Age` (from a layer
    /// that did not miss) and `Date − Last-Modified`.
    pub age_s: Option<i64>,
    /// Which signal gave `age_s` .
    pub age_source: Option<AgeSource>,
    /// When the HTML was generated, UTC, from the same signal as `age_s`.
    pub generated_at: Option<DateTime<Utc>>,
    /// True when a site-local marker could not be calibrated (read as UTC), or when the winning
    /// signal has minute precision or an ambiguous date. Test the nonce rather than trust it.
    pub approximate: bool,
    /// Every layer seen, outer → inner.
    pub layers: Vec<LayerObservation>,
}
