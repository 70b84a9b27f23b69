//! One sitemap document to a stream of entries: the format is sniffed from the bytes, each entry
//! goes to a callback as soon as it is read, and every oddity becomes a warning instead of a
//! silent drop.
//!
//! Formats: sitemaps.org `<urlset>` and `<sitemapindex>`, text sitemaps (one URL per line), RSS
//! 2.0 / 1.0 and Atom feeds. Nesting, depth and loop detection belong to the caller, which sees
//! [`Item::Sitemap`] entries and decides whether to fetch them. Nothing here allocates per entry
//! beyond the [`Url`] handed out, so memory stays flat whatever the file size.

use std::borrow::Cow;
use std::fmt;
use std::ops::ControlFlow;

use serde::Serialize;
use url::Url;

pub use super::lastmod::Lastmod;
use super::{bytes, text, xml};

/// sitemaps.org limit on entries per file; also the default for [`Limits::max_entries`].
pub const DEFAULT_MAX_ENTRIES: u64 = 50_000;

/// sitemaps.org limit on the uncompressed size of one file (50 MB); the default for
/// [`Limits::max_bytes`].
pub const DEFAULT_MAX_BYTES: usize = crate::fetch::DEFAULT_MAX_SITEMAP_BYTES;

/// Longest `<loc>` kept, in bytes. The protocol says under 2,048 characters; this leaves room for
/// percent-encoded non-ASCII paths while keeping hostile megabyte-long values out of memory.
pub const MAX_LOC_BYTES: usize = 8 * 1024;

/// One entry of a sitemap: a page to audit, or another sitemap to walk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// A page (`<url>` in a urlset, a line of a text sitemap, a feed item).
    Page {
        /// Absolute http(s) URL of the page.
        loc: Url,
        /// When the generator says the page last changed, if it said so legibly.
        lastmod: Option<Lastmod>,
    },
    /// A child sitemap listed by a `<sitemapindex>`.
    Sitemap {
        /// Absolute http(s) URL of the child sitemap.
        loc: Url,
        /// When the generator says the child last changed.
        lastmod: Option<Lastmod>,
    },
}

impl Item {
    /// The entry's URL, whichever kind it is.
    pub fn loc(&self) -> &Url {
        match self {
            Item::Page { loc, .. } | Item::Sitemap { loc, .. } => loc,
        }
    }

    /// The entry's lastmod, whichever kind it is.
    pub fn lastmod(&self) -> Option<Lastmod> {
        match self {
            Item::Page { lastmod, .. } | Item::Sitemap { lastmod, .. } => *lastmod,
        }
    }
}

/// What kind of document was parsed; reports show it next to the sitemap URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// `<urlset>`: pages.
    UrlSet,
    /// `<sitemapindex>`: child sitemaps.
    Index,
    /// Plain text, one URL per line.
    Text,
    /// RSS 2.0 (or RSS 1.0 / RDF) feed: `<item><link>`.
    Rss,
    /// Atom 0.3 / 1.0 feed: `<entry><link href>`.
    Atom,
}

impl fmt::Display for Format {
    /// The name a user recognises in a report.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::UrlSet => "urlset",
            Format::Index => "sitemap index",
            Format::Text => "text sitemap",
            Format::Rss => "RSS feed",
            Format::Atom => "Atom feed",
        })
    }
}

/// Bounds on the work one document may cause; hostile or broken files hit these, not the heap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Entries handed out before stopping with a warning (default 50,000, the protocol limit).
    pub max_entries: u64,
    /// Bytes of the (decoded) document read; the rest is ignored with a warning (default 50 MB).
    pub max_bytes: usize,
}

impl Default for Limits {
    /// The sitemaps.org limits: 50,000 entries and 50 MB.
    fn default() -> Self {
        Limits {
            max_entries: DEFAULT_MAX_ENTRIES,
            max_bytes: DEFAULT_MAX_BYTES,
        }
    }
}

/// How a parse went: what the document was, how much of it became items, what was wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The document's format.
    pub format: Format,
    /// Items handed to the callback.
    pub entries: u64,
    /// Entries dropped because their URL was missing, too long, not http(s) or unparsable (the
    /// warnings say which).
    pub skipped: u64,
    /// The document ended early (cut-off download, XML error, size cap): the list is partial.
    pub truncated: bool,
    /// Reading stopped at [`Limits::max_entries`] with entries left over.
    pub limit_reached: bool,
    /// The callback returned `Break`.
    pub stopped: bool,
    /// Human-readable problems, without the sitemap URL (the caller prefixes it).
    pub warnings: Vec<String>,
}

