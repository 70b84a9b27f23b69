//! From what the user typed to a stream of page URLs: discovery and the sitemap walk.
//!
//! Sitemaps of big shops list hundreds of thousands of URLs, so nothing here collects them: each
//! sitemap is parsed with a pull parser and its page URLs are sent one by one into a bounded
//! channel that the page fetchers drain, so pages are being audited while later sitemaps are
//! still being read. Only a set of 64-bit URL hashes (for dedupe) grows with the site.

/// A file from `sample-sitemaps/`, read at compile time.
#[cfg(test)]
macro_rules! sample {
    ($path:literal) => {
        include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/sample-sitemaps/",
            $path
        ))
    };
}

pub mod bytes;
pub mod lastmod;
pub mod parse;
pub use crate::robots;
#[cfg(test)]
mod samples;
mod text;
mod xml;

use std::collections::{HashSet, VecDeque};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::sync::Arc;

use thiserror::Error;
use tokio::sync::mpsc;
use url::Url;

use crate::fetch::{Fetched, Fetcher, RobotsFailure, RobotsState, same_origin};
use crate::model::{FoundVia, SitemapRow};
use parse::{Item, Limits, SitemapError};

/// Well-known sitemap locations tried, in order, when robots.txt names none: core (5.5+), Yoast
/// and Rank Math, the generic name (core and most plugins redirect it), SEOPress, and core's
/// plain-permalink form.
pub const WELL_KNOWN: &[&str] = &[
    "/wp-sitemap.xml",
    "/sitemap_index.xml",
    "/sitemap.xml",
    "/sitemaps.xml",
    "/?sitemap=index",
];

/// Sitemap names tried under a TARGET's path (a subdirectory install): core's, Yoast's and Rank
/// Math's index, and the generic name.
const SUBDIR_NAMES: &[&str] = &["wp-sitemap.xml", "sitemap_index.xml", "sitemap.xml"];

/// The directories of a TARGET's path worth a sitemap look, deepest first, root excluded, at
/// most three (`/a/b/c` → `/a/b/`, `/a/`; `/blog/` → `/blog/`).
fn path_prefixes(site: &Url) -> Vec<String> {
    let path = site.path();
    let dir = match path.rfind('/') {
        Some(i) => &path[..=i],
        None => "/",
    };
    let mut out = Vec::new();
    let mut d = dir;
    while d.len() > 1 && out.len() < 3 {
        out.push(d.to_owned());
        let trimmed = &d[..d.len() - 1];
        d = match trimmed.rfind('/') {
            Some(i) => &trimmed[..=i],
            None => "/",
        };
    }
    out
}

/// How deep sitemap indexes may nest before the walk refuses to follow (loops are caught anyway).
pub const MAX_DEPTH: usize = 5;

/// Default budget of sitemaps one walk queues and fetches. Depth and per-file caps alone still
/// let indexes that each list 50,000 more indexes queue billions of URLs; the biggest real
/// WordPress sites need a few hundred (1 M posts is 500 core sitemaps, 1,000 Yoast ones).
pub const DEFAULT_MAX_SITEMAPS: usize = 1_000;

/// Child sitemaps named one by one in a warning before the rest are only counted.
const NAMED_IN_WARNING: usize = 5;

/// Where the audit starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A site URL: its sitemaps are discovered.
    Site(Url),
    /// A sitemap (or sitemap index) URL.
    Sitemap(Url),
    /// A sitemap file on disk.
    File(PathBuf),
    /// A plain list of page URLs, one per line: a file, or standard input when `None`.
    UrlList(Option<PathBuf>),
}

/// Why the audit could not find anything to audit.
#[derive(Debug, Error)]
pub enum DiscoverError {
    /// The target is neither an http(s) URL nor an existing file.
    #[error(
        "`{0}` is neither an http(s) URL nor a readable file (give a site URL, a sitemap URL or a sitemap file)"
    )]
    BadTarget(String),
    /// A host name with no scheme (`example.com`), and no file by that name.
    #[error("`{typed}` is not a URL (and no file has that name): did you mean {suggestion} ?")]
    NoScheme {
        /// What was typed.
        typed: String,
        /// The https URL it most likely means.
        suggestion: String,
    },
    /// No sitemap could be found on the site.
    #[error("no sitemap found at {site}: {tried}")]
    NoSitemap {
        /// The site.
        site: String,
        /// What was tried and what came back.
        tried: String,
    },
    /// The site did not answer at all.
    #[error("{site} is unreachable: {reason}")]
    Unreachable {
        /// The site.
        site: String,
        /// The network error.
        reason: String,
    },
    /// robots.txt could not be read (5xx, no answer): RFC 9309 says to crawl nothing, so every
    /// page would be refused. Said once, as a failure, instead of as many error rows.
    #[error(
        "{url}: {reason}; RFC 9309 says to crawl nothing then, so no page can be audited (try again later, or use --ignore-robots on your own site)"
    )]
    RobotsUnreadable {
        /// The robots.txt URL.
        url: String,
        /// What came back.
        reason: String,
    },
    /// The URL list given (`--urls FILE`, or `-` for standard input) could not be read.
    #[error("cannot read the URL list {name}: {reason}")]
    UrlList {
        /// The file, or "standard input".
        name: String,
        /// What was wrong.
        reason: String,
    },
    /// The sitemap given could not be read.
    #[error("cannot read sitemap {url}: {reason}")]
    Sitemap {
        /// The sitemap.
        url: String,
        /// What was wrong.
        reason: String,
    },
}

impl Target {
    /// Interprets a command-line target: `-` is a URL list on standard input, an http(s) URL
    /// whose path looks like a sitemap (`.xml`, `.xml.gz`, `.txt`, or a `sitemap` query) is a
    /// sitemap, any other URL a site, and anything else a local file. A site URL with a path is
    /// only provisional: the walk fetches it first, and if it answers as a sitemap or feed
    /// (`/feed/atom/` does) it is read as one instead of discovering from robots.txt.
    pub fn parse(s: &str) -> Result<Self, DiscoverError> {
        if s == "-" {
            return Ok(Target::UrlList(None));
        }
        if let Ok(url) = Url::parse(s) {
            if matches!(url.scheme(), "http" | "https") && url.host_str().is_some() {
                let path = url.path().to_ascii_lowercase();
                let sitemap_like = [".xml", ".gz", ".rss", ".atom"]
                    .iter()
                    .any(|ext| path.ends_with(ext))
                    || path.ends_with(".txt") && !path.ends_with("robots.txt")
                    || path.ends_with("/feed/")
                    || url.query_pairs().any(|(k, _)| k == "sitemap");
                return Ok(if sitemap_like {
                    Target::Sitemap(url)
                } else {
                    Target::Site(url)
                });
            }
        }
        let path = PathBuf::from(s);
        if path.is_file() {
            return Ok(Target::File(path));
        }
        // `example.com` or `example.com/blog/`: a site typed without its scheme.
        let host = s.split('/').next().unwrap_or("");
        let looks_like_host = !s.contains("://")
            && host.contains('.')
            && !host.starts_with('.')
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'));
        if looks_like_host {
            let rest = s[host.len()..].trim_start_matches('/');
            return Err(DiscoverError::NoScheme {
                typed: s.to_owned(),
                suggestion: format!("https://{host}/{rest}"),
            });
        }
        Err(DiscoverError::BadTarget(s.to_owned()))
    }

