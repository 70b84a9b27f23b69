//! One case per verdict rule: an invented page, what the judge must conclude, and why.

use super::*;
use crate::cache::LayerObservation;

/// One day of nonce life: ticks of 12 h.
const LIFE: u64 = 86_400;
const TICK: i64 = 43_200;
/// A tick boundary: tick `T0 / TICK` ends at this second.
const T0: i64 = TICK * 40_000;
/// The server's clock during the probes, 100 s into tick `T0 / TICK + 1`.
const NOW: i64 = T0 + 100;

fn clock() -> NonceClock {
    NonceClock::new(LIFE)
}

fn nonce(source: &'static str, value: &str) -> NonceRow {
    let p = extract::pattern_for(source).expect("a pattern id from the table");
    extract::FoundNonce {
        value: value.to_owned(),
        source: p.source,
        action: p.action,
    }
    .row()
}

fn rest_nonce(value: &str) -> NonceRow {
    nonce("wpApiSettings", value)
}

/// A copy served by a page cache, generated `age` seconds before [`NOW`].
fn cached(layer: &'static str, age: i64) -> CacheInfo {
    CacheInfo {
        layer: Some(layer.into()),
        hit: Some(true),
        age_s: Some(age),
        age_source: Some(crate::cache::SOURCE_AGE_HEADER),
        generated_at: Some(utc(NOW - age)),
        approximate: false,
        layers: vec![LayerObservation {
            layer: layer.into(),
            hit: Some(true),
            age_s: Some(age),
            age_source: Some(crate::cache::SOURCE_AGE_HEADER),
            generated_at: Some(utc(NOW - age)),
            approximate: false,
            evidence: vec!["age".into()],
        }],
    }
}

fn page(nonces: Vec<NonceRow>, cache: CacheInfo, rest: Rest) -> Fetch {
    Fetch::Page(Box::new(Page {
        status: 200,
        date: Some(NOW),
        nonces,
        cache,
        notes: Vec::new(),
        rest,
        private: Vec::new(),
        rerenders: Vec::new(),
    }))
}

/// A WP Rocket copy `age` seconds old carrying one `wp_rest` nonce, and the site's answer.
fn rocket(age: i64, answer: ProbeOutcome) -> Fetch {
    let a = "0123456789";
    page(
        vec![rest_nonce(a)],
        cached("wp-rocket", age),
        probed(&[(a, answer)]),
    )
}

fn probed(answers: &[(&str, ProbeOutcome)]) -> Rest {
    Rest::Probed {
        root: "https://site.test/wp-json/".to_owned(),
        answers: answers
            .iter()
            .map(|(n, o)| ((*n).to_owned(), o.clone()))
            .collect(),
    }
}

fn accepted(refreshed: Option<&str>, at: Option<i64>) -> ProbeOutcome {
    ProbeOutcome::Accepted {
        refreshed: refreshed.map(str::to_owned),
        server_time: at.map(utc),
    }
}

fn rejected() -> ProbeOutcome {
    ProbeOutcome::Rejected {
        server_time: Some(utc(NOW)),
    }
}

fn judged(fetch: Fetch) -> PageResult {
    judge(
        Evidence {
            url: "https://site.test/a/".to_owned(),
            lastmod: Some("2026-01-02".to_owned()),
            final_url: None,
            fetch,
        },
        &clock(),
    )
}

/// What a case expects: the verdict, words the reason must hold (`None`: no reason at all),
/// and the page's death time.
struct Case {
    rule: &'static str,
    fetch: Fetch,
    verdict: Verdict,
    reason: Option<&'static str>,
    dies_at: Option<i64>,
}