/// Why a body could not be read as a sitemap at all (nothing was handed to the callback).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SitemapError {
    /// An HTML page came back instead of a sitemap (theme 404 served with 200, login wall, bot
    /// challenge). Never "0 URLs, fine": the caller reports it with the HTTP status.
    #[error("got an HTML page instead of a sitemap{}", title_suffix(.title))]
    Html {
        /// The page's `<title>`, which usually says what happened ("Page not found", "Just a
        /// moment...").
        title: Option<String>,
    },
    /// The document declares a DOCTYPE. Refused: DTD entities are the billion-laughs vector and no
    /// sitemap generator writes one.
    #[error(
        "the document declares a DOCTYPE; refused, because DTD entities can expand without bound and sitemaps never need one"
    )]
    Doctype,
    /// The body parsed, but as something else (another XML root, text without any URL).
    #[error("not a sitemap: {0}")]
    NotASitemap(String),
    /// Nothing but whitespace (or a lone byte order mark).
    #[error("the body is empty")]
    Empty,
    /// The body is gzip data: the caller skipped [`bytes::decode_body`].
    #[error("the body is still gzip-compressed (decode it with decode_body first)")]
    Compressed,
    /// The XML is broken before its root element, so nothing could be read.
    #[error("malformed XML at byte {position}: {message}")]
    Xml {
        /// Byte offset of the error in the document.
        position: u64,
        /// The XML parser's description.
        message: String,
    },
}

fn title_suffix(title: &Option<String>) -> String {
    title
        .as_deref()
        .map(|t| format!(" (page title: \"{t}\")"))
        .unwrap_or_default()
}

impl SitemapError {
    /// What the user can do about it, for the line under the error in a report.
    pub fn hint(&self) -> &'static str {
        match self {
            SitemapError::Html { .. } => {
                "open the URL in a browser: a theme 404 page, a login wall or a bot challenge is being served in place of the sitemap"
            }
            SitemapError::Doctype => {
                "regenerate the sitemap without a DOCTYPE; sitemaps.org files never have one"
            }
            SitemapError::NotASitemap(_) => {
                "check that the URL is the sitemap itself, not a page, a feed of another kind or an error document"
            }
            SitemapError::Empty => {
                "the server sent no content; the sitemap generator may be disabled or failing"
            }
            SitemapError::Compressed => "this is a bug in the caller: gzip must be undone first",
            SitemapError::Xml { .. } => {
                "validate the file with an XML validator; stray output before the XML (PHP warnings) is a common cause"
            }
        }
    }
}

/// Parse one sitemap document (already decoded) and hand each item to `on_item` as soon as it is
/// parsed.
///
/// `on_item` returns `ControlFlow::Break(())` to stop early (e.g. max pages reached). Items come
/// out in document order; nothing is collected, so a 50,000-URL file costs the same memory as a
/// 5-URL one. Broken documents keep what was read before the break: [`Outcome::truncated`] and a
/// warning say so. `sitemap_url` resolves relative `<loc>` values (with a warning) and spots an
/// index that lists itself.
///
/// # Errors
///
/// A [`SitemapError`] when nothing could be read: an HTML page, a DOCTYPE, another kind of
/// document, an empty or still-compressed body, or XML broken before its root element.
pub fn parse(
    body: &[u8],
    sitemap_url: &Url,
    limits: &Limits,
    on_item: impl FnMut(Item) -> ControlFlow<()>,
) -> Result<Outcome, SitemapError> {
    if bytes::is_gzip(body) {
        return Err(SitemapError::Compressed);
    }
    let mut sink = Sink::new(sitemap_url, limits, on_item);
    let body = cap_size(body, limits.max_bytes, &mut sink);
    let text = decode_text(body, &mut sink.notes);
    let start = text.trim_start_matches(is_xml_space);
    if start.is_empty() {
        return Err(SitemapError::Empty);
    }
    let format = if start.starts_with('<') {
        let lead = text.len() - start.len();
        if lead > 0 && start.starts_with("<?xml") {
            sink.notes.note(format!(
                "{lead} byte(s) of whitespace before the <?xml declaration: invalid XML that browsers reject (usually stray output from a theme or plugin file)"
            ));
        }
        xml::parse(start, &mut sink)?
    } else {
        text::parse(start, &mut sink)?
    };
    Ok(sink.finish(format))
}

