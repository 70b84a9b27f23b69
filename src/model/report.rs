//! The report of one site's audit: summary, advice, forecast and the page rows.
//!
//! One model, many views (as hyperfine does it): every format reads these types, so a field
//! added here reaches every format and the JSON schema only ever grows.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{BaselineDiff, Rows, Verdict};

/// The JSON schema identifier; bumped only if a field is renamed or removed (never, so far).
pub const SCHEMA: &str = "nonce-audit/1";

/// When a group of cached pages will start serving dead nonces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Forecast {
    /// The last second their nonces are accepted; from the next second on they are dead.
    pub dies_at: DateTime<Utc>,
    /// How many cached pages die then.
    pub pages: u64,
    /// A few of them, for the report.
    pub examples: Vec<String>,
}

/// Counts per verdict, plus the number of REST probes the audit sent. Read back (`merge`)
/// with every count optional, as older reports may lack one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Summary {
    /// Pages audited.
    pub pages: u64,
    /// Pages whose nonces are all current.
    pub fresh: u64,
    /// Pages with a nonce from the previous tick.
    pub expiring: u64,
    /// Pages with a rejected nonce.
    pub dead: u64,
    /// Pages with no REST nonce.
    pub no_nonce: u64,
    /// Pages whose nonces could not be judged.
    pub unverifiable: u64,
    /// Pages that could not be fetched.
    pub error: u64,
    /// REST requests sent (nonce probes plus control probes).
    pub rest_probes: u64,
}

impl Summary {
    /// Adds one page's verdict to the counts.
    pub fn count(&mut self, v: Verdict) {
        self.pages += 1;
        match v {
            Verdict::Fresh => self.fresh += 1,
            Verdict::Expiring => self.expiring += 1,
            Verdict::Dead => self.dead += 1,
            Verdict::NoNonce => self.no_nonce += 1,
            Verdict::Unverifiable => self.unverifiable += 1,
            Verdict::Error => self.error += 1,
        }
    }

    /// The count for one verdict.
    pub fn get(&self, v: Verdict) -> u64 {
        match v {
            Verdict::Fresh => self.fresh,
            Verdict::Expiring => self.expiring,
            Verdict::Dead => self.dead,
            Verdict::NoNonce => self.no_nonce,
            Verdict::Unverifiable => self.unverifiable,
            Verdict::Error => self.error,
        }
    }
}

/// How a sitemap was found: what an operator checks first when the wrong one was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FoundVia {
    /// Given as TARGET.
    #[serde(rename = "argument")]
    Argument,
    /// A `Sitemap:` line of robots.txt.
    #[serde(rename = "robots.txt")]
    RobotsTxt,
    /// One of the usual locations (core's, the SEO plugins').
    #[serde(rename = "well-known")]
    WellKnown,
    /// Listed by a sitemap index.
    #[serde(rename = "index")]
    Index,
    /// A local file given as TARGET.
    #[serde(rename = "file")]
    File,
    /// A list of page URLs (`--urls`, or TARGET `-`).
    #[serde(rename = "url-list")]
    UrlList,
}

impl FoundVia {
    /// The schema's name for it.
    pub fn as_str(self) -> &'static str {
        match self {
            FoundVia::Argument => "argument",
            FoundVia::RobotsTxt => "robots.txt",
            FoundVia::WellKnown => "well-known",
            FoundVia::Index => "index",
            FoundVia::File => "file",
            FoundVia::UrlList => "url-list",
        }
    }
}

impl std::fmt::Display for FoundVia {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One sitemap the audit read, and how it was found.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SitemapRow {
    /// The sitemap's final URL (after redirects), or the local file path.
    pub url: String,
    /// How it was found.
    pub found_via: FoundVia,
    /// Page URLs it listed (after dedupe and filters, before `--max-pages`).
    pub urls: u64,
    /// What was wrong with it.
    #[serde(default)]
    pub warnings: Vec<String>,
}

/// The kinds of change the advice can prescribe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RecommendationKind {
    /// Set the layer's cache lifespan.
    Ttl,
    /// Exclude URLs from the layer.
    Exclude,
    /// Serve the nonce fresh through ESI (LiteSpeed).
    Esi,
    /// A plugin must fetch a fresh nonce itself (for its authors).
    Refresh,
    /// The page's code prints a nonce the REST check rejects even fresh: no cache setting helps.
    Code,
    /// Purge the layer's cache now (and after every key change).
    Purge,
    /// Stop the layer caching logged-in users' renders.
    #[serde(rename = "logged-in")]
    LoggedIn,
}

impl RecommendationKind {
    /// The schema's name for it.
    pub fn as_str(self) -> &'static str {
        match self {
            RecommendationKind::Ttl => "ttl",
            RecommendationKind::Exclude => "exclude",
            RecommendationKind::Esi => "esi",
            RecommendationKind::Refresh => "refresh",
            RecommendationKind::Code => "code",
            RecommendationKind::Purge => "purge",
            RecommendationKind::LoggedIn => "logged-in",
        }
    }
}

