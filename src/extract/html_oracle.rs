//! The page scan's tokenizer ([`page::walk`](super::page::walk)) checked against a real
//! HTML5 parser (`scraper`, on html5ever, as a dev-dependency only): on the real-plugin fixture
//! pages, the simulated site's pages and generated HTML-ish soup, both must see the same inline
//! `<script>` elements (attributes and bodies), the same `<link>` and `<input>` tags and the same
//! nonce-bearing tags.
//!
//! Compared like with like: attribute names are lowercased, values entity-decoded, a repeated
//! attribute keeps its first value (as HTML5 does), and CR/CRLF become LF on both sides (HTML5
//! normalises newlines before tokenizing). Out of scope, and left out of the generator: NUL and
//! vertical tab (the tokenizer deliberately counts them as spaces), foreign content (`<svg>`,
//! `<math>`), and tags the tree builder drops, merges or clones (`<html>`, `<body>`, `<form>`,
//! table parts, formatting elements like `<a>`): those are tree-construction effects, not
//! tokenizer ones.

use super::html::Tag;
use super::page::{Item, walk};
use proptest::prelude::*;
use scraper::{Html, Selector};
use std::path::Path;

/// A tag's attributes, normalised for comparison.
type Attrs = Vec<(String, String)>;

/// What a page holds that the scan reads, in a parser-neutral form.
#[derive(Debug, Default, PartialEq, Eq)]
struct View {
    /// Script elements: their attributes and body text.
    scripts: Vec<(Attrs, String)>,
    /// `<link>` tags.
    links: Vec<Attrs>,
    /// `<input>` tags.
    inputs: Vec<Attrs>,
    /// Other tags whose markup mentions `nonce`: name and attributes.
    nonce_tags: Vec<(String, Attrs)>,
}

impl View {
    fn sorted(mut self) -> Self {
        self.scripts.sort();
        self.links.sort();
        self.inputs.sort();
        self.nonce_tags.sort();
        self
    }
}

fn newlines(s: &str) -> String {
    s.replace("\r\n", "\n").replace('\r', "\n")
}

fn normalise(attrs: impl IntoIterator<Item = (String, String)>) -> Attrs {
    let mut out: Attrs = Vec::new();
    for (name, value) in attrs {
        let name = name.to_ascii_lowercase();
        if !out.iter().any(|(n, _)| *n == name) {
            out.push((name, newlines(&value)));
        }
    }
    out.sort();
    out
}

/// A raw attribute value with its character references decoded by the HTML5 rules (the scan
/// decodes only the few it needs, with [`decode::html_entities`]; entity decoding is not what is
/// compared here): the value is re-read as an attribute by the oracle.
fn html5_decoded(raw: &[u8]) -> String {
    let raw = String::from_utf8_lossy(raw);
    if !raw.contains('&') {
        return raw.into_owned();
    }
    let doc = Html::parse_fragment(&format!("<p title=\"{}\">", raw.replace('"', "&quot;")));
    let p = Selector::parse("p").unwrap_or_else(|e| panic!("{e}"));
    doc.select(&p)
        .next()
        .and_then(|el| el.value().attr("title"))
        .unwrap_or_default()
        .to_string()
}

fn our_attrs(tag: &Tag<'_>) -> Attrs {
    normalise(
        tag.attrs
            .iter()
            .map(|(n, v)| (String::from_utf8_lossy(n).into_owned(), html5_decoded(v))),
    )
}

/// Does a tag the attribute pass should read mention `nonce` (its name or an attribute)?
fn mentions_nonce(name: &str, attrs: &Attrs) -> bool {
    name.contains("nonce")
        || attrs
            .iter()
            .any(|(n, v)| n.contains("nonce") || v.contains("nonce"))
}

/// The page as the project's tokenizer sees it.
fn ours(html: &str) -> View {
    let bytes = html.as_bytes();
    let mut view = View::default();
    walk(bytes, |item| match item {
        Item::Script { tag, body_end, .. } => {
            let body = &bytes[tag.end..body_end.max(tag.end)];
            view.scripts
                .push((our_attrs(&tag), newlines(&String::from_utf8_lossy(body))));
        }
        Item::Link(tag) => view.links.push(our_attrs(&tag)),
        Item::Input(tag, _) => view.inputs.push(our_attrs(&tag)),
        Item::NonceTag(tag, _) => {
            let name = String::from_utf8_lossy(tag.name).to_ascii_lowercase();
            let attrs = our_attrs(&tag);
            if mentions_nonce(&name, &attrs) {
                view.nonce_tags.push((name, attrs));
            }
        }
    });
    view.sorted()
}

/// The page as an HTML5 parser sees it.
fn oracle(html: &str) -> View {
    let doc = Html::parse_document(html);
    let all = Selector::parse("*").unwrap_or_else(|e| panic!("{e}"));
    let mut view = View::default();
    for el in doc.select(&all) {
        let e = el.value();
        let name = e.name().to_string();
        let attrs = normalise(e.attrs().map(|(n, v)| (n.to_string(), v.to_string())));
        match name.as_str() {
            "script" => view
                .scripts
                .push((attrs, newlines(&el.text().collect::<String>()))),
            "input" => view.inputs.push(attrs),
            _ => {
                let mentions = mentions_nonce(&name, &attrs);
                if name == "link" {
                    view.links.push(attrs.clone());
                }
                if mentions {
                    view.nonce_tags.push((name, attrs));
                }
            }
        }
    }
    view.sorted()
}

