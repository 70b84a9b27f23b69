//! The cause of every dead page, proven by re-rendering it past the cache, end to end on the
//! simulated site: a stale copy, a nonce made for the wrong action, a copy made with the old
//! keys, a logged-in render in the cache, a cache that ignores query strings; the request
//! budget of the counterfactual; and site-local stamps with the REST index closed.

use std::time::Duration;

use nonce_audit::CACHE_BUSTER;
use nonce_audit::audit::{self, AuditConfig};
use nonce_audit::discover::Target;
use nonce_audit::model::{
    Cause, FailOn, OffsetSource, PageResult, RecommendationKind, Report, Threshold, Verdict,
};
use nonce_audit::sim::{CacheFace, RestMode, Shape, SimConfig, SimPage, SimSite};

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

fn page(r: &Report, path: &str) -> PageResult {
    r.pages
        .iter()
        .find(|p| p.url.ends_with(path))
        .unwrap_or_else(|| panic!("no {path}"))
}

fn site(pages: Vec<SimPage>) -> SimConfig {
    SimConfig {
        pages,
        now: NOW,
        ..SimConfig::default()
    }
}

/// Page requests (not REST) that carried the auditor's cache-buster.
fn busted(site: &SimSite) -> Vec<String> {
    site.requests()
        .into_iter()
        .filter(|l| !l.is_rest() && l.path_and_query.contains(CACHE_BUSTER))
        .map(|l| l.path_and_query)
        .collect()
}

#[tokio::test]
async fn each_cause_is_proven_and_gets_only_its_own_fixes() {
    let (r, _site) = audit(site(vec![
        SimPage::new("/stale/", Shape::WpApiSettings).cached_at(NOW - 26 * HOUR),
        SimPage::new("/wrong-action/", Shape::WpApiSettings)
            .with_action("wp_rest_api")
            .cached_at(NOW - 600),
        SimPage::new("/old-keys/", Shape::WpApiSettings)
            .copy_made_with_salt("the-keys-before-the-change")
            .cached_at(NOW - 600),
        SimPage::new("/logged-in/", Shape::WpApiSettings)
            .logged_in_copy()
            .cached_at(NOW - 600),
        SimPage::new("/fresh/", Shape::WpApiSettings).cached_at(NOW - 600),
    ]))
    .await;
    let cause = |p: &str| page(&r, p).cause;
    assert_eq!(cause("/stale/"), Some(Cause::StaleCopy));
    assert_eq!(cause("/wrong-action/"), Some(Cause::RejectedWhenFresh));
    assert_eq!(cause("/old-keys/"), Some(Cause::CopyPredatesKeyChange));
    assert_eq!(cause("/logged-in/"), Some(Cause::LoggedInCopy));
    assert_eq!(page(&r, "/fresh/").verdict, Verdict::Fresh);
    assert_eq!(cause("/fresh/"), None);

    let wrong = page(&r, "/wrong-action/");
    let reason = wrong.reason.unwrap_or_default();
    assert!(reason.contains("wpApiSettings"), "{reason}");
    assert!(reason.contains("wp_create_nonce( 'wp_rest' )"), "{reason}");
    let private = page(&r, "/logged-in/");
    assert!(private.private_copy);
    assert!(
        private
            .private_evidence
            .contains(&"#wpadminbar (the toolbar)".to_owned()),
        "{:?}",
        private.private_evidence
    );

    let urls_of = |k: RecommendationKind| -> Vec<String> {
        r.recommendations
            .iter()
            .filter(|x| x.kind == k)
            .flat_map(|x| x.urls.clone())
            .collect()
    };
    let ttl = urls_of(RecommendationKind::Ttl);
    assert!(ttl.iter().all(|u| u.ends_with("/stale/")), "{ttl:?}");
    assert!(!ttl.is_empty());
    let code = urls_of(RecommendationKind::Code);
    assert!(
        code.len() == 1 && code[0].ends_with("/wrong-action/"),
        "{code:?}"
    );
    let purge: Vec<_> = r
        .recommendations
        .iter()
        .filter(|x| x.kind == RecommendationKind::Purge)
        .collect();
    assert!(
        purge
            .iter()
            .any(|x| x.cause == Some(Cause::CopyPredatesKeyChange)
                && x.setting.contains("varnishadm")
                && x.urls.iter().any(|u| u.ends_with("/old-keys/"))),
        "{purge:#?}"
    );
    assert!(
        purge.iter().any(|x| x.cause == Some(Cause::LoggedInCopy)),
        "{purge:#?}"
    );
    assert_eq!(
        urls_of(RecommendationKind::LoggedIn)
            .iter()
            .filter(|u| u.ends_with("/logged-in/"))
            .count(),
        1
    );
    // The private copy's advice leads.
    assert_eq!(r.recommendations[0].cause, Some(Cause::LoggedInCopy));
}

