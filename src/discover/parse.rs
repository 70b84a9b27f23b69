//! Sitemap parsing (interim minimal version).

use std::borrow::Cow;
use std::ops::ControlFlow;

use quick_xml::events::Event;
use url::Url;

/// A sitemap entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// A page.
    Page {
        /// URL.
        loc: Url,
        /// lastmod.
        lastmod: Option<Lastmod>,
    },
    /// A child sitemap.
    Sitemap {
        /// URL.
        loc: Url,
        /// lastmod.
        lastmod: Option<Lastmod>,
    },
}

/// lastmod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lastmod {
    /// Raw.
    Raw(String),
}

impl std::fmt::Display for Lastmod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Lastmod::Raw(s) => f.write_str(s),
        }
    }
}

/// Format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// urlset
    UrlSet,
    /// index
    Index,
}

/// Limits.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Max entries.
    pub max_entries: u64,
    /// Max bytes.
    pub max_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_entries: 50_000,
            max_bytes: 50 * 1024 * 1024,
        }
    }
}

/// Outcome.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Format.
    pub format: Format,
    /// Entries.
    pub entries: u64,
    /// Truncated.
    pub truncated: bool,
    /// Warnings.
    pub warnings: Vec<String>,
}

/// Errors.
#[derive(Debug, thiserror::Error)]
pub enum SitemapError {
    /// HTML.
    #[error("an HTML page, not a sitemap")]
    Html {
        /// title
        title: Option<String>,
    },
    /// Not XML.
    #[error("not a sitemap: {0}")]
    NotASitemap(String),
}

/// Body errors.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    /// Too large.
    #[error("too large")]
    TooLarge {
        /// limit
        limit: usize,
    },
}

/// Decode.
pub fn decode_body(raw: &[u8], _max: usize) -> Result<Cow<'_, [u8]>, BodyError> {
    Ok(Cow::Borrowed(raw))
}

/// Parse.
pub fn parse(
    body: &[u8],
    sitemap_url: &Url,
    _limits: &Limits,
    mut on_item: impl FnMut(Item) -> ControlFlow<()>,
) -> Result<Outcome, SitemapError> {
    let mut reader = quick_xml::Reader::from_reader(body);
    let mut buf = Vec::new();
    let mut stack: Vec<Vec<u8>> = Vec::new();
    let mut format = None;
    let mut entries = 0;
    let mut text = String::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) => {
                let name = e.local_name().as_ref().as_bytes().to_vec();
                if name == b"urlset" {
                    format = Some(Format::UrlSet)
                }
                if name == b"sitemapindex" {
                    format = Some(Format::Index)
                }
                if name == b"html" {
                    return Err(SitemapError::Html { title: None });
                }
                stack.push(name);
                text.clear();
            }
            Ok(Event::Text(t)) => text.push_str(t.as_ref()),
            Ok(Event::GeneralRef(r)) => match r.as_ref() {
                "amp" => text.push('&'),
                "#038" | "#38" => text.push('&'),
                other => text.push_str(&format!("&{other};")),
            },
            Ok(Event::End(_)) => {
                let name = stack.pop().unwrap_or_default();
                let parent = stack.last().cloned().unwrap_or_default();
                if name == b"loc" {
                    if let Ok(loc) = sitemap_url.join(text.trim().replace("&amp;", "&").as_str()) {
                        entries += 1;
                        let item = if parent == b"sitemap" {
                            Item::Sitemap { loc, lastmod: None }
                        } else {
                            Item::Page { loc, lastmod: None }
                        };
                        if on_item(item).is_break() {
                            break;
                        }
                    }
                }
            }
            Ok(Event::Eof) => break,
            Err(e) => return Err(SitemapError::NotASitemap(e.to_string())),
            _ => {}
        }
        buf.clear();
    }
    let format = format.ok_or_else(|| SitemapError::NotASitemap("no urlset".into()))?;
    Ok(Outcome {
        format,
        entries,
        truncated: false,
        warnings: vec![],
    })
}
