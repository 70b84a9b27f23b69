//! The audit pipeline: sitemap walk → page fetch → extraction → verification → page rows.
//!
//! Data flows one way. The walk streams URLs into a bounded channel; a fixed number of workers
//! fetch pages, read their nonces and cache headers, and ask the verifier, which probes each
//! distinct nonce once. Memory is bounded by the channel, the workers in flight and the result
//! rows, whatever the size of the site.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use thiserror::Error;
use tokio::sync::mpsc;
use url::Url;

use crate::advise::Forecaster;
use crate::cache::{self, calibrate, calibrate::Calibrator};
use crate::clock::NonceClock;
use crate::discover::{self, DiscoverError, PageUrl, Target, WalkConfig};
use crate::extract;
use crate::fetch::{FetchConfig, FetchError, Fetched, Fetcher, same_origin};
use crate::judge::{self, Evidence, Fetch, Rest};
use crate::model::rows::RowSink;
use crate::model::{NonceRow, PageResult, Report, SCHEMA, Summary};
use crate::verify::Verifier;

/// Default number of pages fetched at once: polite to a PHP origin behind a cache.
pub const DEFAULT_CONCURRENCY: usize = 4;
pub use crate::fetch::DEFAULT_RATE;
/// Page URLs buffered between the sitemap walk and the fetchers.
pub const CHANNEL_CAPACITY: usize = 256;
/// After an interruption, how long pages already being audited may take to finish.
pub const INTERRUPT_GRACE: std::time::Duration = std::time::Duration::from_secs(3);

/// Everything an audit needs to know.
#[derive(Debug, Clone)]
pub struct AuditConfig {
    /// Where to start.
    pub target: Target,
    /// The site's `nonce_life` in seconds.
    pub nonce_life_s: u64,
    /// Pages fetched at once.
    pub concurrency: usize,
    /// HTTP settings.
    pub fetch: FetchConfig,
    /// Sitemap walk settings.
    pub walk: WalkConfig,
    /// Page rows kept in memory before the rest go to a temporary file
    /// ([`crate::model::rows::SPILL_AFTER`] by default; 0 spills every row).
    pub rows_in_memory: usize,
}

impl AuditConfig {
    /// The defaults for `target`.
    pub fn new(target: Target) -> Self {
        Self {
            target,
            nonce_life_s: crate::clock::DEFAULT_NONCE_LIFE_S,
            concurrency: DEFAULT_CONCURRENCY,
            fetch: FetchConfig::default(),
            walk: WalkConfig::default(),
            rows_in_memory: crate::model::rows::SPILL_AFTER,
        }
    }
}