impl std::fmt::Display for RecommendationKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Something the operator should change, with the setting to change and what it would fix.
#[derive(Debug, Clone, Serialize)]
pub struct Recommendation {
    /// The cache layer id the advice is for (`null` when no layer was recognised).
    pub layer: Option<&'static str>,
    /// What kind of change it is.
    pub kind: RecommendationKind,
    /// The layer's own setting (UI path and option key).
    pub setting: String,
    /// The value to set.
    pub value: String,
    /// The URLs (or URL patterns) concerned.
    pub urls: Vec<String>,
    /// Why, in one or two sentences.
    pub why: String,
    /// What it would have changed on this audit, computed from the observed pages.
    pub impact: String,
    /// The cause of the dead pages it fixes; `null` for advice that is not about dead pages
    /// (a plugin's refresh, expiring pages).
    pub cause: Option<super::Cause>,
}

impl Recommendation {
    /// What the advice is about, for the label in front of it: the layer, the site's code for
    /// a code fix (no cache is involved), else "page cache" when no layer was recognised.
    pub fn applies_to(&self) -> &'static str {
        match (self.layer, self.kind) {
            (Some(l), _) => l,
            (None, RecommendationKind::Code) => "theme/plugin code",
            (None, _) => "page cache",
        }
    }
}

/// The whole audit: what every report format renders.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Always [`SCHEMA`].
    pub schema: &'static str,
    /// nonce-audit's version.
    pub tool_version: &'static str,
    /// The audited site (origin URL).
    pub site: String,
    /// The REST root used (the most common one when pages disagree).
    pub rest_root: Option<String>,
    /// The audited server's clock (its latest `Date` header), RFC 3339 UTC.
    pub server_time: Option<DateTime<Utc>>,
    /// The `nonce_life` the tick arithmetic used, in seconds.
    pub nonce_life_s: u64,
    /// When the audit started, by the local clock.
    pub started_at: DateTime<Utc>,
    /// When it finished, by the local clock.
    pub finished_at: DateTime<Utc>,
    /// Whether the run was interrupted before every page was audited.
    pub interrupted: bool,
    /// Counts per verdict.
    pub summary: Summary,
    /// One row per page, in sitemap order (held by the row store: partly on disk for a big
    /// site).
    pub pages: Rows,
    /// What to change.
    pub recommendations: Vec<Recommendation>,
    /// The sitemaps read.
    pub sitemaps: Vec<SitemapRow>,
    /// Problems that did not stop the audit (bad sitemap entries, skipped hosts...).
    pub warnings: Vec<String>,
    /// When cached pages that are alive now will start serving dead nonces, soonest first.
    pub forecast: Vec<Forecast>,
    /// The site's UTC offset in seconds, when site-local cache timestamps needed it.
    pub site_utc_offset_s: Option<i32>,
    /// How that offset was found (`rest-index`, `cache-busted-page`, `sitemap-lastmod` or `page-markup`).
    pub site_utc_offset_source: Option<OffsetSource>,
    /// What changed since the `--baseline` report; `null` without one.
    pub baseline: Option<BaselineDiff>,
}

/// An empty report of this version (no site, no page, the Unix epoch as its times): the
/// starting point of tests and of reports built from parts.
impl Default for Report {
    fn default() -> Self {
        Self {
            schema: SCHEMA,
            tool_version: env!("CARGO_PKG_VERSION"),
            site: String::new(),
            rest_root: None,
            server_time: None,
            nonce_life_s: 0,
            started_at: DateTime::UNIX_EPOCH,
            finished_at: DateTime::UNIX_EPOCH,
            interrupted: false,
            summary: Summary::default(),
            pages: Rows::default(),
            recommendations: Vec::new(),
            sitemaps: Vec::new(),
            warnings: Vec::new(),
            forecast: Vec::new(),
            site_utc_offset_s: None,
            site_utc_offset_source: None,
            baseline: None,
        }
    }
}

impl Report {
    /// Every warning of the audit, the site's and each sitemap's (named), in one list for the
    /// formats that print them together.
    pub fn all_warnings(&self) -> Vec<String> {
        self.warnings
            .iter()
            .cloned()
            .chain(self.sitemaps.iter().flat_map(|sm| {
                sm.warnings
                    .iter()
                    .map(move |w| format!("sitemap {}: {w}", sm.url))
            }))
            .collect()
    }
}

/// How the site's offset was learnt, as the report names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OffsetSource {
    /// The REST index's `gmt_offset` (no page is fetched for it).
    RestIndex,
    /// A cache-busted fetch of a page, its stamp compared with its `Date`.
    CacheBustedPage,
    /// The UTC offset core's sitemaps print in `<lastmod>` (`DATE_W3C` in the site's zone).
    SitemapLastmod,
    /// The offset of the page's own `<time datetime>` markup (core prints it in the site's zone).
    PageMarkup,
}

impl OffsetSource {
    /// The source in words, for notes that explain an age ("the offset from the {words}").
    pub fn words(self) -> &'static str {
        match self {
            OffsetSource::RestIndex => "REST index",
            OffsetSource::CacheBustedPage => "cache-busted page",
            OffsetSource::SitemapLastmod => "sitemap's lastmod",
            OffsetSource::PageMarkup => "page's dated markup",
        }
    }
}
