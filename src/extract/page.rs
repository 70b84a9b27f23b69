//! Walks one HTML page: hands every script body (whatever its `type`, optimiser-retyped ones
//! included, except `application/ld+json`) to the script scanner, unwraps base64/percent `data:`
//! script URIs, reads `<link rel="https://api.w.org/">`, hidden inputs, nonce-bearing attributes
//! and `_wpnonce` links.
//!
//! It exists to keep the page-level extraction rules in one place: which parts of the markup
//! can hold a nonce, and which cannot (text, comments, CSP `nonce=` attributes). The walk is a
//! `memchr` hop from `<` to `<` that tokenizes the way HTML5 does (comments, bogus comments,
//! raw-text elements, script escapes, quoted attribute values; checked against an HTML5 parser by
//! `html_oracle`): other tags are only stepped over, and only `<script>`, `<link>`, `<input>` and
//! the rare tags whose markup holds `nonce` (one `memmem` pass, consumed in step with the walk)
//! are parsed into attributes.

use super::classify::{Candidate, classify};
use super::collect::Collector;
use super::decode;
use super::html::{
    Tag, comment_end, eq_ci, find_end_tag, name_boundary, parse_tag, script_end, starts_with_ci,
    tag_end,
};
use super::patterns::NoncePattern;
use super::root;
use super::scan::{self, MAX_DECODED_SCRIPT, Origin, Script, is_nonce};
use memchr::memmem;
use std::sync::LazyLock;

/// Bytes of markup before an `<input>` searched for a row's container hint (its form's class).
const INPUT_CONTEXT: usize = 4096;
/// Searcher for the literal looked for once per script `src`: built once, since
/// `memmem::find` builds a searcher at every call, which costs more than the search itself on
/// the short haystacks it runs on.
static NONCE: LazyLock<memmem::Finder<'static>> = LazyLock::new(|| memmem::Finder::new(b"nonce"));
static LITESPEED_JS: LazyLock<memmem::Finder<'static>> =
    LazyLock::new(|| memmem::Finder::new(b"/litespeed/js/"));
/// Raw-text (and RCDATA) elements whose content is never markup, as HTML5 tokenizes them in a
/// browser that runs scripts (the only kind a nonce matters to): `<noscript>` content is text
/// there. `<plaintext>` has no end tag: its content runs to the end of the page.
const RAW_TEXT: &[&[u8]] = &[
    b"style",
    b"textarea",
    b"title",
    b"xmp",
    b"iframe",
    b"noembed",
    b"noframes",
    b"noscript",
    b"plaintext",
];

