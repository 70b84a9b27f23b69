//! Finding the table's body markers in a page without reading the whole page.
//!
//! Plugins append their comments after `</html>` (WP Rocket, LiteSpeed, WP Super Cache, W3 Total
//! Cache, WP Fastest Cache, Cache Enabler, WP-Optimize, Comet Cache, Nginx Helper), Hummingbird
//! also puts one before the page, and Batcache prints its comment just before `</head>`. So only
//! three windows of at most [`SCAN_BYTES`] each are searched, whatever the page size.

use std::sync::LazyLock;

use memchr::memmem;
use regex::bytes::{Captures, Regex, RegexBuilder};

use super::table::{LAYERS, Region};

/// Bytes searched at the start and at the end of the body, and before `</head>`.
pub const SCAN_BYTES: usize = 4096;

/// How far into the body `</head>` is looked for.
pub const HEAD_CLOSE_SEARCH_BYTES: usize = 512 * 1024;

/// Compiled marker regexes, shaped like [`LAYERS`]: `COMPILED[layer][marker]`. A pattern that
/// fails to compile (a table bug, caught by the table's tests) is `None` and never matches.
///
/// They are compiled over bytes with Unicode classes off: `\d`, `\s`, `\w` and `[^…]` are ASCII
/// classes, as in the PHP `date()` output and comments the markers describe. With Unicode
/// classes, the counted repetitions of `\d` and `\S` (`\d{4}`, `\S{1,255}`) made the 29 patterns
/// take 8 MB of automata, a fifth of the run's memory budget; this way they take 1 MB. The
/// windows are `&str`, so a group still reads as text (a group cut inside a character, which the
/// ASCII anchors around every group rule out, reads as absent).
static COMPILED: LazyLock<Vec<Vec<Option<Regex>>>> = LazyLock::new(|| {
    LAYERS
        .iter()
        .map(|l| {
            l.body_markers
                .iter()
                .map(|m| RegexBuilder::new(m.pattern).unicode(false).build().ok())
                .collect()
        })
        .collect()
});

/// The three windows of one body.
pub(crate) struct Windows<'a> {
    head: &'a str,
    tail: &'a str,
    before_head_close: &'a str,
}

impl<'a> Windows<'a> {
    /// Cuts the windows, on character boundaries.
    pub(crate) fn new(body: &'a str) -> Self {
        let head = prefix(body, SCAN_BYTES);
        let tail = suffix(body, SCAN_BYTES);
        let search = prefix(body, HEAD_CLOSE_SEARCH_BYTES);
        let close = memmem::find(search.as_bytes(), b"</head>")
            .or_else(|| memmem::find(search.as_bytes(), b"</HEAD>"));
        let before_head_close = close
            .and_then(|end| search.get(..end))
            .map_or("", |before| suffix(before, SCAN_BYTES));
        Self {
            head,
            tail,
            before_head_close,
        }
    }

    fn get(&self, region: Region) -> &'a str {
        match region {
            Region::Head => self.head,
            Region::Tail => self.tail,
            Region::BeforeHeadClose => self.before_head_close,
        }
    }
}

/// One marker found in a page.
pub(crate) struct Found<'a> {
    /// Index of the marker in its layer's `body_markers`.
    pub marker: usize,
    /// The `ts` group, if any.
    pub ts: Option<&'a str>,
    /// The `off` group, if any.
    pub off: Option<&'a str>,
}

/// Markers of layer `layer` (index into [`LAYERS`]) present in the windows.
pub(crate) fn find<'a>(windows: &Windows<'a>, layer: usize) -> Vec<Found<'a>> {
    let (Some(spec), Some(compiled)) = (LAYERS.get(layer), COMPILED.get(layer)) else {
        return Vec::new();
    };
    spec.body_markers
        .iter()
        .zip(compiled)
        .enumerate()
        .filter_map(|(i, (m, re))| {
            let re = re.as_ref()?;
            let hay = windows.get(m.region).as_bytes();
            // Nearly every marker is absent from nearly every page: `is_match` answers that
            // without allocating the capture slots that `captures` needs.
            if !re.is_match(hay) {
                return None;
            }
            let caps: Captures<'a> = re.captures(hay)?;
            let text = |name: &str| {
                caps.name(name)
                    .and_then(|g| std::str::from_utf8(g.as_bytes()).ok())
            };
            Some(Found {
                marker: i,
                ts: text("ts"),
                off: text("off"),
            })
        })
        .collect()
}

/// The first `n` bytes of `s`, shortened to a character boundary.
fn prefix(s: &str, n: usize) -> &str {
    let mut end = n.min(s.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s.get(..end).unwrap_or("")
}

/// The last `n` bytes of `s`, shortened to a character boundary.
fn suffix(s: &str, n: usize) -> &str {
    let mut start = s.len().saturating_sub(n);
    while !s.is_char_boundary(start) {
        start += 1;
    }
    s.get(start..).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_respect_char_boundaries() {
        let body = "é".repeat(5000); // 2 bytes each
        let w = Windows::new(&body);
        assert_eq!(w.head.len(), SCAN_BYTES);
        assert_eq!(w.tail.len(), SCAN_BYTES);
        let body = format!("a{}", "é".repeat(5000));
        let w = Windows::new(&body);
        assert_eq!(w.head.len(), SCAN_BYTES - 1);
        assert_eq!(w.tail.len(), SCAN_BYTES);
        assert_eq!(w.before_head_close, "");
    }

    #[test]
    fn before_head_close_is_the_text_just_before_it() {
        let body = format!("{}<!-- x --></head><body>", "z".repeat(10_000));
        let w = Windows::new(&body);
        assert!(w.before_head_close.ends_with("<!-- x -->"));
        assert_eq!(w.before_head_close.len(), SCAN_BYTES);
    }

    #[test]
    fn short_and_empty_bodies() {
        let w = Windows::new("");
        assert_eq!((w.head, w.tail, w.before_head_close), ("", "", ""));
        let w = Windows::new("<head></head>");
        assert_eq!(w.head, "<head></head>");
        assert_eq!(w.before_head_close, "<head>");
    }

    #[test]
    fn markers_in_the_middle_of_a_large_page_are_not_read() {
        let idx = LAYERS.iter().position(|l| l.id == "wp-super-cache");
        let marker = "<!-- Cached page generated by WP-Super-Cache on 2026-11-24 10:00:00 -->";
        let filler = "x".repeat(SCAN_BYTES * 2);
        let body = format!("{filler}{marker}{filler}");
        let found = idx.map(|i| find(&Windows::new(&body), i).len());
        assert_eq!(found, Some(0));
        let body = format!("{filler}{marker}");
        let found = idx.map(|i| find(&Windows::new(&body), i).len());
        assert_eq!(found, Some(1));
    }
}