    /// The origin of the audited site when the target tells it (a file tells it by its URLs).
    pub fn origin(&self) -> Option<Url> {
        match self {
            Target::Site(u) | Target::Sitemap(u) => origin_of(u),
            Target::File(_) | Target::UrlList(_) => None,
        }
    }
}

pub use crate::util::origin_of;

/// A page URL on its way to the fetchers.
#[derive(Debug, Clone)]
pub struct PageUrl {
    /// Position in sitemap order (reports keep this order).
    pub seq: u64,
    /// The page URL.
    pub url: Url,
    /// The sitemap's `lastmod`, as written.
    pub lastmod: Option<String>,
}

/// Which page URLs the audit keeps: `--include` / `--exclude` globs on the URL path,
/// `--allow-host`, `--sample`.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    include: Option<globset::GlobSet>,
    exclude: Option<globset::GlobSet>,
    /// Hosts besides the audited site's whose page URLs are kept.
    pub allow_hosts: Vec<String>,
    /// Audit an evenly spread, deterministic sample of this many pages.
    pub sample: Option<u64>,
}

fn globs(patterns: &[String]) -> Result<Option<globset::GlobSet>, String> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let mut b = globset::GlobSetBuilder::new();
    for p in patterns {
        // A glob is matched against the whole path, which starts with `/`: one starting with a
        // letter or a dot can never match, and would silently leave nothing (or everything).
        if !p.starts_with(['/', '*', '?', '[', '{']) {
            return Err(format!(
                "glob `{p}` can never match: it is matched against the URL path, which starts with `/` (did you mean `/{p}`?)"
            ));
        }
        let glob = globset::GlobBuilder::new(p)
            .literal_separator(false)
            .build()
            .map_err(|e| format!("bad glob `{p}`: {e}"))?;
        b.add(glob);
    }
    b.build().map(Some).map_err(|e| e.to_string())
}

impl Selection {
    /// Builds a selection from command-line patterns (globs on the URL path, e.g. `/blog/**`).
    pub fn new(
        include: &[String],
        exclude: &[String],
        allow_hosts: Vec<String>,
        sample: Option<u64>,
    ) -> Result<Self, String> {
        // A URL given where a host is meant would never match any host, silently.
        if let Some(bad) = allow_hosts
            .iter()
            .find(|h| h.contains('/') || h.contains('@') || h.trim().is_empty())
        {
            let host = Url::parse(bad)
                .ok()
                .and_then(|u| u.host_str().map(str::to_owned));
            return Err(match host {
                Some(h) => format!("--allow-host takes a host name, not a URL: write `{h}`"),
                None => {
                    format!("--allow-host takes a host name such as cdn.example.com, not `{bad}`")
                }
            });
        }
        Ok(Self {
            include: globs(include)?,
            exclude: globs(exclude)?,
            allow_hosts: allow_hosts
                .into_iter()
                .map(|h| h.to_ascii_lowercase())
                .collect(),
            sample,
        })
    }

    /// Whether a page URL passes `--include` / `--exclude`.
    pub fn keeps(&self, url: &Url) -> bool {
        let path = url.path();
        self.include.as_ref().is_none_or(|g| g.is_match(path))
            && !self.exclude.as_ref().is_some_and(|g| g.is_match(path))
    }

    fn host_allowed(&self, url: &Url) -> bool {
        url.host_str().is_some_and(|h| {
            self.allow_hosts
                .iter()
                .any(|a| a == &h.to_ascii_lowercase())
        })
    }
}

/// Picks `n` URLs evenly spread over `pages` (in sitemap order), deterministically, and numbers
/// them again from 0.
pub fn sample_evenly(pages: Vec<PageUrl>, n: u64) -> Vec<PageUrl> {
    let len = pages.len() as u64;
    if n >= len {
        return pages;
    }
    let picks: std::collections::BTreeSet<u64> = (0..n).map(|i| i * len / n).collect();
    pages
        .into_iter()
        .enumerate()
        .filter(|(i, _)| picks.contains(&(*i as u64)))
        .enumerate()
        .map(|(seq, (_, mut p))| {
            p.seq = seq as u64;
            p
        })
        .collect()
}

/// Settings for the walk.
#[derive(Debug, Clone)]
pub struct WalkConfig {
    /// Which page URLs to keep.
    pub selection: Selection,
    /// Stop after this many distinct pages.
    pub max_pages: Option<u64>,
    /// Per-sitemap limits.
    pub limits: Limits,
    /// Most sitemaps queued (and so fetched) in one walk; past it the pages found so far are
    /// audited and a warning says how many sitemaps were left unread.
    pub max_sitemaps: usize,
    /// Set to `true` to stop the walk (Ctrl-C); fetches in flight are dropped at once.
    pub cancel: Option<tokio::sync::watch::Receiver<bool>>,
}

impl Default for WalkConfig {
    /// Everything allowed, the sitemaps.org limits per file, [`DEFAULT_MAX_SITEMAPS`].
    fn default() -> Self {
        Self {
            selection: Selection::default(),
            max_pages: None,
            limits: Limits::default(),
            max_sitemaps: DEFAULT_MAX_SITEMAPS,
            cancel: None,
        }
    }
}

fn cancelled(c: &Option<tokio::sync::watch::Receiver<bool>>) -> bool {
    c.as_ref().is_some_and(|rx| *rx.borrow())
}

