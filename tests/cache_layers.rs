//! The cache side of the audit end to end: the simulated site wears other layers' fingerprints
//! (stacked CDN + plugin, LiteSpeed's site-local timestamps, ESI nonces) and prints other
//! plugins' nonces; the report must name the layers, date the copies, and advise.

use std::time::Duration;

use nonce_audit::audit::{self, AuditConfig};
use nonce_audit::discover::Target;
use nonce_audit::model::{NonceState, Report, Verdict};
use nonce_audit::sim::{CacheFace, Shape, SimConfig, SimPage, SimSite};

const NOW: i64 = 1_795_532_400; // 2026-11-24T15:00:00Z
const HOUR: i64 = 3600;

async fn audit(config: SimConfig) -> (Report, SimSite) {
    let site = SimSite::start(config).await.unwrap();
    let mut c = AuditConfig::new(Target::parse(&format!("{}/", site.base_url())).unwrap());
    c.fetch.rate_per_host = 0.0;
    c.fetch.timeout = Duration::from_secs(3);
    let r = audit::run(&c, audit::quiet()).await.unwrap();
    (r, site)
}

fn page(r: &Report, path: &str) -> nonce_audit::model::PageResult {
    r.pages
        .iter()
        .find(|p| p.url.ends_with(path))
        .unwrap_or_else(|| panic!("no {path}"))
}

#[tokio::test]
async fn wp_rocket_behind_cloudflare_is_two_layers_and_the_advice_splits_the_budget() {
    let face = CacheFace::new(
        &[("cf-cache-status", "HIT")],
        &[("cf-cache-status", "MISS")],
        false,
        Some(
            "<!-- This website is like a Rocket, isn't it? Performance optimized by WP Rocket. Learn more: https://wp-rocket.me - Debug: cached@{{unix}} -->",
        ),
    );
    let (r, _site) = audit(SimConfig {
        pages: vec![
            SimPage::new("/old/", Shape::WpApiSettings).cached_at(NOW - 30 * HOUR),
            SimPage::new("/new/", Shape::WpApiSettings).cached_at(NOW - HOUR),
        ],
        face,
        now: NOW,
        ..SimConfig::default()
    })
    .await;
    let old = page(&r, "/old/");
    assert_eq!(old.verdict, Verdict::Dead);
    let layers: Vec<_> = old.cache.layers.iter().map(|l| &*l.layer).collect();
    assert_eq!(layers, ["cloudflare", "wp-rocket"]);
    assert_eq!(
        old.cache.layer.as_deref(),
        Some("cloudflare"),
        "outermost layer that hit"
    );
    assert_eq!(
        old.cache.age_s,
        Some(30 * HOUR),
        "the body timestamp dates the HTML"
    );
    assert_eq!(
        old.cache.age_source.map(|a| a.as_str()),
        Some("marker-unix")
    );
    // Died at the end of the tick after the one it was rendered in.
    assert_eq!(
        old.died_at.unwrap().to_rfc3339(),
        "2026-11-24T00:00:01+00:00"
    );
    assert_eq!(page(&r, "/new/").verdict, Verdict::Fresh);

    let ttl: Vec<_> = r
        .recommendations
        .iter()
        .filter(|x| x.kind == nonce_audit::model::RecommendationKind::Ttl)
        .map(|x| (x.layer.unwrap(), x.value.as_str()))
        .collect();
    assert!(ttl.contains(&("wp-rocket", "5 h")), "{ttl:?}");
    assert!(ttl.contains(&("cloudflare", "5 h")), "{ttl:?}");
    let rocket = r
        .recommendations
        .iter()
        .find(|x| {
            x.layer == Some("wp-rocket") && x.kind == nonce_audit::model::RecommendationKind::Ttl
        })
        .unwrap();
    assert!(rocket.setting.contains("Cache Lifespan"));
    assert_eq!(
        rocket.impact,
        "with a lifespan of 5 h, 1 of 1 dead page(s) would have been live"
    );
    // The fresh cached page dies at the boundary after next.
    assert_eq!(r.forecast.len(), 1);
    assert_eq!(
        r.forecast[0].dies_at.to_rfc3339(),
        "2026-11-25T12:00:00+00:00"
    );
}

#[tokio::test]
async fn litespeed_local_time_is_calibrated_from_the_rest_index() {
    let face = CacheFace::new(
        &[("x-litespeed-cache", "hit")],
        &[("x-litespeed-cache", "miss")],
        false,
        Some("<!-- Page cached by LiteSpeed Cache 7.9 on {{local}} -->"),
    );
    let (r, _site) = audit(SimConfig {
        pages: vec![SimPage::new("/a/", Shape::WpApiSettings).cached_at(NOW - 26 * HOUR)],
        face,
        gmt_offset_s: 2 * 3600,
        now: NOW,
        ..SimConfig::default()
    })
    .await;
    let a = page(&r, "/a/");
    assert_eq!(a.cache.layer.as_deref(), Some("litespeed"));
    assert_eq!(a.cache.age_s, Some(26 * HOUR), "calibrated, not 24 h");
    assert!(!a.cache.approximate);
    assert_eq!(r.site_utc_offset_s, Some(7200));
    assert_eq!(
        r.site_utc_offset_source,
        Some(nonce_audit::model::OffsetSource::RestIndex)
    );
    assert!(
        r.recommendations
            .iter()
            .any(|x| x.kind == nonce_audit::model::RecommendationKind::Esi)
    );
}