#[tokio::test]
async fn a_cached_logged_in_render_without_nonce_fails_the_run() {
    let (r, site) = audit(site(vec![
        SimPage::new("/account/", Shape::NoNonce)
            .logged_in_copy()
            .cached_at(NOW - 600),
        SimPage::new("/about/", Shape::NoNonce).cached_at(NOW - 600),
    ]))
    .await;
    let p = page(&r, "/account/");
    assert_eq!(p.verdict, Verdict::NoNonce);
    assert!(p.private_copy);
    assert_eq!(p.cause, None);
    assert!(!page(&r, "/about/").private_copy);
    assert!(
        Threshold::new(FailOn::Dead, &r).any(&r),
        "exit 1 at --fail-on dead"
    );
    assert!(!Threshold::new(FailOn::Never, &r).any(&r));
    assert!(
        r.recommendations
            .iter()
            .any(|x| x.kind == RecommendationKind::LoggedIn && x.urls[0].ends_with("/account/"))
    );
    // Nothing to re-render: no nonce was rejected.
    assert!(busted(&site).is_empty());
}

#[tokio::test]
async fn a_cache_that_ignores_query_strings_leaves_the_cause_unproven() {
    let (r, site) = audit(SimConfig {
        cache_ignores_query: true,
        ..site(vec![
            SimPage::new("/stale/", Shape::WpApiSettings).cached_at(NOW - 26 * HOUR),
        ])
    })
    .await;
    let p = page(&r, "/stale/");
    assert_eq!(p.verdict, Verdict::Dead);
    assert_eq!(p.cause, Some(Cause::Unproven));
    let reason = p.reason.unwrap_or_default();
    assert!(reason.contains("seems to ignore query strings"), "{reason}");
    assert!(reason.contains("which is not proven"), "{reason}");
    assert_eq!(busted(&site).len(), 1, "the re-render was tried");
    let ttl: Vec<_> = r
        .recommendations
        .iter()
        .filter(|x| x.kind == RecommendationKind::Ttl)
        .collect();
    assert!(
        ttl.iter()
            .all(|x| x.cause == Some(Cause::Unproven) && x.impact.starts_with("not counted")),
        "{ttl:#?}"
    );
}

#[tokio::test]
async fn one_re_render_and_one_extra_probe_per_distinct_dead_nonce() {
    // Three pages share one dead nonce (same tick), a fourth has another; one fresh nonce.
    let (r, site) = audit(site(vec![
        SimPage::new("/a/", Shape::WpApiSettings).cached_at(NOW - 26 * HOUR),
        SimPage::new("/b/", Shape::WpApiSettings).cached_at(NOW - 26 * HOUR + 60),
        SimPage::new("/c/", Shape::ApiFetch).cached_at(NOW - 26 * HOUR + 120),
        SimPage::new("/d/", Shape::WpApiSettings).cached_at(NOW - 40 * HOUR),
    ]))
    .await;
    assert_eq!(r.summary.dead, 4);
    assert!(r.pages.iter().all(|p| p.cause == Some(Cause::StaleCopy)));
    let re_renders = busted(&site);
    assert_eq!(re_renders.len(), 2, "{re_renders:?}");
    // Every nonce is probed once: two dead ones, one fresh one, plus the control probe.
    let mut probed: Vec<String> = site
        .requests()
        .into_iter()
        .filter(|l| l.is_rest())
        .filter_map(|l| l.x_wp_nonce)
        .collect();
    let all = probed.len();
    probed.sort();
    probed.dedup();
    assert_eq!(all, probed.len(), "a nonce was probed twice");
    assert_eq!(all, 4, "{probed:?}");
    assert!(probed.contains(&site.current_nonce()));
}

fn litespeed_local() -> CacheFace {
    CacheFace::new(
        &[("x-litespeed-cache", "hit")],
        &[("x-litespeed-cache", "miss")],
        false,
        Some("<!-- Page cached by LiteSpeed Cache 7.9 on {{local}} -->"),
    )
    .stamping_misses()
}

fn local_site(ignores_query: bool, dated_markup: bool) -> SimConfig {
    local_site_with(ignores_query, dated_markup, false)
}

