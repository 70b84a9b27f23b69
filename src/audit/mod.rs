//! The audit pipeline: sitemap walk → page fetch → extraction → verification → page rows.
//!
//! Data flows one way. The walk streams URLs into a bounded channel; a fixed number of workers
//! fetch pages, read their nonces and cache headers, and ask the verifier, which probes each
//! distinct nonce once. Memory is bounded by the channel, the workers in flight and the result
//! rows, whatever the size of the site.

mod collect;
mod page;

use std::sync::{Arc, Mutex};

use chrono::Utc;
use thiserror::Error;
use tokio::sync::mpsc;

use crate::cache::calibrate::Calibrator;
use crate::clock::NonceClock;
use crate::discover::{self, DiscoverError, PageUrl, Target, WalkConfig};
use crate::fetch::{FetchConfig, FetchError, Fetcher};
use crate::model::PageResult;
use crate::model::Report;
use crate::verify::Verifier;
use collect::{Assembly, Collector};
use page::{Ctx, audit_page};

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
    /// Sitemaps were read but gave no page to audit: the words say why (see
    /// [`crate::discover::WalkSummary::why_no_pages`]).
    #[error("{0}")]
    NoPages(String),
    /// The sitemap walk stopped abnormally (its task failed).
    #[error("the sitemap walk failed: {0}")]
    Walk(String),
    /// The built-in demo site could not be started.
    #[error("the demo site could not start: {0}")]
    Demo(String),
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
    /// The sitemap walk is over and every page URL it found is queued: the total number of
    /// pages the audit will do, so a progress bar can show how far it is and how long is left.
    /// Not sent when the walk was cut short (Ctrl-C).
    Listed(u64),
}

/// A callback receiving [`Event`]s; called from several tasks.
pub type EventSink = Arc<dyn Fn(Event<'_>) + Send + Sync>;

/// A sink that ignores everything.
pub fn quiet() -> EventSink {
    Arc::new(|_| {})
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
        rerenders: crate::once::OnceMap::default(),
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

    // Only the workers hold the receiver: once they stop (Ctrl-C), sends fail instead of
    // waiting forever on a full channel.
    drop(rx);
    let walk_events = Arc::clone(&events);
    let queued_events = Arc::clone(&events);
    let (counting_tx, mut counting_rx) = mpsc::channel::<PageUrl>(CHANNEL_CAPACITY);
    // Count queued URLs for the progress bar on their way to the workers.
    let forward = tokio::spawn(async move {
        let mut queued = 0u64;
        while let Some(p) = counting_rx.recv().await {
            queued += 1;
            queued_events(Event::Queued);
            if tx.send(p).await.is_err() {
                return;
            }
        }
        queued_events(Event::Listed(queued));
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
    if collected.is_empty() && !was_interrupted {
        return Err(AuditError::NoPages(walk.why_no_pages()));
    }

    Ok(collected
        .into_report(Assembly {
            config,
            ctx: &ctx,
            walk,
            started_at,
            interrupted: was_interrupted,
        })
        .await)
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
    while let Some(p) = rx.recv().await {
        each(&p);
    }
    match walker.await {
        Ok(r) => Ok(r?),
        Err(e) => Err(AuditError::Walk(e.to_string())),
    }
}