fn is_xml_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// Keeps the first `max` bytes, cut after the last `>` or newline so the kept part ends cleanly.
fn cap_size<'b, F>(body: &'b [u8], max: usize, sink: &mut Sink<'_, F>) -> &'b [u8] {
    if body.len() <= max {
        return body;
    }
    let head = &body[..max];
    let cut = head
        .iter()
        .rposition(|&b| b == b'>' || b == b'\n')
        .map_or(max, |i| i + 1);
    sink.truncate(format!(
        "the document is {} bytes, over the limit of {max} bytes; only the first {cut} bytes were read",
        body.len()
    ));
    &body[..cut]
}

/// Turns the body into UTF-8 text: strips a UTF-8 BOM, transcodes UTF-16 (BOM) and declared
/// Latin-1 / windows-1252, and replaces invalid bytes otherwise. Each conversion is a warning.
fn decode_text<'b>(body: &'b [u8], notes: &mut Notes) -> Cow<'b, str> {
    if let Some(rest) = body.strip_prefix(b"\xEF\xBB\xBF") {
        notes.note("starts with a UTF-8 byte order mark (ignored)".to_owned());
        return decode_text_no_bom(rest, notes);
    }
    let utf16 = match body {
        [0xFF, 0xFE, rest @ ..] => Some((rest, false)),
        [0xFE, 0xFF, rest @ ..] => Some((rest, true)),
        _ => None,
    };
    if let Some((rest, big_endian)) = utf16 {
        notes.note("encoded as UTF-16; converted to UTF-8".to_owned());
        return Cow::Owned(crate::extract::utf16_to_string(rest, big_endian));
    }
    decode_text_no_bom(body, notes)
}

fn decode_text_no_bom<'b>(body: &'b [u8], notes: &mut Notes) -> Cow<'b, str> {
    let bad_at = match std::str::from_utf8(body) {
        Ok(text) => return Cow::Borrowed(text),
        Err(e) => e.valid_up_to(),
    };
    let declared = declared_encoding(body);
    match declared.as_deref() {
        Some("iso-8859-1" | "iso8859-1" | "latin1" | "latin-1" | "windows-1252" | "cp1252") => {
            notes.note(format!(
                "declares encoding {}; converted to UTF-8",
                declared.as_deref().unwrap_or_default()
            ));
            Cow::Owned(body.iter().map(|&b| windows_1252(b)).collect())
        }
        _ => {
            let declared = declared
                .map(|d| format!(" (declared encoding: {d})"))
                .unwrap_or_default();
            notes.note(format!(
                "not valid UTF-8 from byte {bad_at}{declared}; invalid bytes were replaced with U+FFFD"
            ));
            String::from_utf8_lossy(body)
        }
    }
}

/// The `encoding="…"` of an XML declaration at the very start, lower-cased.
fn declared_encoding(body: &[u8]) -> Option<String> {
    let head = body.get(..body.len().min(200))?;
    let start = body.iter().position(|&b| b == b'<')?;
    let decl = head.get(start..)?;
    if !decl.starts_with(b"<?xml") {
        return None;
    }
    let decl = &decl[..decl.iter().position(|&b| b == b'>')?];
    let at = decl.windows(8).position(|w| w == b"encoding")? + 8;
    let rest = decl.get(at..)?;
    let quote_at = rest.iter().position(|&b| b == b'"' || b == b'\'')?;
    let quote = rest[quote_at];
    let value = rest.get(quote_at + 1..)?;
    let end = value.iter().position(|&b| b == quote)?;
    Some(String::from_utf8_lossy(&value[..end]).to_ascii_lowercase())
}