#[tokio::test]
async fn esi_nonce_on_an_old_copy_is_explained_not_blamed() {
    let face = CacheFace::new(
        &[("x-litespeed-cache", "hit")],
        &[("x-litespeed-cache", "miss")],
        true,
        None,
    );
    let (r, _site) = audit(SimConfig {
        pages: vec![SimPage::new("/esi/", Shape::EsiNonce).cached_at(NOW - 3 * 86_400)],
        face,
        now: NOW,
        ..SimConfig::default()
    })
    .await;
    let p = page(&r, "/esi/");
    assert_eq!(p.verdict, Verdict::Fresh);
    assert!(
        p.notes.iter().any(|n| n.contains("LiteSpeed ESI")),
        "{:?}",
        p.notes
    );
    assert!(r.recommendations.is_empty(), "{:?}", r.recommendations);
}

#[tokio::test]
async fn a_dead_woocommerce_store_api_nonce_is_dated_and_blamed_on_its_plugin() {
    let template = "<html><head></head><body><script id=\"wc-blocks-middleware-js-before\">var wcBlocksMiddlewareConfig = { storeApiNonce: '{{nonce:wc_store_api}}', wcStoreApiNonceTimestamp: '1795000000' };</script></body></html>";
    let (r, _site) = audit(SimConfig {
        pages: vec![
            SimPage::new("/cart-block/", Shape::Template(template.into()))
                .cached_at(NOW - 2 * 86_400),
            SimPage::new("/new-block/", Shape::Template(template.into())).cached_at(NOW - HOUR),
        ],
        now: NOW,
        ..SimConfig::default()
    })
    .await;
    let old = page(&r, "/cart-block/");
    assert_eq!(old.nonces.len(), 1);
    let n = &old.nonces[0];
    assert_eq!(n.action, "wc_store_api");
    assert_eq!(n.severity, Some(nonce_audit::model::Severity::WillBreak));
    assert_eq!(n.state, NonceState::EstimatedDead);
    assert_eq!(old.verdict, Verdict::Unverifiable);
    assert!(old.reason.as_deref().unwrap().contains("wc_store_api"));
    let new = page(&r, "/new-block/");
    assert_eq!(new.nonces[0].state, NonceState::EstimatedLive);
    assert_eq!(new.verdict, Verdict::NoNonce);
    assert_eq!(
        new.nonces[0].dies_at.unwrap().to_rfc3339(),
        "2026-11-25T12:00:00+00:00"
    );
    let refresh = r
        .recommendations
        .iter()
        .find(|x| x.kind == nonce_audit::model::RecommendationKind::Refresh)
        .unwrap();
    assert_eq!(refresh.urls.len(), 1);
    assert!(refresh.impact.starts_with("1 page(s) carry a"));
    // No wp_rest nonce, nothing probed.
    assert_eq!(r.summary.rest_probes, 0);
}

#[tokio::test]
async fn a_nonce_moved_into_a_litespeed_combined_script_is_found_and_probed() {
    let page_html = "<html><head><link rel=\"https://api.w.org/\" href=\"{{root}}\" /><script data-optimized=\"1\" src=\"/wp-content/litespeed/js/0f1e2d3c.js?ver=1a2b3\" defer></script></head><body>combined</body></html>";
    let script = "!function(){var wpApiSettings = {\"root\":\"{{root}}\",\"nonce\":\"{{nonce}}\",\"versionString\":\"wp/v2/\"};}();";
    let (r, site) = audit(SimConfig {
        pages: vec![
            SimPage::new("/combined/", Shape::Template(page_html.into()))
                .cached_at(NOW - 3 * 86_400),
            SimPage::new(
                "/wp-content/litespeed/js/0f1e2d3c.js?ver=1a2b3",
                Shape::Template(script.into()),
            )
            .cached_at(NOW - 3 * 86_400),
        ],
        now: NOW,
        ..SimConfig::default()
    })
    .await;
    assert_eq!(r.pages.len(), 1, "the script is not a page");
    let p = page(&r, "/combined/");
    assert_eq!(p.verdict, Verdict::Dead, "{p:?}");
    assert_eq!(p.nonces[0].value, site.nonce_at(NOW - 3 * 86_400));
    assert!(
        p.notes.iter().any(|n| n.contains("combined script")),
        "{:?}",
        p.notes
    );
}
