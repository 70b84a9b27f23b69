//! Small, allocation-shy decoders for the encodings a nonce or a REST root hides behind in a page:
//! HTML character references (`&#038;`), JavaScript/JSON string escapes (`\/`, `\u003C`, `\x3C`),
//! base64 `data:` URIs written by optimisers, and percent-encoding (`decodeURIComponent( '…' )`).
//!
//! They exist so the extractor needs no extra crates and never panics on hostile input: malformed
//! sequences are kept as they are, and every decoder is linear in its input.

use std::borrow::Cow;

/// Decodes the HTML character references WordPress and its plugins actually print in attributes
/// (`&amp;` `&#038;` `&#x26;` `&quot;` `&#039;` `&lt;` `&gt;` `&apos;` `&nbsp;`). Unknown or
/// malformed references are left untouched, as a browser would mostly do.
pub(crate) fn html_entities(input: &[u8]) -> Cow<'_, [u8]> {
    let Some(first) = memchr::memchr(b'&', input) else {
        return Cow::Borrowed(input);
    };
    let mut out = Vec::with_capacity(input.len());
    out.extend_from_slice(&input[..first]);
    let mut i = first;
    while i < input.len() {
        if input[i] != b'&' {
            out.push(input[i]);
            i += 1;
            continue;
        }
        match entity_at(&input[i..]) {
            Some((ch, consumed)) => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                i += consumed;
            }
            None => {
                out.push(b'&');
                i += 1;
            }
        }
    }
    Cow::Owned(out)
}

/// Reads one character reference at the start of `s` (which begins with `&`), returning the
/// character and how many bytes it used. The trailing `;` is required except for the legacy
/// `&amp` form, which is common in hand-written links.
fn entity_at(s: &[u8]) -> Option<(char, usize)> {
    const NAMED: &[(&[u8], char)] = &[
        (b"amp;", '&'),
        (b"lt;", '<'),
        (b"gt;", '>'),
        (b"quot;", '"'),
        (b"apos;", '\''),
        (b"nbsp;", '\u{a0}'),
        (b"sol;", '/'),
        (b"colon;", ':'),
        (b"quest;", '?'),
        (b"equals;", '='),
        (b"num;", '#'),
        (b"percnt;", '%'),
    ];
    let body = s.get(1..)?;
    if body.first() == Some(&b'#') {
        let (radix, digits_start) = match body.get(1) {
            Some(b'x' | b'X') => (16, 2),
            _ => (10, 1),
        };
        let digits = body.get(digits_start..)?;
        let len = digits
            .iter()
            .take(8)
            .take_while(|b| (*b).is_ascii_hexdigit() && (radix == 16 || b.is_ascii_digit()))
            .count();
        if len == 0 {
            return None;
        }
        let text = std::str::from_utf8(&digits[..len]).ok()?;
        let code = u32::from_str_radix(text, radix).ok()?;
        let ch = char::from_u32(code).filter(|c| *c != '\0')?;
        let mut consumed = 1 + digits_start + len;
        if digits.get(len) == Some(&b';') {
            consumed += 1;
        }
        return Some((ch, consumed));
    }
    for (name, ch) in NAMED {
        if body.starts_with(name) {
            return Some((*ch, 1 + name.len()));
        }
    }
    if body.starts_with(b"amp") {
        return Some(('&', 4));
    }
    None
}

/// Undoes the escapes of a JavaScript or JSON string body (without its quotes): `\/`, `\"`, `\'`,
/// `\\`, `\n`-style letters, `\uXXXX` (surrogate pairs joined) and `esc_js`'s `\xHH`. A broken
/// escape is kept literally. Used for `wpApiSettings.root`, which core printed as `https:\/\/…`
/// before 6.9.
pub(crate) fn js_string(input: &[u8]) -> String {
    if memchr::memchr(b'\\', input).is_none() {
        return String::from_utf8_lossy(input).into_owned();
    }
    let mut out = String::with_capacity(input.len());
    let mut i = 0;
    let mut plain_start = 0;
    while i < input.len() {
        if input[i] != b'\\' {
            i += 1;
            continue;
        }
        out.push_str(&String::from_utf8_lossy(&input[plain_start..i]));
        let (decoded, consumed) = js_escape_at(&input[i..]);
        match decoded {
            Some(ch) => out.push(ch),
            None => out.push_str(&String::from_utf8_lossy(&input[i..i + consumed])),
        }
        i += consumed;
        plain_start = i;
    }
    out.push_str(&String::from_utf8_lossy(&input[plain_start..]));
    out
}