/// windows-1252 (a superset of ISO-8859-1 as browsers read it) to Unicode.
fn windows_1252(b: u8) -> char {
    const HIGH: [char; 32] = [
        '\u{20AC}', '\u{81}', '\u{201A}', '\u{192}', '\u{201E}', '\u{2026}', '\u{2020}',
        '\u{2021}', '\u{2C6}', '\u{2030}', '\u{160}', '\u{2039}', '\u{152}', '\u{8D}', '\u{17D}',
        '\u{8F}', '\u{90}', '\u{2018}', '\u{2019}', '\u{201C}', '\u{201D}', '\u{2022}', '\u{2013}',
        '\u{2014}', '\u{2DC}', '\u{2122}', '\u{161}', '\u{203A}', '\u{153}', '\u{9D}', '\u{17E}',
        '\u{178}',
    ];
    match b {
        0x80..=0x9F => HIGH[usize::from(b - 0x80)],
        _ => char::from(b),
    }
}

/// Which kind of item an entry element produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Page,
    Sitemap,
}

/// Turns raw entry values into [`Item`]s for the callback, enforcing the limits and tallying
/// problems; shared by the XML and text readers so both behave alike.
pub(crate) struct Sink<'a, F> {
    base: &'a Url,
    max_entries: u64,
    on_item: F,
    pub(crate) notes: Notes,
    entries: u64,
    skipped: u64,
    truncated: bool,
    limit_reached: bool,
    stopped: bool,
}

impl<'a, F> Sink<'a, F> {
    fn new(base: &'a Url, limits: &Limits, on_item: F) -> Self {
        Sink {
            base,
            max_entries: limits.max_entries,
            on_item,
            notes: Notes::default(),
            entries: 0,
            skipped: 0,
            truncated: false,
            limit_reached: false,
            stopped: false,
        }
    }

    /// Items handed out so far.
    pub(crate) fn entries(&self) -> u64 {
        self.entries
    }

    /// Entries that produced no item so far.
    pub(crate) fn skipped(&self) -> u64 {
        self.skipped
    }

    /// Whether [`Limits::max_entries`] stopped reading.
    pub(crate) fn limit_reached(&self) -> bool {
        self.limit_reached
    }

    /// Counts an entry that produced no item (its problem is tallied by the caller).
    pub(crate) fn skip(&mut self) {
        self.skipped += 1;
    }

    /// Marks the list partial, with the reason.
    pub(crate) fn truncate(&mut self, why: String) {
        self.truncated = true;
        self.notes.note(why);
    }

    fn finish(mut self, format: Format) -> Outcome {
        if self.entries == 0 && self.skipped == 0 && !self.truncated {
            self.notes.note(format!("the {format} lists no entries"));
        }
        if self.limit_reached {
            self.notes.note(format!(
                "more than {} entries; stopped there (sitemaps.org allows 50,000 per file)",
                self.max_entries
            ));
        }
        Outcome {
            format,
            entries: self.entries,
            skipped: self.skipped,
            truncated: self.truncated,
            limit_reached: self.limit_reached,
            stopped: self.stopped,
            warnings: self.notes.into_warnings(format),
        }
    }
}

impl<F: FnMut(Item) -> ControlFlow<()>> Sink<'_, F> {
    /// One entry's raw values (already unescaped); `Break` means stop reading the document.
    pub(crate) fn entry(
        &mut self,
        kind: Kind,
        loc: &str,
        lastmod: Option<&str>,
    ) -> ControlFlow<()> {
        if self.entries >= self.max_entries {
            self.limit_reached = true;
            return ControlFlow::Break(());
        }
        let Some(loc) = self.resolve(loc) else {
            self.skipped += 1;
            return ControlFlow::Continue(());
        };
        let lastmod = lastmod.and_then(|raw| {
            let parsed = Lastmod::parse(raw);
            if parsed.is_none() {
                self.notes.bad_lastmod.add(raw.trim());
            }
            parsed
        });
        let item = match kind {
            Kind::Page => Item::Page { loc, lastmod },
            Kind::Sitemap => {
                if loc == *self.base {
                    self.notes.self_reference = true;
                }
                Item::Sitemap { loc, lastmod }
            }
        };
        self.entries += 1;
        let flow = (self.on_item)(item);
        if flow.is_break() {
            self.stopped = true;
        }
        flow
    }

    /// Absolute http(s) URL from a loc; relative ones are resolved, the rest tallied and dropped.
    fn resolve(&mut self, raw: &str) -> Option<Url> {
        let raw = raw.trim();
        let url = match Url::parse(raw) {
            Ok(url) => url,
            Err(url::ParseError::RelativeUrlWithoutBase) => match self.base.join(raw) {
                Ok(url) => {
                    self.notes.relative.add(raw);
                    url
                }
                Err(e) => {
                    self.notes.unparsable.add_with(raw, &e);
                    return None;
                }
            },
            Err(e) => {
                self.notes.unparsable.add_with(raw, &e);
                return None;
            }
        };
        if matches!(url.scheme(), "http" | "https") {
            Some(url)
        } else {
            self.notes.not_http.add(raw);
            None
        }
    }
}