/// Runs `fut` unless the cancel flag goes up first, then drops it (`None`): a sitemap dripping
/// one byte a second must not hold Ctrl-C up for its timeouts and retries.
async fn unless_cancelled<T>(
    cancel: &Option<tokio::sync::watch::Receiver<bool>>,
    fut: impl std::future::Future<Output = T>,
) -> Option<T> {
    let Some(rx) = cancel else {
        return Some(fut.await);
    };
    let mut rx = rx.clone();
    let raised = async move {
        if rx.wait_for(|v| *v).await.is_err() {
            // The flag's sender is gone, so it can never be raised.
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        biased;
        () = raised => None,
        v = fut => Some(v),
    }
}

/// What the walk found, once it is over.
#[derive(Debug, Default)]
pub struct WalkSummary {
    /// The audited site's origin (from the target, or the first URL of a local file).
    pub site: Option<Url>,
    /// Every sitemap read.
    pub sitemaps: Vec<SitemapRow>,
    /// Problems that did not stop the walk.
    pub warnings: Vec<String>,
    /// Distinct page URLs sent on.
    pub pages: u64,
    /// Page URLs left out by `--include` / `--exclude`.
    pub filtered: u64,
    /// Page URLs skipped for being on another host.
    pub other_host: u64,
    /// Whether the pages came from a plain URL list (a file or standard input).
    pub url_list: bool,
}

impl WalkSummary {
    /// Why a walk gave no page, in words that say what to change: the filters left out every
    /// URL, every URL was on another host, no sitemap could be read, or they are empty. One
    /// message for `audit` and `sitemap` alike.
    pub fn why_no_pages(&self) -> String {
        let what = if self.url_list {
            "the URL list gives no page URL"
        } else {
            "the sitemaps list no page URL"
        };
        let mut why = if self.filtered > 0 && self.other_host == 0 {
            format!(
                "{what} that --include/--exclude keep: all {} listed were left out (globs match the URL path, e.g. '/blog/**')",
                self.filtered
            )
        } else if self.other_host > 0 && self.filtered == 0 {
            format!(
                "{what} on the audited site: all {} listed are on another host (--allow-host HOST keeps them)",
                self.other_host
            )
        } else if self.other_host > 0 {
            format!(
                "{what} to audit: {} listed are on another host and {} were left out by --include/--exclude",
                self.other_host, self.filtered
            )
        } else if !self.sitemaps.is_empty()
            && self
                .sitemaps
                .iter()
                .all(|s| !s.warnings.is_empty() && s.urls == 0)
        {
            format!(
                "{what}: none of the {} sitemap(s) could be read",
                self.sitemaps.len()
            )
        } else if self.url_list {
            format!("{what}: it is empty (one http(s) URL per line)")
        } else {
            what.to_owned()
        };
        let details: Vec<String> = self
            .sitemaps
            .iter()
            .flat_map(|s| s.warnings.iter().map(move |w| format!("{}: {w}", s.url)))
            .chain(self.warnings.iter().cloned())
            .collect();
        if !details.is_empty() {
            why.push_str(&format!(" ({})", details.join("; ")));
        }
        why
    }
}

struct Pending {
    url: Url,
    via: FoundVia,
    depth: usize,
    prefetched: Option<Fetched>,
}

/// Finds the sitemaps for `target` and walks them, sending each distinct page URL into `tx` as
/// soon as it is parsed. Returns when every sitemap is read, `max_pages` is reached, or the
/// receiver is dropped.
///
/// With `--sample N` ([`Selection::sample`]) the picks are spread over the whole list, so the
/// URLs are held until the walk ends and only the sample is sent: the one place a walk's URLs
/// are collected.
pub async fn walk(
    fetcher: &Fetcher,
    target: &Target,
    config: &WalkConfig,
    tx: mpsc::Sender<PageUrl>,
    note: impl FnMut(&str) + Send,
) -> Result<WalkSummary, DiscoverError> {
    let Some(n) = config.selection.sample else {
        return walk_all(fetcher, target, config, tx, note).await;
    };
    let (all_tx, mut all_rx) = mpsc::channel::<PageUrl>(256);
    let collect = async {
        let mut all = Vec::new();
        while let Some(p) = all_rx.recv().await {
            all.push(p);
        }
        all
    };
    let (walked, all) = tokio::join!(walk_all(fetcher, target, config, all_tx, note), collect);
    for p in sample_evenly(all, n) {
        if tx.send(p).await.is_err() {
            break;
        }
    }
    walked
}

async fn walk_all(
    fetcher: &Fetcher,
    target: &Target,
    config: &WalkConfig,
    tx: mpsc::Sender<PageUrl>,
    mut note: impl FnMut(&str) + Send,
) -> Result<WalkSummary, DiscoverError> {
    let mut summary = WalkSummary {
        site: target.origin(),
        url_list: matches!(target, Target::UrlList(_)),
        ..WalkSummary::default()
    };
    if let Some(origin) = &summary.site {
        fetcher.set_site(origin);
    }
    let mut queue: VecDeque<Pending> = VecDeque::new();
    let mut state = WalkState::new(config, tx.clone());
    match target {
        Target::Site(site) => {
            for p in discover(fetcher, site, config, &mut summary, &mut note).await? {
                state.enqueue(&mut queue, p);
            }
        }
        Target::UrlList(source) => {
            let mut state = WalkState::new(config, tx);
            read_url_list(fetcher, source.clone(), &mut state, &mut summary).await?;
            if let Some(origin) = &summary.site {
                fetcher.set_site(origin);
            }
            finish(&mut state, &mut summary, &mut note);
            return Ok(summary);
        }
        Target::Sitemap(url) => {
            state.enqueue(
                &mut queue,
                Pending {
                    url: url.clone(),
                    via: FoundVia::Argument,
                    depth: 0,
                    prefetched: None,
                },
            );
        }
        Target::File(path) => {
            let body = read_file(path, config.limits.max_bytes)?;
            let name = path.display().to_string();
            let base = std::fs::canonicalize(path)
                .ok()
                .and_then(|p| Url::from_file_path(p).ok())
                .or_else(|| Url::parse("file:///sitemap.xml").ok())
                .ok_or_else(|| DiscoverError::BadTarget(name.clone()))?;
            let children = read_one(
                ::bytes::Bytes::from(body),
                false,
                &base,
                &name,
                FoundVia::File,
                &mut state,
                &mut summary,
            )
            .await
            .map_err(|reason| DiscoverError::Sitemap {
                url: name.clone(),
                reason,
            })?;
            if let Some(origin) = &summary.site {
                fetcher.set_site(origin);
            }
            queue_children(&mut state, &mut summary, &mut queue, &name, 0, children);
            return walk_queue(fetcher, queue, state, summary, &mut note).await;
        }
    }
    drop(tx);
    let first = queue.front().map(|p| p.url.to_string());
    let mut summary = walk_queue(fetcher, queue, state, summary, &mut note).await?;
    robots_verdict(fetcher, &config.cancel, &mut summary, &mut note).await?;
    if cancelled(&config.cancel) {
        return Ok(summary);
    }
    if let (Target::Sitemap(_), Some(url)) = (target, first) {
        if summary.sitemaps.iter().all(|s| s.urls == 0)
            && summary.sitemaps.iter().any(|s| !s.warnings.is_empty())
        {
            let reason = summary
                .sitemaps
                .iter()
                .flat_map(|s| s.warnings.iter())
                .next()
                .cloned()
                .unwrap_or_default();
            return Err(DiscoverError::Sitemap { url, reason });
        }
    }
    Ok(summary)
}

fn read_file(path: &PathBuf, cap: usize) -> Result<Vec<u8>, DiscoverError> {
    use std::io::Read;
    let name = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|e| DiscoverError::Sitemap {
        url: name.clone(),
        reason: crate::util::io_words(&e),
    })?;
    let mut body = Vec::new();
    let limit = u64::try_from(cap).unwrap_or(u64::MAX).saturating_add(1);
    file.take(limit)
        .read_to_end(&mut body)
        .map_err(|e| DiscoverError::Sitemap {
            url: name.clone(),
            reason: crate::util::io_words(&e),
        })?;
    // Over the cap, the parser keeps the first `cap` bytes and says so.
    Ok(body)
}

