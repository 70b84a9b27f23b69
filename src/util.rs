//! Small helpers shared by several stages.

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
    fn shorten_counts_characters_not_bytes() {
        assert_eq!(shorten("ééééé", 3), "éé…");
        assert_eq!(shorten("abc", 3), "abc");
    }
}
