//! A cheap, forgiving HTML tokenizer: just enough to find tags by name, read their attributes
//! and find where raw-text elements (`<script>`, `<style>`, `<textarea>`) and comments end.
//!
//! It exists because a full HTML parse costs far more than the whole extraction is allowed to
//! (the target is hundreds of MB/s), while nonces only sit in a few places: script bodies, a few
//! attributes and `<link>`/`<input>` tags. Every function is linear, works on bytes (so any
//! offset is safe to slice) and treats truncated markup as running to the end of the input.

use memchr::memmem;
use std::sync::LazyLock;

/// One attribute of a tag: its name as written and its raw value (not entity-decoded; empty for
/// a bare attribute).
pub(crate) type Attr<'a> = (&'a [u8], &'a [u8]);

/// A start tag read from the page.
#[derive(Debug, Clone)]
pub(crate) struct Tag<'a> {
    /// Tag name as written (compare with [`eq_ci`]).
    #[cfg_attr(
        not(test),
        expect(
            dead_code,
            reason = "the walk dispatches on the name before parsing; tests read it"
        )
    )]
    pub name: &'a [u8],
    /// Attributes in source order, at most [`MAX_ATTRS`]; a repeated name keeps only its first
    /// occurrence, as in HTML5.
    pub attrs: Vec<Attr<'a>>,
    /// Offset just after the closing `>`, or the input length when the tag never closes.
    pub end: usize,
    /// False when the input ended inside the tag.
    pub closed: bool,
}

/// Attributes kept per tag; the rest are skipped (still parsed, so the tag end stays right).
pub(crate) const MAX_ATTRS: usize = 64;

impl<'a> Tag<'a> {
    /// First attribute with this (ASCII case-insensitive) name.
    pub fn attr(&self, name: &[u8]) -> Option<&'a [u8]> {
        self.attrs
            .iter()
            .find(|(n, _)| eq_ci(n, name))
            .map(|(_, v)| *v)
    }
}

/// ASCII case-insensitive equality.
pub(crate) fn eq_ci(a: &[u8], b: &[u8]) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// ASCII case-insensitive prefix test.
pub(crate) fn starts_with_ci(hay: &[u8], prefix: &[u8]) -> bool {
    hay.get(..prefix.len())
        .is_some_and(|h| h.eq_ignore_ascii_case(prefix))
}

/// ASCII case-insensitive substring test; `needle` must be lowercase.
pub(crate) fn contains_ci(hay: &[u8], needle: &[u8]) -> bool {
    if needle.is_empty() {
        return true;
    }
    hay.windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle))
}

/// HTML whitespace (plus NUL and vertical tab, which hostile pages use to confuse parsers).
pub(crate) fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'\x0b' | b'\0')
}

/// Reads the tag name at `pos` (just after `<`). Returns its end offset: as in HTML5, the name
/// runs to the first space, `/` or `>` (`<x<div>` is one tag named `x<div`).
fn tag_name_end(html: &[u8], pos: usize) -> usize {
    let mut i = pos;
    while i < html.len() && !is_space(html[i]) && !matches!(html[i], b'/' | b'>') {
        i += 1;
    }
    i
}

/// Parses the start tag whose `<` is at `lt`. Returns `None` if `<` is not followed by a letter.
pub(crate) fn parse_tag(html: &[u8], lt: usize) -> Option<Tag<'_>> {
    let name_start = lt + 1;
    if !html.get(name_start)?.is_ascii_alphabetic() {
        return None;
    }
    let mut attrs = Vec::new();
    let (name_end, end, closed) = read_tag(html, name_start, |name, value| {
        // HTML5 drops a repeated attribute: the first one written is the one that counts.
        if attrs.len() < MAX_ATTRS && !attrs.iter().any(|(n, _): &Attr<'_>| eq_ci(n, name)) {
            attrs.push((name, value));
        }
    });
    Some(Tag {
        name: &html[name_start..name_end],
        attrs,
        end,
        closed,
    })
}

/// Where the tag (start or end) whose name starts at `name_start` ends: the offset just after
/// its `>`, or the input length when it never closes. Quoted attribute values are stepped over
/// (a `>` or `<` inside them is not markup), as the HTML5 tokenizer does.
pub(crate) fn tag_end(html: &[u8], name_start: usize) -> usize {
    read_tag(html, name_start, |_, _| {}).1
}

