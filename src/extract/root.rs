//! REST root discovery: where a page says its REST API lives.
//!
//! The prober needs the root to send a nonce to (`<root>__probe?_wpnonce=…`). Core announces it
//! in three places (`rest_output_link_wp_head` and `rest_output_link_header` in
//! `wp-includes/rest-api.php`, and the scripts' settings), read in this order of trust: the `<link rel="https://api.w.org/">`
//! tag in `<head>` (entity-encoded by `esc_url`), the HTTP `Link` header of the same shape, and,
//! when a plugin removed both, the `root` printed in `wpApiSettings` or passed to
//! `createRootURLMiddleware`. Every form is decoded and resolved against the page URL, so
//! `http://x/index.php?rest_route=/` and relative roots come out absolute.

use super::decode;
use super::html::{Tag, eq_ci, is_space};
use url::Url;

/// The link relation core uses for the REST root.
pub const API_REL: &str = "https://api.w.org/";

/// Resolves a decoded root against the page URL; only `http`/`https` results are accepted.
pub(crate) fn resolve(raw: &str, page_url: &Url) -> Option<String> {
    let raw = raw.trim_matches(|c: char| c.is_ascii_whitespace() || c == '\0');
    if raw.is_empty() {
        return None;
    }
    let url = page_url.join(raw).ok()?;
    matches!(url.scheme(), "http" | "https").then(|| url.to_string())
}

/// Resolves a root printed as a JavaScript/JSON string body (`https:\/\/…`).
pub(crate) fn resolve_js(raw: &[u8], page_url: &Url) -> Option<String> {
    resolve(&decode::js_string(raw), page_url)
}

/// The REST root of a `<link>` tag, if its `rel` names the REST API.
pub(crate) fn from_link_tag(tag: &Tag<'_>, page_url: &Url) -> Option<String> {
    let rel = tag.attr(b"rel")?;
    let is_api = rel
        .split(|&b| is_space(b))
        .any(|token| eq_ci(&decode::html_entities(token), API_REL.as_bytes()));
    if !is_api {
        return None;
    }
    let href = decode::html_entities(tag.attr(b"href")?);
    resolve(&String::from_utf8_lossy(&href), page_url)
}

/// Parse an HTTP `Link` header value and return the REST root (`rel="https://api.w.org/"`),
/// resolved against `page_url`.
///
/// Core sends `Link: <ROOT>; rel="https://api.w.org/"` on front-end pages and on every REST
/// response, often next to `rel="alternate"` or `rel=shortlink` links in the same header
/// (comma-separated). This reads each link-value, honours quoted parameters (which may contain
/// `,` or `;`) and space-separated relation lists, and returns the first REST-root target.
/// Malformed entries are skipped.
#[must_use]
pub fn rest_root_from_link_header(value: &str, page_url: &Url) -> Option<String> {
    let s = value.as_bytes();
    let mut i = 0;
    while i < s.len() {
        while i < s.len() && (is_space(s[i]) || s[i] == b',') {
            i += 1;
        }
        if i >= s.len() {
            break;
        }
        if s[i] != b'<' {
            i = skip_to_next_link(s, i);
            continue;
        }
        let Some(close) = memchr::memchr(b'>', &s[i + 1..]) else {
            break;
        };
        let target = &value[i + 1..i + 1 + close];
        i += close + 2;
        let mut is_api = false;
        // Parameters: `; name=value` or `; name="quoted value"`, until a top-level comma.
        while i < s.len() && s[i] != b',' {
            if s[i] != b';' {
                i += 1;
                continue;
            }
            i += 1;
            while i < s.len() && is_space(s[i]) {
                i += 1;
            }
            let name_start = i;
            while i < s.len() && !matches!(s[i], b'=' | b';' | b',') && !is_space(s[i]) {
                i += 1;
            }
            let name = &s[name_start..i];
            while i < s.len() && is_space(s[i]) {
                i += 1;
            }
            if s.get(i) != Some(&b'=') {
                continue;
            }
            i += 1;
            while i < s.len() && is_space(s[i]) {
                i += 1;
            }
            let (param, next) = read_param_value(s, i);
            i = next;
            if eq_ci(name, b"rel")
                && param
                    .split(|c: &u8| is_space(*c))
                    .any(|t| eq_ci(t, API_REL.as_bytes()))
            {
                is_api = true;
            }
        }
        if is_api {
            if let Some(root) = resolve(target, page_url) {
                return Some(root);
            }
        }
    }
    None
}