async fn discover(
    fetcher: &Fetcher,
    site: &Url,
    config: &WalkConfig,
    summary: &mut WalkSummary,
    note: &mut (impl FnMut(&str) + Send),
) -> Result<Vec<Pending>, DiscoverError> {
    let origin = origin_of(site).ok_or_else(|| DiscoverError::BadTarget(site.to_string()))?;
    let cancel = &config.cancel;
    if site.path() != "/" || site.query().is_some() {
        // A feed or sitemap URL need not look like one (`/feed/atom/`): what it answers decides.
        let Some(answer) = unless_cancelled(cancel, fetcher.document(site)).await else {
            return Ok(Vec::new());
        };
        if let Ok(resp) = answer {
            if (200..300).contains(&resp.status) && answers_as_sitemap(&resp.body) {
                note(&format!(
                    "{} answers as a sitemap or feed; reading it",
                    resp.url
                ));
                return Ok(vec![Pending {
                    url: site.clone(),
                    via: FoundVia::Argument,
                    depth: 0,
                    prefetched: Some(resp),
                }]);
            }
        }
    }
    let mut tried = Vec::new();
    let robots_url = origin
        .join("/robots.txt")
        .map_err(|_| DiscoverError::BadTarget(site.to_string()))?;
    let Some(robots_state) = unless_cancelled(cancel, fetcher.robots(&origin)).await else {
        return Ok(Vec::new());
    };
    // A TARGET with a path may be WordPress in a subdirectory (`/blog/`): its sitemaps live
    // under that path, and the root's robots.txt may well list another site's. So look there
    // first; only then fall back to the root, and say that the whole origin is audited.
    let answers = !matches!(
        robots_state,
        RobotsState::Unreachable(RobotsFailure::NoAnswer(_) | RobotsFailure::NoUrl)
    );
    let prefixes = path_prefixes(site);
    if answers && !prefixes.is_empty() {
        for prefix in &prefixes {
            for name in SUBDIR_NAMES {
                let Ok(url) = origin.join(&format!("{prefix}{name}")) else {
                    continue;
                };
                let Some(answer) = unless_cancelled(cancel, fetcher.document(&url)).await else {
                    return Ok(Vec::new());
                };
                match answer {
                    Ok(resp)
                        if (200..300).contains(&resp.status) && looks_like_sitemap(&resp.body) =>
                    {
                        note(&format!(
                            "found sitemap {} under the path of {site}",
                            resp.url
                        ));
                        return Ok(vec![Pending {
                            url,
                            via: FoundVia::WellKnown,
                            depth: 0,
                            prefetched: Some(resp),
                        }]);
                    }
                    Ok(resp) => tried.push(format!("{prefix}{name} answered HTTP {}", resp.status)),
                    Err(e) => tried.push(format!("{prefix}{name}: {e}")),
                }
            }
        }
        let whole = format!(
            "no sitemap under {} (tried {}); auditing the sitemaps of the whole site at {origin}: to audit only the pages under it, add --include '{}**', or give one page with --urls",
            site.path(),
            prefixes
                .iter()
                .map(|p| format!("{p}{}", SUBDIR_NAMES[0]))
                .collect::<Vec<_>>()
                .join(", "),
            prefixes.first().map_or("/", String::as_str)
        );
        note(&whole);
        summary.warnings.push(whole);
    }
    match robots_state {
        RobotsState::Rules(robots) => {
            if let Some(notice) = crawl_delay_notice(fetcher, &robots, None) {
                note(&notice);
            }
            let mut found = Vec::new();
            for s in &robots.sitemaps {
                match robots_url.join(s) {
                    Ok(u) if same_origin(&u, &origin) || config.selection.host_allowed(&u) => {
                        found.push(u);
                    }
                    Ok(u) => summary.warnings.push(format!(
                        "{robots_url}: Sitemap {u} is on another origin; not followed (--allow-host HOST lets it in)"
                    )),
                    Err(e) => summary
                        .warnings
                        .push(format!("{robots_url}: unusable Sitemap line `{s}`: {e}")),
                }
            }
            if !found.is_empty() {
                note(&format!(
                    "robots.txt lists {} sitemap(s): {}",
                    found.len(),
                    found.iter().map(Url::as_str).collect::<Vec<_>>().join(", ")
                ));
                return Ok(found
                    .into_iter()
                    .map(|url| Pending {
                        url,
                        via: FoundVia::RobotsTxt,
                        depth: 0,
                        prefetched: None,
                    })
                    .collect());
            }
            tried.push("robots.txt has no Sitemap line".to_owned());
        }
        RobotsState::Missing(status) if (300..400).contains(&status) => {
            tried.push(format!(
                "robots.txt redirects more than {} times or in a loop (treated as absent, RFC 9309)",
                crate::fetch::MAX_ROBOTS_REDIRECTS
            ));
        }
        RobotsState::Missing(status) => {
            tried.push(format!("robots.txt answered HTTP {status}"));
        }
        RobotsState::Unreachable(failure @ (RobotsFailure::NoAnswer(_) | RobotsFailure::NoUrl)) => {
            // No answer at all (after retries): the well-known paths would fail the same way.
            return Err(DiscoverError::Unreachable {
                site: origin.to_string(),
                reason: failure.to_string(),
            });
        }
        RobotsState::Unreachable(failure) if !fetcher.config().ignore_robots => {
            // Every page would be refused: say it once, as a failure.
            return Err(DiscoverError::RobotsUnreadable {
                url: robots_url.to_string(),
                reason: failure.to_string(),
            });
        }
        RobotsState::Unreachable(failure) => tried.push(failure.to_string()),
    }
    for path in WELL_KNOWN {
        let Ok(url) = origin.join(path) else { continue };
        let Some(answer) = unless_cancelled(cancel, fetcher.document(&url)).await else {
            return Ok(Vec::new());
        };
        match answer {
            Ok(resp) => {
                if (200..300).contains(&resp.status) && looks_like_sitemap(&resp.body) {
                    note(&format!("found sitemap {} (well-known location)", resp.url));
                    return Ok(vec![Pending {
                        url,
                        via: FoundVia::WellKnown,
                        depth: 0,
                        prefetched: Some(resp),
                    }]);
                }
                tried.push(format!("{path} answered HTTP {}", resp.status));
            }
            Err(e) => {
                tried.push(format!("{path}: {e}"));
            }
        }
    }
    Err(DiscoverError::NoSitemap {
        // As typed: a subdirectory install is looked for under its path too.
        site: site.to_string(),
        tried: tried.join("; "),
    })
}

