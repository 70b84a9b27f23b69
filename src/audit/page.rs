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
use crate::judge::{self, Evidence, Fetch, Rest};
use crate::model::{NonceRow, PageResult};
use crate::verify::Verifier;

/// What every page of one audit shares: the HTTP clients, the verifier's once-per-nonce
/// answers, the site's clock and offset, and the latest server time seen.
pub(super) struct Ctx {
    pub(super) fetcher: Fetcher,
    pub(super) verifier: Verifier,
    pub(super) clock: NonceClock,
    pub(super) calibrator: Calibrator,
    pub(super) server_time: Mutex<Option<DateTime<Utc>>>,
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
    let html = extract::page_text(&resp.body, resp.header("content-type"));
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