fn local_site_with(ignores_query: bool, dated_markup: bool, sitemap_lastmod: bool) -> SimConfig {
    let shape = if dated_markup {
        Shape::Template(
            "<html><head><script id='wp-api-request-js-extra'>var wpApiSettings = {\"root\":\"{{root}}\",\"nonce\":\"{{nonce}}\"};</script></head><body><time datetime=\"2026-11-23T15:00:00+02:00\">23 Nov</time></body></html>".to_owned(),
        )
    } else {
        Shape::WpApiSettings
    };
    SimConfig {
        face: litespeed_local(),
        gmt_offset_s: 2 * 3600,
        index_blocked: true,
        cache_ignores_query: ignores_query,
        sitemap_lastmod,
        ..site(vec![SimPage::new("/a/", shape).cached_at(NOW - 26 * HOUR)])
    }
}

#[tokio::test]
async fn local_stamps_with_the_rest_index_closed_are_dated_by_a_busted_page() {
    let (r, _site) = audit(local_site(false, false)).await;
    let a = page(&r, "/a/");
    assert_eq!(a.cache.age_s, Some(26 * HOUR));
    assert!(!a.cache.approximate);
    assert_eq!(r.site_utc_offset_s, Some(7200));
    assert_eq!(
        r.site_utc_offset_source,
        Some(OffsetSource::CacheBustedPage)
    );
    assert_eq!(a.cause, Some(Cause::StaleCopy));
}

#[tokio::test]
async fn a_busted_page_served_from_the_cache_is_not_trusted_and_dated_markup_dates_the_copy() {
    let (r, _site) = audit(local_site(true, true)).await;
    let a = page(&r, "/a/");
    assert_eq!(r.site_utc_offset_source, Some(OffsetSource::PageMarkup));
    assert_eq!(r.site_utc_offset_s, Some(7200));
    assert_eq!(a.cache.age_s, Some(26 * HOUR));
}

#[tokio::test]
async fn the_zone_of_cores_sitemap_lastmod_dates_local_stamps_when_nothing_else_can() {
    // The REST index is closed, the busted page comes from the cache, the page has no dated
    // markup: only the `+02:00` core's sitemap prints in `<lastmod>` tells the site's zone.
    let (r, _site) = audit(local_site_with(true, false, true)).await;
    let a = page(&r, "/a/");
    assert_eq!(r.site_utc_offset_source, Some(OffsetSource::SitemapLastmod));
    assert_eq!(r.site_utc_offset_s, Some(7200));
    assert_eq!(a.cache.age_s, Some(26 * HOUR));
    assert!(!a.cache.approximate);
    assert!(
        a.lastmod.as_deref().is_some_and(|l| l.ends_with("+02:00")),
        "the report keeps lastmod as written: {:?}",
        a.lastmod
    );
}

#[tokio::test]
async fn with_no_way_to_find_the_offset_the_age_is_unknown_not_guessed() {
    let (r, _site) = audit(local_site(true, false)).await;
    let a = page(&r, "/a/");
    assert_eq!(r.site_utc_offset_s, None);
    assert_eq!(a.cache.age_s, None, "never a guess");
    assert_eq!(a.cache.generated_at, None);
    assert!(
        a.notes
            .iter()
            .any(|n| n.contains("the copy's age is unknown")),
        "{:?}",
        a.notes
    );
    assert_eq!(a.verdict, Verdict::Dead);
    assert_eq!(a.cause, Some(Cause::Unproven));
}

#[tokio::test]
async fn a_site_with_rest_blocked_for_guests_gets_no_re_render() {
    let (r, site) = audit(SimConfig {
        rest: RestMode::BlockedAnonymous,
        ..site(vec![
            SimPage::new("/a/", Shape::WpApiSettings).cached_at(NOW - 26 * HOUR),
        ])
    })
    .await;
    assert_eq!(page(&r, "/a/").verdict, Verdict::Unverifiable);
    assert!(busted(&site).is_empty());
}

#[tokio::test]
async fn an_offset_that_puts_the_stamp_after_date_is_refused_and_the_age_is_unknown() {
    // The site is at +02:00 but its markup claims -05:00: read with -05:00, an hour-old stamp
    // would lie six hours in the future.
    let mut config = local_site(true, true);
    config.pages = vec![
        SimPage::new(
            "/a/",
            Shape::Template(
                "<html><head><script id='wp-api-request-js-extra'>var wpApiSettings = {\"root\":\"{{root}}\",\"nonce\":\"{{nonce}}\"};</script></head><body><time datetime=\"2026-11-23T15:00:00-05:00\">23 Nov</time></body></html>".to_owned(),
            ),
        )
        .cached_at(NOW - HOUR),
    ];
    let (r, _site) = audit(config).await;
    let a = page(&r, "/a/");
    assert_eq!(a.cache.age_s, None, "never a negative or guessed age");
    assert!(
        a.notes
            .iter()
            .any(|n| n.contains("the stamp lies after the server's Date, which is impossible")),
        "{:?}",
        a.notes
    );
    assert_eq!(a.verdict, Verdict::Fresh);
    // The report does not state as the site's an offset a page has shown impossible.
    assert_eq!(r.site_utc_offset_s, None);
    assert_eq!(r.site_utc_offset_source, None);
}

