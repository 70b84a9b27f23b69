//! One page: fetch it, read it, ask the site about its nonces, and let the judge decide.
//!
//! This is the only I/O of a page's audit; every decision about its verdict is the judge's
//! ([`crate::judge`]), so the rules can be tested without a network.

use std::sync::Mutex;

use chrono::{DateTime, Utc};
use url::Url;

use crate::cache::{self, calibrate, calibrate::Calibrator};
use crate::clock::NonceClock;
use crate::discover::PageUrl;
use crate::extract;
use crate::fetch::{Fetched, Fetcher, same_origin};
use crate::judge::{
    self, Evidence, Fetch, Rerender, Rest, fresh_counterpart, missed_cache, stamp_after_date,
    unknown_local_age,
};
use crate::model::{CacheInfo, NonceRow, PageResult, ProbeOutcome};
use crate::once::OnceMap;
use crate::verify::Verifier;

/// What every page of one audit shares: the HTTP clients, the verifier's once-per-nonce
/// answers, the site's clock and offset, and the latest server time seen.
pub(super) struct Ctx {
    pub(super) fetcher: Fetcher,
    pub(super) verifier: Verifier,
    pub(super) clock: NonceClock,
    pub(super) calibrator: Calibrator,
    pub(super) server_time: Mutex<Option<DateTime<Utc>>>,
    /// The counterfactual of each distinct dead nonce (keyed by its value): one re-render past
    /// the cache and one probe of its fresh nonce, however many pages carry it.
    pub(super) rerenders: OnceMap<String, Rerender>,
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

/// Fetches one page, reads it, asks the site about its nonces, and hands what it saw to the
/// judge. Every decision about the verdict is [`judge::judge`]'s.
pub(super) async fn audit_page(ctx: &Ctx, page: PageUrl) -> PageResult {
    let (final_url, fetch) = gather(ctx, &page.url, page.lastmod.as_deref()).await;
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
async fn gather(ctx: &Ctx, url: &Url, lastmod: Option<&str>) -> (Option<String>, Fetch) {
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
    let html = extract::page_text(&resp.body, resp.header("content-type"));
    let mut found = extract::extract(&html, &resp.url);
    let mut notes = std::mem::take(&mut found.warnings);
    if found.wp_rest_nonces().next().is_none() {
        notes.extend(scan_combined_scripts(ctx, &resp.url, &mut found).await);
    }
    let mut cache_info = cache::fingerprint(&resp.headers, &html, resp.date, None);
    let mut offset = None;
    if cache_info.approximate && calibrate::uses_local_marker(&cache_info) {
        let fallback = lastmod
            .and_then(calibrate::offset_from_lastmod)
            .map(|o| (o, crate::model::OffsetSource::SitemapLastmod))
            .or_else(|| {
                calibrate::offset_from_markup(&html)
                    .map(|o| (o, crate::model::OffsetSource::PageMarkup))
            });
        match ctx.calibrator.offset(&ctx.fetcher, &resp.url, fallback).await {
            Some((o, source)) => {
                let calibrated = cache::fingerprint(&resp.headers, &html, resp.date, Some(o));
                if stamp_after_date(&calibrated, resp.date) {
                    ctx.calibrator.refuse();
                    cache_info = calibrated;
                    notes.push(unknown_local_age(
                        &mut cache_info,
                        &format!(
                            "with the site's UTC offset from the {} (UTC{:+} s) the stamp lies after the server's Date, which is impossible",
                            source.words(),
                            o
                        ),
                    ));
                } else {
                    cache_info = calibrated;
                    offset = Some(o);
                }
            }
            None => notes.push(unknown_local_age(
                &mut cache_info,
                "the site's UTC offset could not be found (REST index closed, the cache-busted page gave no fresh stamp, no zone in the sitemap's lastmod or the page's dated markup)",
            )),
        }
    }
    let private = extract::private_copy(&html);
    let nonces: Vec<NonceRow> = found.nonces.iter().map(extract::FoundNonce::row).collect();
    let to_probe = judge::nonces_to_probe(&nonces);
    let rest = if to_probe.is_empty() {
        Rest::NoRestNonce
    } else {
        ask_rest(ctx, url, &resp, found.rest_root.clone(), &to_probe).await
    };
    // The counterfactual of each rejected nonce, for a guest's copy (a logged-in copy's cause
    // is already proven by its markers): one re-render per distinct dead nonce, however many
    // pages carry it.
    let mut rerenders = Vec::new();
    if let (Rest::Probed { root, answers }, true) = (&rest, private.is_empty()) {
        if let Ok(root) = Url::parse(root) {
            let dead = answers
                .iter()
                .filter(|(_, o)| matches!(o, ProbeOutcome::Rejected { .. }))
                .map(|(n, _)| n.clone());
            for dead in dead {
                let source = found
                    .wp_rest_nonces()
                    .find(|n| n.value == dead)
                    .map(|n| n.source);
                let (copy, page_url, root) = (cache_info.clone(), resp.url.clone(), root.clone());
                let key = dead.clone();
                let answer = ctx
                    .rerenders
                    .get_or_init(key, || {
                        rerender(ctx, page_url, dead.clone(), source, copy, offset, root)
                    })
                    .await;
                rerenders.push((dead, answer));
            }
        }
    }
    let page = judge::Page {
        status: resp.status,
        date: resp.date.map(|d| d.timestamp()),
        nonces,
        cache: cache_info,
        notes,
        rest,
        private,
        rerenders,
    };
    (final_url, Fetch::Page(Box::new(page)))
}

/// Re-renders a dead page past the cache (a cache-busting query), checks that the answer really
/// missed the cache, and asks the site about the fresh render's nonce: the experiment that
/// proves a dead page's cause. Called once per distinct dead nonce.
async fn rerender(
    ctx: &Ctx,
    page: Url,
    dead: String,
    source: Option<&'static str>,
    copy: CacheInfo,
    offset: Option<i32>,
    root: Url,
) -> Rerender {
    let mut busted = page;
    busted
        .query_pairs_mut()
        .append_pair(crate::verify::CACHE_BUSTER, &crate::util::random_hex(12));
    // robots.txt can forbid query strings (`Disallow: /*?`) where it allows the page.
    if let Err(reason) = ctx.fetcher.robots_allow(&busted).await {
        return Rerender::Failed(format!("the cache-busted URL is not allowed: {reason}"));
    }
    let resp = match ctx.fetcher.page(&busted).await {
        Ok(r) => r,
        Err(e) => return Rerender::Failed(e.to_string()),
    };
    ctx.saw_time(resp.date);
    if !(200..300).contains(&resp.status) {
        return Rerender::Failed(format!("HTTP {}", resp.status));
    }
    let html = String::from_utf8_lossy(&resp.body);
    let found = extract::extract(&html, &resp.url);
    let fresh = fresh_counterpart(&found, source);
    let info = cache::fingerprint(&resp.headers, &html, resp.date, offset);
    let missed = match missed_cache(&copy, &info, &dead, fresh.as_deref()) {
        Ok(how) => how,
        Err(why) => return Rerender::Cached(why),
    };
    let answer = match &fresh {
        Some(n) => {
            let a = ctx.verifier.probe(&root, n).await;
            ctx.saw_time(a.server_time());
            Some(a)
        }
        None => None,
    };
    Rerender::Fresh {
        missed,
        nonce: fresh,
        answer,
    }
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