/// A count of one kind of problem plus its first example, so thousands of bad entries make one
/// warning line.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    count: u64,
    first: String,
}

impl Tally {
    pub(crate) fn add(&mut self, example: &str) {
        self.count += 1;
        if self.count == 1 {
            self.first = format!("\"{}\"", shorten(example));
        }
    }

    fn add_with(&mut self, example: &str, detail: &dyn fmt::Display) {
        self.count += 1;
        if self.count == 1 {
            self.first = format!("\"{}\": {detail}", shorten(example));
        }
    }

    fn line(&self, what: fmt::Arguments<'_>) -> Option<String> {
        (self.count > 0).then(|| format!("{} {what} (first: {})", self.count, self.first))
    }
}

/// At most 100 characters of an example value, so a hostile value cannot flood a report.
pub(crate) fn shorten(s: &str) -> Cow<'_, str> {
    const MAX_CHARS: usize = 100;
    match s.char_indices().nth(MAX_CHARS) {
        Some((cut, _)) => Cow::Owned(format!("{}…", &s[..cut])),
        None => Cow::Borrowed(s),
    }
}

/// Everything worth telling about one document, collected while reading.
#[derive(Debug, Default)]
pub(crate) struct Notes {
    /// One-off warnings, in the order they arose.
    once: Vec<String>,
    pub(crate) relative: Tally,
    pub(crate) not_http: Tally,
    pub(crate) unparsable: Tally,
    pub(crate) too_long: Tally,
    pub(crate) bad_lastmod: Tally,
    pub(crate) bare_amp: Tally,
    pub(crate) unknown_entity: Tally,
    pub(crate) not_url_lines: Tally,
    pub(crate) missing_loc: u64,
    pub(crate) extra_loc: u64,
    pub(crate) self_reference: bool,
}

impl Notes {
    pub(crate) fn note(&mut self, warning: String) {
        self.once.push(warning);
    }

    fn into_warnings(self, format: Format) -> Vec<String> {
        // How the values and entries of this format are called in messages.
        let (values, loc, lastmod, entry) = match format {
            Format::UrlSet => ("<loc> value(s)", "<loc>", "<lastmod>", "<url>"),
            Format::Index => ("<loc> value(s)", "<loc>", "<lastmod>", "<sitemap>"),
            Format::Rss => ("<link> value(s)", "<link>", "date", "<item>"),
            Format::Atom => (
                "<link href> value(s)",
                "<link href>",
                "<updated>",
                "<entry>",
            ),
            Format::Text => ("line(s)", "URL", "lastmod", "line"),
        };
        let mut out = self.once;
        if self.self_reference {
            out.push("the sitemap index lists its own URL".to_owned());
        }
        out.extend(
            [
                self.relative.line(format_args!(
                    "relative {values} resolved against the sitemap URL; the protocol requires absolute URLs"
                )),
                self.not_http
                    .line(format_args!("{values} skipped: not an http(s) URL")),
                self.unparsable
                    .line(format_args!("{values} skipped: not a valid URL")),
                self.too_long.line(format_args!(
                    "{values} skipped: longer than {MAX_LOC_BYTES} bytes"
                )),
                self.bare_amp.line(format_args!(
                    "{values} with a bare '&', read as a literal & (XML requires &amp;)"
                )),
                self.unknown_entity.line(format_args!(
                    "unknown entity reference(s) kept as written (XML defines only &amp; &lt; &gt; &quot; &apos; and numeric references)"
                )),
                self.bad_lastmod.line(format_args!(
                    "{lastmod} value(s) ignored: not a W3C datetime"
                )),
                self.not_url_lines
                    .line(format_args!("line(s) ignored: not an absolute http(s) URL")),
            ]
            .into_iter()
            .flatten(),
        );
        if self.missing_loc > 0 {
            out.push(format!(
                "{} {entry} entries skipped: no {loc}",
                self.missing_loc
            ));
        }
        if self.extra_loc > 0 {
            out.push(format!(
                "{} {entry} entries have more than one {loc}; the first was used",
                self.extra_loc
            ));
        }
        out
    }
}