/// Decodes one escape at the start of `s` (which begins with a backslash). Returns the character,
/// if the escape was valid, and the number of bytes it spans (always at least 1).
fn js_escape_at(s: &[u8]) -> (Option<char>, usize) {
    let Some(&kind) = s.get(1) else {
        return (None, 1);
    };
    match kind {
        b'n' => (Some('\n'), 2),
        b't' => (Some('\t'), 2),
        b'r' => (Some('\r'), 2),
        b'b' => (Some('\u{8}'), 2),
        b'f' => (Some('\u{c}'), 2),
        b'0' => (Some('\0'), 2),
        b'x' => match hex_value(s.get(2..4)) {
            Some(v) => (char::from_u32(v), 4),
            None => (None, 2),
        },
        b'u' => {
            let Some(high) = hex_value(s.get(2..6)) else {
                return (None, 2);
            };
            if (0xD800..0xDC00).contains(&high)
                && s.get(6) == Some(&b'\\')
                && s.get(7) == Some(&b'u')
            {
                if let Some(low) = hex_value(s.get(8..12)) {
                    if (0xDC00..0xE000).contains(&low) {
                        let code = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
                        return (char::from_u32(code), 12);
                    }
                }
            }
            (Some(char::from_u32(high).unwrap_or('\u{fffd}')), 6)
        }
        other if other.is_ascii() => (Some(char::from(other)), 2),
        // A backslash before a multi-byte character: keep the backslash, let the caller copy the rest.
        _ => (None, 1),
    }
}

/// Parses exactly the given ASCII hex digits (2 or 4 of them) into a number.
fn hex_value(digits: Option<&[u8]>) -> Option<u32> {
    let digits = digits?;
    let mut v = 0u32;
    for &d in digits {
        let h = HEX[usize::from(d)];
        if h > 15 {
            return None;
        }
        v = v * 16 + u32::from(h);
    }
    Some(v)
}

/// Decodes standard or URL-safe base64, skipping ASCII whitespace and stopping at padding.
/// Returns `None` on any other byte, and stops after `max_out` decoded bytes (the second value
/// is then `true`). Optimisers (LiteSpeed "deferred", Autoptimize "defer inline") wrap inline
/// scripts, nonces included, in `data:text/javascript;base64,…`.
pub(crate) fn base64(input: &[u8], max_out: usize) -> Option<(Vec<u8>, bool)> {
    let mut out = Vec::with_capacity((input.len() / 4 * 3).min(max_out));
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    for &b in input {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => break,
            b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' => continue,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            if out.len() >= max_out {
                return Some((out, true));
            }
            // Truncation to the low byte is the point here.
            out.push(((acc >> bits) & 0xff) as u8);
        }
    }
    Some((out, false))
}

/// Decodes `%XX` sequences (invalid ones are kept), as `decodeURIComponent` and non-base64
/// `data:` URIs need. `+` is left alone: JavaScript does not treat it as a space. Stops after
/// `max_out` bytes (the second value is then `true`).
pub(crate) fn percent(input: &[u8], max_out: usize) -> (Vec<u8>, bool) {
    // The output is never longer than the input: fill a buffer of that size, then trim it.
    // (A plain indexed loop: `%` is too dense in encoded JSON for memchr runs to pay off.)
    let mut out = vec![0u8; input.len().min(max_out)];
    let (mut i, mut j) = (0, 0);
    while i < input.len() && j < out.len() {
        let b = input[i];
        let mut decoded = b;
        let mut used = 1;
        if b == b'%' {
            if let Some(&[h, l]) = input.get(i + 1..i + 3) {
                let (h, l) = (HEX[usize::from(h)], HEX[usize::from(l)]);
                if h < 16 && l < 16 {
                    decoded = h << 4 | l;
                    used = 3;
                }
            }
        }
        out[j] = decoded;
        j += 1;
        i += used;
    }
    out.truncate(j);
    (out, i < input.len())
}

