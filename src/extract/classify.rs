//! Decides which row of [`NONCE_PATTERNS`] a candidate value belongs to.
//!
//! The scanners describe *where* a 10-hex value sits (a key path, a call, an input, an
//! attribute, a URL parameter); this module is the only place that compares that description
//! with the table, so adding a plugin never touches the scanners.

use super::patterns::{Matcher, NONCE_PATTERNS, NOT_NONCE_KEY_PARTS, NoncePattern};
use memchr::memmem;

/// Where a candidate value was found.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Candidate<'a> {
    /// A script string value; the path runs outer → inner and ends with the value's own key.
    Key(&'a [&'a [u8]]),
    /// The first argument of a call to this function (last member name).
    Call(&'a [u8]),
    /// An `<input>` with this `name`.
    Input(&'a [u8]),
    /// An attribute with this name.
    Attr(&'a [u8]),
    /// A URL query parameter with this name.
    UrlParam(&'a [u8]),
}

/// The first row that matches `candidate` and whose container hint is found in one of the
/// `surroundings` byte slices (case-sensitive), or `None` if the value is not a nonce we report.
pub(crate) fn classify(
    candidate: Candidate<'_>,
    surroundings: &[&[u8]],
) -> Option<&'static NoncePattern> {
    NONCE_PATTERNS.iter().find(|row| {
        matches(row.matcher, candidate)
            && (row.context.is_empty()
                || row.context.iter().any(|hint| {
                    surroundings
                        .iter()
                        .any(|s| memmem::find(s, hint.as_bytes()).is_some())
                }))
    })
}

fn matches(matcher: Matcher, candidate: Candidate<'_>) -> bool {
    match (matcher, candidate) {
        (Matcher::Key(pattern), Candidate::Key(path)) => {
            // Cheap rejection on the last key before comparing whole paths.
            let p = pattern.as_bytes();
            let last = &p[memchr::memrchr(b'.', p).map_or(0, |i| i + 1)..];
            (last == b"*" || path.last().is_some_and(|k| *k == last))
                && path_ends_with(path, pattern)
        }
        (Matcher::KeyPrefix(prefix), Candidate::Key(path)) => path
            .last()
            .is_some_and(|k| k.starts_with(prefix.as_bytes())),
        (Matcher::KeyContains(text), Candidate::Key(path)) => {
            let Some((key, parents)) = path.split_last() else {
                return false;
            };
            if NOT_NONCE_KEY_PARTS
                .iter()
                .any(|part| contains_ci(key, part.as_bytes()))
            {
                return false;
            }
            contains_ci(key, text.as_bytes())
                || parents
                    .last()
                    .is_some_and(|parent| contains_ci(parent, text.as_bytes()))
        }
        (Matcher::Call(name), Candidate::Call(func)) => func == name.as_bytes(),
        (Matcher::Input(name), Candidate::Input(n)) => n == name.as_bytes(),
        (Matcher::InputPrefix(prefix), Candidate::Input(n)) => n.starts_with(prefix.as_bytes()),
        (Matcher::InputContains(text), Candidate::Input(n)) => contains_ci(n, text.as_bytes()),
        (Matcher::Attr(name), Candidate::Attr(n)) => n.eq_ignore_ascii_case(name.as_bytes()),
        (Matcher::AttrContains(text), Candidate::Attr(n)) => {
            !n.eq_ignore_ascii_case(b"nonce") && contains_ci(n, text.as_bytes())
        }
        (Matcher::UrlParam(name), Candidate::UrlParam(p)) => p == name.as_bytes(),
        _ => false,
    }
}

/// Does the dotted `pattern` (with `*` for any one key) match the end of `path`?
fn path_ends_with(path: &[&[u8]], pattern: &str) -> bool {
    let wanted = pattern.split('.').count();
    if wanted > path.len() {
        return false;
    }
    pattern
        .split('.')
        .zip(&path[path.len() - wanted..])
        .all(|(want, got)| want == "*" || want.as_bytes() == *got)
}

/// ASCII case-insensitive substring test; `needle` must be lowercase ASCII.
fn contains_ci(hay: &[u8], needle: &[u8]) -> bool {
    super::html::contains_ci(hay, needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(path: &[&str]) -> Option<&'static str> {
        let segs: Vec<&[u8]> = path.iter().map(|s| s.as_bytes()).collect();
        classify(Candidate::Key(&segs), &[]).map(|p| p.source)
    }

    #[test]
    fn core_container_path_is_wp_rest() {
        assert_eq!(key(&["wpApiSettings", "nonce"]), Some("wpApiSettings"));
        assert_eq!(
            key(&["window", "wpApiSettings", "nonce"]),
            Some("wpApiSettings")
        );
    }

    #[test]
    fn a_nonce_key_elsewhere_is_unknown() {
        assert_eq!(key(&["myTheme", "nonce"]), Some("nonce-key"));
        assert_eq!(key(&["wp_rest_nonce"]), Some("nonce-key"));
        assert_eq!(key(&["somePlugin", "nonces", "save"]), Some("nonce-key"));
    }

    #[test]
    fn wildcard_rows_match_any_child() {
        assert_eq!(
            key(&["BP_Nouveau", "nonces", "members"]),
            Some("bp-nouveau")
        );
        assert_eq!(
            key(&["elementorFrontendConfig", "nonces", "x"]),
            Some("elementor-nonces")
        );
        assert_eq!(
            key(&["elementorFrontendConfig", "nonces", "atomicFormsSendForm"]),
            Some("elementor-atomic-forms")
        );
    }

    #[test]
    fn timestamps_next_to_nonces_are_not_nonces() {
        assert_eq!(
            key(&["wcBlocksMiddlewareConfig", "wcStoreApiNonceTimestamp"]),
            None
        );
        assert_eq!(key(&["x", "nonce_ts"]), None);
        assert_eq!(key(&["x", "color"]), None);
        assert_eq!(key(&["x", "nonceLife"]), None);
        assert_eq!(key(&["x", "manage_page_nonce"]), Some("nonce-key"));
    }

    #[test]
    fn context_hints_gate_generic_names() {
        let segs: [&[u8]; 1] = [b"rest_nonce"];
        let tec = classify(
            Candidate::Key(&segs),
            &[b"<script data-js=\"tribe-events-view-data\">"],
        );
        assert_eq!(tec.map(|p| p.source), Some("tec-view-data-rest-nonce"));
        let other = classify(Candidate::Key(&segs), &[b"<script>"]);
        assert_eq!(other.map(|p| p.source), Some("nonce-key"));
        assert_eq!(
            classify(Candidate::Input(b"token"), &[b"<form>"]).map(|p| p.source),
            None
        );
        assert_eq!(
            classify(
                Candidate::Input(b"token"),
                &[b"<form class=\"mailpoet_form\">"]
            )
            .map(|p| p.source),
            Some("mailpoet-token")
        );
    }

    #[test]
    fn csp_nonce_attribute_is_never_a_candidate() {
        assert!(classify(Candidate::Attr(b"nonce"), &[]).is_none());
        assert!(classify(Candidate::Attr(b"NONCE"), &[]).is_none());
        assert_eq!(
            classify(Candidate::Attr(b"data-nonce"), &[]).map(|p| p.source),
            Some("nonce-attr")
        );
    }

    #[test]
    fn url_params_split_rest_links_from_others() {
        let rest = classify(
            Candidate::UrlParam(b"_wpnonce"),
            &[b"https://x/wp-json/a?_wpnonce="],
        );
        assert_eq!(
            rest.map(|p| (p.source, p.action)),
            Some(("wpnonce-rest-link", "wp_rest"))
        );
        let plain = classify(
            Candidate::UrlParam(b"_wpnonce"),
            &[b"https://x/?a=1&_wpnonce="],
        );
        assert_eq!(
            plain.map(|p| (p.source, p.action)),
            Some(("wpnonce-link", "unknown"))
        );
    }
}