/// Reads a parameter value (quoted with `\` escapes, or a token) starting at `i`; returns the
/// value without quotes and the offset after it.
fn read_param_value(s: &[u8], mut i: usize) -> (Vec<u8>, usize) {
    let mut out = Vec::new();
    if s.get(i) == Some(&b'"') {
        i += 1;
        while i < s.len() {
            match s[i] {
                b'\\' if i + 1 < s.len() => {
                    out.push(s[i + 1]);
                    i += 2;
                }
                b'"' => return (out, i + 1),
                b => {
                    out.push(b);
                    i += 1;
                }
            }
        }
        return (out, i);
    }
    while i < s.len() && !matches!(s[i], b';' | b',') {
        out.push(s[i]);
        i += 1;
    }
    while out.last().is_some_and(|b| is_space(*b)) {
        out.pop();
    }
    (out, i)
}

/// Skips a malformed link-value up to the next comma outside quotes.
fn skip_to_next_link(s: &[u8], mut i: usize) -> usize {
    let mut quoted = false;
    while i < s.len() {
        match s[i] {
            b'"' => quoted = !quoted,
            b',' if !quoted => return i + 1,
            _ => {}
        }
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page() -> Url {
        Url::parse("http://127.0.0.1:8081/sample-page/").unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn link_header_observed_on_6_1_9() {
        let got = rest_root_from_link_header(
            r#"<http://127.0.0.1:8081/wp-json/>; rel="https://api.w.org/""#,
            &page(),
        );
        assert_eq!(got.as_deref(), Some("http://127.0.0.1:8081/wp-json/"));
    }

    #[test]
    fn link_header_with_alternates_before_and_after() {
        let value = concat!(
            r#"<http://127.0.0.1:8081/wp-json/wp/v2/pages/2>; rel="alternate"; type="application/json"; title="JSON, with; commas", "#,
            r#"<http://127.0.0.1:8081/?p=2>; rel=shortlink, "#,
            r#"<http://127.0.0.1:8081/index.php?rest_route=/>; rel="https://api.w.org/""#
        );
        assert_eq!(
            rest_root_from_link_header(value, &page()).as_deref(),
            Some("http://127.0.0.1:8081/index.php?rest_route=/")
        );
    }

    #[test]
    fn link_header_accepts_unquoted_and_listed_relations() {
        let a = rest_root_from_link_header("</wp-json/>;rel=https://api.w.org/", &page());
        assert_eq!(a.as_deref(), Some("http://127.0.0.1:8081/wp-json/"));
        let b =
            rest_root_from_link_header(r#"</wp-json/>; REL="preload https://api.w.org/""#, &page());
        assert_eq!(b.as_deref(), Some("http://127.0.0.1:8081/wp-json/"));
    }

    #[test]
    fn link_header_without_api_rel_or_malformed_gives_none() {
        for value in [
            "",
            r#"<http://x/wp-json/>; rel="alternate""#,
            r#"garbage, "quoted, comma", <http://x/"#,
            r#"<javascript:alert(1)>; rel="https://api.w.org/""#,
            ";;;,,,<>",
        ] {
            assert_eq!(rest_root_from_link_header(value, &page()), None, "{value}");
        }
    }

    #[test]
    fn js_roots_are_unescaped_and_resolved() {
        assert_eq!(
            resolve_js(br"https:\/\/ex.com\/wp-json\/", &page()).as_deref(),
            Some("https://ex.com/wp-json/")
        );
        assert_eq!(
            resolve_js(br"\/index.php?rest_route=\/", &page()).as_deref(),
            Some("http://127.0.0.1:8081/index.php?rest_route=/")
        );
        assert_eq!(resolve_js(b"", &page()), None);
    }
}
