//! The XML reader behind [`parse`](super::parse::parse): a quick-xml pull loop with a small stack
//! of element kinds, so `<loc>` is taken only as the direct child of `<url>` / `<sitemap>` (never
//! `image:loc` or `video:content_loc`) and a cut-off file is recognised by its open elements.
//!
//! Elements are matched on local names, ignoring prefixes and namespace URIs, because real files
//! carry no namespace, a wrong one (`…/0.9/`, Google's old `0.84`) or the right one.

use std::ops::ControlFlow;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::parse::{Format, Item, Kind, MAX_LOC_BYTES, Notes, Sink, SitemapError, shorten};

/// Deeper nesting than this is no sitemap; stopping bounds the element stack.
const MAX_DEPTH: usize = 64;

/// Longest date value kept; longer ones are garbage (see [`super::lastmod`]).
const MAX_DATE_BYTES: usize = 64;

/// Longest entity name considered when unescaping attribute values and titles.
const MAX_REF_NAME: usize = 32;

/// How far into an HTML page to look for its `<title>`.
const TITLE_SCAN_BYTES: usize = 64 * 1024;

/// Longest title reported, in characters.
const MAX_TITLE_CHARS: usize = 200;

/// The root elements that make a document a sitemap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Root {
    UrlSet,
    Index,
    Rss,
    Atom,
}

impl Root {
    fn classify(name: &str) -> Option<Root> {
        let is = |n: &str| name.eq_ignore_ascii_case(n);
        if is("urlset") {
            Some(Root::UrlSet)
        } else if is("sitemapindex") {
            Some(Root::Index)
        } else if is("rss") || is("RDF") {
            Some(Root::Rss)
        } else if is("feed") {
            Some(Root::Atom)
        } else {
            None
        }
    }

    fn format(self) -> Format {
        match self {
            Root::UrlSet => Format::UrlSet,
            Root::Index => Format::Index,
            Root::Rss => Format::Rss,
            Root::Atom => Format::Atom,
        }
    }

    fn element(self) -> &'static str {
        match self {
            Root::UrlSet => "urlset",
            Root::Index => "sitemapindex",
            Root::Rss => "rss",
            Root::Atom => "feed",
        }
    }
}

/// What an open element means to us; everything irrelevant is `Other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag {
    Root,
    Channel,
    Url,
    Sitemap,
    Item,
    Entry,
    Loc,
    Lastmod,
    Link,
    FeedDate,
    Other,
}

impl Tag {
    /// Element name for messages.
    fn element(self) -> &'static str {
        match self {
            Tag::Url => "url",
            Tag::Sitemap => "sitemap",
            Tag::Item => "item",
            Tag::Entry => "entry",
            Tag::Loc => "loc",
            Tag::Lastmod => "lastmod",
            Tag::Link => "link",
            Tag::Channel => "channel",
            Tag::Root | Tag::FeedDate | Tag::Other => "",
        }
    }

    fn kind(self) -> Option<Kind> {
        match self {
            Tag::Url | Tag::Item | Tag::Entry => Some(Kind::Page),
            Tag::Sitemap => Some(Kind::Sitemap),
            _ => None,
        }
    }
}

/// The meaning of element `name` opened inside `parent`, for a document with root `root`.
fn child_tag(root: Root, parent: Tag, name: &str) -> Tag {
    let is = |n: &str| name.eq_ignore_ascii_case(n);
    match (root, parent) {
        (Root::UrlSet | Root::Index, Tag::Root) if is("url") => Tag::Url,
        (Root::UrlSet | Root::Index, Tag::Root) if is("sitemap") => Tag::Sitemap,
        (_, Tag::Url | Tag::Sitemap) if is("loc") => Tag::Loc,
        (_, Tag::Url | Tag::Sitemap) if is("lastmod") => Tag::Lastmod,
        (Root::Rss, Tag::Root) if is("channel") => Tag::Channel,
        (Root::Rss, Tag::Root | Tag::Channel) if is("item") => Tag::Item,
        (Root::Rss, Tag::Item) if is("link") => Tag::Link,
        (Root::Rss, Tag::Item) if is("pubDate") || is("date") || is("updated") => Tag::FeedDate,
        (Root::Atom, Tag::Root) if is("entry") => Tag::Entry,
        (Root::Atom, Tag::Entry) if is("link") => Tag::Link,
        (Root::Atom, Tag::Entry) if is("updated") || is("modified") => Tag::FeedDate,
        _ => Tag::Other,
    }
}

fn is_html_root(name: &str) -> bool {
    ["html", "head", "body"]
        .iter()
        .any(|n| name.eq_ignore_ascii_case(n))
}

/// The entry being read (`<url>`, `<sitemap>`, `<item>`, `<entry>`). Its buffers are reused
/// from entry to entry, so reading allocates nothing per URL beyond the [`Url`](url::Url) handed
/// out.
#[derive(Debug, Default)]
struct Entry {
    open: bool,
    has_loc: bool,
    loc: String,
    loc_too_long: bool,
    extra_loc: bool,
    has_date: bool,
    date: String,
}