fn cases() -> Vec<Case> {
    let a = "0123456789";
    let b = "abcdef0123";
    vec![
        Case {
            rule: "robots.txt forbids the page: error, with robots' reason",
            fetch: Fetch::Disallowed("robots.txt disallows /a/".to_owned()),
            verdict: Verdict::Error,
            reason: Some("robots.txt disallows /a/"),
            dies_at: None,
        },
        Case {
            rule: "no answer: error, fetch failed",
            fetch: Fetch::Failed("connection refused".to_owned()),
            verdict: Verdict::Error,
            reason: Some("fetch failed: connection refused"),
            dies_at: None,
        },
        Case {
            rule: "a redirect to another site is not followed, and says where it pointed",
            fetch: Fetch::Redirected {
                status: 302,
                location: Some("https://elsewhere.test/".to_owned()),
            },
            verdict: Verdict::Error,
            reason: Some("redirects to another site (https://elsewhere.test/); not followed"),
            dies_at: None,
        },
        Case {
            rule: "a redirect with no Location says so",
            fetch: Fetch::Redirected {
                status: 301,
                location: None,
            },
            verdict: Verdict::Error,
            reason: Some("(no Location header)"),
            dies_at: None,
        },
        Case {
            rule: "an error status names the error page's title",
            fetch: Fetch::Status {
                status: 503,
                title: Some("Maintenance".to_owned()),
            },
            verdict: Verdict::Error,
            reason: Some("HTTP 503 (\"Maintenance\")"),
            dies_at: None,
        },
        Case {
            rule: "a page without any nonce: no_nonce, nothing to explain",
            fetch: page(Vec::new(), CacheInfo::default(), Rest::NoRestNonce),
            verdict: Verdict::NoNonce,
            reason: None,
            dies_at: None,
        },
        Case {
            rule: "other plugins' nonces that are still alive: no_nonce, listed",
            fetch: page(
                vec![nonce("wcBlocksMiddlewareConfig", a)],
                cached("varnish", 60),
                Rest::NoRestNonce,
            ),
            verdict: Verdict::NoNonce,
            reason: Some("no wp_rest nonce; 1 nonce(s) of other actions"),
            dies_at: None,
        },
        Case {
            rule: "another plugin's breaking nonce dead by the copy's age: unverifiable estimate",
            fetch: page(
                vec![nonce("wcBlocksMiddlewareConfig", a)],
                cached("varnish", 2 * TICK + 500),
                Rest::NoRestNonce,
            ),
            verdict: Verdict::Unverifiable,
            reason: Some("by the cached copy's age: WooCommerce Blocks / Store API nonce"),
            dies_at: None,
        },
        Case {
            rule: "no usable REST root: unverifiable with the root's problem",
            fetch: page(
                vec![rest_nonce(a)],
                CacheInfo::default(),
                Rest::NoRoot("the page's REST root is on another origin".to_owned()),
            ),
            verdict: Verdict::Unverifiable,
            reason: Some("another origin"),
            dies_at: None,
        },
        Case {
            rule: "the control probe shows the check cannot be observed: unverifiable",
            fetch: page(
                vec![rest_nonce(a)],
                CacheInfo::default(),
                Rest::NotObservable {
                    root: "https://site.test/wp-json/".to_owned(),
                    problem: "a random nonce was accepted".to_owned(),
                },
            ),
            verdict: Verdict::Unverifiable,
            reason: Some(
                "REST check not observable at https://site.test/wp-json/: a random nonce was accepted",
            ),
            dies_at: None,
        },
        Case {
            rule: "rejected: dead, with the copy's age in the reason",
            fetch: rocket(2 * TICK + 3_600, rejected()),
            verdict: Verdict::Dead,
            reason: Some(
                "the site rejects nonce 0123456789 (403 rest_cookie_invalid_nonce); the cached copy is 1 d 1 h old",
            ),
            dies_at: None,
        },
        Case {
            rule: "one nonce rejected and another accepted: dead wins, no death time",
            fetch: page(
                vec![rest_nonce(a), nonce("createNonceMiddleware", b)],
                cached("wp-rocket", 60),
                probed(&[(a, accepted(Some(a), Some(NOW))), (b, rejected())]),
            ),
            verdict: Verdict::Dead,
            reason: Some("rejects nonce abcdef0123"),
            dies_at: None,
        },
        Case {
            rule: "an answer that proves nothing: unverifiable, with what came back",
            fetch: page(
                vec![rest_nonce(a)],
                cached("wp-rocket", 60),
                probed(&[(
                    a,
                    ProbeOutcome::Inconclusive {
                        reason: "HTTP 500".to_owned(),
                        server_time: None,
                    },
                )]),
            ),
            verdict: Verdict::Unverifiable,
            reason: Some("0123456789: HTTP 500"),
            dies_at: None,
        },
        Case {
            rule: "accepted and refreshed to itself: fresh, dies at the end of the next tick",
            fetch: rocket(60, accepted(Some(a), Some(NOW))),
            verdict: Verdict::Fresh,
            reason: None,
            dies_at: Some(T0 + 2 * TICK),
        },
        Case {
            rule: "accepted from the previous tick: expiring at the next boundary",
            fetch: rocket(TICK, accepted(Some(b), Some(NOW))),
            verdict: Verdict::Expiring,
            reason: Some(
                "nonce from the previous tick: still accepted, dies at the next boundary; the cached copy is 12 h old",
            ),
            dies_at: Some(T0 + TICK),
        },
        Case {
            rule: "accepted with no refreshed nonce (WordPress < 4.6): expiring, earliest death assumed",
            fetch: rocket(60, accepted(None, Some(NOW))),
            verdict: Verdict::Expiring,
            reason: Some(
                "accepted, but the site sent no refreshed X-WP-Nonce (WordPress < 4.6?): assuming the earliest death",
            ),
            dies_at: Some(T0 + TICK),
        },
        Case {
            rule: "accepted but undatable (no Date on the answer): unverifiable",
            fetch: rocket(60, accepted(Some(a), None)),
            verdict: Verdict::Unverifiable,
            reason: Some("0123456789: accepted, but the server sent no Date header to date it"),
            dies_at: None,
        },
    ]
}