/// The HTML5 tag states from the tag name on: hands each attribute to `on_attr` and returns
/// `(end of the name, offset after the closing '>' or the input length, closed)`.
fn read_tag<'a>(
    html: &'a [u8],
    name_start: usize,
    mut on_attr: impl FnMut(&'a [u8], &'a [u8]),
) -> (usize, usize, bool) {
    let name_end = tag_name_end(html, name_start);
    let mut i = name_end;
    loop {
        while i < html.len() && (is_space(html[i]) || html[i] == b'/') {
            i += 1;
        }
        let Some(&b) = html.get(i) else {
            return (name_end, html.len(), false);
        };
        if b == b'>' {
            return (name_end, i + 1, true);
        }
        let n_start = i;
        // The first character may be '=' (the spec makes it part of the name); never stall.
        i += 1;
        while i < html.len() && !is_space(html[i]) && !matches!(html[i], b'/' | b'>' | b'=') {
            i += 1;
        }
        let name = &html[n_start..i];
        while i < html.len() && is_space(html[i]) {
            i += 1;
        }
        let mut value: &[u8] = b"";
        if html.get(i) == Some(&b'=') {
            i += 1;
            while i < html.len() && is_space(html[i]) {
                i += 1;
            }
            match html.get(i) {
                Some(&q @ (b'"' | b'\'')) => {
                    let v_start = i + 1;
                    match memchr::memchr(q, &html[v_start..]) {
                        Some(off) => {
                            value = &html[v_start..v_start + off];
                            i = v_start + off + 1;
                        }
                        None => {
                            on_attr(name, &html[v_start..]);
                            return (name_end, html.len(), false);
                        }
                    }
                }
                Some(_) => {
                    let v_start = i;
                    while i < html.len() && !is_space(html[i]) && html[i] != b'>' {
                        i += 1;
                    }
                    value = &html[v_start..i];
                }
                None => {}
            }
        }
        on_attr(name, value);
    }
}

/// Finds the end tag `</name` (ASCII case-insensitive, followed by space, `/` or `>`) of a
/// raw-text or RCDATA element at or after `from`. Returns `(start of "</", offset after its ">")`, or `None` when the element runs to the
/// end of the input.
pub(crate) fn find_end_tag(html: &[u8], from: usize, name: &[u8]) -> Option<(usize, usize)> {
    static END_TAG: LazyLock<memmem::Finder<'static>> =
        LazyLock::new(|| memmem::Finder::new(b"</"));
    let finder = &*END_TAG;
    let mut i = from;
    while i < html.len() {
        let off = finder.find(&html[i..])?;
        let lt = i + off;
        let after = lt + 2;
        if starts_with_ci(&html[after..], name) {
            let next = html.get(after + name.len()).copied();
            // At the end of the input `</name` is text, not an end tag (HTML5).
            if next.is_some_and(|b| is_space(b) || b == b'/' || b == b'>') {
                // An end tag's attributes are tokenized too: a quoted `>` does not close it.
                return Some((lt, tag_end(html, after)));
            }
        }
        i = after;
    }
    None
}

/// Finds the end of a script body starting at `from`, following the HTML5 script data states:
/// after `<!--` the body is "escaped", and inside an escaped part a `<script>` starts a
/// "double-escaped" run in which `</script>` does not end the element but only that run (so
/// `<script><!--<script></script>--></script>` is one element); `-->` leaves either. Returns
/// `(start of "</script", offset after its ">")`, or `None` when the body runs to the end.
pub(crate) fn script_end(html: &[u8], from: usize) -> Option<(usize, usize)> {
    #[derive(PartialEq, Clone, Copy)]
    enum State {
        Data,
        Escaped,
        DoubleEscaped,
    }
    let boundary = |at: usize| {
        html.get(at)
            .is_some_and(|&b| is_space(b) || b == b'/' || b == b'>')
    };
    let mut state = State::Data;
    let mut i = from;
    while i < html.len() {
        let at = i + if state == State::Data {
            memchr::memchr(b'<', &html[i..])?
        } else {
            memchr::memchr2(b'<', b'-', &html[i..])?
        };
        if html[at] == b'-' {
            let mut j = at;
            while html.get(j) == Some(&b'-') {
                j += 1;
            }
            if j - at >= 2 && html.get(j) == Some(&b'>') {
                state = State::Data;
                j += 1;
            }
            i = j;
            continue;
        }
        let rest = &html[at + 1..];
        if state == State::Data && rest.starts_with(b"!--") {
            // The dashes of `<!--` count towards a closing `-->`: `<!-->` escapes nothing.
            let mut j = at + 4;
            while html.get(j) == Some(&b'-') {
                j += 1;
            }
            if html.get(j) == Some(&b'>') {
                j += 1;
            } else {
                state = State::Escaped;
            }
            i = j;
            continue;
        }
        if rest.first() == Some(&b'/') && starts_with_ci(&rest[1..], b"script") && boundary(at + 8)
        {
            if state != State::DoubleEscaped {
                return Some((at, tag_end(html, at + 2)));
            }
            state = State::Escaped;
            i = at + 8;
            continue;
        }
        if state == State::Escaped && starts_with_ci(rest, b"script") && boundary(at + 7) {
            state = State::DoubleEscaped;
            i = at + 7;
            continue;
        }
        i = at + 1;
    }
    None
}