impl Entry {
    fn reset(&mut self, open: bool) {
        self.open = open;
        self.has_loc = false;
        self.loc.clear();
        self.loc_too_long = false;
        self.extra_loc = false;
        self.has_date = false;
        self.date.clear();
    }

    fn set_loc(&mut self, value: &str) {
        self.loc.clear();
        self.loc.push_str(value);
        self.has_loc = true;
    }
}

/// The text of the element being captured, capped so one value cannot eat memory.
#[derive(Debug, Default)]
struct Capture {
    tag: Option<Tag>,
    text: String,
    overflow: bool,
    /// The value held a bare `&` (read literally), reported with the whole value at the end.
    bare_amp: bool,
}

impl Capture {
    fn start(&mut self, tag: Tag) {
        self.tag = Some(tag);
        self.text.clear();
        self.overflow = false;
        self.bare_amp = false;
    }

    fn push(&mut self, piece: &str) {
        let cap = match self.tag {
            Some(Tag::Lastmod | Tag::FeedDate) => MAX_DATE_BYTES,
            _ => MAX_LOC_BYTES,
        };
        if self.overflow {
            return;
        }
        if self.text.len() + piece.len() <= cap {
            self.text.push_str(piece);
            return;
        }
        // Keep what fits (for the warning's example), then ignore the rest.
        let mut room = cap - self.text.len();
        while !piece.is_char_boundary(room) {
            room -= 1;
        }
        self.text.push_str(&piece[..room]);
        self.overflow = true;
    }

    fn push_char(&mut self, c: char) {
        self.push(c.encode_utf8(&mut [0; 4]));
    }
}

/// Reads an XML sitemap or feed from `text` (which starts at its first `<`).
pub(crate) fn parse<F: FnMut(Item) -> ControlFlow<()>>(
    text: &str,
    sink: &mut Sink<'_, F>,
) -> Result<Format, SitemapError> {
    let mut reader = Reader::from_str(text);
    // A bare `&` in a URL query is the commonest XML error in hand-made sitemaps; read it as
    // text (and warn) instead of losing the rest of the file.
    reader.config_mut().allow_dangling_amp = true;
    let mut m = Machine {
        text,
        root: None,
        stack: Vec::with_capacity(8),
        entry: Entry::default(),
        capture: Capture::default(),
        stray: None,
        sink,
    };
    loop {
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(e) => {
                let position = reader.error_position();
                let Some(root) = m.root else {
                    return Err(SitemapError::Xml {
                        position,
                        message: e.to_string(),
                    });
                };
                m.flush_open_entry();
                let kept = entries(m.sink.entries());
                m.sink.truncate(format!(
                    "malformed XML at byte {position} ({e}); stopped reading the <{}> there and kept the {kept} before it",
                    root.element()
                ));
                break;
            }
        };
        let flow = match event {
            Event::Start(e) => m.element(&e, false)?,
            Event::Empty(e) => m.element(&e, true)?,
            Event::End(_) => m.end(),
            Event::Text(t) => {
                m.text(&t);
                ControlFlow::Continue(())
            }
            Event::CData(t) => {
                if m.capturing() {
                    m.capture.push(&t);
                }
                ControlFlow::Continue(())
            }
            Event::GeneralRef(r) => {
                m.reference(&r);
                ControlFlow::Continue(())
            }
            Event::DocType(d) => {
                let html = d
                    .trim_start()
                    .get(..4)
                    .is_some_and(|w| w.eq_ignore_ascii_case("html"));
                return Err(if html {
                    SitemapError::Html {
                        title: find_title(text),
                    }
                } else {
                    SitemapError::Doctype
                });
            }
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => ControlFlow::Continue(()),
            Event::Eof => {
                m.eof()?;
                ControlFlow::Break(())
            }
        };
        if flow.is_break() {
            break;
        }
    }
    Ok(m.root.map_or(Format::UrlSet, Root::format))
}

/// The reading state: the root found, the open elements, the entry and value being read.
struct Machine<'t, 's, 'a, F> {
    text: &'t str,
    root: Option<Root>,
    stack: Vec<Tag>,
    entry: Entry,
    capture: Capture,
    /// The first thing seen before the root that was neither markup nor whitespace.
    stray: Option<String>,
    sink: &'s mut Sink<'a, F>,
}

