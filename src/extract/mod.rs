//! Finding REST nonces and the REST root in a page's HTML (interim core-only version).

use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;

/// A nonce found on the page and where it was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FoundNonce {
    /// 10 lowercase hex characters.
    pub value: String,
    /// Pattern id.
    pub source: &'static str,
    /// Nonce action.
    pub action: &'static str,
}

/// What a page carries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extraction {
    /// Distinct nonces in page order.
    pub nonces: Vec<FoundNonce>,
    /// Absolute REST root.
    pub rest_root: Option<String>,
    /// Where the root came from.
    pub rest_root_source: Option<&'static str>,
    /// Oddities.
    pub warnings: Vec<String>,
}

static WPAPI: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r#"var\s+wpApiSettings\s*=\s*\{[^<]*?"nonce"\s*:\s*"([0-9a-f]{10})""#).ok()
});
static MW: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r#"createNonceMiddleware\(\s*"([0-9a-f]{10})"\s*\)"#).ok());
static LINK: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r#"<link\s+rel=["']https://api\.w\.org/["']\s+href=["']([^"']+)["']"#).ok()
});

/// Extracts core's `wp_rest` nonces and the REST root.
pub fn extract(html: &str, page_url: &url::Url) -> Extraction {
    let mut out = Extraction::default();
    for (re, source) in [(&WPAPI, "wpApiSettings"), (&MW, "createNonceMiddleware")] {
        let Some(re) = re.as_ref() else { continue };
        for c in re.captures_iter(html) {
            if let Some(m) = c.get(1) {
                let n = FoundNonce {
                    value: m.as_str().to_owned(),
                    source,
                    action: "wp_rest",
                };
                if !out
                    .nonces
                    .iter()
                    .any(|x| x.value == n.value && x.action == n.action)
                {
                    out.nonces.push(n);
                }
            }
        }
    }
    if let Some(c) = LINK.as_ref().and_then(|re| re.captures(html)) {
        if let Some(m) = c.get(1) {
            let href = m.as_str().replace("&#038;", "&").replace("&amp;", "&");
            out.rest_root = page_url.join(&href).ok().map(|u| u.to_string());
            out.rest_root_source = Some("link-tag");
        }
    }
    out
}

/// REST root from an HTTP `Link` header.
pub fn rest_root_from_link_header(value: &str, page_url: &url::Url) -> Option<String> {
    for part in value.split(',') {
        if part.contains("rel=\"https://api.w.org/\"") {
            let start = part.find('<')? + 1;
            let end = part.find('>')?;
            return page_url
                .join(part.get(start..end)?)
                .ok()
                .map(|u| u.to_string());
        }
    }
    None
}
