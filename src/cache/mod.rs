//! Which cache layer served a page, how old its HTML (and so its nonces) is, and which setting
//! changes that.
//!
//! [`fingerprint`] reads one anonymous response (headers and HTML) against one data table,
//! [`LAYERS`], built from each cache's source and documentation (named in each row). The advice engine looks rows up with
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
//! assert_eq!(info.layer.as_deref(), Some("varnish"));
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

pub use detect::{
    SOURCE_AGE_HEADER, SOURCE_LAST_MODIFIED, SOURCE_MARKER_GMT, SOURCE_MARKER_LOCAL,
    SOURCE_MARKER_OFFSET, SOURCE_MARKER_SECONDS, SOURCE_MARKER_UNIX,
};
pub use headers::{AGE_CAP_S, MAX_VALUE_BYTES, MAX_VALUES_PER_NAME};
pub use markers::{HEAD_CLOSE_SEARCH_BYTES, SCAN_BYTES};
pub use table::{
    BodyMarker, Dating, HeaderRule, LAYERS, LayerKind, LayerSpec, NO_KEY, Reading, Region, Setting,
    Stamp, TtlUnit, UNKNOWN, spec,
};

pub use crate::model::{CacheInfo, LayerObservation};

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