/// Whether a body given as the target reads as a sitemap or feed of any kind (XML, RSS, Atom,
/// text), as opposed to an HTML page or anything else that parses to nothing.
fn answers_as_sitemap(body: &[u8]) -> bool {
    let decoded = bytes::decode_body_partial(body, parse::DEFAULT_MAX_BYTES);
    let Ok(decoded) = decoded else {
        return false;
    };
    let Ok(base) = Url::parse("http://target.invalid/") else {
        return false;
    };
    let limits = Limits {
        max_entries: 1,
        ..Limits::default()
    };
    parse::parse(&decoded.body, &base, &limits, |_| ControlFlow::Break(())).is_ok()
}

/// What the audit says about a `Crawl-delay`: the gap it keeps (capped at
/// [`crate::fetch::MAX_CRAWL_DELAY`]) and, once the page count is known, how long the pages
/// take at that pace. `None` when there is no delay or `--ignore-robots` ignores it.
fn crawl_delay_notice(
    fetcher: &Fetcher,
    robots: &crate::robots::Robots,
    pages: Option<u64>,
) -> Option<String> {
    if fetcher.config().ignore_robots {
        return None;
    }
    let asked = robots.crawl_delay?;
    let used = crate::fetch::capped_crawl_delay(asked)?;
    let secs = used.as_secs_f64();
    let mut text = if asked > secs {
        format!(
            "robots.txt asks for Crawl-delay: {asked} s; capped at {secs} s between requests (the most nonce-audit waits)"
        )
    } else {
        format!("robots.txt asks for Crawl-delay: {asked} s between requests; honoured")
    };
    if let Some(n) = pages.filter(|n| *n > 0) {
        let eta = std::time::Duration::from_secs_f64(secs * n as f64);
        let end = chrono::Local::now() + chrono::Duration::from_std(eta).unwrap_or_default();
        text.push_str(&format!(
            "; {n} page(s) take at least {} at that pace (ETA {})",
            humantime::format_duration(std::time::Duration::from_secs(eta.as_secs())),
            end.format("%H:%M")
        ));
    }
    Some(text)
}

/// After the walk: a robots.txt that cannot be read fails the audit (RFC 9309: crawl nothing)
/// instead of becoming a row of errors per page, and a `Crawl-delay` gets its ETA.
async fn robots_verdict(
    fetcher: &Fetcher,
    cancel: &Option<tokio::sync::watch::Receiver<bool>>,
    summary: &mut WalkSummary,
    note: &mut (impl FnMut(&str) + Send),
) -> Result<(), DiscoverError> {
    let Some(site) = summary.site.clone() else {
        return Ok(());
    };
    if fetcher.config().ignore_robots
        || !matches!(site.scheme(), "http" | "https")
        || cancelled(cancel)
    {
        return Ok(());
    }
    let Some(state) = unless_cancelled(cancel, fetcher.robots(&site)).await else {
        return Ok(());
    };
    match state {
        RobotsState::Unreachable(failure) => Err(DiscoverError::RobotsUnreadable {
            url: site
                .join("/robots.txt")
                .map_or_else(|_| site.to_string(), |u| u.to_string()),
            reason: failure.to_string(),
        }),
        RobotsState::Rules(robots) => {
            if let Some(notice) = crawl_delay_notice(fetcher, &robots, Some(summary.pages)) {
                let capped = robots
                    .crawl_delay
                    .is_some_and(|d| d > crate::fetch::MAX_CRAWL_DELAY.as_secs_f64());
                if capped {
                    summary.warnings.push(notice.clone());
                }
                note(&notice);
            }
            Ok(())
        }
        RobotsState::Missing(_) => Ok(()),
    }
}

fn looks_like_sitemap(body: &[u8]) -> bool {
    let Ok(decoded) = bytes::decode_body(body, 1024 * 1024) else {
        return false;
    };
    let head = &decoded[..decoded.len().min(4096)];
    let text = String::from_utf8_lossy(head);
    text.contains("<urlset") || text.contains("<sitemapindex") || text.contains(":urlset")
}

struct WalkState {
    seen_pages: SeenSet,
    seen_sitemaps: HashSet<String>,
    max_sitemaps: usize,
    sitemaps_queued: usize,
    over_budget: u64,
    /// Indexes whose reading stopped at the budget (their remaining entries are not counted).
    indexes_cut: u64,
    too_deep: u64,
    too_deep_first: Option<String>,
    tx: mpsc::Sender<PageUrl>,
    max_pages: Option<u64>,
    limits: Limits,
    other_host: u64,
    filtered: u64,
    closed: bool,
    cancel: Option<tokio::sync::watch::Receiver<bool>>,
    selection: Arc<Selection>,
}

impl WalkState {
    fn new(config: &WalkConfig, tx: mpsc::Sender<PageUrl>) -> Self {
        Self {
            seen_pages: SeenSet::default(),
            seen_sitemaps: HashSet::new(),
            max_sitemaps: config.max_sitemaps.max(1),
            sitemaps_queued: 0,
            over_budget: 0,
            indexes_cut: 0,
            too_deep: 0,
            too_deep_first: None,
            tx,
            max_pages: config.max_pages,
            limits: config.limits,
            other_host: 0,
            filtered: 0,
            closed: false,
            cancel: config.cancel.clone(),
            selection: Arc::new(config.selection.clone()),
        }
    }

    /// Queues a sitemap unless it was queued before or the budget is spent: the one door into
    /// the queue, so its length and the visited set stay within [`WalkConfig::max_sitemaps`].
    fn enqueue(&mut self, queue: &mut VecDeque<Pending>, p: Pending) -> bool {
        if self.seen_sitemaps.contains(p.url.as_str()) {
            return false;
        }
        if self.sitemaps_queued >= self.max_sitemaps {
            self.over_budget += 1;
            return false;
        }
        self.sitemaps_queued += 1;
        self.seen_sitemaps.insert(p.url.to_string());
        queue.push_back(p);
        true
    }

    fn full(&self) -> bool {
        self.closed
            || cancelled(&self.cancel)
            || self
                .max_pages
                .is_some_and(|m| self.seen_pages.len() as u64 >= m)
    }
}

/// The page URLs already sent on, as 64-bit hashes: a sorted vector plus a small hash set of
/// recent ones merged into it in batches. About 8 bytes per URL (a hash set would take 18 to
/// 28 at a million, counting its spare capacity and the copy made when it grows).
#[derive(Debug, Default)]
pub struct SeenSet {
    sorted: Vec<u64>,
    recent: HashSet<u64>,
}

impl SeenSet {
    const BATCH: usize = 1 << 16;

