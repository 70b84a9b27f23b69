//! Text sitemaps: one absolute URL per line, nothing else (sitemaps.org). Lines that are not
//! http(s) URLs are counted and ignored rather than resolved, because in a text file they are
//! prose, not paths.

use std::ops::ControlFlow;

use super::parse::{Format, Item, Kind, MAX_LOC_BYTES, Sink, SitemapError, shorten};

/// How far to look for NUL bytes, which mark binary data (an image or PDF served by mistake).
const BINARY_SNIFF_BYTES: usize = 1024;

/// Reads a text sitemap from `text` (which starts at its first non-whitespace character).
pub(crate) fn parse<F: FnMut(Item) -> ControlFlow<()>>(
    text: &str,
    sink: &mut Sink<'_, F>,
) -> Result<Format, SitemapError> {
    let sniff = &text.as_bytes()[..text.len().min(BINARY_SNIFF_BYTES)];
    if sniff.contains(&0) {
        return Err(SitemapError::NotASitemap(
            "binary data, neither XML nor a list of URLs".to_owned(),
        ));
    }
    let mut first_line = None;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        first_line.get_or_insert(line);
        if !is_http_url(line) {
            sink.notes.not_url_lines.add(line);
        } else if line.len() > MAX_LOC_BYTES {
            sink.notes.too_long.add(line);
            sink.skip();
        } else if sink.entry(Kind::Page, line, None).is_break() {
            break;
        }
    }
    if sink.entries() == 0 && sink.skipped() == 0 && !sink.limit_reached() {
        return Err(SitemapError::NotASitemap(format!(
            "neither XML nor a list of URLs: no line is an absolute http(s) URL (first line: \"{}\")",
            shorten(first_line.unwrap_or_default())
        )));
    }
    Ok(Format::Text)
}

fn is_http_url(line: &str) -> bool {
    let head = line.as_bytes();
    [&b"http://"[..], b"https://"]
        .iter()
        .any(|p| head.len() >= p.len() && head[..p.len()].eq_ignore_ascii_case(p))
}

#[cfg(test)]
mod tests {
    use super::super::parse::testkit::*;
    use super::super::parse::{Format, Limits, SitemapError};

    #[test]
    fn usp_plain_text_with_a_prose_line() {
        let (locs, outcome) = ok(fixture!("usp/plaintext.txt"));
        assert_eq!(
            locs,
            ["https://example.org/page1", "https://example.org/page2"]
        );
        assert_eq!(outcome.format, Format::Text);
        assert_eq!(
            outcome.warnings,
            [
                "1 line(s) ignored: not an absolute http(s) URL (first: \"Yes, there are plain text sitemaps and they could just contain random text.\")"
            ]
        );
    }

    #[test]
    fn crlf_blank_lines_and_spaces() {
        let (locs, outcome) = ok(b"  https://example.com/a  \r\n\r\n\thttps://example.com/b\r\nHTTPS://EXAMPLE.COM/C\r\n");
        assert_eq!(
            locs,
            [
                "https://example.com/a",
                "https://example.com/b",
                "https://example.com/C"
            ]
        );
        assert_eq!(outcome.warnings, Vec::<String>::new());
    }

    #[test]
    fn relative_lines_are_not_resolved() {
        let (locs, outcome) = ok(b"/about/\nhttps://example.com/\nftp://example.com/x\n");
        assert_eq!(locs, ["https://example.com/"]);
        assert_eq!(
            outcome.warnings,
            ["2 line(s) ignored: not an absolute http(s) URL (first: \"/about/\")"]
        );
    }

    #[test]
    fn text_without_urls_is_not_a_sitemap() {
        assert_eq!(
            run(b"Service Unavailable\nTry again later\n").1,
            Err(SitemapError::NotASitemap(
                "neither XML nor a list of URLs: no line is an absolute http(s) URL (first line: \"Service Unavailable\")".to_owned()
            ))
        );
    }

    #[test]
    fn json_error_is_not_a_sitemap() {
        assert!(matches!(
            run(br#"{"code":"rest_no_route","message":"No route"}"#).1,
            Err(SitemapError::NotASitemap(_))
        ));
    }

    #[test]
    fn binary_data_is_not_a_sitemap() {
        assert_eq!(
            run(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").1,
            Err(SitemapError::NotASitemap(
                "binary data, neither XML nor a list of URLs".to_owned()
            ))
        );
    }

    #[test]
    fn max_entries_applies_to_text() {
        let limits = Limits {
            max_entries: 1,
            ..Limits::default()
        };
        let (items, result) = run_at(
            b"https://example.com/1\nhttps://example.com/2\n",
            BASE,
            &limits,
        );
        assert_eq!(locs(&items), ["https://example.com/1"]);
        assert!(result.unwrap().limit_reached);
    }

    #[test]
    fn invalid_http_lines_are_skipped_not_fatal() {
        let (locs, outcome) = ok(b"http://exa mple.com/\n");
        assert!(locs.is_empty());
        assert_eq!(outcome.skipped, 1);
        assert_eq!(
            outcome.warnings,
            [
                "1 line(s) skipped: not a valid URL (first: \"http://exa mple.com/\": invalid international domain name)"
            ]
        );
    }
}