/// Shared helpers for the parser tests in this folder.
#[cfg(test)]
pub(crate) mod testkit {
    use super::*;

    /// The sitemap URL the tests pretend to have fetched.
    pub(crate) const BASE: &str = "https://example.com/sitemap.xml";

    /// Parses with default limits and returns the items handed out and the result.
    pub(crate) fn run(body: &[u8]) -> (Vec<Item>, Result<Outcome, SitemapError>) {
        run_at(body, BASE, &Limits::default())
    }

    /// Parses as if fetched from `url` with `limits`.
    pub(crate) fn run_at(
        body: &[u8],
        url: &str,
        limits: &Limits,
    ) -> (Vec<Item>, Result<Outcome, SitemapError>) {
        let base = Url::parse(url).unwrap();
        let mut items = Vec::new();
        let result = parse(body, &base, limits, |item| {
            items.push(item);
            ControlFlow::Continue(())
        });
        (items, result)
    }

    /// Parses a document expected to succeed; returns the URLs and the outcome.
    pub(crate) fn ok(body: &[u8]) -> (Vec<String>, Outcome) {
        let (items, result) = run(body);
        (locs(&items), result.unwrap())
    }

    /// The URLs of `items`, as strings.
    pub(crate) fn locs(items: &[Item]) -> Vec<String> {
        items.iter().map(|i| i.loc().to_string()).collect()
    }