impl<F: FnMut(Item) -> ControlFlow<()>> Machine<'_, '_, '_, F> {
    /// A start tag (`empty == false`) or an empty-element tag; `Break` stops reading.
    fn element(
        &mut self,
        e: &BytesStart<'_>,
        empty: bool,
    ) -> Result<ControlFlow<()>, SitemapError> {
        let name = e.local_name();
        let name = name.as_ref();
        let Some(&parent) = self.stack.last() else {
            return self.top_level(e, name, empty);
        };
        if !empty && self.stack.len() >= MAX_DEPTH {
            self.flush_open_entry();
            self.sink.truncate(format!(
                "elements nested more than {MAX_DEPTH} deep; stopped reading there"
            ));
            return Ok(ControlFlow::Break(()));
        }
        let tag = match (self.root, self.stack.first()) {
            (Some(root), Some(Tag::Root)) => child_tag(root, parent, name),
            _ => Tag::Other,
        };
        self.open(tag, e);
        if empty {
            Ok(self.close(tag))
        } else {
            self.stack.push(tag);
            Ok(ControlFlow::Continue(()))
        }
    }

    /// An element outside any other: the root, an HTML page, or stray output before the root.
    /// (Nothing after the root is read: the loop ends when the root closes.)
    fn top_level(
        &mut self,
        e: &BytesStart<'_>,
        name: &str,
        empty: bool,
    ) -> Result<ControlFlow<()>, SitemapError> {
        if let Some(root) = Root::classify(name) {
            self.root = Some(root);
            if let Some(first) = &self.stray {
                self.sink.notes.note(format!(
                    "stray content before the <{}> root (first: {first}) was ignored; PHP notices printed into the sitemap look like this",
                    root.element()
                ));
            }
            if empty {
                return Ok(ControlFlow::Break(()));
            }
            self.stack.push(Tag::Root);
        } else if is_html_root(name) {
            return Err(SitemapError::Html {
                title: find_title(self.text),
            });
        } else {
            self.stray
                .get_or_insert_with(|| format!("<{}>", shorten(e.name().as_ref())));
            if !empty {
                self.stack.push(Tag::Other);
            }
        }
        Ok(ControlFlow::Continue(()))
    }

    /// An end tag; `Break` when the root closed or the entry handed out asked to stop.
    fn end(&mut self) -> ControlFlow<()> {
        let Some(tag) = self.stack.pop() else {
            return ControlFlow::Continue(());
        };
        self.close(tag)?;
        if self.stack.is_empty() && self.root.is_some() {
            // The root is closed; trailing comments or junk don't matter.
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    }

    fn text(&mut self, t: &str) {
        if self.capturing() {
            if t.contains('&') {
                self.capture.bare_amp = true;
            }
            self.capture.push(t);
        } else if self.stack.is_empty() && self.stray.is_none() && !t.trim().is_empty() {
            self.stray = Some(format!("text \"{}\"", shorten(t.trim())));
        }
    }

    fn reference(&mut self, name: &str) {
        if !self.capturing() {
            return;
        }
        match resolve_ref(name) {
            Some(c) => self.capture.push_char(c),
            None => {
                let raw = format!("&{name};");
                self.sink.notes.unknown_entity.add(&raw);
                self.capture.push(&raw);
            }
        }
    }

    fn eof(&mut self) -> Result<(), SitemapError> {
        let Some(root) = self.root else {
            return Err(SitemapError::NotASitemap(match &self.stray {
                Some(first) => format!(
                    "no <urlset>, <sitemapindex>, <rss> or <feed> root element; the document starts with {first}"
                ),
                None => {
                    "no root element, only an XML declaration, comments or processing instructions"
                        .to_owned()
                }
            }));
        };
        if self.stack.is_empty() {
            return Ok(());
        }
        let inside = self
            .stack
            .iter()
            .rev()
            .map(|t| t.element())
            .find(|n| !n.is_empty())
            .unwrap_or(root.element());
        self.flush_open_entry();
        let kept = entries(self.sink.entries());
        self.sink.truncate(format!(
            "the document ends inside <{inside}> before its closing </{}> tag (download cut short?); kept the {kept} read before the cut",
            root.element()
        ));
        Ok(())
    }

    /// Text belongs to the captured value only when directly inside the captured element.
    fn capturing(&self) -> bool {
        self.capture.tag.is_some() && self.capture.tag == self.stack.last().copied()
    }

    /// Reacts to an element opening (or an empty element, before [`Self::close`]).
    fn open(&mut self, tag: Tag, e: &BytesStart<'_>) {
        match tag {
            Tag::Url | Tag::Sitemap | Tag::Item | Tag::Entry => self.entry.reset(true),
            Tag::Link if self.root == Some(Root::Atom) => {
                if self.entry.has_loc {
                    return;
                }
                match atom_href(e, &mut self.sink.notes) {
                    Some(href) if href.len() > MAX_LOC_BYTES => {
                        self.entry.loc_too_long = true;
                        self.sink.notes.too_long.add(&href);
                    }
                    Some(href) => self.entry.set_loc(&href),
                    None => {}
                }
            }
            Tag::Loc | Tag::Lastmod | Tag::Link | Tag::FeedDate => self.capture.start(tag),
            Tag::Root | Tag::Channel | Tag::Other => {}
        }
    }

    /// Reacts to an element closing; `Break` when reading must stop (limit reached, caller said
    /// stop).
    fn close(&mut self, tag: Tag) -> ControlFlow<()> {
        if self.capture.tag == Some(tag) {
            self.capture.tag = None;
            self.commit(tag);
        }
        match tag.kind() {
            Some(kind) if self.entry.open => self.finish_entry(kind),
            _ => ControlFlow::Continue(()),
        }
    }

    /// Stores a captured value in the entry.
    fn commit(&mut self, tag: Tag) {
        let value = self.capture.text.trim();
        let entry = &mut self.entry;
        match tag {
            Tag::Loc | Tag::Link => {
                if self.capture.overflow {
                    if !entry.has_loc && !entry.loc_too_long {
                        entry.loc_too_long = true;
                        self.sink.notes.too_long.add(value);
                    }
                } else if value.is_empty() {
                    // An empty <loc/> counts as no loc.
                } else if !entry.has_loc {
                    if self.capture.bare_amp {
                        self.sink.notes.bare_amp.add(value);
                    }
                    entry.set_loc(value);
                } else if tag == Tag::Loc {
                    entry.extra_loc = true;
                }
            }
            Tag::Lastmod | Tag::FeedDate => {
                if self.capture.overflow {
                    self.sink.notes.bad_lastmod.add(value);
                } else if !entry.has_date && !value.is_empty() {
                    entry.date.push_str(value);
                    entry.has_date = true;
                }
            }
            _ => {}
        }
    }

    fn finish_entry(&mut self, kind: Kind) -> ControlFlow<()> {
        let entry = &mut self.entry;
        entry.open = false;
        if entry.extra_loc {
            self.sink.notes.extra_loc += 1;
        }
        let flow = if entry.has_loc {
            let date = entry.has_date.then_some(entry.date.as_str());
            self.sink.entry(kind, &entry.loc, date)
        } else {
            if !entry.loc_too_long {
                self.sink.notes.missing_loc += 1;
            }
            self.sink.skip();
            ControlFlow::Continue(())
        };
        entry.reset(false);
        flow
    }

    /// At a cut or an error inside an entry, keeps the entry if its URL was read completely.
    fn flush_open_entry(&mut self) {
        if !self.entry.open || !self.entry.has_loc {
            return;
        }
        if let Some(kind) = self.stack.iter().find_map(|t| t.kind()) {
            let _ = self.finish_entry(kind);
        }
    }
}

