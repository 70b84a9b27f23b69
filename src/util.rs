//! Small helpers shared by several stages.

use std::borrow::Cow;

/// `scheme://host:port/` of a URL: the key for per-site state, with no path and no userinfo, so
/// a password in a URL never becomes part of a key or a message.
pub fn origin_of(u: &url::Url) -> Option<url::Url> {
    let mut o = u.clone();
    o.set_path("/");
    o.set_query(None);
    o.set_fragment(None);
    o.set_username("").ok()?;
    o.set_password(None).ok()?;
    Some(o)
}

/// `len` random lowercase hex digits: the shape of a nonce for control probes, and an
/// unguessable cache-busting token no cache can hold a copy for.
pub fn random_hex(len: usize) -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    (0..len)
        .map(|_| char::from(b"0123456789abcdef"[rng.random_range(0..16)]))
        .collect()
}

/// The `<title>` of an HTML document, trimmed and shortened, for messages such as "an HTML page
/// titled … was served instead of a sitemap". Reads only the first 64 KiB.
pub fn html_title(body: &[u8]) -> Option<String> {
    let head = &body[..body.len().min(64 * 1024)];
    let text = String::from_utf8_lossy(head);
    let lower = text.to_ascii_lowercase();
    let start = lower.find("<title")?;
    let open_end = start + lower[start..].find('>')? + 1;
    let close = open_end + lower[open_end..].find("</title")?;
    let title: String = text
        .get(open_end..close)?
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if title.is_empty() {
        return None;
    }
    Some(shorten(&title, 120))
}

/// Shortens `s` to at most `max` characters, marking the cut with an ellipsis.
pub fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let keep = max.saturating_sub(1);
    let mut out: String = s.chars().take(keep).collect();
    out.push('…');
    out
}

/// Whether `c` must not reach a terminal as itself: C0 controls (ESC starts every escape
/// sequence; CR and BS overwrite what was printed), DEL, C1 controls (U+009B is an 8-bit CSI on
/// some terminals), and the invisible bidirectional and line-separator marks that reorder or
/// break what is shown.
fn is_terminal_control(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
        )
}

/// Text from the network (a page `<title>`, a REST error `code`, a URL, a sitemap's `lastmod`)
/// with every control character shown as an escape (`\x1b`, `\n`, `\u{9b}`), so that a hostile
/// site cannot retitle the operator's window, clear the screen, plant an OSC 8 link or hide a
/// line in the terminal table, the text and CSV reports or the messages on standard error.
/// Ordinary Unicode is kept. The one sanitiser every such string passes through; borrowed when
/// there is nothing to escape, which is nearly always.
pub fn sanitize_for_terminal(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_terminal_control) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if !is_terminal_control(c) => out.push(c),
            c if u32::from(c) < 0x80 => out.push_str(&format!("\\x{:02x}", u32::from(c))),
            c => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
        }
    }
    Cow::Owned(out)
}

/// `url` without its userinfo (`user:password@`): a password in a target or a URL list must
/// never be printed or stored in a report. Credentials are taken from the URL before this is
/// called, and sent as basic auth to that origin only.
pub fn strip_userinfo(url: &url::Url) -> url::Url {
    let mut u = url.clone();
    // Only URLs that cannot have a host refuse these, and those have no userinfo to remove.
    let _ = u.set_password(None);
    let _ = u.set_username("");
    u
}