/// Offset just after the comment whose `<!--` starts at `lt`, ended the way the HTML5 tokenizer
/// ends it: `<!-->` and `<!--->` are empty comments (the "abrupt closing of empty comment"
/// rule), `-->` closes it whatever number of dashes precede the `>` (`<!---->`, `--->`), so does
/// `--!>`, and a `--` followed by anything else (`<!-- a -- b -->`) is comment text. Runs to the
/// end of the input when the comment never closes.
pub(crate) fn comment_end(html: &[u8], lt: usize) -> usize {
    static DASHES: LazyLock<memmem::Finder<'static>> = LazyLock::new(|| memmem::Finder::new(b"--"));
    let start = lt + 4;
    match html.get(start..) {
        Some([b'>', ..]) => return start + 1,
        Some([b'-', b'>', ..]) => return start + 2,
        _ => {}
    }
    let mut i = start.min(html.len());
    while let Some(off) = DASHES.find(&html[i..]) {
        let mut j = i + off + 2;
        while html.get(j) == Some(&b'-') {
            j += 1;
        }
        match html.get(j..) {
            Some([b'>', ..]) => return j + 1,
            Some([b'!', b'>', ..]) => return j + 2,
            _ => i = j,
        }
    }
    html.len()
}

/// Is the byte after a tag name at `pos` a valid name terminator (so `<scripts>` is not
/// `<script>`)?
pub(crate) fn name_boundary(html: &[u8], pos: usize) -> bool {
    html.get(pos)
        .is_none_or(|&b| is_space(b) || b == b'/' || b == b'>')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_tag_reads_every_quote_style() {
        let html = br#"<script type='text/javascript' id="a-js-extra" defer data-x=1>body"#;
        let tag = parse_tag(html, 0).unwrap_or_else(|| panic!("tag"));
        assert_eq!(tag.name, b"script");
        assert_eq!(tag.attr(b"TYPE"), Some(&b"text/javascript"[..]));
        assert_eq!(tag.attr(b"id"), Some(&b"a-js-extra"[..]));
        assert_eq!(tag.attr(b"defer"), Some(&b""[..]));
        assert_eq!(tag.attr(b"data-x"), Some(&b"1"[..]));
        assert_eq!(&html[tag.end..], b"body");
        assert!(tag.closed);
    }

    #[test]
    fn parse_tag_keeps_gt_inside_quoted_values() {
        let html = br#"<a title="a>b" href='/x?_wpnonce=1'>t"#;
        let tag = parse_tag(html, 0).unwrap_or_else(|| panic!("tag"));
        assert_eq!(tag.attr(b"href"), Some(&b"/x?_wpnonce=1"[..]));
        assert_eq!(&html[tag.end..], b"t");
    }

    #[test]
    fn parse_tag_survives_truncation() {
        for html in [
            &b"<script"[..],
            b"<script type=",
            b"<script id=\"abc",
            b"<a =x",
        ] {
            let tag = parse_tag(html, 0).unwrap_or_else(|| panic!("tag"));
            assert!(!tag.closed);
            assert_eq!(tag.end, html.len());
        }
        assert!(parse_tag(b"< script>", 0).is_none());
        assert!(parse_tag(b"<", 0).is_none());
    }

    #[test]
    fn find_end_tag_skips_lookalikes() {
        let html = b"var s='</div>'; '</scripts>' </SCRIPT >rest";
        let (start, end) = find_end_tag(html, 0, b"script").unwrap_or_default();
        assert_eq!(&html[start..end], b"</SCRIPT >");
        assert!(find_end_tag(b"no end", 0, b"script").is_none());
        assert!(find_end_tag(b"</scr", 0, b"script").is_none());
    }

    #[test]
    fn comment_end_follows_html5() {
        for (html, rest) in [
            (&b"<!-->x"[..], &b"x"[..]),
            (b"<!--->x", b"x"),
            (b"<!---->x", b"x"),
            (b"<!-- a -- b -->x", b"x"),
            (b"<!-- a --!>x", b"x"),
            (b"<!-- a --!-->x", b"x"),
            (b"<!-- a ---->x", b"x"),
            (b"<!-- a -- >x -->y", b"y"),
            (b"<!-- a -!> -->y", b"y"),
            (b"<!--x>-->y", b"y"),
            (b"<!-- never", b""),
            (b"<!-- a --", b""),
            (b"<!--", b""),
            (b"<!---", b""),
        ] {
            assert_eq!(&html[comment_end(html, 0)..], rest, "{html:?}");
        }
    }

    #[test]
    fn contains_ci_matches_any_case() {
        assert!(contains_ci(b"Mailpoet_Form", b"mailpoet"));
        assert!(!contains_ci(b"mail", b"mailpoet"));
    }
}