/// "1 entry", "2 entries".
fn entries(n: u64) -> String {
    if n == 1 {
        "1 entry".to_owned()
    } else {
        format!("{n} entries")
    }
}

/// The page URL of an Atom `<link>`: `href` when `rel` is absent or `alternate`.
fn atom_href(e: &BytesStart<'_>, notes: &mut Notes) -> Option<String> {
    let mut href = None;
    for attr in e.attributes().with_checks(false).flatten() {
        let key = attr.key.local_name();
        if key.as_ref() == "rel" && attr.value.trim() != "alternate" {
            return None;
        }
        if key.as_ref() == "href" {
            href = Some(attr.value);
        }
    }
    let raw = href?;
    let mut out = String::with_capacity(raw.len());
    if let Some(unknown) = unescape_into(&raw, &mut out, |_| None) {
        notes.unknown_entity.add(&unknown);
    }
    let out = out.trim();
    (!out.is_empty()).then(|| out.to_owned())
}

/// The character an XML entity or character reference (`amp`, `#038`, `#x26`) stands for.
fn resolve_ref(name: &str) -> Option<char> {
    match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => {
            let num = name.strip_prefix('#')?;
            let code = match num.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16),
                None => num.parse(),
            };
            code.ok().and_then(char::from_u32).filter(|&c| c != '\0')
        }
    }
}