/// ASCII hex digit values; 16 marks a byte that is not a hex digit.
static HEX: [u8; 256] = {
    let mut t = [16u8; 256];
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        t[b'a' as usize + i] = 10 + i as u8;
        t[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    t
};

/// UTF-16 text (without its byte order mark) to a `String`; unpaired surrogates and an odd
/// last byte become U+FFFD. Shared with the sitemap reader, which meets the same files.
pub(crate) fn utf16_to_string(bytes: &[u8], big_endian: bool) -> String {
    let to_unit = if big_endian {
        u16::from_be_bytes
    } else {
        u16::from_le_bytes
    };
    let units = bytes.chunks_exact(2).map(|p| to_unit([p[0], p[1]]));
    let mut out: String = char::decode_utf16(units)
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect();
    if bytes.len() % 2 == 1 {
        out.push(char::REPLACEMENT_CHARACTER);
    }
    out
}

/// A page body as text for the extractor. WordPress pages are UTF-8, but a page saved by an
/// editor or a cache plugin as UTF-16 would otherwise read as NUL-riddled bytes with no nonce in
/// them: a byte order mark, or `charset=utf-16*` in `Content-Type`, switches to UTF-16 (the BOM
/// wins; a bare `utf-16` without one is told apart by where the zero bytes fall). Anything else
/// is UTF-8, invalid bytes replaced.
pub fn page_text<'a>(body: &'a [u8], content_type: Option<&str>) -> Cow<'a, str> {
    match body {
        [0xFF, 0xFE, rest @ ..] => return Cow::Owned(utf16_to_string(rest, false)),
        [0xFE, 0xFF, rest @ ..] => return Cow::Owned(utf16_to_string(rest, true)),
        [0xEF, 0xBB, 0xBF, rest @ ..] => return utf8_lossy(rest),
        _ => {}
    }
    let charset = content_type.and_then(|ct| {
        ct.split(';')
            .skip(1)
            .filter_map(|p| p.split_once('='))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case("charset"))
            .map(|(_, v)| v.trim().trim_matches('"').to_ascii_lowercase())
    });
    match charset.as_deref() {
        Some("utf-16le") => Cow::Owned(utf16_to_string(body, false)),
        Some("utf-16be") => Cow::Owned(utf16_to_string(body, true)),
        Some("utf-16") => {
            // No BOM: ASCII markup puts its zero bytes first in big-endian, second in little.
            let big = body.first() == Some(&0) && body.get(1) != Some(&0);
            Cow::Owned(utf16_to_string(body, big))
        }
        _ => utf8_lossy(body),
    }
}

/// Valid UTF-8 is the rule: checked at memory speed and borrowed; only a page with invalid
/// bytes pays for the lossy conversion.
fn utf8_lossy(body: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(body) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(body),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entities_decode_the_forms_esc_url_prints() {
        let got = html_entities(b"http://x/index.php?rest_route=/&#038;a=1&amp;b=2&#x26;c&#38;d");
        assert_eq!(&*got, b"http://x/index.php?rest_route=/&a=1&b=2&c&d");
    }

    #[test]
    fn entities_leave_malformed_references_alone() {
        let got = html_entities(b"a&b &#; &#xZZ; &unknown; &#0; &#99999999999;");
        assert_eq!(&*got, b"a&b &#; &#xZZ; &unknown; &#0; &#99999999999;");
    }

    #[test]
    fn entities_borrow_when_there_is_nothing_to_decode() {
        assert!(matches!(html_entities(b"plain"), Cow::Borrowed(_)));
    }

    #[test]
    fn js_string_undoes_json_and_esc_js_escapes() {
        assert_eq!(
            js_string(br"https:\/\/ex.com\/wp-json\/\u003C\x3E\u00e9\ud83d\ude00\'"),
            "https://ex.com/wp-json/<>é😀'"
        );
    }

    #[test]
    fn js_string_keeps_broken_escapes() {
        assert_eq!(js_string(br"a\u12\xZ\"), r"a\u12\xZ\");
    }

    #[test]
    fn base64_decodes_standard_and_url_safe_with_whitespace() {
        let (out, cut) = base64(b"dmFyIGE9\n MTs=", 100).unwrap_or_default();
        assert_eq!(out, b"var a=1;");
        assert!(!cut);
        let (out, _) = base64(b"-_-_", 100).unwrap_or_default();
        assert_eq!(out, [0xfb, 0xff, 0xbf]);
    }

    #[test]
    fn base64_rejects_foreign_bytes_and_honours_the_cap() {
        assert!(base64(b"abc*", 100).is_none());
        let (out, cut) = base64(b"dmFyIGE9MTs=", 3).unwrap_or_default();
        assert_eq!(out, b"var");
        assert!(cut);
    }

    #[test]
    fn percent_decodes_valid_sequences_only() {
        let (out, cut) = percent(b"%7B%22Nonce%22%3A%22x%22%7D%zz%4", 100);
        assert_eq!(out, b"{\"Nonce\":\"x\"}%zz%4");
        assert!(!cut);
    }
}