#[test]
fn every_rule_gives_its_verdict_reason_and_death_time() {
    for case in cases() {
        let r = judged(case.fetch);
        assert_eq!(r.verdict, case.verdict, "{}", case.rule);
        match case.reason {
            Some(words) => {
                let reason = r.reason.as_deref().unwrap_or("");
                assert!(reason.contains(words), "{}: reason {reason:?}", case.rule);
            }
            None => assert_eq!(r.reason, None, "{}", case.rule),
        }
        assert_eq!(r.dies_at, case.dies_at.map(utc), "{}", case.rule);
        assert_eq!(r.lastmod.as_deref(), Some("2026-01-02"), "{}", case.rule);
    }
}

#[test]
fn a_dead_page_says_when_its_nonce_died_from_the_copys_generation() {
    let generated = NOW - 2 * TICK - 3_600;
    let r = judged(page(
        vec![rest_nonce("0123456789")],
        cached("wp-rocket", 2 * TICK + 3_600),
        probed(&[("0123456789", rejected())]),
    ));
    let died = clock().dies_at_for_generation(generated) + 1;
    assert_eq!(r.died_at, Some(utc(died)));
    assert_eq!(r.nonces[0].state, NonceState::Rejected);
}

#[test]
fn the_unknown_tick_state_is_kept_on_the_nonce_and_dated_by_the_earliest_death() {
    let r = judged(page(
        vec![rest_nonce("0123456789")],
        cached("wp-rocket", 60),
        probed(&[("0123456789", accepted(None, Some(NOW)))]),
    ));
    assert_eq!(r.nonces[0].state, NonceState::AcceptedUnknownTick);
    assert_eq!(r.nonces[0].dies_at, Some(utc(T0 + TICK)));
    // No render tick is proved, so another action's nonce is dated from the copy's age.
    assert_eq!(r.rest_root.as_deref(), Some("https://site.test/wp-json/"));
}

