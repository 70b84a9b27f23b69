//! Signs that a cached page is a logged-in user's render (a private copy in a shared cache).
//!
//! Core prints these only for a logged-in user: the toolbar (`wp-includes/class-wp-admin-bar.php`
//! renders `<div id="wpadminbar">`), the `logged-in` body class (`get_body_class()` in
//! `wp-includes/post-template.php`), `userSettings` with the user's id (`wp_localize_script(
//! 'utils', 'userSettings', ...)` in `wp-includes/script-loader.php`), the logout link with its
//! nonce (`wp_logout_url()`), and the session-expiry check (`wp-auth-check`). One of them in a
//! page fetched without cookies means the cache stored a user's page and hands it to everyone,
//! with that user's nonces. The markers live in this one table; [`private_copy`] only runs it.

use std::sync::LazyLock;

use regex::Regex;

/// One sign of a logged-in render: its label in reports and the pattern that finds it.
#[derive(Debug)]
pub struct PrivateMarker {
    /// Short label for the report's evidence.
    pub label: &'static str,
    /// The regular expression, matched against the whole page.
    pub pattern: &'static str,
}

/// Every sign of a logged-in render (see the module documentation).
pub const PRIVATE_MARKERS: &[PrivateMarker] = &[
    PrivateMarker {
        label: "#wpadminbar (the toolbar)",
        pattern: r#"<div[^>]*\bid\s*=\s*["']?wpadminbar\b"#,
    },
    PrivateMarker {
        label: "body class logged-in",
        pattern: r#"<body\b[^>]*\bclass\s*=\s*["'][^"']*\blogged-in\b"#,
    },
    PrivateMarker {
        label: "userSettings with a user id",
        pattern: r#"userSettings\s*=\s*\{[^}]{0,400}?"uid"\s*:\s*"?0*[1-9]"#,
    },
    PrivateMarker {
        label: "logout link with its nonce",
        pattern: r"wp-login\.php\?action=logout(?:&amp;|&#038;|&)_wpnonce=",
    },
    PrivateMarker {
        label: "wp-auth-check (session expiry check)",
        pattern: r#"\bid\s*=\s*["']wp-auth-check(?:-wrap|-js|-css)?["']"#,
    },
];

static COMPILED: LazyLock<Vec<(&'static str, Option<Regex>)>> = LazyLock::new(|| {
    PRIVATE_MARKERS
        .iter()
        .map(|m| (m.label, Regex::new(m.pattern).ok()))
        .collect()
});

/// The labels of the logged-in markers found in `html`, in table order; empty for a guest's page.
pub fn private_copy(html: &str) -> Vec<String> {
    COMPILED
        .iter()
        .filter(|(_, re)| re.as_ref().is_some_and(|re| re.is_match(html)))
        .map(|(label, _)| (*label).to_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_marker_compiles() {
        assert!(COMPILED.iter().all(|(_, re)| re.is_some()));
    }

    #[test]
    fn each_marker_is_found_alone_and_a_guest_page_has_none() {
        let cases = [
            (
                r#"<div id="wpadminbar" class="nojq">"#,
                "#wpadminbar (the toolbar)",
            ),
            (
                r#"<body class="home page-template logged-in admin-bar">"#,
                "body class logged-in",
            ),
            (
                r#"<script>var userSettings = {"url":"\/","uid":"12","time":"1700000000","secure":""};</script>"#,
                "userSettings with a user id",
            ),
            (
                r#"<a href="https://ex.com/wp-login.php?action=logout&amp;_wpnonce=0123456789">Log out</a>"#,
                "logout link with its nonce",
            ),
            (
                r#"<div id="wp-auth-check-wrap" class="hidden">"#,
                "wp-auth-check (session expiry check)",
            ),
        ];
        for (html, label) in cases {
            assert_eq!(private_copy(html), vec![label.to_owned()], "{html}");
        }
        let guest = r#"<body class="home page logged-out"><p>logged-in users see more</p>
<script>var userSettings = {"url":"\/","uid":"0","time":"1700000000","secure":""};</script>
<a href="/wp-login.php?action=lostpassword">Lost?</a>"#;
        assert!(private_copy(guest).is_empty(), "{:?}", private_copy(guest));
    }
}
