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
use crate::judge::{self, Evidence, Fetch, Rerender, Rest};
use crate::model::{AgeSource, CacheInfo, NonceRow, PageResult, ProbeOutcome};
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
                    cache_info = calibrated;
                    notes.push(unknown_local_age(
                        &mut cache_info,
                        &format!(
                            "with the site's UTC offset from the {} (UTC{:+} s) the stamp lies after the server's Date, which is impossible",
                            offset_source_words(source),
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

fn offset_source_words(s: crate::model::OffsetSource) -> &'static str {
    match s {
        crate::model::OffsetSource::RestIndex => "REST index",
        crate::model::OffsetSource::CacheBustedPage => "cache-busted page",
        crate::model::OffsetSource::SitemapLastmod => "sitemap's lastmod",
        crate::model::OffsetSource::PageMarkup => "page's dated markup",
    }
}

/// Whether a layer's site-local stamp, calibrated, is later than the server's `Date` (with a
/// minute of slack for the render): the offset cannot be right.
fn stamp_after_date(info: &CacheInfo, date: Option<DateTime<Utc>>) -> bool {
    let Some(date) = date else { return false };
    info.layers.iter().any(|l| {
        l.age_source == Some(AgeSource::MarkerLocal)
            && l.generated_at
                .is_some_and(|g| (g - date).num_seconds() > 60)
    })
}

/// Forgets the ages a site-local stamp gave, since they rest on an offset that is unknown or
/// wrong: an unknown age is honest, a guessed one can blame or clear the wrong cache. Returns
/// the note that says why.
fn unknown_local_age(info: &mut CacheInfo, why: &str) -> String {
    for l in info
        .layers
        .iter_mut()
        .filter(|l| l.age_source == Some(AgeSource::MarkerLocal))
    {
        l.age_s = None;
        l.generated_at = None;
    }
    if info.age_source == Some(AgeSource::MarkerLocal) {
        info.age_s = None;
        info.generated_at = None;
        info.age_source = None;
    }
    format!("the copy's age is unknown: its cache stamps site-local time and {why}")
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

/// The fresh render's counterpart of the dead nonce: the `wp_rest` nonce printed by the same
/// pattern (script or variable), or the only `wp_rest` value the render has. A page with two
/// different `wp_rest` nonces and none in the dead one's place has no counterpart: probing
/// another script's nonce would prove nothing about the dead one.
fn fresh_counterpart(found: &extract::Extraction, source: Option<&str>) -> Option<String> {
    if let Some(n) = found.wp_rest_nonces().find(|n| Some(n.source) == source) {
        return Some(n.value.clone());
    }
    let mut values = found.wp_rest_nonces().map(|n| n.value.as_str());
    let first = values.next()?;
    values.all(|v| v == first).then(|| first.to_owned())
}

/// How the re-render's answer shows it missed the cache (a different nonce, a MISS from every
/// layer, no stamp where the copy had one, or a later stamp), or what showed it did not. The
/// same nonce alone proves nothing either way (a fresh render in the copy's tick prints it too),
/// so without another sign the answer counts as the cached copy.
fn missed_cache(
    copy: &CacheInfo,
    fresh: &CacheInfo,
    dead: &str,
    fresh_nonce: Option<&str>,
) -> Result<String, String> {
    if fresh_nonce.is_some_and(|n| n != dead) {
        return Ok("a different nonce".to_owned());
    }
    if fresh.hit == Some(false) {
        return Ok("a MISS header".to_owned());
    }
    let same = if fresh_nonce == Some(dead) {
        "the same nonce"
    } else {
        "no wp_rest nonce"
    };
    if fresh.hit == Some(true) {
        return Err(format!("{same} and a cache HIT"));
    }
    match (copy.generated_at, fresh.generated_at) {
        (Some(_), None) => Ok("no cache stamp".to_owned()),
        (Some(old), Some(new)) if (new - old).num_seconds() > 60 => {
            Ok("a fresh cache stamp".to_owned())
        }
        (Some(_), Some(_)) => Err(format!("{same} and the same cache stamp")),
        _ => Err(format!("{same}, and no header or stamp to tell")),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::utc;

    #[test]
    fn the_fresh_counterpart_is_the_nonce_in_the_dead_ones_place() {
        let page = Url::parse("https://ex.com/a/").unwrap();
        let html = r#"<script id="wp-api-request-js-extra">var wpApiSettings = {"root":"https:\/\/ex.com\/wp-json\/","nonce":"aaaaaaaaaa"};</script>
<script id="wp-api-fetch-js-after">wp.apiFetch.nonceMiddleware = wp.apiFetch.createNonceMiddleware( "bbbbbbbbbb" );</script>"#;
        let found = extract::extract(html, &page);
        assert_eq!(
            fresh_counterpart(&found, Some("createNonceMiddleware")).as_deref(),
            Some("bbbbbbbbbb")
        );
        assert_eq!(
            fresh_counterpart(&found, Some("wpApiSettings")).as_deref(),
            Some("aaaaaaaaaa")
        );
        // Two different values and none in the dead one's place: no counterpart.
        assert_eq!(fresh_counterpart(&found, Some("wpnonce-input")), None);
        let one = extract::extract(
            r#"<script id="wp-api-request-js-extra">var wpApiSettings = {"nonce":"cccccccccc"};</script>"#,
            &page,
        );
        assert_eq!(
            fresh_counterpart(&one, Some("createNonceMiddleware")).as_deref(),
            Some("cccccccccc")
        );
    }
    use crate::model::LayerObservation;

    fn info(hit: Option<bool>, generated: Option<i64>) -> CacheInfo {
        CacheInfo {
            layer: Some("wp-rocket".into()),
            hit,
            generated_at: generated.map(utc),
            age_source: generated.map(|_| AgeSource::MarkerLocal),
            layers: vec![LayerObservation {
                layer: "wp-rocket".into(),
                hit,
                age_s: None,
                age_source: generated.map(|_| AgeSource::MarkerLocal),
                generated_at: generated.map(utc),
                approximate: false,
                evidence: Vec::new(),
            }],
            ..CacheInfo::default()
        }
    }

    #[test]
    fn a_re_render_counts_as_fresh_only_with_a_sign_that_it_missed() {
        let copy = info(Some(true), Some(1_000));
        let d = "0123456789";
        let cases = [
            (
                info(Some(true), Some(1_000)),
                Some("fedcba9876"),
                Ok("a different nonce"),
            ),
            (info(Some(false), None), Some(d), Ok("a MISS header")),
            (info(None, None), Some(d), Ok("no cache stamp")),
            (info(None, Some(5_000)), Some(d), Ok("a fresh cache stamp")),
            (
                info(Some(true), Some(1_000)),
                Some(d),
                Err("the same nonce and a cache HIT"),
            ),
            (
                info(None, Some(1_000)),
                Some(d),
                Err("the same nonce and the same cache stamp"),
            ),
            (
                info(None, Some(1_030)),
                None,
                Err("no wp_rest nonce and the same cache stamp"),
            ),
        ];
        for (fresh, nonce, want) in cases {
            let got = missed_cache(&copy, &fresh, d, nonce);
            assert_eq!(got.as_deref().map_err(String::as_str), want, "{fresh:?}");
        }
        let undated = info(None, None);
        assert_eq!(
            missed_cache(&undated, &info(None, None), d, Some(d)),
            Err("the same nonce, and no header or stamp to tell".to_owned())
        );
    }

    #[test]
    fn a_stamp_after_date_is_impossible_and_its_age_is_forgotten() {
        let date = utc(10_000);
        assert!(stamp_after_date(
            &info(Some(true), Some(10_061)),
            Some(date)
        ));
        assert!(!stamp_after_date(
            &info(Some(true), Some(10_060)),
            Some(date)
        ));
        assert!(!stamp_after_date(&info(Some(true), Some(10_061)), None));
        let mut i = info(Some(true), Some(9_000));
        i.age_s = Some(1_000);
        i.layers[0].age_s = Some(1_000);
        let note = unknown_local_age(&mut i, "no offset");
        assert_eq!(i.age_s, None);
        assert_eq!(i.generated_at, None);
        assert_eq!(i.layers[0].age_s, None);
        assert!(note.starts_with("the copy's age is unknown"), "{note}");
    }
}