#[tokio::test]
async fn every_format_names_the_causes_and_leads_with_private_copies() {
    use nonce_audit::report::{Format, RenderOptions};
    let (r, _site) = audit(nonce_audit::demo::scenario_with_causes(NOW)).await;
    assert_eq!(page(&r, "/events/").cause, Some(Cause::RejectedWhenFresh));
    assert_eq!(page(&r, "/members/").cause, Some(Cause::LoggedInCopy));
    let render = |f: Format| {
        String::from_utf8(f.render(
            &r,
            &RenderOptions {
                color: false,
                fail_on: FailOn::Dead,
                width: 0,
            },
        ))
        .unwrap()
    };
    for f in [
        Format::Table,
        Format::Json,
        Format::Csv,
        Format::Markdown,
        Format::Junit,
        Format::Html,
    ] {
        let text = render(f);
        for c in ["stale-copy", "rejected-when-fresh", "logged-in-copy"] {
            assert!(text.contains(c), "{f:?} does not name {c}");
        }
    }
    // The human formats put the private copy before any verdict group.
    let table = render(Format::Table);
    let private = table.find("PRIVATE COPIES").expect("a private section");
    assert!(private < table.find("DEAD:").unwrap());
    assert!(table.contains("  why (rejected-when-fresh, 1): "));
    let md = render(Format::Markdown);
    assert!(md.find("### Private copies").unwrap() < md.find("### Pages to look at").unwrap());
    assert!(md.contains("#### cause rejected-when-fresh: "));
    let junit = render(Format::Junit);
    let first_case = &junit[junit.find("<testcase").unwrap()..];
    let first_case = &first_case[..first_case.find('>').unwrap()];
    assert!(
        first_case.contains("/members/\""),
        "JUnit lists the private copy first: {first_case}"
    );
    let html = render(Format::Html);
    let lead = html.find("id=\"private\"").expect("a private section");
    assert!(
        lead < html.find("id=\"summary\"").unwrap(),
        "HTML leads with private copies"
    );
    assert!(html.contains("id=\"causes\""));
    let json: serde_json::Value = serde_json::from_str(&render(Format::Json)).unwrap();
    let members = json["pages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["url"].as_str().unwrap().ends_with("/members/"))
        .unwrap();
    assert_eq!(members["private_copy"], true);
    assert_eq!(members["cause"], "logged-in-copy");
}

#[tokio::test]
async fn robots_forbidding_query_strings_forbids_the_re_render_and_leaves_it_unproven() {
    let (r, site) = audit(SimConfig {
        robots_extra: "Disallow: /*?".to_owned(),
        ..site(vec![
            SimPage::new("/stale/", Shape::WpApiSettings).cached_at(NOW - 26 * HOUR),
        ])
    })
    .await;
    let p = page(&r, "/stale/");
    assert_eq!(p.cause, Some(Cause::Unproven));
    let reason = p.reason.unwrap_or_default();
    assert!(
        reason.contains("the cache-busted URL is not allowed"),
        "{reason}"
    );
    assert!(busted(&site).is_empty(), "{:?}", busted(&site));
}

#[tokio::test]
async fn a_page_with_a_good_and_a_wrong_nonce_is_judged_by_the_wrong_ones_fresh_counterpart() {
    // Core's wpApiSettings is right; a plugin's api-fetch middleware gets a nonce for another
    // action. Probing the fresh render's *first* nonce (core's) would wrongly blame the cache.
    let template = "<html><head>\
<script id='wp-api-request-js-extra'>var wpApiSettings = {\"root\":\"{{root}}\",\"nonce\":\"{{nonce}}\"};</script>\
<script id=\"wp-api-fetch-js-after\">wp.apiFetch.nonceMiddleware = wp.apiFetch.createNonceMiddleware( \"{{nonce:wp_rest_plugin}}\" );</script>\
</head><body>mixed</body></html>";
    let (r, _site) = audit(site(vec![
        SimPage::new("/mixed/", Shape::Template(template.to_owned())).cached_at(NOW - 26 * HOUR),
    ]))
    .await;
    let p = page(&r, "/mixed/");
    assert_eq!(p.verdict, Verdict::Dead);
    assert_eq!(p.cause, Some(Cause::RejectedWhenFresh), "{:?}", p.reason);
    assert!(
        r.recommendations
            .iter()
            .any(|x| x.kind == RecommendationKind::Code
                && x.setting.contains("createNonceMiddleware")),
        "{:#?}",
        r.recommendations
    );
}
