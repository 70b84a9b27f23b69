//! Escaping for the markup formats (JUnit XML and HTML).
//!
//! Everything a report holds about a page came from the audited site or its sitemaps: URLs,
//! reasons quoting HTML titles, header values. It is hostile input, so the markup formats never
//! write a report string without passing it through here. One function serves text and
//! attribute values alike (it escapes both quote kinds), so a caller cannot pick the wrong one.

/// Escapes `s` for XML or HTML text and for attribute values in either quote style.
///
/// Characters XML 1.0 does not allow at all (C0 controls other than tab, newline and carriage
/// return, lone surrogates cannot occur in a `&str`, and the non-characters U+FFFE and U+FFFF)
/// become U+FFFD, since no escape can carry them into a well-formed document. The C1 controls
/// and DEL are allowed by XML but invisible and unwanted in a report, so they go the same way.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// Whether `url` may become a link target: only `http` and `https` URLs do, so a sitemap entry
/// such as `javascript:…` stays inert text.
pub fn linkable(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    (lower.starts_with("http://") || lower.starts_with("https://"))
        && !url.chars().any(|c| c.is_control() || c.is_whitespace())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_and_quotes_are_escaped() {
        assert_eq!(
            escape(r#"<script>alert("x" & 'y')</script>"#),
            "&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;"
        );
    }

    #[test]
    fn characters_xml_cannot_carry_are_replaced() {
        assert_eq!(
            escape("a\u{0}b\u{1b}c\u{7f}d\u{85}e"),
            "a\u{FFFD}b\u{FFFD}c\u{FFFD}d\u{FFFD}e"
        );
        assert_eq!(escape("line\nnext\ttab"), "line\nnext\ttab");
        assert_eq!(escape("\u{FFFE}é"), "\u{FFFD}é");
    }

    #[test]
    fn only_web_urls_become_links() {
        assert!(linkable("https://example.com/a?b=1"));
        assert!(linkable("HTTP://example.com/"));
        assert!(!linkable("javascript:alert(1)"));
        assert!(!linkable("data:text/html,<script>"));
        assert!(!linkable("https://example.com/\u{0}"));
    }
}