/// Why an audit could not run at all (exit code 2).
#[derive(Debug, Error)]
pub enum AuditError {
    /// Discovery failed.
    #[error(transparent)]
    Discover(#[from] DiscoverError),
    /// The HTTP client could not be built.
    #[error("cannot start the HTTP client: {0}")]
    Client(#[from] FetchError),
    /// Sitemaps were read but listed no page.
    #[error("the sitemaps list no page URL{0}")]
    NoPages(String),
}

/// Progress events, for the binary's progress bar and notes.
#[derive(Debug)]
pub enum Event<'a> {
    /// Something worth telling the operator while the audit runs.
    Note(&'a str),
    /// A page URL was queued.
    Queued,
    /// One page is done.
    Page(&'a PageResult),
    /// REST requests sent so far (nonce probes plus control probes), after each page.
    Probes(u64),
}

/// A callback receiving [`Event`]s; called from several tasks.
pub type EventSink = Arc<dyn Fn(Event<'_>) + Send + Sync>;

/// A sink that ignores everything.
pub fn quiet() -> EventSink {
    Arc::new(|_| {})
}

struct Ctx {
    fetcher: Fetcher,
    verifier: Verifier,
    clock: NonceClock,
    calibrator: Calibrator,
    server_time: Mutex<Option<DateTime<Utc>>>,
}

impl Ctx {
    fn saw_time(&self, t: Option<DateTime<Utc>>) {
        if let (Some(t), Ok(mut cur)) = (t, self.server_time.lock()) {
            if cur.is_none_or(|c| t > c) {
                *cur = Some(t);
            }
        }
    }
}

fn is_cancelled(c: &Option<tokio::sync::watch::Receiver<bool>>) -> bool {
    c.as_ref().is_some_and(|rx| *rx.borrow())
}

/// Resolves `INTERRUPT_GRACE` after the cancel flag is raised; never without a flag.
async fn interrupted(c: Option<tokio::sync::watch::Receiver<bool>>) {
    match c {
        Some(mut rx) => {
            if rx.wait_for(|v| *v).await.is_err() {
                std::future::pending::<()>().await;
            }
            tokio::time::sleep(INTERRUPT_GRACE).await;
        }
        None => std::future::pending().await,
    }
}

/// What the audit keeps as pages finish: the rows go to the row store (on disk past the first
/// thousand), and only what the report's summary, forecast and advice need is kept in memory:
/// counts, the REST roots seen, and slim copies of the pages the advice is about.
struct Collector {
    rows: RowSink,
    summary: Summary,
    roots: HashMap<String, usize>,
    uncalibrated: usize,
    forecast: Forecaster,
    advice: Vec<(u64, crate::advise::Finding)>,
}

impl Collector {
    fn new(rows_in_memory: usize) -> Self {
        Self {
            rows: RowSink::with_spill_after(rows_in_memory),
            summary: Summary::default(),
            roots: HashMap::new(),
            uncalibrated: 0,
            forecast: Forecaster::default(),
            advice: Vec::new(),
        }
    }

    fn put(&mut self, seq: u64, row: PageResult) {
        self.summary.count(row.verdict);
        if let Some(r) = &row.rest_root {
            match self.roots.get_mut(r.as_str()) {
                Some(n) => *n += 1,
                None => {
                    self.roots.insert(r.clone(), 1);
                }
            }
        }
        if row.cache.approximate {
            self.uncalibrated += 1;
        }
        self.forecast.add(seq, &row);
        if let Some(f) = crate::advise::Finding::of(&row) {
            self.advice.push((seq, f));
        }
        self.rows.put(seq, row);
    }
}

/// Runs a whole audit and returns its report. Raising `config.walk.cancel` stops it early: no new
/// page is started, pages in flight get [`INTERRUPT_GRACE`] to finish, and the report that comes
/// back says `interrupted`.
pub async fn run(config: &AuditConfig, events: EventSink) -> Result<Report, AuditError> {
    let started_at = Utc::now();
    let fetcher = Fetcher::new(config.fetch.clone())?;
    let ctx = Arc::new(Ctx {
        verifier: Verifier::new(fetcher.clone()),
        fetcher: fetcher.clone(),
        clock: NonceClock::new(config.nonce_life_s),
        calibrator: Calibrator::default(),
        server_time: Mutex::new(None),
    });

    let (tx, rx) = mpsc::channel::<PageUrl>(CHANNEL_CAPACITY);
    let rx = Arc::new(tokio::sync::Mutex::new(rx));
    let results = Arc::new(Mutex::new(Collector::new(config.rows_in_memory)));
    let mut workers = Vec::new();
    for _ in 0..config.concurrency.max(1) {
        let rx = Arc::clone(&rx);
        let ctx = Arc::clone(&ctx);
        let results = Arc::clone(&results);
        let events = Arc::clone(&events);
        let cancel = config.walk.cancel.clone();
        workers.push(tokio::spawn(async move {
            loop {
                if is_cancelled(&cancel) {
                    break;
                }
                let next = rx.lock().await.recv().await;
                let Some(page) = next else { break };
                if is_cancelled(&cancel) {
                    break;
                }
                let seq = page.seq;
                let url = page.url.to_string();
                let lastmod = page.lastmod.clone();
                let row = tokio::select! {
                    row = audit_page(&ctx, page) => row,
                    () = interrupted(cancel.clone()) => PageResult {
                        lastmod,
                        ..PageResult::error(&url, None, "interrupted before this page was audited")
                    },
                };
                tracing::debug!(
                    url = %row.url,
                    verdict = %row.verdict,
                    status = row.status,
                    cache = row.cache.layer.as_deref().unwrap_or("none"),
                    age_s = row.cache.age_s,
                    reason = row.reason.as_deref().unwrap_or(""),
                    "page audited"
                );
                events(Event::Page(&row));
                events(Event::Probes(ctx.verifier.probes_sent()));
                if let Ok(mut r) = results.lock() {
                    r.put(seq, row);
                }
            }
        }));
    }

    let walk_events = Arc::clone(&events);
    let queued_events = Arc::clone(&events);
    let (counting_tx, mut counting_rx) = mpsc::channel::<PageUrl>(CHANNEL_CAPACITY);
    // Count queued URLs for the progress bar on their way to the workers. A `--sample` needs the
    // whole list before it can spread its picks, so only then are the URLs held here.
    let sample = config.walk.selection.sample;
    let forward = tokio::spawn(async move {
        if let Some(n) = sample {
            let mut all = Vec::new();
            while let Some(p) = counting_rx.recv().await {
                all.push(p);
            }
            for p in discover::sample_evenly(all, n) {
                queued_events(Event::Queued);
                if tx.send(p).await.is_err() {
                    break;
                }
            }
            return;
        }
        while let Some(p) = counting_rx.recv().await {
            queued_events(Event::Queued);
            if tx.send(p).await.is_err() {
                break;
            }
        }
    });
    let walked = discover::walk(
        &fetcher,
        &config.target,
        &config.walk,
        counting_tx,
        move |msg| walk_events(Event::Note(msg)),
    )
    .await;
    let _ = forward.await;
    for w in workers {
        let _ = w.await;
    }
    let walk = walked?;
    let was_interrupted = is_cancelled(&config.walk.cancel);

    let collected = results
        .lock()
        .map(|mut r| std::mem::replace(&mut *r, Collector::new(0)))
        .unwrap_or_else(|_| Collector::new(0));
    if collected.rows.is_empty() && !was_interrupted {
        let why: Vec<String> = walk
            .sitemaps
            .iter()
            .flat_map(|s| s.warnings.iter().map(move |w| format!("{}: {w}", s.url)))
            .chain(walk.warnings.iter().cloned())
            .collect();
        return Err(AuditError::NoPages(if why.is_empty() {
            String::new()
        } else {
            format!(" ({})", why.join("; "))
        }));
    }

    let Collector {
        rows,
        mut summary,
        roots,
        uncalibrated,
        forecast,
        mut advice,
    } = collected;
    let pages = rows.finish();
    summary.rest_probes = ctx.verifier.probes_sent();
    let rest_root = roots
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
        .map(|(r, _)| r);
    let server_time = ctx.server_time.lock().ok().and_then(|t| *t);
    advice.sort_by_key(|(seq, _)| *seq);
    let advice: Vec<crate::advise::Finding> = advice.into_iter().map(|(_, p)| p).collect();
    let recommendations = crate::advise::recommend_findings(&advice, &ctx.clock);
    let forecast = forecast.finish();
    let offset = ctx.calibrator.any().await;
    let mut warnings = walk.warnings;
    if let Some(why) = pages.failure() {
        warnings.push(why.to_owned());
    }
    if uncalibrated > 0 {
        warnings.push(format!(
            "{uncalibrated} page(s) are dated by an approximate cache timestamp (site-local time that could not be calibrated, or minute precision); their ages may be off"
        ));
    }
    let site = walk
        .site
        .as_ref()
        .map(Url::to_string)
        .or_else(|| config.target.origin().map(|o| o.to_string()))
        .unwrap_or_default();
    Ok(Report {
        schema: SCHEMA,
        tool_version: env!("CARGO_PKG_VERSION"),
        site,
        rest_root,
        server_time,
        nonce_life_s: u64::try_from(ctx.clock.nonce_life_s()).unwrap_or(0),
        started_at,
        finished_at: Utc::now(),
        interrupted: was_interrupted,
        summary,
        pages,
        recommendations,
        sitemaps: walk.sitemaps,
        warnings,
        forecast,
        site_utc_offset_s: offset.map(|o| o.0),
        site_utc_offset_source: offset.map(|o| o.1),
        baseline: None,
    })
}

/// Walks the sitemaps only and hands each page URL to `each`, in sitemap order (the `sitemap`
/// subcommand: a dry run that fetches no page).
pub async fn list_pages(
    config: &AuditConfig,
    events: EventSink,
    mut each: impl FnMut(&PageUrl),
) -> Result<discover::WalkSummary, AuditError> {
    let fetcher = Fetcher::new(config.fetch.clone())?;
    let (tx, mut rx) = mpsc::channel::<PageUrl>(CHANNEL_CAPACITY);
    let target = config.target.clone();
    let walk_cfg = config.walk.clone();
    let walker = tokio::spawn(async move {
        discover::walk(&fetcher, &target, &walk_cfg, tx, move |m| {
            events(Event::Note(m))
        })
        .await
    });
    if let Some(n) = config.walk.selection.sample {
        let mut all = Vec::new();
        while let Some(p) = rx.recv().await {
            all.push(p);
        }
        for p in discover::sample_evenly(all, n) {
            each(&p);
        }
    } else {
        while let Some(p) = rx.recv().await {
            each(&p);
        }
    }
    match walker.await {
        Ok(r) => Ok(r?),
        Err(e) => Err(AuditError::NoPages(format!(" (the walk failed: {e})"))),
    }
}

/// Fetches one page, reads it, asks the site about its nonces, and hands what it saw to the
/// judge. Every decision about the verdict is [`judge::judge`]'s.
async fn audit_page(ctx: &Ctx, page: PageUrl) -> PageResult {
    let (final_url, fetch) = gather(ctx, &page.url).await;
    let evidence = Evidence {
        url: page.url.to_string(),
        lastmod: page.lastmod,
        final_url,
        fetch,
    };
    judge::judge(evidence, &ctx.clock)
}

/// The I/O half of [`audit_page`]: where the page ended up (when not at its own URL) and what
/// was seen on the way.
async fn gather(ctx: &Ctx, url: &Url) -> (Option<String>, Fetch) {
    if let Err(reason) = ctx.fetcher.robots_allow(url).await {
        return (None, Fetch::Disallowed(reason));
    }
    let resp = match ctx.fetcher.page(url).await {
        Ok(r) => r,
        Err(e) => return (None, Fetch::Failed(e.to_string())),
    };
    ctx.saw_time(resp.date);
    let final_url = (resp.url != *url).then(|| resp.url.to_string());
    if (300..400).contains(&resp.status) {
        let location = resp.header("location").map(str::to_owned);
        let status = resp.status;
        return (final_url, Fetch::Redirected { status, location });
    }
    if !(200..300).contains(&resp.status) {
        let title = crate::util::html_title(&resp.body);
        return (
            final_url,
            Fetch::Status {
                status: resp.status,
                title,
            },
        );
    }
    // Valid UTF-8 is the rule: check it at memory speed and borrow, and only pay for the lossy
    // (character by character) conversion when the page really has invalid bytes.
    let html = match std::str::from_utf8(&resp.body) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(&resp.body),
    };
    let mut found = extract::extract(&html, &resp.url);
    let mut notes = std::mem::take(&mut found.warnings);
    if found.wp_rest_nonces().next().is_none() {
        notes.extend(scan_combined_scripts(ctx, &resp.url, &mut found).await);
    }
    let mut cache_info = cache::fingerprint(&resp.headers, &html, resp.date, None);
    if cache_info.approximate && calibrate::uses_local_marker(&cache_info) {
        if let Some((offset, _)) = ctx.calibrator.offset(&ctx.fetcher, &resp.url).await {
            cache_info = cache::fingerprint(&resp.headers, &html, resp.date, Some(offset));
        }
    }
    let nonces: Vec<NonceRow> = found.nonces.iter().map(extract::FoundNonce::row).collect();
    let to_probe = judge::nonces_to_probe(&nonces);
    let rest = if to_probe.is_empty() {
        Rest::NoRestNonce
    } else {
        ask_rest(ctx, url, &resp, found.rest_root.clone(), &to_probe).await
    };
    let page = judge::Page {
        status: resp.status,
        date: resp.date.map(|d| d.timestamp()),
        nonces,
        cache: cache_info,
        notes,
        rest,
    };
    (final_url, Fetch::Page(page))
}

/// Finds the page's REST root (advertised in the page, in its `Link` header, or one of the
/// usual ones), checks that the nonce check is observable there, and asks about each nonce.
async fn ask_rest(
    ctx: &Ctx,
    page: &Url,
    resp: &Fetched,
    in_page: Option<String>,
    to_probe: &[String],
) -> Rest {
    let advertised = in_page
        .or_else(|| {
            resp.header("link")
                .and_then(|l| extract::rest_root_from_link_header(l, &resp.url))
        })
        .map(|r| Url::parse(&r).map_err(|e| format!("unusable REST root `{r}`: {e}")));
    let root = match advertised {
        Some(found) => found,
        None => ctx.verifier.fallback_root(&resp.url).await,
    };
    let root = match root {
        Ok(r) if !same_origin(&r, page) => {
            return Rest::NoRoot(format!(
                "the page's REST root {r} is on another origin; nonces are only sent to the audited site"
            ));
        }
        Ok(r) => r,
        Err(reason) => return Rest::NoRoot(reason),
    };
    if let Some(problem) = ctx.verifier.control(&root).await.problem() {
        return Rest::NotObservable {
            root: root.to_string(),
            problem: problem.to_owned(),
        };
    }
    let mut answers = Vec::with_capacity(to_probe.len());
    for nonce in to_probe {
        let outcome = ctx.verifier.probe(&root, nonce).await;
        ctx.saw_time(outcome.server_time());
        answers.push((nonce.clone(), outcome));
    }
    Rest::Probed {
        root: root.to_string(),
        answers,
    }
}

/// LiteSpeed's combined JS files can hold the inline scripts, nonces included, when the page has
/// none inline: fetch the same-origin ones (at most three) and scan them.
async fn scan_combined_scripts(
    ctx: &Ctx,
    page: &Url,
    found: &mut extract::Extraction,
) -> Vec<String> {
    let mut notes = Vec::new();
    let scripts: Vec<String> = found.combined_scripts.iter().take(3).cloned().collect();
    for src in scripts {
        let Ok(url) = page.join(&src) else { continue };
        if !same_origin(&url, page) {
            continue;
        }
        match ctx.fetcher.page(&url).await {
            Ok(r) if (200..300).contains(&r.status) => {
                let js = String::from_utf8_lossy(&r.body);
                let more = extract::extract_script(&js, &url);
                if more.nonces.is_empty() {
                    continue;
                }
                notes.push(format!(
                    "nonce(s) found in the combined script {url}, not inline in the page"
                ));
                for n in more.nonces {
                    if !found.nonces.contains(&n) {
                        found.nonces.push(n);
                    }
                }
                if found.rest_root.is_none() {
                    found.rest_root = more.rest_root;
                }
            }
            Ok(r) => notes.push(format!("combined script {url}: HTTP {}", r.status)),
            Err(e) => notes.push(format!("combined script {url}: {e}")),
        }
    }
    notes
}