    /// A urlset around `inner`.
    pub(crate) fn urlset(inner: &str) -> Vec<u8> {
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">{inner}</urlset>"
        )
        .into_bytes()
    }

    /// A urlset listing each of `locs` as written (no escaping).
    pub(crate) fn urlset_of(locs: &[&str]) -> Vec<u8> {
        urlset(
            &locs
                .iter()
                .map(|l| format!("<url><loc>{l}</loc></url>"))
                .collect::<String>(),
        )
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::testkit::*;
    use super::*;

    #[test]
    fn empty_body_is_an_error() {
        assert_eq!(run(b"").1, Err(SitemapError::Empty));
    }

    #[test]
    fn whitespace_and_bom_only_is_empty() {
        assert_eq!(run(b"\xEF\xBB\xBF \r\n\t").1, Err(SitemapError::Empty));
    }

    #[test]
    fn gzip_body_is_refused() {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(&urlset_of(&["https://example.com/"]))
            .unwrap();
        let gz = enc.finish().unwrap();
        assert_eq!(run(&gz).1, Err(SitemapError::Compressed));
    }

    #[test]
    fn utf8_bom_is_skipped_with_a_warning() {
        let (items, result) = run_at(
            fixture!("usp/edge-bom-sitemap.xml"),
            "http://test_ultimate-sitemap-parser.com/sitemap.xml",
            &Limits::default(),
        );
        assert_eq!(
            locs(&items),
            ["http://test_ultimate-sitemap-parser.com/news/first.html"]
        );
        assert_eq!(
            result.unwrap().warnings,
            ["starts with a UTF-8 byte order mark (ignored)"]
        );
    }

    #[test]
    fn whitespace_before_declaration_is_a_warning() {
        let mut body = b"\n\n  ".to_vec();
        body.extend(urlset_of(&["https://example.com/a/"]));
        let (locs, outcome) = ok(&body);
        assert_eq!(locs, ["https://example.com/a/"]);
        assert_eq!(
            outcome.warnings,
            [
                "4 byte(s) of whitespace before the <?xml declaration: invalid XML that browsers reject (usually stray output from a theme or plugin file)"
            ]
        );
    }

    #[test]
    fn utf16_with_bom_is_converted() {
        let text = String::from_utf8(urlset_of(&["https://example.com/ü/"])).unwrap();
        let mut body = vec![0xFF, 0xFE];
        body.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        let (locs, outcome) = ok(&body);
        assert_eq!(locs, ["https://example.com/%C3%BC/"]);
        assert_eq!(outcome.warnings, ["encoded as UTF-16; converted to UTF-8"]);
    }

    #[test]
    fn declared_latin1_is_converted() {
        let body = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><urlset><url><loc>https://example.com/caf\xe9/</loc></url></urlset>";
        let (locs, outcome) = ok(body);
        assert_eq!(locs, ["https://example.com/caf%C3%A9/"]);
        assert_eq!(
            outcome.warnings,
            ["declares encoding iso-8859-1; converted to UTF-8"]
        );
    }

    #[test]
    fn invalid_utf8_is_replaced_with_a_warning() {
        let body = b"<urlset><url><loc>https://example.com/a\xff/</loc></url></urlset>";
        let (locs, outcome) = ok(body);
        assert_eq!(locs, ["https://example.com/a%EF%BF%BD/"]);
        assert_eq!(
            outcome.warnings,
            ["not valid UTF-8 from byte 39; invalid bytes were replaced with U+FFFD"]
        );
    }

    #[test]
    fn oversized_document_is_cut_and_marked_truncated() {
        let body = urlset_of(&[
            "https://example.com/1",
            "https://example.com/2",
            "https://example.com/3",
        ]);
        // Cut in the middle of the third <url>.
        let limits = Limits {
            max_entries: 10,
            max_bytes: body.len() - 30,
        };
        let (items, result) = run_at(&body, BASE, &limits);
        let outcome = result.unwrap();
        assert_eq!(
            locs(&items),
            ["https://example.com/1", "https://example.com/2"]
        );
        assert!(outcome.truncated);
        assert_eq!(
            outcome.warnings,
            [
                format!(
                    "the document is {} bytes, over the limit of {} bytes; only the first {} bytes were read",
                    body.len(),
                    body.len() - 30,
                    body.len() - 42
                ),
                "the document ends inside <loc> before its closing </urlset> tag (download cut short?); kept the 2 entries read before the cut".to_owned(),
            ]
        );
    }

    #[test]
    fn max_entries_stops_with_a_warning() {
        let body = urlset_of(&[
            "https://example.com/1",
            "https://example.com/2",
            "https://example.com/3",
        ]);
        let limits = Limits {
            max_entries: 2,
            ..Limits::default()
        };
        let (items, result) = run_at(&body, BASE, &limits);
        let outcome = result.unwrap();
        assert_eq!(
            locs(&items),
            ["https://example.com/1", "https://example.com/2"]
        );
        assert!(outcome.limit_reached);
        assert!(!outcome.truncated);
        assert_eq!(
            outcome.warnings,
            ["more than 2 entries; stopped there (sitemaps.org allows 50,000 per file)"]
        );
    }

    #[test]
    fn exactly_max_entries_is_no_warning() {
        let body = urlset_of(&["https://example.com/1", "https://example.com/2"]);
        let limits = Limits {
            max_entries: 2,
            ..Limits::default()
        };
        let outcome = run_at(&body, BASE, &limits).1.unwrap();
        assert!(!outcome.limit_reached);
        assert_eq!(outcome.warnings, Vec::<String>::new());
    }

    #[test]
    fn callback_break_stops_at_once() {
        let body = urlset_of(&["https://example.com/1", "https://example.com/2"]);
        let base = Url::parse(BASE).unwrap();
        let mut seen = 0;
        let outcome = parse(&body, &base, &Limits::default(), |_| {
            seen += 1;
            ControlFlow::Break(())
        })
        .unwrap();
        assert_eq!(seen, 1);
        assert_eq!(outcome.entries, 1);
        assert!(outcome.stopped);
    }

    #[test]
    fn relative_loc_is_resolved_with_a_warning() {
        let base = "https://example.com/sitemaps/pages.xml";
        let body = urlset_of(&["/about/", "contact/", "//example.com/x"]);
        let (items, result) = run_at(&body, base, &Limits::default());
        assert_eq!(
            locs(&items),
            [
                "https://example.com/about/",
                "https://example.com/sitemaps/contact/",
                "https://example.com/x",
            ]
        );
        assert_eq!(
            result.unwrap().warnings,
            [
                "3 relative <loc> value(s) resolved against the sitemap URL; the protocol requires absolute URLs (first: \"/about/\")"
            ]
        );
    }

    #[test]
    fn non_http_locs_are_skipped_in_one_warning() {
        let body = urlset_of(&[
            "ftp://example.com/a",
            "https://example.com/ok",
            "mailto:me@example.com",
            "javascript:void(0)",
        ]);
        let (locs, outcome) = ok(&body);
        assert_eq!(locs, ["https://example.com/ok"]);
        assert_eq!(outcome.skipped, 3);
        assert_eq!(
            outcome.warnings,
            ["3 <loc> value(s) skipped: not an http(s) URL (first: \"ftp://example.com/a\")"]
        );
    }

    #[test]
    fn unparsable_loc_is_skipped_with_the_reason() {
        let (locs, outcome) = ok(&urlset_of(&[
            "http://exa mple.com/",
            "https://example.com/",
        ]));
        assert_eq!(locs, ["https://example.com/"]);
        assert_eq!(
            outcome.warnings,
            [
                "1 <loc> value(s) skipped: not a valid URL (first: \"http://exa mple.com/\": invalid international domain name)"
            ]
        );
    }

    #[test]
    fn bad_lastmod_is_none_and_counted() {
        let body = urlset(
            "<url><loc>https://example.com/a</loc><lastmod>yesterday</lastmod></url>\
             <url><loc>https://example.com/b</loc><lastmod>2024-13-45</lastmod></url>\
             <url><loc>https://example.com/c</loc><lastmod>2024-05-01</lastmod></url>",
        );
        let (items, result) = run(&body);
        let lastmods: Vec<Option<String>> = items
            .iter()
            .map(|i| i.lastmod().map(|l| l.to_string()))
            .collect();
        assert_eq!(lastmods, [None, None, Some("2024-05-01".to_owned())]);
        assert_eq!(
            result.unwrap().warnings,
            ["2 <lastmod> value(s) ignored: not a W3C datetime (first: \"yesterday\")"]
        );
    }

    #[test]
    fn index_listing_itself_is_flagged() {
        let (items, result) = run_at(
            fixture!("usp/edge-self-referencing-index.xml"),
            "http://test_ultimate-sitemap-parser.com/sitemap.xml",
            &Limits::default(),
        );
        assert_eq!(
            items,
            [Item::Sitemap {
                loc: Url::parse("http://test_ultimate-sitemap-parser.com/sitemap.xml").unwrap(),
                lastmod: Lastmod::parse("2024-01-01"),
            }]
        );
        assert_eq!(
            result.unwrap().warnings,
            ["the sitemap index lists its own URL"]
        );
    }

    #[test]
    fn empty_urlset_is_ok_but_warned() {
        let (locs, outcome) = ok(&urlset(""));
        assert!(locs.is_empty());
        assert_eq!(outcome.warnings, ["the urlset lists no entries"]);
    }

    #[test]
    fn thousands_of_bad_locs_make_one_warning() {
        let bad: Vec<String> = (0..5000)
            .map(|i| format!("ftp://example.com/{i}"))
            .collect();
        let bad: Vec<&str> = bad.iter().map(String::as_str).collect();
        let (locs, outcome) = ok(&urlset_of(&bad));
        assert!(locs.is_empty());
        assert_eq!(outcome.skipped, 5000);
        assert_eq!(
            outcome.warnings,
            ["5000 <loc> value(s) skipped: not an http(s) URL (first: \"ftp://example.com/0\")"]
        );
    }

    #[test]
    fn example_values_in_warnings_are_shortened() {
        let long = format!("ftp://example.com/{}", "a".repeat(500));
        let (_, outcome) = ok(&urlset_of(&[&long]));
        assert_eq!(
            outcome.warnings,
            [format!(
                "1 <loc> value(s) skipped: not an http(s) URL (first: \"{}…\")",
                &long[..100]
            )]
        );
    }

    #[test]
    fn html_error_message_names_the_title() {
        let err = SitemapError::Html {
            title: Some("Page not found – Example".to_owned()),
        };
        assert_eq!(
            err.to_string(),
            "got an HTML page instead of a sitemap (page title: \"Page not found – Example\")"
        );
        assert_eq!(
            SitemapError::Html { title: None }.to_string(),
            "got an HTML page instead of a sitemap"
        );
    }

    #[test]
    fn format_serializes_lowercase() {
        assert_eq!(format!("{}", Format::Index), "sitemap index");
        assert_eq!(
            serde_json::to_string(&Format::UrlSet).unwrap(),
            "\"urlset\""
        );
    }
}
