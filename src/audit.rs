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
use tokio::sync::{OnceCell, mpsc};
use url::Url;

use crate::cache;
use crate::clock::{NonceClock, utc};
use crate::discover::{self, DiscoverError, PageUrl, Target, WalkConfig, origin_of};
use crate::extract;
use crate::fetch::{FetchConfig, FetchError, Fetcher, same_origin};
use crate::model::{NonceRow, NonceState, PageResult, Report, SCHEMA, Severity, Summary, Verdict};
use crate::rows::RowSink;
use crate::verify::{ControlOutcome, ProbeOutcome, Verifier};

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
    /// ([`crate::rows::SPILL_AFTER`] by default; 0 spills every row).
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
            rows_in_memory: crate::rows::SPILL_AFTER,
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

type RootCell = Arc<OnceCell<Result<Url, String>>>;
type OffsetCell = Arc<OnceCell<Option<(i32, &'static str)>>>;

struct Ctx {
    fetcher: Fetcher,
    verifier: Verifier,
    clock: NonceClock,
    fallback_roots: tokio::sync::Mutex<HashMap<String, RootCell>>,
    offsets: tokio::sync::Mutex<HashMap<String, OffsetCell>>,
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
        fallback_roots: tokio::sync::Mutex::new(HashMap::new()),
        offsets: tokio::sync::Mutex::new(HashMap::new()),
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
                    cache = row.cache.layer.unwrap_or("none"),
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
    let offset = {
        let map = ctx.offsets.lock().await;
        map.values().find_map(|c| c.get().copied().flatten())
    };
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

fn rest_nonces(rows: &[NonceRow]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for r in rows.iter().filter(|r| r.action == "wp_rest") {
        if !out.contains(&r.value) {
            out.push(r.value.clone());
        }
    }
    out
}

async fn fallback_root(ctx: &Ctx, page: &Url) -> Result<Url, String> {
    let origin = origin_of(page).ok_or_else(|| "the page URL has no origin".to_owned())?;
    let cell = {
        let mut map = ctx.fallback_roots.lock().await;
        Arc::clone(map.entry(origin.to_string()).or_default())
    };
    cell.get_or_init(|| async {
        let mut last = String::from("no REST root candidate");
        for candidate in ["/wp-json/", "/?rest_route=/"] {
            let Ok(root) = origin.join(candidate) else {
                continue;
            };
            match ctx.verifier.control(&root).await {
                ControlOutcome::NotRest(reason) => last = format!("{root}: {reason}"),
                _ => return Ok(root),
            }
        }
        Err(format!(
            "the page advertises no REST root and none of the usual ones answers ({last})"
        ))
    })
    .await
    .clone()
}

async fn audit_page(ctx: &Ctx, page: PageUrl) -> PageResult {
    let url_s = page.url.to_string();
    let row = |r: PageResult| PageResult {
        lastmod: page.lastmod.clone(),
        ..r
    };
    if let Err(reason) = ctx.fetcher.robots_allow(&page.url).await {
        return row(PageResult::error(&url_s, None, reason));
    }
    let resp = match ctx.fetcher.page(&page.url).await {
        Ok(r) => r,
        Err(e) => {
            return row(PageResult::error(
                &url_s,
                None,
                format!("fetch failed: {e}"),
            ));
        }
    };
    ctx.saw_time(resp.date);
    let final_url = (resp.url != page.url).then(|| resp.url.to_string());
    if (300..400).contains(&resp.status) {
        let to = resp.header("location").unwrap_or("(no Location header)");
        return row(PageResult {
            final_url,
            ..PageResult::error(
                &url_s,
                Some(resp.status),
                format!("redirects to another site ({to}); not followed"),
            )
        });
    }
    if !(200..300).contains(&resp.status) {
        let mut reason = format!("HTTP {}", resp.status);
        if let Some(t) = crate::util::html_title(&resp.body) {
            reason.push_str(&format!(" (\"{t}\")"));
        }
        return row(PageResult {
            final_url,
            ..PageResult::error(&url_s, Some(resp.status), reason)
        });
    }
    let html = extract::page_text(&resp.body, resp.header("content-type"));
    let mut found = extract::extract(&html, &resp.url);
    let mut notes = std::mem::take(&mut found.warnings);
    if found.wp_rest_nonces().next().is_none() {
        notes.extend(scan_combined_scripts(ctx, &resp.url, &mut found).await);
    }
    let mut cache_info = cache::fingerprint(&resp.headers, &html, resp.date, None);
    if cache_info.approximate && uses_local_marker(&cache_info) {
        if let Some((offset, _)) = site_offset(ctx, &resp.url).await {
            cache_info = cache::fingerprint(&resp.headers, &html, resp.date, Some(offset));
        }
    }
    let nonces: Vec<NonceRow> = found.nonces.iter().map(NonceRow::from_found).collect();
    let mut result = PageResult {
        url: url_s.clone(),
        status: Some(resp.status),
        verdict: Verdict::NoNonce,
        reason: None,
        nonces,
        dies_at: None,
        cache: cache_info,
        lastmod: page.lastmod.clone(),
        rest_root: None,
        final_url,
        died_at: None,
        notes,
    };
    let page_time = resp.date.map(|d| d.timestamp());
    let to_probe = rest_nonces(&result.nonces);
    if to_probe.is_empty() {
        date_other_nonces(ctx, &mut result, None, page_time);
        judge_without_rest_nonce(&mut result);
        return result;
    }

    let advertised = found
        .rest_root
        .clone()
        .or_else(|| {
            resp.header("link")
                .and_then(|l| extract::rest_root_from_link_header(l, &resp.url))
        })
        .map(|r| Url::parse(&r).map_err(|e| format!("unusable REST root `{r}`: {e}")));
    let root = match advertised {
        Some(Ok(r)) => Ok(r),
        Some(Err(e)) => Err(e),
        None => fallback_root(ctx, &resp.url).await,
    };
    let root = match root {
        Ok(r) if !same_origin(&r, &page.url) => Err(format!(
            "the page's REST root {r} is on another origin; nonces are only sent to the audited site"
        )),
        other => other,
    };
    let root = match root {
        Ok(r) => r,
        Err(reason) => {
            result.verdict = Verdict::Unverifiable;
            result.reason = Some(reason);
            date_other_nonces(ctx, &mut result, None, page_time);
            return result;
        }
    };
    result.rest_root = Some(root.to_string());
    if let Some(problem) = ctx.verifier.control(&root).await.problem() {
        result.verdict = Verdict::Unverifiable;
        result.reason = Some(format!("REST check not observable at {root}: {problem}"));
        date_other_nonces(ctx, &mut result, None, page_time);
        return result;
    }

    let mut dead = Vec::new();
    let mut unverifiable = Vec::new();
    let mut expiring = false;
    let mut dies_at: Option<i64> = None;
    // The tick the page was rendered in, when a probe proves it (current or previous tick).
    let mut render_tick: Option<i64> = None;
    let mut now = page_time;
    for nonce in &to_probe {
        let outcome = ctx.verifier.probe(&root, nonce).await;
        ctx.saw_time(outcome.server_time());
        let mut nonce_dies = None;
        let state = match &outcome {
            ProbeOutcome::Rejected { .. } => {
                dead.push(nonce.clone());
                NonceState::Rejected
            }
            ProbeOutcome::Inconclusive { reason, .. } => {
                unverifiable.push(format!("{nonce}: {reason}"));
                NonceState::Unverifiable
            }
            ProbeOutcome::Accepted {
                refreshed,
                server_time,
            } => {
                let probe_now = server_time.map(|t| t.timestamp());
                now = probe_now.or(now);
                let (state, current) = match refreshed {
                    Some(r) if r == nonce => (NonceState::Current, true),
                    Some(_) => (NonceState::Previous, false),
                    None => (NonceState::AcceptedUnknownTick, false),
                };
                expiring |= !current;
                match probe_now {
                    Some(t) => {
                        let i = ctx.clock.tick_at(t);
                        if state != NonceState::AcceptedUnknownTick {
                            render_tick = Some(if current { i } else { i - 1 });
                        }
                        let d = ctx.clock.dies_at_for_accepted(t, current);
                        nonce_dies = Some(d);
                        dies_at = Some(dies_at.map_or(d, |x| x.min(d)));
                    }
                    None => unverifiable.push(format!(
                        "{nonce}: accepted, but the server sent no Date header to date it"
                    )),
                }
                state
            }
        };
        for r in result
            .nonces
            .iter_mut()
            .filter(|r| &r.value == nonce && r.action == extract::WP_REST)
        {
            r.state = state;
            r.dies_at = nonce_dies.map(utc);
        }
    }
    result.dies_at = dies_at.map(utc);
    date_other_nonces(ctx, &mut result, render_tick, now);
    let age = result
        .cache
        .age_s
        .map(|a| format!("; the cached copy is {} old", human_duration(a)))
        .unwrap_or_default();
    if !dead.is_empty() {
        result.verdict = Verdict::Dead;
        result.dies_at = None;
        result.died_at = result
            .cache
            .generated_at
            .map(|g| utc(ctx.clock.dies_at_for_generation(g.timestamp()) + 1));
        result.reason = Some(format!(
            "the site rejects nonce {} (403 rest_cookie_invalid_nonce){age}",
            dead.join(", ")
        ));
    } else if !unverifiable.is_empty() {
        result.verdict = Verdict::Unverifiable;
        result.reason = Some(unverifiable.join("; "));
    } else if expiring {
        result.verdict = Verdict::Expiring;
        let unknown = result
            .nonces
            .iter()
            .any(|n| n.state == NonceState::AcceptedUnknownTick);
        result.reason = Some(if unknown {
            format!(
                "accepted, but the site sent no refreshed X-WP-Nonce (WordPress < 4.6?): assuming the earliest death{age}"
            )
        } else {
            format!("nonce from the previous tick: still accepted, dies at the next boundary{age}")
        });
    } else {
        result.verdict = Verdict::Fresh;
    }
    if matches!(result.verdict, Verdict::Fresh | Verdict::Expiring) {
        explain_old_copy_with_live_nonce(ctx, &mut result);
    }
    result
}

/// Whether a layer dated the copy from a site-local timestamp (which needs the site's offset).
fn uses_local_marker(info: &cache::CacheInfo) -> bool {
    info.layers
        .iter()
        .any(|l| l.age_source == Some(cache::SOURCE_MARKER_LOCAL))
}

/// The site's UTC offset, found once per origin: the REST index's `gmt_offset` first (no page
/// is cache-busted for it), else a cache-busted fetch of the page compared with its `Date`
/// header, rounded to 15 minutes.
async fn site_offset(ctx: &Ctx, page: &Url) -> Option<(i32, &'static str)> {
    let origin = origin_of(page)?;
    let cell = {
        let mut map = ctx.offsets.lock().await;
        Arc::clone(map.entry(origin.to_string()).or_default())
    };
    *cell
        .get_or_init(|| async {
            let from_index = async {
                let root = origin.join("/wp-json/").ok()?;
                let resp = ctx.fetcher.json(&root).await.ok()?;
                let v: serde_json::Value = serde_json::from_slice(&resp.body).ok()?;
                let hours = match v.get("gmt_offset")? {
                    serde_json::Value::Number(n) => n.as_f64()?,
                    serde_json::Value::String(s) => s.trim().parse().ok()?,
                    _ => return None,
                };
                let secs = (hours * 3600.0).round();
                (secs.abs() <= 18.0 * 3600.0).then_some((secs as i32, "rest-index"))
            };
            if let Some(found) = from_index.await {
                return Some(found);
            }
            let mut busted = page.clone();
            busted
                .query_pairs_mut()
                .append_pair(crate::verify::CACHE_BUSTER, &random_token());
            let resp = ctx.fetcher.page(&busted).await.ok()?;
            let date = resp.date?;
            let html = String::from_utf8_lossy(&resp.body);
            // Offset 0 on purpose: the stamp's wall clock is read as it is printed, and its
            // distance from `Date` is the offset being measured (read as an uncalibrated guess,
            // a stamp east of UTC would lie in the future and be discarded).
            let info = cache::fingerprint(&resp.headers, &html, Some(date), Some(0));
            let generated = info
                .layers
                .iter()
                .filter(|l| l.age_source == Some(cache::SOURCE_MARKER_LOCAL))
                .find_map(|l| l.generated_at)?;
            let raw = (generated - date).num_seconds();
            let rounded = ((raw as f64) / 900.0).round() as i64 * 900;
            (rounded.abs() <= 18 * 3600).then_some((rounded as i32, "cache-busted-page"))
        })
        .await
}

fn random_token() -> String {
    use rand::Rng;
    format!("{:012x}", rand::rng().random::<u64>() & 0xffff_ffff_ffff)
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

/// Dates the nonces that cannot be probed (other plugins' actions) by the page's render tick:
/// proved by a `wp_rest` probe when there was one, else from the copy's generation time. An
/// action with its own nonce life (Gravity Forms: 3 days) is dated with that life.
fn date_other_nonces(ctx: &Ctx, page: &mut PageResult, render_tick: Option<i64>, now: Option<i64>) {
    let generated = page.cache.generated_at.map(|g| g.timestamp()).or_else(|| {
        // Without a dated copy, a page with no cache is rendered now.
        (page.cache.layers.is_empty() || page.cache.hit == Some(false))
            .then_some(now)
            .flatten()
    });
    // The earliest moment the page can have been rendered, from the proved tick.
    let rendered = match (generated, render_tick) {
        (Some(g), _) => Some(g),
        (None, Some(i)) => Some((i - 1) * ctx.clock.tick_len() + 1),
        (None, None) => None,
    };
    for n in page
        .nonces
        .iter_mut()
        .filter(|n| n.action != extract::WP_REST)
    {
        let Some(t) = rendered else { continue };
        let life = extract::pattern_for(n.source)
            .and_then(|p| p.custom_life_s)
            .map_or(ctx.clock, NonceClock::new);
        let dies = match (render_tick, life == ctx.clock, generated) {
            // Same life as wp_rest and a proved tick: exact.
            (Some(i), true, None) => life.last_accepted_second(i),
            _ => life.dies_at_for_generation(t),
        };
        n.dies_at = Some(utc(dies));
        if let Some(now) = now {
            n.state = if now > dies {
                NonceState::EstimatedDead
            } else {
                NonceState::EstimatedLive
            };
        }
    }
}

/// A page with no `wp_rest` nonce: `no_nonce`, unless another plugin's nonce that breaks a guest
/// feature when stale is, by the page's age, already dead: then the page is `unverifiable` (only
/// `wp_rest` can be asked of the site) with the estimate in the reason.
fn judge_without_rest_nonce(page: &mut PageResult) {
    if page.nonces.is_empty() {
        return;
    }
    let breaking_dead: Vec<String> = page
        .nonces
        .iter()
        .filter(|n| n.state == NonceState::EstimatedDead && n.severity == Some(Severity::WillBreak))
        .map(|n| {
            format!(
                "{} nonce {} ({}) died after {}",
                n.plugin.unwrap_or("plugin"),
                n.value,
                n.action,
                n.dies_at
                    .map(|d| d.format("%Y-%m-%d %H:%M:%S UTC").to_string())
                    .unwrap_or_default()
            )
        })
        .collect();
    if breaking_dead.is_empty() {
        page.reason = Some(format!(
            "no wp_rest nonce; {} nonce(s) of other actions (not checkable against REST): {}",
            page.nonces.len(),
            page.nonces
                .iter()
                .map(|n| format!("{} [{}]", n.action, n.severity.unwrap_or(Severity::Unknown)))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    } else {
        page.verdict = Verdict::Unverifiable;
        page.reason = Some(format!(
            "by the cached copy's age: {}; visitors' requests with it fail (estimate: only wp_rest nonces can be checked against the site)",
            breaking_dead.join("; ")
        ));
    }
}

/// A copy older than a tick that still carries a current nonce has a fresh-nonce mechanism in
/// front of it (LiteSpeed ESI nonces, an edge worker...): say so, so its age is not blamed.
fn explain_old_copy_with_live_nonce(ctx: &Ctx, page: &mut PageResult) {
    let Some(age) = page.cache.age_s else { return };
    let current = page.nonces.iter().any(|n| n.state == NonceState::Current);
    if page.cache.hit != Some(true) || !current || age <= ctx.clock.tick_len() {
        return;
    }
    let how = if page.cache.layers.iter().any(|l| l.layer == "litespeed") {
        "LiteSpeed ESI nonces fill it in on every delivery"
    } else {
        "something fills it in at delivery (ESI, an edge worker) or the copy was re-rendered without a new date"
    };
    page.notes.push(format!(
        "the cached copy is {} old but carries a current nonce: {how}; the cache lifespan is not the problem on this page",
        human_duration(age)
    ));
}

/// Examples a [`Forecast`](crate::model::Forecast) names.
const FORECAST_EXAMPLES: usize = 5;

/// One death time's page count and its first examples as (sitemap position, URL).
type ForecastGroup = (u64, Vec<(u64, String)>);

/// When the cached pages alive now start serving dead nonces: fresh and expiring pages served
/// by a cache, grouped by their `dies_at`, soonest first (uncached pages are re-rendered on every
/// view and never go stale). Built as pages finish, in any order, holding per death time only a
/// count and the first few URLs in sitemap order, so its memory does not grow with the site.
#[derive(Debug, Default)]
pub struct Forecaster {
    groups: std::collections::BTreeMap<DateTime<Utc>, ForecastGroup>,
}

impl Forecaster {
    /// Counts page `p`, found at sitemap position `seq`, if it is a cached live page.
    pub fn add(&mut self, seq: u64, p: &PageResult) {
        let cached = p.cache.hit == Some(true) || p.cache.age_s.is_some_and(|a| a > 0);
        if !matches!(p.verdict, Verdict::Fresh | Verdict::Expiring) || !cached {
            return;
        }
        let Some(d) = p.dies_at else { return };
        let (count, examples) = self.groups.entry(d).or_default();
        *count += 1;
        let at = examples.partition_point(|(s, _)| *s < seq);
        if at < FORECAST_EXAMPLES {
            examples.insert(at, (seq, p.url.clone()));
            examples.truncate(FORECAST_EXAMPLES);
        }
    }

    /// The groups, soonest first.
    pub fn finish(self) -> Vec<crate::model::Forecast> {
        self.groups
            .into_iter()
            .map(|(dies_at, (pages, examples))| crate::model::Forecast {
                dies_at,
                pages,
                examples: examples.into_iter().map(|(_, u)| u).collect(),
            })
            .collect()
    }
}

/// "3 h 12 min", "45 s": ages and lifespans as an operator reads them.
pub fn human_duration(seconds: i64) -> String {
    let s = seconds.unsigned_abs();
    let sign = if seconds < 0 { "-" } else { "" };
    let (d, h, m, sec) = (s / 86_400, s % 86_400 / 3600, s % 3600 / 60, s % 60);
    let text = if d > 0 {
        if h > 0 {
            format!("{d} d {h} h")
        } else {
            format!("{d} d")
        }
    } else if h > 0 {
        if m > 0 {
            format!("{h} h {m} min")
        } else {
            format!("{h} h")
        }
    } else if m > 0 {
        if sec > 0 {
            format!("{m} min {sec} s")
        } else {
            format!("{m} min")
        }
    } else {
        format!("{sec} s")
    };
    format!("{sign}{text}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_an_operator_writes_them() {
        assert_eq!(human_duration(45), "45 s");
        assert_eq!(human_duration(600), "10 min");
        assert_eq!(human_duration(3_725), "1 h 2 min");
        assert_eq!(human_duration(36_000), "10 h");
        assert_eq!(human_duration(90_000), "1 d 1 h");
        assert_eq!(human_duration(-30), "-30 s");
    }
}