#[test]
fn a_proved_render_tick_dates_other_actions_exactly_and_their_own_life_otherwise() {
    // No cache, so no generation time: the probe's tick is the only clock.
    let uncached_previous_tick = CacheInfo {
        layer: Some("varnish".into()),
        hit: None,
        layers: vec![LayerObservation {
            layer: "varnish".into(),
            hit: None,
            age_s: None,
            age_source: None,
            generated_at: None,
            approximate: false,
            evidence: vec!["via".into()],
        }],
        ..CacheInfo::default()
    };
    let r = judged(page(
        vec![
            rest_nonce("0123456789"),
            nonce("wcBlocksMiddlewareConfig", "abcdef0123"),
            nonce("gform-ajax-submission", "fedcba9876"),
        ],
        uncached_previous_tick,
        probed(&[("0123456789", accepted(Some("ffffffffff"), Some(NOW)))]),
    ));
    assert_eq!(r.verdict, Verdict::Expiring);
    let woo = &r.nonces[1];
    // Rendered in the previous tick, same life as wp_rest: dies with it, exactly.
    assert_eq!(woo.dies_at, Some(utc(T0 + TICK)));
    assert_eq!(woo.state, NonceState::EstimatedLive);
    // Gravity Forms' 3-day life, dated from the earliest moment of the proved tick.
    let gf = &r.nonces[2];
    let earliest = (clock().tick_at(NOW) - 2) * TICK + 1;
    let gf_dies = NonceClock::new(3 * 86_400).dies_at_for_generation(earliest);
    assert_eq!(gf.dies_at, Some(utc(gf_dies)));
    assert!(gf_dies > T0 + TICK, "its own, longer life");
}

#[test]
fn an_old_copy_with_a_current_nonce_is_explained_not_blamed() {
    let r = judged(page(
        vec![rest_nonce("0123456789")],
        cached("litespeed", 3 * TICK),
        probed(&[("0123456789", accepted(Some("0123456789"), Some(NOW)))]),
    ));
    assert_eq!(r.verdict, Verdict::Fresh);
    assert!(
        r.notes
            .iter()
            .any(|n| n.contains("LiteSpeed ESI nonces fill it in")),
        "{:?}",
        r.notes
    );
    let r = judged(page(
        vec![rest_nonce("0123456789")],
        cached("cloudflare", 3 * TICK),
        probed(&[("0123456789", accepted(Some("0123456789"), Some(NOW)))]),
    ));
    assert!(
        r.notes
            .iter()
            .any(|n| n.contains("something fills it in at delivery")),
        "{:?}",
        r.notes
    );
    // A copy younger than a tick needs no explanation.
    let r = judged(page(
        vec![rest_nonce("0123456789")],
        cached("litespeed", TICK - 1),
        probed(&[("0123456789", accepted(Some("0123456789"), Some(NOW)))]),
    ));
    assert!(r.notes.is_empty(), "{:?}", r.notes);
}

#[test]
fn nonces_to_probe_are_the_distinct_rest_ones_in_page_order() {
    let rows = vec![
        rest_nonce("bbbbbbbbbb"),
        nonce("wcBlocksMiddlewareConfig", "cccccccccc"),
        nonce("createNonceMiddleware", "aaaaaaaaaa"),
        rest_nonce("bbbbbbbbbb"),
    ];
    assert_eq!(nonces_to_probe(&rows), vec!["bbbbbbbbbb", "aaaaaaaaaa"]);
}

/// A page whose only nonce the site rejects, with the counterfactual `rerender`.
fn dead_page(cache: CacheInfo, rerender: Option<Rerender>, private: &[&str]) -> Fetch {
    Fetch::Page(Box::new(Page {
        status: 200,
        date: Some(NOW),
        nonces: vec![rest_nonce("0123456789")],
        cache,
        notes: Vec::new(),
        rest: probed(&[("0123456789", rejected())]),
        private: private.iter().map(|s| (*s).to_owned()).collect(),
        rerenders: rerender
            .map(|r| vec![("0123456789".to_owned(), r)])
            .unwrap_or_default(),
    }))
}

fn fresh(answer: Option<ProbeOutcome>) -> Option<Rerender> {
    Some(Rerender::Fresh {
        missed: "a different nonce".to_owned(),
        nonce: Some("fedcba9876".to_owned()),
        answer,
    })
}

/// One case per cause rule: the evidence of the counterfactual, the cause it proves, and words
/// the reason must hold.
struct CauseCase {
    rule: &'static str,
    fetch: Fetch,
    cause: Cause,
    words: &'static str,
}

