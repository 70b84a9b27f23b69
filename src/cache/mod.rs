//! Which cache layer served a page, how old its HTML (and so its nonces) is, and which setting
//! changes that.
//!
//! [`fingerprint`] reads one anonymous response (headers and HTML) against one data table,
//! [`LAYERS`], built from `shared/facts/cache-layers.md`. The advice engine looks rows up with
//! [`spec`]. Only [`calibrate`] sends requests (to learn the site's UTC offset); everything else
//! reads the response it is given and, when known, that offset.
//!
//! ```
//! use nonce_audit::cache::fingerprint;
//! use http::{HeaderMap, HeaderValue};
//!
//! let mut headers = HeaderMap::new();
//! headers.insert("age", HeaderValue::from_static("19"));
//! headers.insert("via", HeaderValue::from_static("1.1 varnish (Varnish/7.1)"));
//! headers.insert("x-varnish", HeaderValue::from_static("32770 3"));
//! let info = fingerprint(&headers, "<html></html>", None, None);
//! assert_eq!(info.layer, Some("varnish"));
//! assert_eq!(info.age_s, Some(19));
//! ```

pub mod calibrate;
mod detect;
mod headers;
mod markers;
mod stamp;
pub mod table;

#[cfg(test)]
mod tests;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use detect::{
    SOURCE_AGE_HEADER, SOURCE_LAST_MODIFIED, SOURCE_MARKER_GMT, SOURCE_MARKER_LOCAL,
    SOURCE_MARKER_OFFSET, SOURCE_MARKER_SECONDS, SOURCE_MARKER_UNIX,
};
pub use headers::{AGE_CAP_S, MAX_VALUE_BYTES, MAX_VALUES_PER_NAME};
pub use markers::{HEAD_CLOSE_SEARCH_BYTES, SCAN_BYTES};
pub use table::{
    AgeSource, BodyMarker, HeaderRule, LAYERS, LayerKind, LayerSpec, NO_KEY, Reading, Region,
    Setting, Stamp, TtlUnit, UNKNOWN, spec,
};

/// What one layer of the stack showed in the response, so reports can list every layer seen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerObservation {
    /// The layer's table id.
    #[serde(deserialize_with = "crate::rows::de::str")]
    pub layer: crate::rows::StaticStr,
    /// `Some(true)`: answered from its store (stale copies included); `Some(false)`: did not;
    /// `None`: present but silent about it.
    pub hit: Option<bool>,
    /// Age of the HTML as this layer shows it, in seconds by the server's clock. Negative when a
    /// marker is ahead of `Date` (clock skew, or a site-local time east of UTC read as UTC).
    pub age_s: Option<i64>,
    /// Which signal gave `age_s` (one of the `SOURCE_*` labels).
    #[serde(deserialize_with = "crate::rows::de::opt_str")]
    pub age_source: Option<crate::rows::StaticStr>,
    /// When the HTML was generated (or stored), UTC.
    pub generated_at: Option<DateTime<Utc>>,
    /// True when `age_s` may be off by more than a second: an uncalibrated site-local time,
    /// a minute-precision or ambiguous date.
    pub approximate: bool,
    /// Header names and marker labels that revealed the layer, for the report.
    #[serde(deserialize_with = "crate::rows::de::vec_str")]
    pub evidence: Vec<crate::rows::StaticStr>,
}

/// Everything the audit needs to know about the cache in front of one page.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CacheInfo {
    /// The outermost layer (CDN › host › proxy › server › plugin) that served a hit. When no
    /// layer says hit, the outermost layer whose status is unknown (it may have served the copy);
    /// `None` when every layer seen missed, or none was seen.
    #[serde(deserialize_with = "crate::rows::de::opt_str")]
    pub layer: Option<crate::rows::StaticStr>,
    /// Whether `layer` served the page from cache; `Some(false)` when all layers seen missed.
    pub hit: Option<bool>,
    /// Age of the HTML: the largest of the body generation timestamp's age, `Age` (from a layer
    /// that did not miss) and `Date − Last-Modified`.
    pub age_s: Option<i64>,
    /// Which signal gave `age_s` (one of the `SOURCE_*` labels).
    #[serde(deserialize_with = "crate::rows::de::opt_str")]
    pub age_source: Option<crate::rows::StaticStr>,
    /// When the HTML was generated, UTC, from the same signal as `age_s`.
    pub generated_at: Option<DateTime<Utc>>,
    /// True when a site-local marker could not be calibrated (read as UTC), or when the winning
    /// signal has minute precision or an ambiguous date. Test the nonce rather than trust it.
    pub approximate: bool,
    /// Every layer seen, outer → inner.
    pub layers: Vec<LayerObservation>,
}

/// Fingerprints the cache layers behind one anonymous response and dates its HTML.
///
/// `server_date` is the response's `Date` (the audited server's clock; read from `headers` when
/// `None`). All ages use that clock, never the auditor's, so a skewed local clock cannot age a
/// page. `site_utc_offset_s` is the site's UTC offset in seconds when known (calibrated); without
/// it, site-local marker times (LiteSpeed, WP Super Cache, W3 Total Cache, WP Fastest Cache,
/// Nginx Helper, Hummingbird) are read **as if the site ran on UTC** and the result is flagged
/// `approximate`. Offsets beyond ±18 h are ignored.
///
/// Input is treated as hostile: header values are capped at [`MAX_VALUE_BYTES`] and decoded
/// lossily, at most [`MAX_VALUES_PER_NAME`] values per name are read, and only three windows of
/// [`SCAN_BYTES`] of the body are searched (start, end, and just before `</head>`). Never panics.
#[must_use]
pub fn fingerprint(
    headers: &http::HeaderMap,
    body: &str,
    server_date: Option<DateTime<Utc>>,
    site_utc_offset_s: Option<i32>,
) -> CacheInfo {
    detect::run(headers, body, server_date, site_utc_offset_s)
}