/// Appends `raw` with references resolved (XML ones, then `extra` for HTML names); returns the
/// first reference neither knows, which is kept as written.
fn unescape_into(raw: &str, out: &mut String, extra: fn(&str) -> Option<char>) -> Option<String> {
    let mut unknown = None;
    let mut rest = raw;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        // Look at most 33 bytes ahead, so a value full of bare `&` stays linear.
        let name_len = after
            .bytes()
            .take(MAX_REF_NAME + 1)
            .position(|b| b == b';')
            .filter(|&n| n > 0 && !after[..n].contains(['&', ' ', '<']));
        match name_len {
            Some(n) => {
                let name = &after[..n];
                match resolve_ref(name).or_else(|| extra(name)) {
                    Some(c) => out.push(c),
                    None => {
                        out.push_str(&rest[amp..amp + n + 2]);
                        unknown.get_or_insert_with(|| format!("&{name};"));
                    }
                }
                rest = &after[n + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    unknown
}

/// The few HTML entities that show up in WordPress page titles.
fn html_entity(name: &str) -> Option<char> {
    Some(match name {
        "nbsp" => ' ',
        "ndash" => '–',
        "mdash" => '—',
        "hellip" => '…',
        "laquo" => '«',
        "raquo" => '»',
        "lsaquo" => '‹',
        "rsaquo" => '›',
        "copy" => '©',
        _ => return None,
    })
}

/// The `<title>` of an HTML page, whitespace collapsed and shortened, by plain text search (HTML
/// is rarely well-formed XML).
fn find_title(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let scan = &bytes[..bytes.len().min(TITLE_SCAN_BYTES)];
    let open = find_ascii_ci(scan, b"<title")?;
    let content_start = open + scan.get(open..)?.iter().position(|&b| b == b'>')? + 1;
    let content_len = find_ascii_ci(scan.get(content_start..)?, b"</title")?;
    let raw = text.get(content_start..content_start + content_len)?;
    let mut decoded = String::new();
    unescape_into(raw, &mut decoded, html_entity);
    let title: String = decoded
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(MAX_TITLE_CHARS)
        .collect();
    (!title.is_empty()).then_some(title)
}

fn find_ascii_ci(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
}

#[cfg(test)]
mod tests {
    use url::Url;

    use super::super::parse::testkit::*;
    use super::super::parse::{Format, Item, Lastmod, SitemapError};

    fn page(loc: &str, lastmod: Option<&str>) -> Item {
        Item::Page {
            loc: Url::parse(loc).unwrap(),
            lastmod: lastmod.and_then(Lastmod::parse),
        }
    }

    fn sitemap(loc: &str, lastmod: Option<&str>) -> Item {
        Item::Sitemap {
            loc: Url::parse(loc).unwrap(),
            lastmod: lastmod.and_then(Lastmod::parse),
        }
    }

    #[test]
    fn urlset_with_lastmod() {
        let (items, result) = run(fixture!("usp/simple-urlset.xml"));
        assert_eq!(
            items,
            [
                page("https://example.org/page1", Some("2024-01-01")),
                page("https://example.org/page2", Some("2024-01-02")),
            ]
        );
        let outcome = result.unwrap();
        assert_eq!(outcome.format, Format::UrlSet);
        assert_eq!(outcome.entries, 2);
        assert_eq!(outcome.warnings, Vec::<String>::new());
    }

    #[test]
    fn sitemap_index_gives_sitemap_items() {
        let (items, result) = run(fixture!("usp/simple-index.xml"));
        assert_eq!(
            items,
            [
                sitemap("https://example.org/sitemap1.xml", Some("2024-01-01")),
                sitemap("https://example.org/sitemap2.xml", Some("2024-01-02")),
            ]
        );
        assert_eq!(result.unwrap().format, Format::Index);
    }

    #[test]
    fn no_namespace_urlset_with_unknown_tags() {
        let (items, _) = run(fixture!("usp/edge-no-namespace-urlset.xml"));
        assert_eq!(
            items,
            [page(
                "http://test_ultimate-sitemap-parser.com/about.html",
                Some("2009-12-17T12:04:56+02:00")
            )]
        );
    }

    #[test]
    fn no_namespace_index() {
        let (items, _) = run(fixture!("usp/edge-no-namespace-index.xml"));
        assert_eq!(
            items,
            [sitemap(
                "http://test_ultimate-sitemap-parser.com/sitemap_pages.xml",
                Some("2009-12-17T12:04:56+02:00")
            )]
        );
    }

    #[test]
    fn wrong_namespace_still_parses() {
        let body = b"<urlset xmlns=\"http://www.google.com/schemas/sitemap/0.84\"><url><loc>https://example.com/</loc></url></urlset>";
        assert_eq!(ok(body).0, ["https://example.com/"]);
    }

    #[test]
    fn image_loc_is_not_a_page() {
        let (locs, outcome) = ok(fixture!("usp/google-image.xml"));
        assert_eq!(
            locs,
            [
                "https://example.org/news/one",
                "https://example.org/news/two"
            ]
        );
        assert_eq!(outcome.warnings, Vec::<String>::new());
    }

    #[test]
    fn news_elements_are_ignored() {
        let (items, _) = run(fixture!("usp/google-news.xml"));
        assert_eq!(
            items,
            [
                page("https://example.org/page1", Some("2024-01-01")),
                page("https://example.org/page2", Some("2024-01-02")),
            ]
        );
    }

    #[test]
    fn hreflang_alternates_are_not_pages() {
        let (locs, _) = ok(fixture!("usp/hreflang.xml"));
        assert_eq!(
            locs,
            ["https://example.org/en/page", "https://example.org/fr/page"]
        );
    }

    #[test]
    fn video_locations_are_not_pages() {
        let body = urlset(
            "<url><loc>https://example.com/watch/</loc><video:video>\
             <video:thumbnail_loc>https://example.com/t.jpg</video:thumbnail_loc>\
             <video:content_loc>https://example.com/v.mp4</video:content_loc>\
             <video:player_loc>https://example.com/player</video:player_loc>\
             <video:loc>https://example.com/odd</video:loc></video:video></url>",
        );
        assert_eq!(ok(&body).0, ["https://example.com/watch/"]);
    }

    #[test]
    fn amp_entity_in_query() {
        let body =
            urlset_of(&["https://example.com/?sitemap=posts&amp;sitemap-subtype=post&amp;paged=1"]);
        assert_eq!(
            ok(&body).0,
            ["https://example.com/?sitemap=posts&sitemap-subtype=post&paged=1"]
        );
    }

    #[test]
    fn character_references_decimal_and_hex() {
        let body = urlset_of(&["https://example.com/?a=1&#038;b=2&#x26;c=3&#X26;d=4"]);
        assert_eq!(ok(&body).0, ["https://example.com/?a=1&b=2&c=3&d=4"]);
    }

    #[test]
    fn cdata_loc() {
        let body = urlset_of(&["<![CDATA[https://example.com/?a=1&b=2]]>"]);
        assert_eq!(ok(&body).0, ["https://example.com/?a=1&b=2"]);
    }

    #[test]
    fn text_entity_and_cdata_pieces_are_joined() {
        let body = urlset_of(&["\n\t https://example.com/<![CDATA[a&b]]>&amp;c \r\n"]);
        assert_eq!(ok(&body).0, ["https://example.com/a&b&c"]);
    }

    #[test]
    fn whitespace_around_loc_is_trimmed() {
        let body = urlset_of(&["\r\n\t\thttps://example.com/page/\r\n\t"]);
        assert_eq!(ok(&body).0, ["https://example.com/page/"]);
    }

    #[test]
    fn bare_ampersand_is_read_literally_with_a_warning() {
        let (locs, outcome) = ok(&urlset_of(&["https://example.com/?a=1&b=2"]));
        assert_eq!(locs, ["https://example.com/?a=1&b=2"]);
        assert_eq!(
            outcome.warnings,
            [
                "1 <loc> value(s) with a bare '&', read as a literal & (XML requires &amp;) (first: \"https://example.com/?a=1&b=2\")"
            ]
        );
    }

    #[test]
    fn unknown_entity_is_kept_with_a_warning() {
        let (locs, outcome) = ok(&urlset_of(&["https://example.com/a&nbsp;b"]));
        assert_eq!(locs, ["https://example.com/a&nbsp;b"]);
        assert_eq!(
            outcome.warnings,
            [
                "1 unknown entity reference(s) kept as written (XML defines only &amp; &lt; &gt; &quot; &apos; and numeric references) (first: \"&nbsp;\")"
            ]
        );
    }

    #[test]
    fn truncated_mid_url_keeps_what_came_before() {
        let (items, result) = run_at(
            fixture!("usp/edge-truncated-mid-url.xml"),
            "http://test_ultimate-sitemap-parser.com/sitemap.xml",
            &Default::default(),
        );
        let expected: Vec<String> = (0..49)
            .map(|i| format!("http://test_ultimate-sitemap-parser.com/page_{i}.html"))
            .collect();
        assert_eq!(locs(&items), expected);
        let outcome = result.unwrap();
        assert!(outcome.truncated);
        assert_eq!(
            outcome.warnings,
            [
                "the document ends inside <loc> before its closing </urlset> tag (download cut short?); kept the 49 entries read before the cut"
            ]
        );
    }

    #[test]
    fn cut_after_a_complete_loc_keeps_that_entry() {
        let body = b"<urlset><url><loc>https://example.com/1</loc></url><url><loc>https://example.com/2</loc><lastm";
        let (locs, outcome) = ok(body);
        assert_eq!(locs, ["https://example.com/1", "https://example.com/2"]);
        assert!(outcome.truncated);
    }

    #[test]
    fn missing_closing_root_is_truncation() {
        let body = b"<urlset><url><loc>https://example.com/1</loc></url>\n";
        let (locs, outcome) = ok(body);
        assert_eq!(locs, ["https://example.com/1"]);
        assert!(outcome.truncated);
        assert_eq!(
            outcome.warnings,
            [
                "the document ends inside <urlset> before its closing </urlset> tag (download cut short?); kept the 1 entry read before the cut"
            ]
        );
    }

    #[test]
    fn xml_error_mid_document_keeps_earlier_entries() {
        let body = b"<urlset><url><loc>https://example.com/1</loc></url><url><loc>https://example.com/2</lo></url></urlset>";
        let (locs, outcome) = ok(body);
        assert_eq!(locs, ["https://example.com/1"]);
        assert!(outcome.truncated);
        assert_eq!(
            outcome.warnings,
            [
                "malformed XML at byte 82 (ill-formed document: expected `</loc>`, but `</lo>` was found); stopped reading the <urlset> there and kept the 1 entry before it"
            ]
        );
    }

    #[test]
    fn xml_error_before_the_root_is_an_error() {
        let (items, result) = run(b"<urlset xmlns=\"http://www.sitemaps.org/sch");
        assert!(items.is_empty());
        assert!(
            matches!(result, Err(SitemapError::Xml { position: 0, .. })),
            "{result:?}"
        );
    }

    #[test]
    fn doctype_is_refused() {
        let body = b"<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;\">]>\n<urlset><url><loc>https://example.com/&lol2;</loc></url></urlset>";
        let (items, result) = run(body);
        assert!(items.is_empty());
        assert_eq!(result, Err(SitemapError::Doctype));
    }

    #[test]
    fn html_page_with_doctype() {
        let body = b"<!DOCTYPE html>\n<html lang=\"en-US\"><head><meta charset=\"UTF-8\">\n<title>Page not found &#8211; Example &amp; Co</title></head><body><p>Nothing here<br></p></body></html>";
        assert_eq!(
            run(body).1,
            Err(SitemapError::Html {
                title: Some("Page not found – Example & Co".to_owned())
            })
        );
    }

    #[test]
    fn html_page_without_doctype() {
        let body = b"<html><head><TITLE>\n  Just a   moment...\n</TITLE></head></html>";
        assert_eq!(
            run(body).1,
            Err(SitemapError::Html {
                title: Some("Just a moment...".to_owned())
            })
        );
    }

    #[test]
    fn html_page_without_title() {
        assert_eq!(
            run(b"<html><body>oops</body></html>").1,
            Err(SitemapError::Html { title: None })
        );
    }

    #[test]
    fn other_root_is_not_a_sitemap() {
        assert_eq!(
            run(b"<?xml version=\"1.0\"?><error><code>404</code></error>").1,
            Err(SitemapError::NotASitemap(
                "no <urlset>, <sitemapindex>, <rss> or <feed> root element; the document starts with <error>".to_owned()
            ))
        );
    }

    #[test]
    fn declaration_only_is_not_a_sitemap() {
        assert_eq!(
            run(b"<?xml version=\"1.0\"?>\n<!-- nothing -->").1,
            Err(SitemapError::NotASitemap(
                "no root element, only an XML declaration, comments or processing instructions"
                    .to_owned()
            ))
        );
    }

    #[test]
    fn php_notice_before_the_root_is_skipped() {
        let body = b"<br />\n<b>Deprecated</b>:  Creation of dynamic property in <b>/var/www/wp-content/plugins/x.php</b> on line <b>12</b><br />\n<?xml version=\"1.0\" encoding=\"UTF-8\"?><urlset><url><loc>https://example.com/</loc></url></urlset>";
        let (locs, outcome) = ok(body);
        assert_eq!(locs, ["https://example.com/"]);
        assert_eq!(
            outcome.warnings,
            [
                "stray content before the <urlset> root (first: <br>) was ignored; PHP notices printed into the sitemap look like this"
            ]
        );
    }

    #[test]
    fn stylesheet_pi_comment_and_crlf() {
        let body = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<!-- generator comment -->\r\n<?xml-stylesheet type=\"text/xsl\" href=\"//example.com/main-sitemap.xsl\"?>\r\n<urlset>\r\n\t<url>\r\n\t\t<loc>https://example.com/a/</loc>\r\n\t\t<lastmod>2024-05-01T10:00:00+00:00</lastmod>\r\n\t</url>\r\n</urlset>\r\n";
        let (items, _) = run(body);
        assert_eq!(
            items,
            [page(
                "https://example.com/a/",
                Some("2024-05-01T10:00:00+00:00")
            )]
        );
    }

    #[test]
    fn content_after_the_root_is_ignored() {
        let mut body = urlset_of(&["https://example.com/"]);
        body.extend(b"\n<!-- XML Sitemap generated by Yoast SEO -->\n<b>Warning</b>: junk & more");
        let (locs, outcome) = ok(&body);
        assert_eq!(locs, ["https://example.com/"]);
        assert_eq!(outcome.warnings, Vec::<String>::new());
    }

    #[test]
    fn url_without_loc_is_skipped_and_counted() {
        let body = urlset(
            "<url><lastmod>2024-01-01</lastmod></url><url><loc/></url><url><loc> </loc></url>\
             <url><loc>https://example.com/</loc></url>",
        );
        let (locs, outcome) = ok(&body);
        assert_eq!(locs, ["https://example.com/"]);
        assert_eq!(outcome.skipped, 3);
        assert_eq!(outcome.warnings, ["3 <url> entries skipped: no <loc>"]);
    }

    #[test]
    fn second_loc_in_a_url_is_ignored() {
        let body =
            urlset("<url><loc>https://example.com/a</loc><loc>https://example.com/b</loc></url>");
        let (locs, outcome) = ok(&body);
        assert_eq!(locs, ["https://example.com/a"]);
        assert_eq!(
            outcome.warnings,
            ["1 <url> entries have more than one <loc>; the first was used"]
        );
    }

    #[test]
    fn loc_outside_url_is_ignored() {
        let body = urlset(
            "<loc>https://example.com/stray</loc><url><loc>https://example.com/</loc></url>",
        );
        assert_eq!(ok(&body).0, ["https://example.com/"]);
    }

    #[test]
    fn overlong_loc_is_skipped() {
        let long = format!("https://example.com/{}", "a".repeat(10_000));
        let (locs, outcome) = ok(&urlset_of(&[&long, "https://example.com/ok"]));
        assert_eq!(locs, ["https://example.com/ok"]);
        assert_eq!(outcome.skipped, 1);
        assert_eq!(outcome.warnings.len(), 1);
        assert!(
            outcome.warnings[0].starts_with(
                "1 <loc> value(s) skipped: longer than 8192 bytes (first: \"https://example.com/aaa"
            ),
            "{:?}",
            outcome.warnings
        );
    }

    #[test]
    fn deep_nesting_stops_reading() {
        let body = format!(
            "<urlset><url><loc>https://example.com/</loc></url>{}{}</urlset>",
            "<x>".repeat(100),
            "</x>".repeat(100)
        );
        let (locs, outcome) = ok(body.as_bytes());
        assert_eq!(locs, ["https://example.com/"]);
        assert!(outcome.truncated);
        assert_eq!(
            outcome.warnings,
            ["elements nested more than 64 deep; stopped reading there"]
        );
    }

    #[test]
    fn self_closing_root_is_an_empty_sitemap() {
        let (locs, outcome) = ok(b"<?xml version=\"1.0\"?><urlset/>");
        assert!(locs.is_empty());
        assert!(!outcome.truncated);
        assert_eq!(outcome.warnings, ["the urlset lists no entries"]);
    }

    #[test]
    fn rss_items_with_pubdate() {
        let (items, result) = run(fixture!("usp/rss2.0.xml"));
        assert_eq!(
            items,
            [
                page("https://example.org/page1", Some("2024-01-01T12:00:00Z")),
                page("https://example.org/page2", Some("2024-01-02T14:00:00Z")),
            ]
        );
        let outcome = result.unwrap();
        assert_eq!(outcome.format, Format::Rss);
        assert_eq!(outcome.warnings, Vec::<String>::new());
    }

    #[test]
    fn rss_1_rdf_items() {
        let body = b"<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" xmlns=\"http://purl.org/rss/1.0/\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\
            <channel><link>https://example.com/</link></channel>\
            <item><link>https://example.com/a/</link><dc:date>2024-03-01T09:00:00Z</dc:date></item></rdf:RDF>";
        let (items, result) = run(body);
        assert_eq!(
            items,
            [page("https://example.com/a/", Some("2024-03-01T09:00:00Z"))]
        );
        assert_eq!(result.unwrap().format, Format::Rss);
    }

    #[test]
    fn atom_1_entries() {
        let (items, result) = run(fixture!("usp/atom1.0.xml"));
        assert_eq!(
            items,
            [
                page("https://example.org/page1", Some("2024-01-01")),
                page("https://example.org/page2", Some("2024-01-02")),
            ]
        );
        assert_eq!(result.unwrap().format, Format::Atom);
    }

    #[test]
    fn atom_0_3_entries() {
        let (items, _) = run(fixture!("usp/atom0.3.xml"));
        assert_eq!(
            items,
            [
                page("https://example.org/page1", None),
                page("https://example.org/page2", None),
            ]
        );
    }

    #[test]
    fn atom_link_relations_other_than_alternate_are_skipped() {
        let body = b"<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry>\
            <link rel=\"edit\" href=\"https://example.com/wp-admin/post.php?post=1&amp;action=edit\"/>\
            <link rel=\"enclosure\" href=\"https://example.com/a.mp3\"/>\
            <link rel=\"alternate\" type=\"text/html\" href=\"https://example.com/?p=1&amp;lang=en\"/>\
            <modified>2024-02-03T04:05:06Z</modified></entry></feed>";
        let (items, _) = run(body);
        assert_eq!(
            items,
            [page(
                "https://example.com/?p=1&lang=en",
                Some("2024-02-03T04:05:06Z")
            )]
        );
    }

    #[test]
    fn attribute_full_of_bare_ampersands_stays_fast() {
        let href = format!("https://example.com/{}", "&".repeat(200_000));
        let body = format!("<feed><entry><link href=\"{href}\"/></entry></feed>");
        let (items, result) = run(body.as_bytes());
        assert!(items.is_empty());
        assert_eq!(result.unwrap().skipped, 1);
    }

    #[test]
    fn mixed_case_element_names() {
        let body =
            b"<URLSET><URL><LOC>https://example.com/</LOC><LastMod>2024</LastMod></URL></URLSET>";
        let (items, _) = run(body);
        assert_eq!(items, [page("https://example.com/", Some("2024"))]);
    }
}