fn cause_cases() -> Vec<CauseCase> {
    let old = 2 * TICK + 3_600;
    let approximate = CacheInfo {
        approximate: true,
        ..cached("litespeed", old)
    };
    let undated = CacheInfo {
        age_s: None,
        generated_at: None,
        ..cached("varnish", old)
    };
    vec![
        CauseCase {
            rule: "fresh render accepted, copy older than its nonce's life: stale-copy",
            fetch: dead_page(
                cached("wp-rocket", old),
                fresh(Some(accepted(None, Some(NOW)))),
                &[],
            ),
            cause: Cause::StaleCopy,
            words: "old enough to have outlived its nonce",
        },
        CauseCase {
            rule: "fresh render rejected too: rejected-when-fresh, naming the script and wp_rest",
            fetch: dead_page(cached("wp-rocket", 60), fresh(Some(rejected())), &[]),
            cause: Cause::RejectedWhenFresh,
            words: "carried by wpApiSettings (core's variable, printed or filtered here by a theme or plugin) is not one core's REST check accepts. Core checks REST nonces as wp_rest, so the page must print wp_create_nonce( 'wp_rest' )",
        },
        CauseCase {
            rule: "fresh render accepted, copy younger than one tick: copy-predates-key-change",
            fetch: dead_page(
                cached("wp-rocket", 600),
                fresh(Some(accepted(None, Some(NOW)))),
                &[],
            ),
            cause: Cause::CopyPredatesKeyChange,
            words: "only 10 min old, less than a nonce's shortest life (12 h)",
        },
        CauseCase {
            rule: "a logged-in render in the cache: logged-in-copy, whatever the re-render says",
            fetch: dead_page(
                cached("wp-rocket", 600),
                fresh(Some(accepted(None, Some(NOW)))),
                &["#wpadminbar (the toolbar)"],
            ),
            cause: Cause::LoggedInCopy,
            words: "logged-in user's render (#wpadminbar (the toolbar))",
        },
        CauseCase {
            rule: "no re-render: unproven, with the age-based reasoning marked as not proven",
            fetch: dead_page(cached("varnish", old), None, &[]),
            cause: Cause::Unproven,
            words: "not re-rendered past the cache; by its age alone (1 d 1 h) the copy may have outlived its nonce, which is not proven",
        },
        CauseCase {
            rule: "the re-render failed: unproven",
            fetch: dead_page(
                cached("varnish", old),
                Some(Rerender::Failed("HTTP 500".to_owned())),
                &[],
            ),
            cause: Cause::Unproven,
            words: "the re-render past the cache failed (HTTP 500)",
        },
        CauseCase {
            rule: "the re-render came from the cache: unproven, the cache ignores query strings",
            fetch: dead_page(
                cached("varnish", old),
                Some(Rerender::Cached(
                    "the same nonce and a cache HIT".to_owned(),
                )),
                &[],
            ),
            cause: Cause::Unproven,
            words: "was not shown to miss the cache (the same nonce and a cache HIT): the cache seems to ignore query strings",
        },
        CauseCase {
            rule: "no cache sign on the copy or the re-render: unproven, and the words name the code too",
            fetch: dead_page(
                CacheInfo::default(),
                Some(Rerender::Cached(
                    "the same nonce, and no header or stamp to tell".to_owned(),
                )),
                &[],
            ),
            cause: Cause::Unproven,
            words: "no page cache shows itself on this page (no cache header, Age or stamp), and its re-render with a cache-busting query prints the same rejected nonce (the same nonce, and no header or stamp to tell): if nothing caches this page, WordPress itself prints a nonce it rejects, and the code printing wpApiSettings",
        },
        CauseCase {
            rule: "the fresh render has no wp_rest nonce: unproven",
            fetch: dead_page(
                cached("varnish", old),
                Some(Rerender::Fresh {
                    missed: "a MISS header".to_owned(),
                    nonce: None,
                    answer: None,
                }),
                &[],
            ),
            cause: Cause::Unproven,
            words: "carries no wp_rest nonce",
        },
        CauseCase {
            rule: "fresh render accepted but the copy is undated: unproven (stale or key change?)",
            fetch: dead_page(undated, fresh(Some(accepted(None, Some(NOW)))), &[]),
            cause: Cause::Unproven,
            words: "the copy's age is unknown",
        },
        CauseCase {
            rule: "fresh render accepted but the copy's age is approximate: unproven",
            fetch: dead_page(approximate, fresh(Some(accepted(None, Some(NOW)))), &[]),
            cause: Cause::Unproven,
            words: "is only approximate",
        },
        CauseCase {
            rule: "fresh render accepted, copy past a tick but its nonce should still live: unproven",
            fetch: dead_page(
                cached("wp-rocket", TICK + 50),
                fresh(Some(accepted(None, Some(NOW)))),
                &[],
            ),
            cause: Cause::Unproven,
            words: "should still be live",
        },
        CauseCase {
            rule: "the fresh nonce got no clear answer: unproven",
            fetch: dead_page(
                cached("wp-rocket", 600),
                fresh(Some(ProbeOutcome::Inconclusive {
                    reason: "HTTP 502".to_owned(),
                    server_time: None,
                })),
                &[],
            ),
            cause: Cause::Unproven,
            words: "got no clear answer (HTTP 502)",
        },
    ]
}