/// One thing the page walk meets that the scan acts on, in page order.
pub(crate) enum Item<'a> {
    /// A `<script>` element: its start tag (whose `<` is at `lt`) and where its body ends.
    Script {
        /// The start tag.
        tag: Tag<'a>,
        /// Offset of the start tag's `<`.
        lt: usize,
        /// Offset just after the body (the `<` of `</script`, or the input length).
        body_end: usize,
    },
    /// A `<link>` tag.
    Link(Tag<'a>),
    /// An `<input>` tag whose `<` is at the offset.
    Input(Tag<'a>, usize),
    /// Any other start tag (`<link>` included, `<script>` and `<input>` not) whose markup holds
    /// `nonce`, and the offset of its `<`: the rare attribute-borne nonces live there.
    NonceTag(Tag<'a>, usize),
}

/// Walks the markup of a page and hands every [`Item`] to `f`, in page order. This is the
/// tokenizer's view of the page that the tests compare with an HTML5 parser's.
pub(crate) fn walk<'a>(html: &'a [u8], mut f: impl FnMut(Item<'a>)) {
    // Every `nonce` in the page, consumed in step with the walk: a tag holds one when the next
    // hit not before its `<` is before its end.
    let mut hits = NONCE.find_iter(html).peekable();
    let mut holds_nonce = |lt: usize, end: usize| {
        while hits.next_if(|&h| h < lt).is_some() {}
        hits.peek().is_some_and(|&h| h < end)
    };
    let mut i = 0;
    while let Some(off) = memchr::memchr(b'<', &html[i..]) {
        let lt = i + off;
        let rest = &html[lt + 1..];
        if rest.starts_with(b"!--") {
            i = comment_end(html, lt);
            continue;
        }
        match rest.first() {
            // `<!…>` (doctype, `<![CDATA[` outside foreign content) and `<?…>`: bogus comments,
            // ended by the first `>`.
            Some(b'!' | b'?') => {
                i = memchr::memchr(b'>', &html[lt + 2..]).map_or(html.len(), |o| lt + 3 + o);
                continue;
            }
            Some(b'/') => {
                i = match rest.get(1) {
                    // An end tag: its attributes (quotes included) are still tokenized.
                    Some(c) if c.is_ascii_alphabetic() => tag_end(html, lt + 2),
                    Some(b'>') => lt + 3,
                    // `</` then anything else: a bogus comment up to the first `>`.
                    Some(_) => {
                        memchr::memchr(b'>', &html[lt + 2..]).map_or(html.len(), |o| lt + 3 + o)
                    }
                    None => lt + 1,
                };
                continue;
            }
            Some(c) if c.is_ascii_alphabetic() => {}
            _ => {
                i = lt + 1;
                continue;
            }
        }
        if starts_with_ci(rest, b"script") && name_boundary(html, lt + 7) {
            let Some(tag) = parse_tag(html, lt) else {
                i = lt + 1;
                continue;
            };
            if !tag.closed {
                break;
            }
            let (body_end, next) = script_end(html, tag.end).unwrap_or((html.len(), html.len()));
            f(Item::Script { tag, lt, body_end });
            i = next;
            continue;
        }
        if let Some(name) = RAW_TEXT
            .iter()
            .find(|n| starts_with_ci(rest, n) && name_boundary(html, lt + 1 + n.len()))
        {
            // The start tag is markup (its attributes are read); only the content is not.
            let start = match parse_tag(html, lt) {
                Some(tag) => {
                    let end = tag.end;
                    if tag.closed && holds_nonce(lt, end) {
                        f(Item::NonceTag(tag, lt));
                    }
                    end
                }
                None => html.len(),
            };
            let next = if *name == b"plaintext" {
                html.len()
            } else {
                find_end_tag(html, start, name).map_or(html.len(), |(_, e)| e)
            };
            i = next;
            continue;
        }
        if starts_with_ci(rest, b"link") && name_boundary(html, lt + 5) {
            if let Some(tag) = parse_tag(html, lt) {
                // A tag cut by the end of the input is dropped (HTML5).
                if !tag.closed {
                    break;
                }
                i = tag.end;
                if holds_nonce(lt, tag.end) {
                    f(Item::NonceTag(tag.clone(), lt));
                }
                f(Item::Link(tag));
                continue;
            }
        }
        if starts_with_ci(rest, b"input") && name_boundary(html, lt + 6) {
            if let Some(tag) = parse_tag(html, lt) {
                if !tag.closed {
                    break;
                }
                i = tag.end;
                f(Item::Input(tag, lt));
                continue;
            }
        }
        // Any other start tag: stepped over whole, so markup inside its quoted values is not.
        i = tag_end(html, lt + 1);
        if holds_nonce(lt, i) {
            if let Some(tag) = parse_tag(html, lt).filter(|t| t.closed) {
                f(Item::NonceTag(tag, lt));
            }
        }
    }
}

/// Scans a whole page into `out`.
pub(crate) fn scan_page(html: &[u8], out: &mut Collector<'_>) {
    // Tags with attribute-borne nonces are read after the rest of the page.
    let mut nonce_tags = Vec::new();
    walk(html, |item| match item {
        Item::Script {
            tag, lt, body_end, ..
        } => script_element(html, &tag, lt, body_end, out),
        Item::Link(tag) => {
            if let Some(url) = root::from_link_tag(&tag, out.page_url) {
                out.root(0, url);
            }
        }
        Item::Input(tag, lt) => input(html, &tag, lt, out),
        Item::NonceTag(tag, lt) => nonce_tags.push((tag, lt)),
    });
    for (tag, lt) in &nonce_tags {
        if out.is_full() {
            break;
        }
        attributes(tag, *lt, out);
    }
    if memmem::find(html, b"<esi:include").is_some() {
        out.warn(
            "the page contains an unprocessed <esi:include> (LiteSpeed ESI nonce block served without an ESI processor)"
                .to_string(),
        );
    }
}

/// A `<script>` element: its body, any `data:` URI source, and LiteSpeed combined files.
fn script_element(html: &[u8], tag: &Tag<'_>, lt: usize, body_end: usize, out: &mut Collector<'_>) {
    if tag
        .attr(b"type")
        .is_some_and(|t| eq_ci(t.trim_ascii(), b"application/ld+json"))
    {
        return;
    }
    let tag_bytes = &html[lt..tag.end];
    for (name, value) in &tag.attrs {
        let value = value.trim_ascii();
        if starts_with_ci(value, b"data:") {
            data_uri(value, tag_bytes, lt, out);
        } else if eq_ci(name, b"src") || eq_ci(name, b"data-src") {
            combined_script(tag, value, out);
        }
    }
    let body = &html[tag.end..body_end.max(tag.end)];
    scan::scan_script(
        &Script {
            body,
            tag: tag_bytes,
            origin: Origin::Page(tag.end),
            depth: 0,
        },
        out,
    );
}

/// Decodes a `data:` script URI (base64 or percent-encoded) and scans its content.
fn data_uri(uri: &[u8], tag: &[u8], lt: usize, out: &mut Collector<'_>) {
    let Some(comma) = memchr::memchr(b',', uri) else {
        return;
    };
    let meta = &uri[..comma];
    let payload = &uri[comma + 1..];
    let budget = out.take_decode_budget(payload.len().min(MAX_DECODED_SCRIPT));
    if budget == 0 {
        out.warn("decoding limit for the page reached; data: scripts skipped".to_string());
        return;
    }
    let is_base64 = meta.len() >= 7 && eq_ci(&meta[meta.len() - 7..], b";base64");
    let (decoded, cut) = if is_base64 {
        match decode::base64(payload, budget) {
            Some(d) => d,
            None => {
                out.warn("a data: script is not valid base64".to_string());
                return;
            }
        }
    } else {
        decode::percent(payload, budget)
    };
    if cut {
        out.warn("a data: script was cut at the decoding limit".to_string());
    }
    scan::scan_script(
        &Script {
            body: &decoded,
            tag,
            origin: Origin::Decoded(lt),
            depth: 1,
        },
        out,
    );
}

/// Notes a same-host LiteSpeed combined script (LiteSpeed Cache's JS combine moves inline
/// scripts, nonces included, into `/wp-content/litespeed/js/<hash>.js`) for the caller to fetch and scan.
fn combined_script(tag: &Tag<'_>, src: &[u8], out: &mut Collector<'_>) {
    let optimized = tag.attr(b"data-optimized").is_some_and(|v| v == b"1");
    if !optimized && LITESPEED_JS.find(src).is_none() {
        return;
    }
    let src = decode::html_entities(src);
    let Some(url) = root::resolve(&String::from_utf8_lossy(&src), out.page_url) else {
        return;
    };
    let same_host = url::Url::parse(&url)
        .ok()
        .is_some_and(|u| u.host_str() == out.page_url.host_str());
    if same_host {
        out.combined_script(url);
    }
}

/// A hidden (or any) `<input>` whose value is a nonce.
fn input(html: &[u8], tag: &Tag<'_>, lt: usize, out: &mut Collector<'_>) {
    let (Some(name), Some(value)) = (tag.attr(b"name"), tag.attr(b"value")) else {
        return;
    };
    let value = decode::html_entities(value);
    if !is_nonce(value.trim_ascii()) {
        return;
    }
    let name = decode::html_entities(name);
    // The input's own form (or, outside a form, the markup just before it).
    let lo = lt.saturating_sub(INPUT_CONTEXT);
    let start = memmem::rfind(&html[lo..lt], b"<form").map_or(lo, |o| lo + o);
    let around = &html[start..tag.end];
    if let Some(row) = classify(Candidate::Input(&name), &[around]) {
        out.nonce((lt, 0), value.trim_ascii(), row);
    }
}

/// Nonces in one tag's attributes: `data-*nonce*` values, `_wpnonce` URL parameters, and JSON
/// settings objects in `data-*` attributes.
fn attributes(tag: &Tag<'_>, lt: usize, out: &mut Collector<'_>) {
    for (name, raw) in &tag.attrs {
        if eq_ci(name, b"nonce") {
            // A CSP nonce: random, unrelated to WordPress.
            continue;
        }
        let value = decode::html_entities(raw);
        url_params(&value, lt, out);
        if is_nonce(value.trim_ascii()) {
            if let Some(row) = classify(Candidate::Attr(name), &[]) {
                out.nonce((lt, 0), value.trim_ascii(), row);
            }
            continue;
        }
        let trimmed = value.trim_ascii_start();
        if trimmed.starts_with(b"{") && memmem::find(trimmed, b"once").is_some() {
            scan::scan_script(
                &Script {
                    body: trimmed,
                    tag: b"",
                    origin: Origin::Decoded(lt),
                    depth: 1,
                },
                out,
            );
        }
    }
}

/// `_wpnonce=<nonce>` parameters in an entity-decoded URL.
fn url_params(url: &[u8], lt: usize, out: &mut Collector<'_>) {
    const PARAM: &[u8] = b"_wpnonce=";
    for at in memmem::find_iter(url, PARAM).take(16) {
        if !(at > 0 && matches!(url[at - 1], b'?' | b'&' | b';')) {
            continue;
        }
        let v = at + PARAM.len();
        let Some(value) = url.get(v..v + 10) else {
            continue;
        };
        if !is_nonce(value) || url.get(v + 10).is_some_and(u8::is_ascii_alphanumeric) {
            continue;
        }
        let row: Option<&'static NoncePattern> = classify(Candidate::UrlParam(b"_wpnonce"), &[url]);
        if let Some(row) = row {
            out.nonce((lt, at + 1), value, row);
        }
    }
}