/// The `user` and `password` of a URL's userinfo, `%XX` escapes decoded as a browser decodes
/// them before sending basic auth; `None` when the URL has none.
pub fn userinfo_of(url: &url::Url) -> Option<(String, String)> {
    if url.username().is_empty() && url.password().is_none() {
        return None;
    }
    Some((
        percent_decode(url.username()),
        percent_decode(url.password().unwrap_or("")),
    ))
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = b
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (b[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `text` with the userinfo of every URL in it removed: the safety net for messages that quote
/// what the user typed (a `--sites` line, an unparseable target), which may not be a valid URL.
pub fn redact_userinfo(text: &str) -> Cow<'_, str> {
    if !text.contains("://") || !text.contains('@') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        let end = tail
            .find(|c: char| {
                matches!(
                    c,
                    '/' | '?' | '#' | '`' | '"' | '\'' | '<' | '>' | '(' | ')' | ',' | ';'
                ) || c.is_whitespace()
            })
            .unwrap_or(tail.len());
        let authority = &tail[..end];
        let keep = authority.rfind('@').map_or(0, |at| at + 1);
        rest = &tail[keep..];
    }
    out.push_str(rest);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_is_found_whatever_the_case_and_whitespace() {
        assert_eq!(
            html_title(b"<HTML><Title lang=en>\n Just a  moment...\n</TITLE>"),
            Some("Just a moment...".to_owned())
        );
        assert_eq!(html_title(b"<html><body>no title</body>"), None);
        assert_eq!(html_title(b"<title></title>"), None);
        assert_eq!(html_title(b"<title>unterminated"), None);
    }

    #[test]
    fn control_characters_are_shown_escaped_and_unicode_kept() {
        assert_eq!(
            sanitize_for_terminal("\x1b]0;pwned\x07\x1b[2J"),
            "\\x1b]0;pwned\\x07\\x1b[2J"
        );
        assert_eq!(sanitize_for_terminal("a\u{9b}31mb"), "a\\u{9b}31mb");
        assert_eq!(sanitize_for_terminal("l1\nl2\rx\t"), "l1\\nl2\\rx\\t");
        assert_eq!(sanitize_for_terminal("abc\u{202e}txt"), "abc\\u{202e}txt");
        assert_eq!(sanitize_for_terminal("\x7f"), "\\x7f");
        assert!(matches!(
            sanitize_for_terminal("Café – 東京 ✓"),
            Cow::Borrowed("Café – 東京 ✓")
        ));
    }

    #[test]
    fn userinfo_is_stripped_from_urls_and_from_text() {
        let u = url::Url::parse("https://stage:s3cret@ex.com:8443/a?b#c").unwrap();
        assert_eq!(strip_userinfo(&u).as_str(), "https://ex.com:8443/a?b#c");
        assert_eq!(
            redact_userinfo("site https://stage:s3cret@ex.com/x: `http://u:p@[bad`, mail a@b"),
            "site https://ex.com/x: `http://[bad`, mail a@b"
        );
        assert_eq!(
            redact_userinfo("https://ex.com/@user/ and http://h/?q=a@b"),
            "https://ex.com/@user/ and http://h/?q=a@b"
        );
    }

    #[test]
    fn shorten_counts_characters_not_bytes() {
        assert_eq!(shorten("ééééé", 3), "éé…");
        assert_eq!(shorten("abc", 3), "abc");
    }
}

/// `Connection refused (os error 111)` → `Connection refused`: the number helps no operator.
pub fn without_os_error(msg: &str) -> String {
    let mut out = String::with_capacity(msg.len());
    let mut rest = msg;
    while let Some(i) = rest.find(" (os error ") {
        out.push_str(&rest[..i]);
        let tail = &rest[i + " (os error ".len()..];
        match tail.find(')') {
            Some(j)
                if tail[..j]
                    .trim_start_matches('-')
                    .bytes()
                    .all(|b| b.is_ascii_digit()) =>
            {
                rest = &tail[j + 1..];
            }
            _ => {
                out.push_str(" (os error ");
                rest = tail;
            }
        }
    }
    out.push_str(rest);
    out
}

/// A file error in words, without the `(os error 2)` an operator cannot act on: "no such
/// file", "permission denied", "it is a directory, not a file".
pub fn io_words(e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::NotFound => "no such file".to_owned(),
        K::PermissionDenied => "permission denied".to_owned(),
        K::IsADirectory => "it is a directory, not a file".to_owned(),
        K::InvalidData => "it is not UTF-8 text".to_owned(),
        _ => without_os_error(&e.to_string()),
    }
}

#[cfg(test)]
mod io_words_tests {
    use super::{io_words, without_os_error};

    #[test]
    fn os_error_numbers_are_dropped_and_nothing_else() {
        assert_eq!(
            without_os_error("tcp connect error: Connection refused (os error 111)"),
            "tcp connect error: Connection refused"
        );
        assert_eq!(without_os_error("a (os error 2) b (os error -3)"), "a b");
        assert_eq!(without_os_error("x (os error y)"), "x (os error y)");
        assert_eq!(without_os_error("(os error 5"), "(os error 5");
    }

    #[test]
    fn file_errors_read_as_words() {
        let missing = std::fs::File::open("/nonexistent/nonce-audit").err();
        assert_eq!(
            missing.as_ref().map(io_words).as_deref(),
            Some("no such file")
        );
        let dir = std::fs::read_to_string("/").err();
        assert_eq!(
            dir.as_ref().map(io_words).as_deref(),
            Some("it is a directory, not a file")
        );
        let other = std::io::Error::from_raw_os_error(28);
        assert!(
            !io_words(&other).contains("os error"),
            "{}",
            io_words(&other)
        );
    }
}
