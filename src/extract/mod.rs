//! Nonce extraction: reads a cached WordPress page and reports every nonce printed in it (above
//! all core's `wp_rest` nonce), what each is for, and where the site's REST API lives.
//!
//! This is the first room of the audit: `fetch` hands it page bodies, `verify` probes the nonces
//! it returns against the live REST root it found. It never touches the network and never
//! panics, whatever the page holds.
//!
//! ```
//! use nonce_audit::extract::{extract, rest_root_from_link_header};
//! let page = url::Url::parse("https://ex.com/blog/").unwrap();
//! let html = r#"<link rel="https://api.w.org/" href="https://ex.com/wp-json/" />
//! <script id="wp-api-request-js-extra">
//! var wpApiSettings = {"root":"https://ex.com/wp-json/","nonce":"0123abcdef","versionString":"wp/v2/"};
//! //# sourceURL=wp-api-request-js-extra
//! </script>"#;
//! let found = extract(html, &page);
//! assert_eq!(found.nonces[0].value, "0123abcdef");
//! assert_eq!(found.nonces[0].action, "wp_rest");
//! assert_eq!(found.rest_root.as_deref(), Some("https://ex.com/wp-json/"));
//! assert_eq!(
//!     rest_root_from_link_header(r#"<https://ex.com/wp-json/>; rel="https://api.w.org/""#, &page)
//!         .as_deref(),
//!     Some("https://ex.com/wp-json/")
//! );
//! ```
//!
//! How it stays fast (the target is hundreds of MB/s per core): one `memchr` hop from `<` to `<`
//! over the page; only script bodies that contain a trigger literal (`nonce`, `Nonce`, …) are
//! looked at, and inside them only quoted 10-hex strings. Which plugin a value belongs to is
//! decided by the one data table, [`NONCE_PATTERNS`].

mod classify;
mod collect;
mod decode;
mod html;
#[cfg(test)]
mod html_oracle;
mod page;
mod patterns;
mod private;
mod root;
mod scan;
#[cfg(test)]
mod tests;

pub use decode::page_text;
pub(crate) use decode::utf16_to_string;
pub use patterns::{
    GuestCheck, Matcher, NONCE_PATTERNS, NOT_NONCE_KEY_PARTS, NoncePattern, SCRIPT_TRIGGERS,
    Severity, UNKNOWN_ACTION, WP_REST, pattern_for,
};
pub use private::{PRIVATE_MARKERS, PrivateMarker, private_copy};
pub use root::{API_REL, rest_root_from_link_header};

use serde::Serialize;
use url::Url;

use crate::model::{Id, NonceRow, NonceState};

/// Most distinct nonces reported per page; a page with more is hostile or broken, and the
/// excess is dropped with a warning.
pub const MAX_NONCES: usize = 64;

/// Largest payload decoded from one `data:` script URI or `decodeURIComponent( '…' )` string.
pub const MAX_DECODED_SCRIPT_BYTES: usize = scan::MAX_DECODED_SCRIPT;

/// What a nonce on the page is for and where it was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FoundNonce {
    /// The nonce: 10 lowercase hex characters.
    pub value: String,
    /// Short stable id of the pattern that found it (a [`NoncePattern::source`]):
    /// `"wpApiSettings"`, `"createNonceMiddleware"`, `"wpnonce-input"`, `"wpnonce-link"`, …
    pub source: &'static str,
    /// The nonce action: `"wp_rest"` for the core shapes, the plugin's action for plugin rows
    /// (`"wc_store_api"`, …), `"unknown"` when where it sits does not tell.
    pub action: &'static str,
}

/// Everything one page says about its nonces and its REST API.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Extraction {
    /// Distinct `(value, action)` pairs, in page order, at most [`MAX_NONCES`].
    pub nonces: Vec<FoundNonce>,
    /// The REST root as an absolute URL: HTML-entity/JSON-unescaped, resolved against the page
    /// URL.
    pub rest_root: Option<String>,
    /// Where the root came from: `"link-tag"`, `"wpApiSettings.root"` or `"apiFetch-root"`
    /// (in that order of preference).
    pub rest_root_source: Option<&'static str>,
    /// Things a person should know, e.g. "wpApiSettings found but its nonce is empty".
    pub warnings: Vec<String>,
    /// Same-host LiteSpeed combined scripts (`data-optimized="1"` or `/wp-content/litespeed/js/`)
    /// that may hold the page's inline nonces when the page has none inline: fetch each and pass its text to
    /// [`extract_script`].
    pub combined_scripts: Vec<String>,
}

impl Extraction {
    /// The nonces that are certainly `wp_rest` nonces: the ones to probe against the REST root.
    pub fn wp_rest_nonces(&self) -> impl Iterator<Item = &FoundNonce> {
        self.nonces.iter().filter(|n| n.action == WP_REST)
    }
}

impl FoundNonce {
    /// The page row for this nonce, not probed yet, with what the pattern table knows of it
    /// (plugin, severity, whether guests' requests check it).
    pub fn row(&self) -> NonceRow {
        let pattern = pattern_for(self.source);
        NonceRow {
            value: self.value.clone(),
            source: Id::Borrowed(self.source),
            action: Id::Borrowed(self.action),
            state: NonceState::NotProbed,
            plugin: pattern.map(|p| Id::Borrowed(p.plugin)),
            severity: pattern.map(|p| p.severity),
            checked_for_guests: pattern.map(|p| p.checked_for_guests),
            dies_at: None,
        }
    }
}

/// Extracts the nonces and the REST root from one page's HTML.
///
/// `page_url` is the URL the page was fetched from; relative and entity-encoded roots are
/// resolved against it. Never panics; the work is linear in the page size and bounded for
/// decoded payloads.
#[must_use]
pub fn extract(html: &str, page_url: &Url) -> Extraction {
    let mut out = collect::Collector::new(page_url);
    page::scan_page(html.as_bytes(), &mut out);
    out.finish()
}

/// Extracts nonces from a JavaScript file (e.g. a LiteSpeed combined script listed in
/// [`Extraction::combined_scripts`]), with the same rules as an inline script body.
/// `script_url` resolves a relative root.
#[must_use]
pub fn extract_script(js: &str, script_url: &Url) -> Extraction {
    let mut out = collect::Collector::new(script_url);
    scan::scan_script(
        &scan::Script {
            body: js.as_bytes(),
            tag: b"",
            origin: scan::Origin::Page(0),
            depth: 0,
        },
        &mut out,
    );
    out.finish()
}