/// What one side holds that the other lacks, per kind; empty when they agree.
fn differences(html: &str) -> String {
    fn diff<T: std::fmt::Debug + PartialEq>(kind: &str, a: &[T], b: &[T], out: &mut String) {
        for x in a.iter().filter(|x| !b.contains(x)) {
            out.push_str(&format!("\n  {kind} only the tokenizer sees: {x:?}"));
        }
        for x in b.iter().filter(|x| !a.contains(x)) {
            out.push_str(&format!("\n  {kind} only HTML5 sees: {x:?}"));
        }
        if a.len() != b.len() && out.is_empty() {
            out.push_str(&format!("\n  {kind}: {} vs {}", a.len(), b.len()));
        }
    }
    let (a, b) = (ours(html), oracle(html));
    let mut out = String::new();
    diff("script", &a.scripts, &b.scripts, &mut out);
    diff("link", &a.links, &b.links, &mut out);
    diff("input", &a.inputs, &b.inputs, &mut out);
    diff("nonce tag", &a.nonce_tags, &b.nonce_tags, &mut out);
    out
}

fn assert_agree(what: &str, html: &str) {
    let d = differences(html);
    assert!(d.is_empty(), "{what}: the tokenizer and HTML5 disagree:{d}");
}

#[test]
fn real_plugin_fixture_pages_agree_with_html5() {
    // The real plugins' captures are kept in the repository (tests/real_plugins.rs dates them).
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/real-plugins");
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut seen = 0;
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "html") {
            let html = std::fs::read(&path).unwrap_or_else(|e| panic!("{e}"));
            assert_agree(&path.display().to_string(), &String::from_utf8_lossy(&html));
            seen += 1;
        }
    }
    assert!(seen > 0, "no .html fixture in {}", dir.display());
}

#[test]
fn simulated_site_pages_agree_with_html5() {
    use crate::sim::{Shape, corpus, render};
    let root = "http://127.0.0.1:8080/wp-json/?a=1&b=2";
    for shape in [Shape::WpApiSettings, Shape::ApiFetch, Shape::NoNonce] {
        let html = render(&shape, root, "0123abcdef", "/hello-world/");
        assert_agree(&format!("{shape:?}"), &html);
    }
    for seed in 0..4 {
        let html = corpus::wordpress_page(&corpus::PageSpec {
            origin: "http://127.0.0.1:8080",
            path: "/product/widget-1/",
            rest_nonce: "0123abcdef",
            target_bytes: 60 * 1024,
            seed,
        });
        assert_agree(&format!("corpus page, seed {seed}"), &html);
    }
}

/// Text between tags: markup-significant characters, no letters right after `<`.
fn soup() -> impl Strategy<Value = String> {
    "[ x0-9=\"'/!?<>&;\n-]{0,6}"
}

fn attr() -> impl Strategy<Value = String> {
    let name = prop::sample::select(vec![
        "rel",
        "href",
        "id",
        "data-nonce",
        "nonce",
        "name",
        "value",
        "type",
        "title",
        "src",
        "REL",
        "x=",
    ]);
    let word = prop::sample::select(vec![
        "https://api.w.org/",
        "0123abcdef",
        "_wpnonce",
        "hidden",
        "/?_wpnonce=0123abcdef",
        "a&amp;b",
        "a&ampb=&amp=x&quot;&#39;&#x3c;&lt;script&gt;",
        "text/javascript",
        "application/ld+json",
    ]);
    let value = prop_oneof![
        Just(String::new()),
        word.clone().prop_map(|w| format!("={w}")),
        "[a-z0-9/:.?=_-]{0,8}".prop_map(|v| format!("={v}")),
        (word.clone(), soup()).prop_map(|(w, s)| format!("=\"{w}{}\"", s.replace('"', ""))),
        (word, soup()).prop_map(|(w, s)| format!(" = '{}{w}'", s.replace('\'', ""))),
    ];
    (name, value).prop_map(|(n, v)| format!(" {n}{v}"))
}

fn piece() -> impl Strategy<Value = String> {
    let name = prop::sample::select(vec![
        "div",
        "span",
        "p",
        "section",
        "img",
        "link",
        "input",
        "script",
        "SCRIPT",
        "style",
        "textarea",
        "title",
        "xmp",
        "iframe",
        "noscript",
        "noembed",
        "noframes",
        "x-nonce",
        "scripts",
        "LINK",
        "Input",
        "plaintext",
        "sTyLe",
    ]);
    let fixed = prop::sample::select(vec![
        "<!--",
        "-->",
        "--!>",
        "<!-->",
        "<!--->",
        "<!---->",
        "--",
        "-",
        "!",
        "<!",
        "<![CDATA[",
        "]]>",
        "<?php echo 1 ?>",
        "<!DOCTYPE html>",
        "</ x>",
        "</>",
        "</",
        "<",
        ">",
        "\r\n",
        "var a = 'nonce';",
        "<script>",
        "</script>",
        "</script ",
        "/",
        r#"{"nonce":"0123abcdef"}"#,
    ]);
    prop_oneof![
        soup(),
        fixed.prop_map(str::to_string),
        (
            name.clone(),
            prop::collection::vec(attr(), 0..4),
            prop::bool::ANY
        )
            .prop_map(|(n, attrs, slash)| format!(
                "<{n}{}{}>",
                attrs.concat(),
                if slash { " /" } else { "" }
            )),
        name.prop_map(|n| format!("</{n}>")),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn generated_markup_agrees_with_html5(pieces in prop::collection::vec(piece(), 0..24)) {
        let html = pieces.concat();
        let d = differences(&html);
        prop_assert!(d.is_empty(), "{:?}:{}", html, d);
    }
}