#[test]
fn every_cause_rule_gives_its_cause_and_says_why() {
    for case in cause_cases() {
        let r = judged(case.fetch);
        assert_eq!(r.verdict, Verdict::Dead, "{}", case.rule);
        assert_eq!(r.cause, Some(case.cause), "{}", case.rule);
        let reason = r.reason.as_deref().unwrap_or("");
        assert!(
            reason.contains(&format!("cause {}: ", case.cause)),
            "{}: {reason}",
            case.rule
        );
        assert!(reason.contains(case.words), "{}: {reason}", case.rule);
    }
}

#[test]
fn only_dead_pages_have_a_cause() {
    for case in cases() {
        let r = judged(case.fetch);
        assert_eq!(
            r.cause.is_some(),
            r.verdict == Verdict::Dead,
            "{}",
            case.rule
        );
    }
}

#[test]
fn a_private_copy_without_nonces_is_flagged_and_says_so_first() {
    let r = judged(Fetch::Page(Box::new(Page {
        status: 200,
        date: Some(NOW),
        nonces: Vec::new(),
        cache: cached("wp-rocket", 60),
        notes: Vec::new(),
        rest: Rest::NoRestNonce,
        private: vec!["body class logged-in".to_owned()],
        rerenders: Vec::new(),
    })));
    assert_eq!(r.verdict, Verdict::NoNonce);
    assert!(r.private_copy);
    assert_eq!(r.private_evidence, ["body class logged-in"]);
    assert_eq!(r.cause, None);
    assert!(
        r.reason.as_deref().is_some_and(
            |w| w.starts_with("this copy is a logged-in user's render (body class logged-in)")
        ),
        "{:?}",
        r.reason
    );
}

#[test]
fn a_page_with_several_dead_nonces_takes_the_cause_no_lifespan_fixes() {
    let (core, plugin) = ("0123456789", "abcdef0123");
    let r = judged(Fetch::Page(Box::new(Page {
        status: 200,
        date: Some(NOW),
        nonces: vec![rest_nonce(core), nonce("createNonceMiddleware", plugin)],
        cache: cached("wp-rocket", 2 * TICK + 3_600),
        notes: Vec::new(),
        rest: probed(&[(core, rejected()), (plugin, rejected())]),
        private: Vec::new(),
        rerenders: vec![
            (
                core.to_owned(),
                fresh(Some(accepted(None, Some(NOW)))).unwrap(),
            ),
            (plugin.to_owned(), fresh(Some(rejected())).unwrap()),
        ],
    })));
    assert_eq!(r.cause, Some(Cause::RejectedWhenFresh));
    assert_eq!(r.cause_nonce.as_deref(), Some(plugin));
    let reason = r.reason.unwrap_or_default();
    assert!(
        reason.contains("nonce abcdef0123: rejected-when-fresh: "),
        "{reason}"
    );
    assert!(
        reason.contains("nonce 0123456789: stale-copy: "),
        "{reason}"
    );
    assert!(
        reason.contains("carried by createNonceMiddleware"),
        "{reason}"
    );
}