    /// Adds a hash; false when it was already there.
    pub fn insert(&mut self, h: u64) -> bool {
        if self.sorted.binary_search(&h).is_ok() || !self.recent.insert(h) {
            return false;
        }
        if self.recent.len() >= Self::BATCH {
            self.sorted.reserve_exact(self.recent.len());
            self.sorted.extend(self.recent.drain());
            // Two sorted runs after the first batch: the stable sort merges them in linear time.
            self.sorted.sort();
        }
        true
    }

    /// How many distinct hashes are in the set.
    pub fn len(&self) -> usize {
        self.sorted.len() + self.recent.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The admission rules for page URLs, moved into the blocking parser thread and back.
struct Gate {
    seen: SeenSet,
    site: Option<Url>,
    selection: Arc<Selection>,
    max_pages: Option<u64>,
    cancel: Option<tokio::sync::watch::Receiver<bool>>,
    tx: mpsc::Sender<PageUrl>,
    urls: u64,
    other_host: u64,
    filtered: u64,
    closed: bool,
}

impl Gate {
    /// Keeps or drops one page URL, and sends it on when kept.
    fn admit(&mut self, mut loc: Url, lastmod: Option<String>) -> ControlFlow<()> {
        loc.set_fragment(None);
        if !matches!(loc.scheme(), "http" | "https") {
            return ControlFlow::Continue(());
        }
        match (&self.site, origin_of(&loc)) {
            (None, Some(o)) => self.site = Some(o),
            (Some(s), _) if !same_origin(s, &loc) && !self.selection.host_allowed(&loc) => {
                self.other_host += 1;
                return ControlFlow::Continue(());
            }
            _ => {}
        }
        if !self.selection.keeps(&loc) {
            self.filtered += 1;
            return ControlFlow::Continue(());
        }
        if self.max_pages.is_some_and(|m| self.seen.len() as u64 >= m) || cancelled(&self.cancel) {
            return ControlFlow::Break(());
        }
        if !self.seen.insert(url_hash(&loc)) {
            return ControlFlow::Continue(());
        }
        self.urls += 1;
        let page = PageUrl {
            seq: self.seen.len() as u64 - 1,
            url: loc,
            lastmod,
        };
        if !self.send(page) {
            self.closed = true;
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    }

    /// Sends from the parser thread; a full channel waits, but never past Ctrl-C (the page
    /// fetchers have stopped then and would never make room).
    fn send(&self, page: PageUrl) -> bool {
        use tokio::sync::mpsc::error::TrySendError;
        match self.tx.try_send(page) {
            Ok(()) => true,
            Err(TrySendError::Closed(_)) => false,
            Err(TrySendError::Full(page)) => {
                let Ok(handle) = tokio::runtime::Handle::try_current() else {
                    return self.tx.blocking_send(page).is_ok();
                };
                let tx = self.tx.clone();
                let cancel = self.cancel.clone();
                handle.block_on(async move {
                    unless_cancelled(&cancel, tx.send(page))
                        .await
                        .is_some_and(|r| r.is_ok())
                })
            }
        }
    }
}

impl WalkState {
    fn gate(&mut self, site: Option<Url>) -> Gate {
        Gate {
            seen: std::mem::take(&mut self.seen_pages),
            site,
            selection: Arc::clone(&self.selection),
            max_pages: self.max_pages,
            cancel: self.cancel.clone(),
            tx: self.tx.clone(),
            urls: 0,
            other_host: 0,
            filtered: 0,
            closed: false,
        }
    }

    /// Takes the gate's counters back; returns the site it settled on.
    fn take_back(&mut self, gate: Gate) -> Option<Url> {
        self.seen_pages = gate.seen;
        self.other_host += gate.other_host;
        self.filtered += gate.filtered;
        self.closed |= gate.closed;
        gate.site
    }
}

/// Reads a plain URL list (one per line; blank lines and `#` comments skipped), streaming each
/// URL through the same admission rules as sitemap entries. The site (the first URL's origin)
/// is declared to the fetcher as soon as it is known, since its pages are fetched while the
/// list is still read. A `user:password@` in a line is taken out of the URL (so it is never
/// printed or stored) and, on the site's origin, becomes its basic auth from then on.
async fn read_url_list(
    fetcher: &Fetcher,
    source: Option<PathBuf>,
    state: &mut WalkState,
    summary: &mut WalkSummary,
) -> Result<(), DiscoverError> {
    use std::io::BufRead;
    let name = source
        .as_ref()
        .map_or_else(|| "standard input".to_owned(), |p| p.display().to_string());
    let reader: Box<dyn BufRead + Send> = match &source {
        Some(p) if p.is_dir() => {
            return Err(DiscoverError::UrlList {
                name,
                reason: "it is a directory, not a file of URLs".to_owned(),
            });
        }
        Some(p) => Box::new(std::io::BufReader::new(std::fs::File::open(p).map_err(
            |e| DiscoverError::UrlList {
                name: name.clone(),
                reason: crate::util::io_words(&e),
            },
        )?)),
        None => Box::new(std::io::BufReader::new(std::io::stdin())),
    };
    let mut gate = state.gate(summary.site.clone());
    let fetcher = fetcher.clone();
    let result = tokio::task::spawn_blocking(move || {
        let mut bad = 0u64;
        let mut first_bad = None;
        let mut read_error = None;
        for line in reader.split(b'\n') {
            let line = match line {
                Ok(l) => l,
                Err(e) => {
                    read_error = Some(crate::util::io_words(&e));
                    break;
                }
            };
            let text = String::from_utf8_lossy(&line);
            let text = text.trim();
            if text.is_empty() || text.starts_with('#') {
                continue;
            }
            match Url::parse(text) {
                Ok(u) if matches!(u.scheme(), "http" | "https") => {
                    if gate.site.is_none() {
                        if let Some(origin) = origin_of(&u) {
                            fetcher.set_site(&origin);
                        }
                    }
                    let u = match crate::util::userinfo_of(&u) {
                        Some((user, pass)) => {
                            if gate.site.as_ref().is_none_or(|s| same_origin(s, &u)) {
                                fetcher.set_site_basic_auth(user, crate::fetch::Secret(pass));
                            }
                            crate::util::strip_userinfo(&u)
                        }
                        None => u,
                    };
                    if gate.admit(u, None).is_break() {
                        break;
                    }
                }
                _ => {
                    bad += 1;
                    first_bad.get_or_insert_with(|| {
                        crate::util::shorten(&crate::util::redact_userinfo(text), 80)
                    });
                }
            }
        }
        (gate, bad, first_bad, read_error)
    })
    .await;
    let Ok((gate, bad, first_bad, read_error)) = result else {
        return Err(DiscoverError::UrlList {
            name,
            reason: "the URL list reader stopped unexpectedly".to_owned(),
        });
    };
    let mut row = SitemapRow {
        url: name,
        found_via: FoundVia::UrlList,
        urls: gate.urls,
        warnings: Vec::new(),
    };
    if let Some(first) = first_bad {
        row.warnings.push(format!(
            "{bad} line(s) skipped: not an http(s) URL (first: `{first}`)"
        ));
    }
    if let Some(e) = read_error {
        row.warnings.push(format!(
            "reading stopped: {e}; the URLs before it are audited"
        ));
    }
    summary.site = state.take_back(gate);
    summary.sitemaps.push(row);
    Ok(())
}

fn url_hash(u: &Url) -> u64 {
    let mut h = DefaultHasher::new();
    u.as_str().hash(&mut h);
    h.finish()
}

async fn walk_queue(
    fetcher: &Fetcher,
    mut queue: VecDeque<Pending>,
    mut state: WalkState,
    mut summary: WalkSummary,
    note: &mut (impl FnMut(&str) + Send),
) -> Result<WalkSummary, DiscoverError> {
    while let Some(p) = queue.pop_front() {
        if state.full() {
            break;
        }
        let resp = match p.prefetched {
            Some(r) => r,
            None => match unless_cancelled(&state.cancel, fetcher.document(&p.url)).await {
                None => {
                    summary
                        .warnings
                        .push(format!("{}: interrupted while reading this sitemap", p.url));
                    break;
                }
                Some(Ok(r)) => r,
                Some(Err(e)) => {
                    tracing::info!(sitemap = %p.url, error = %e, "sitemap could not be fetched");
                    summary.sitemaps.push(SitemapRow {
                        url: p.url.to_string(),
                        found_via: p.via,
                        urls: 0,
                        warnings: vec![format!("could not fetch: {e}")],
                    });
                    continue;
                }
            },
        };
        let final_url = resp.url.to_string();
        tracing::info!(
            sitemap = %final_url,
            status = resp.status,
            bytes = resp.body.len(),
            found_via = p.via.as_str(),
            "sitemap fetched"
        );
        if final_url != p.url.as_str() && !state.seen_sitemaps.insert(final_url.clone()) {
            continue;
        }
        if !(200..300).contains(&resp.status) {
            let mut warning = format!("HTTP {}", resp.status);
            if let Some(t) = crate::util::html_title(&resp.body) {
                warning.push_str(&format!(" (page titled \"{t}\")"));
            }
            summary.sitemaps.push(SitemapRow {
                url: final_url,
                found_via: p.via,
                urls: 0,
                warnings: vec![warning],
            });
            continue;
        }
        let status = resp.status;
        let base = resp.url.clone();
        let children = match read_one(
            resp.body,
            resp.truncated,
            &base,
            &final_url,
            p.via,
            &mut state,
            &mut summary,
        )
        .await
        {
            Ok(c) => c,
            Err(reason) => {
                if let Some(row) = summary.sitemaps.last_mut() {
                    if row.url == final_url && !reason.is_empty() {
                        row.warnings.push(format!("HTTP {status}: {reason}"));
                    }
                }
                continue;
            }
        };
        if let Some(row) = summary.sitemaps.last() {
            // Under --max-pages the reading stops at the limit: the count is what was taken,
            // not what the sitemap lists.
            let stopped = match state.max_pages {
                Some(m) if state.full() && !cancelled(&state.cancel) => {
                    format!(" taken before --max-pages {m} stopped the reading")
                }
                _ => String::new(),
            };
            note(&format!(
                "sitemap {} ({}): {} page URL(s){stopped}{}",
                row.url,
                row.found_via,
                row.urls,
                if children.is_empty() {
                    String::new()
                } else {
                    format!(", {} child sitemap(s)", children.len())
                }
            ));
        }
        queue_children(
            &mut state,
            &mut summary,
            &mut queue,
            &final_url,
            p.depth,
            children,
        );
    }
    finish(&mut state, &mut summary, note);
    Ok(summary)
}

/// `a, b, c (and 7 more)`: names a few URLs of a long list in a warning.
fn name_some(urls: &[String], total: usize) -> String {
    let mut text = urls.join(", ");
    if total > urls.len() {
        text.push_str(&format!(" (and {} more)", total - urls.len()));
    }
    text
}

/// Queues an index's children, deciding everything before they take memory: too deep, on
/// another origin (an https site's index pointing at http counts), already seen, over budget.
fn queue_children(
    state: &mut WalkState,
    summary: &mut WalkSummary,
    queue: &mut VecDeque<Pending>,
    parent: &str,
    parent_depth: usize,
    children: Vec<Url>,
) {
    if children.is_empty() {
        return;
    }
    let depth = parent_depth + 1;
    if depth > MAX_DEPTH {
        state.too_deep += children.len() as u64;
        state
            .too_deep_first
            .get_or_insert_with(|| parent.to_owned());
        return;
    }
    let mut foreign = Vec::new();
    let mut foreign_count = 0;
    for loc in children {
        let other_origin = summary
            .site
            .as_ref()
            .is_some_and(|s| !same_origin(s, &loc) && !state.selection.host_allowed(&loc));
        if other_origin {
            foreign_count += 1;
            if foreign.len() < NAMED_IN_WARNING {
                foreign.push(loc.to_string());
            }
            continue;
        }
        state.enqueue(
            queue,
            Pending {
                url: loc,
                via: FoundVia::Index,
                depth,
                prefetched: None,
            },
        );
    }
    if foreign_count > 0 {
        summary.warnings.push(format!(
            "{parent}: {foreign_count} child sitemap(s) on another origin skipped: {} (--allow-host HOST lets them in)",
            name_some(&foreign, foreign_count)
        ));
    }
}

fn finish(state: &mut WalkState, summary: &mut WalkSummary, note: &mut (impl FnMut(&str) + Send)) {
    if state.over_budget > 0 {
        let at_least = if state.indexes_cut > 0 {
            "at least "
        } else {
            ""
        };
        let warning = format!(
            "sitemap budget reached: {} sitemaps read, {at_least}{} more listed but not read (--max-sitemaps N raises the budget); the pages found so far are audited",
            state.max_sitemaps, state.over_budget
        );
        summary.warnings.push(warning);
    }
    if let Some(first) = &state.too_deep_first {
        summary.warnings.push(format!(
            "{} child sitemap(s) nested deeper than {MAX_DEPTH} levels were not followed (the first listed by {first})",
            state.too_deep
        ));
    }
    if state.other_host > 0 {
        summary.warnings.push(format!(
            "skipped {} page URL(s) on another host than the audited site (--allow-host HOST keeps them)",
            state.other_host
        ));
    }
    if state.filtered > 0 {
        note(&format!(
            "{} page URL(s) left out by --include/--exclude",
            state.filtered
        ));
    }
    summary.pages = state.seen_pages.len() as u64;
    summary.filtered = state.filtered;
    summary.other_host = state.other_host;
}

/// Parses one sitemap body, streams its pages, and returns its child sitemaps.
async fn read_one(
    raw: ::bytes::Bytes,
    cut_at_cap: bool,
    base: &Url,
    name: &str,
    via: FoundVia,
    state: &mut WalkState,
    summary: &mut WalkSummary,
) -> Result<Vec<Url>, String> {
    let mut row = SitemapRow {
        url: name.to_owned(),
        found_via: via,
        urls: 0,
        warnings: Vec::new(),
    };
    let base = base.clone();
    let limits = state.limits;
    // How many more sitemaps the budget can take: an index listing more is not read on (a
    // fan-out of 50,000-entry indexes would otherwise cost the parse of every entry of every
    // index, long after the budget is spent).
    let room = state.max_sitemaps.saturating_sub(state.sitemaps_queued);
    let mut gate = state.gate(summary.site.clone());
    // The body moves into the parser thread; it is decoded there (gzip) without another copy.
    let result = tokio::task::spawn_blocking(move || {
        let mut children = Vec::new();
        let mut budget_cut = false;
        let mut cut = cut_at_cap.then(|| {
            format!(
                "the download stopped at the {}-byte cap; the URLs before the cut are kept",
                raw.len()
            )
        });
        let decoded = match bytes::decode_body_partial(&raw, limits.max_bytes) {
            Ok(d) => d,
            Err(e) => return (Err(Err(e)), children, gate, cut, budget_cut),
        };
        match decoded.cut {
            Some(e @ bytes::BodyError::TooLarge { .. }) => {
                cut = Some(format!("{e}; the URLs before the cap are kept"));
            }
            Some(e) => cut = Some(format!("{e}; the URLs before the cut are kept")),
            None => {}
        }
        // A body cut mid-line must not hand out half a URL: end it at the last complete line
        // or tag.
        let body: &[u8] = if cut.is_some() {
            let end = decoded
                .body
                .iter()
                .rposition(|&b| b == b'>' || b == b'\n')
                .map_or(0, |i| i + 1);
            &decoded.body[..end]
        } else {
            &decoded.body
        };
        let outcome = parse::parse(body, &base, &limits, |item| match item {
            Item::Sitemap { .. } if children.len() >= room => {
                budget_cut = true;
                ControlFlow::Break(())
            }
            Item::Sitemap { loc, .. } => {
                children.push(loc);
                ControlFlow::Continue(())
            }
            Item::Page { loc, lastmod } => gate.admit(loc, lastmod.map(|l| l.to_string())),
        });
        (outcome.map_err(Ok), children, gate, cut, budget_cut)
    })
    .await;
    let Ok((outcome, children, gate, cut, budget_cut)) = result else {
        row.warnings
            .push("the sitemap parser stopped unexpectedly".to_owned());
        summary.sitemaps.push(row);
        return Err("parser task failed".to_owned());
    };
    let urls = gate.urls;
    summary.site = state.take_back(gate);
    row.urls = urls;
    if budget_cut {
        // At least one more listed; how many is not worth reading the rest to know.
        state.over_budget += 1;
        state.indexes_cut += 1;
        row.warnings
            .push("the sitemap budget is spent: the rest of this index was not read".to_owned());
    }
    if let Some(cut) = cut {
        row.warnings.push(cut);
    }
    let outcome = match outcome {
        Ok(o) => o,
        Err(Ok(e)) => {
            let reason = describe_sitemap_error(&e);
            summary.sitemaps.push(row);
            return Err(reason);
        }
        Err(Err(e)) => {
            row.warnings.push(e.to_string());
            summary.sitemaps.push(row);
            // Already said in the row.
            return Err(String::new());
        }
    };
    row.warnings.extend(outcome.warnings);
    if outcome.truncated {
        row.warnings.push(format!(
            "truncated: the file ends mid-document; kept the {} entries read before the cut",
            outcome.entries
        ));
    }
    summary.sitemaps.push(row);
    Ok(children)
}

fn describe_sitemap_error(e: &SitemapError) -> String {
    match e {
        SitemapError::Html { title: Some(t) } => {
            format!("an HTML page titled \"{t}\" was served instead of a sitemap")
        }
        SitemapError::Html { title: None } => {
            "an HTML page was served instead of a sitemap".to_owned()
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_target_path_gives_its_directories_deepest_first() {
        let p = |u: &str| path_prefixes(&Url::parse(u).unwrap());
        assert_eq!(p("https://x.test/"), Vec::<String>::new());
        assert_eq!(p("https://x.test/blog/"), ["/blog/"]);
        assert_eq!(p("https://x.test/blog/hello/"), ["/blog/hello/", "/blog/"]);
        assert_eq!(
            p("https://x.test/a/b/c/d/"),
            ["/a/b/c/d/", "/a/b/c/", "/a/b/"]
        );
        assert_eq!(p("https://x.test/blog/page.html"), ["/blog/"]);
        assert_eq!(p("https://x.test/page"), Vec::<String>::new());
    }

    #[test]
    fn target_kinds() {
        assert!(matches!(
            Target::parse("https://example.com").unwrap(),
            Target::Site(_)
        ));
        assert!(matches!(
            Target::parse("https://example.com/blog/").unwrap(),
            Target::Site(_)
        ));
        assert!(matches!(
            Target::parse("https://example.com/wp-sitemap.xml").unwrap(),
            Target::Sitemap(_)
        ));
        assert!(matches!(
            Target::parse("https://example.com/post-sitemap.xml.gz").unwrap(),
            Target::Sitemap(_)
        ));
        assert!(matches!(
            Target::parse("https://example.com/?sitemap=index").unwrap(),
            Target::Sitemap(_)
        ));
        assert!(matches!(
            Target::parse("Cargo.toml").unwrap(),
            Target::File(_)
        ));
        assert!(Target::parse("ftp://example.com/").is_err());
        assert!(Target::parse("/no/such/file.xml").is_err());
    }

    #[test]
    fn seen_set_dedupes_across_batches() {
        let mut s = SeenSet::default();
        let n = SeenSet::BATCH as u64 * 3 + 17;
        for i in 0..n {
            assert!(s.insert(i.wrapping_mul(0x9E37_79B9_7F4A_7C15)), "{i}");
        }
        assert_eq!(s.len() as u64, n);
        for i in (0..n).step_by(997) {
            assert!(!s.insert(i.wrapping_mul(0x9E37_79B9_7F4A_7C15)), "{i}");
        }
        assert_eq!(s.len() as u64, n);
        assert!(!s.is_empty());
    }

    #[test]
    fn origin_drops_path_query_and_credentials() {
        let u = Url::parse("https://user:pw@example.com:8443/a/b?c=d#e").unwrap();
        assert_eq!(origin_of(&u).unwrap().as_str(), "https://example.com:8443/");
    }
}
