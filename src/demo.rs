//! The built-in demo: a simulated WordPress behind a 7-day page cache, audited for real.
//!
//! It lets someone see what nonce-audit reports before pointing it at a production site: the
//! simulated site runs on loopback with core's real nonce algorithm, its cache holds copies of
//! several ages, and the audit goes through the same code path as any other site.

use crate::audit::{AuditConfig, AuditError, EventSink, run};
use crate::clock::{DEFAULT_NONCE_LIFE_S, NonceClock};
use crate::discover::Target;
use crate::model::Report;
use crate::sim::{Shape, SimConfig, SimPage, SimSite};

/// The demo's scenario at server time `now`: one page per verdict, plus the home page and a shop
/// page using `wp-api-fetch`.
pub fn scenario(now: i64) -> SimConfig {
    let clock = NonceClock::new(DEFAULT_NONCE_LIFE_S);
    let tick = clock.tick_len();
    let tick_start = (clock.tick_at(now) - 1) * tick;
    let in_current_tick = now - (now - tick_start - 1).clamp(0, 20 * 60);
    let pages = vec![
        SimPage::new("/", Shape::WpApiSettings).cached_at(in_current_tick),
        SimPage::new("/shop/", Shape::ApiFetch),
        SimPage::new("/about/", Shape::WpApiSettings).cached_at(tick_start - 3 * 3600),
        SimPage::new("/blog/hello-world/", Shape::WpApiSettings).cached_at(now - 30 * 3600),
        SimPage::new("/blog/launch-week/", Shape::ApiFetch).cached_at(now - 6 * 86_400),
        SimPage::new("/contact/", Shape::NoNonce).cached_at(now - 2 * 86_400),
    ];
    SimConfig {
        pages,
        cache_ttl_s: Some(7 * 86_400),
        now,
        ..SimConfig::default()
    }
}

/// [`scenario`] plus the dead pages a cache setting cannot fix, so the demo shows causes other
/// than a stale copy: a plugin that prints a nonce for the wrong action (rejected even fresh)
/// and a logged-in user's render stored in the cache (a private copy). Kept apart from
/// [`scenario`], whose report is the golden files' fixture.
pub fn scenario_with_causes(now: i64) -> SimConfig {
    let mut config = scenario(now);
    config.pages.extend([
        SimPage::new("/events/", Shape::WpApiSettings)
            .with_action("wp_rest_events")
            .cached_at(now - 20 * 60),
        SimPage::new("/members/", Shape::WpApiSettings)
            .logged_in_copy()
            .cached_at(now - 2 * 3600),
    ]);
    config
}

/// What the demo shows, printed before its report.
pub const EXPLANATION: &str = "\
This demo audits a simulated WordPress site running on this machine (loopback only).
A Varnish-like page cache with a 7-day lifespan sits in front of it, holding copies of
different ages. Each page prints a wp_rest nonce the way WordPress core does, and the
site's REST API checks nonces exactly as core's rest_cookie_check_errors() does.
Expect: / and /shop/ fresh (rendered this tick), /about/ expiring (rendered last tick),
/blog/hello-world/ and /blog/launch-week/ dead (cached 30 h and 6 days ago: their REST
calls now fail with 403 rest_cookie_invalid_nonce), /contact/ without a nonce.
Two more dead pages have causes no cache lifespan fixes: /events/ prints a nonce made for
the wrong action (rejected even when rendered fresh: a code fix), and /members/ is a
logged-in user's render stored in the cache (a private copy: stop caching logged-in users,
then purge). Each dead page is re-rendered once past the cache to prove its cause.
The advice at the end groups the fixes by cause.
";

/// Starts the simulated site, audits it with `config`'s settings (its target is replaced), and
/// returns the report. The site stops when this returns.
pub async fn run_demo(mut config: AuditConfig, events: EventSink) -> Result<Report, AuditError> {
    let now = chrono::Utc::now().timestamp();
    let site = SimSite::start(scenario_with_causes(now))
        .await
        .map_err(|e| AuditError::Demo(e.to_string()))?;
    let target = format!("{}/", site.base_url());
    config.target = Target::parse(&target)?;
    config.nonce_life_s = DEFAULT_NONCE_LIFE_S;
    config.fetch.rate_per_host = 0.0;
    run(&config, events).await
}
