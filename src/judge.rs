//! Every verdict rule, as one pure function.
//!
//! The audit fetches, probes and fingerprints; it hands what it saw to [`judge`] as
//! [`Evidence`], and the judge decides the page's verdict, its death time and the words of the
//! reason. Nothing here touches the network or the local clock, so each rule has a table test
//! below with an invented page, and a new rule (a cause of death, a logged-in check) lands here
//! with its own test instead of in the I/O code.

use chrono::{DateTime, Utc};

use crate::clock::{NonceClock, utc};
use crate::extract;
use crate::model::{
    CacheInfo, Cause, NonceRow, NonceState, PageResult, ProbeOutcome, Severity, Verdict,
    human_duration,
};

/// What the audit saw of one page, from its fetch to the answers about its nonces.
#[derive(Debug, Clone)]
pub struct Evidence {
    /// The page URL as listed in the sitemap.
    pub url: String,
    /// The sitemap's `lastmod`, as written there.
    pub lastmod: Option<String>,
    /// Where the page ended up after same-site redirects, when that differs from `url`.
    pub final_url: Option<String>,
    /// How far the audit got with the page.
    pub fetch: Fetch,
}

/// How the page's fetch went: only a 2xx page goes on to its nonces.
#[derive(Debug, Clone)]
pub enum Fetch {
    /// robots.txt forbids the page (the reason names the rule or the robots problem).
    Disallowed(String),
    /// No HTTP answer (DNS, TLS, timeout, size cap...).
    Failed(String),
    /// A redirect the fetcher would not follow (to another site).
    Redirected {
        /// The 3xx status.
        status: u16,
        /// Its `Location`, when it sent one.
        location: Option<String>,
    },
    /// An answer that is not a page (4xx, 5xx).
    Status {
        /// The status.
        status: u16,
        /// The error page's `<title>`, which often says more than the code.
        title: Option<String>,
    },
    /// A 2xx page (boxed: it is by far the largest variant).
    Page(Box<Page>),
}

/// A page that was served, with what was found in it and what the site said of its nonces.
#[derive(Debug, Clone)]
pub struct Page {
    /// The 2xx status.
    pub status: u16,
    /// The response's `Date` (the server's clock), Unix seconds.
    pub date: Option<i64>,
    /// The nonces found, not yet judged ([`NonceState::NotProbed`]).
    pub nonces: Vec<NonceRow>,
    /// The cache layers seen and the copy's age.
    pub cache: CacheInfo,
    /// Notes from extraction (combined scripts, optimiser rewrites...).
    pub notes: Vec<String>,
    /// What the REST API said.
    pub rest: Rest,
    /// The logged-in markers found in the copy ([`extract::private_copy`]); empty for a
    /// guest's page.
    pub private: Vec<String>,
    /// The counterfactual of each rejected nonce (by value): the page re-rendered past the
    /// cache, and the site's answer for the fresh render's nonce in its place. A rejected nonce
    /// missing here was not re-rendered.
    pub rerenders: Vec<(String, Rerender)>,
}

/// What re-rendering a dead page past the cache (a cache-busting query) showed: the one
/// experiment that tells a stale copy from a page whose code prints a wrong nonce.
#[derive(Debug, Clone, PartialEq)]
pub enum Rerender {
    /// No usable answer came back (the reason says why).
    Failed(String),
    /// Nothing showed the answer missed the cache (the same nonce with a HIT or the same stamp):
    /// the cache seems to ignore the query string, so the experiment proves nothing.
    Cached(String),
    /// A fresh render, past the cache.
    Fresh {
        /// How the answer was shown to have missed the cache (a different nonce, a MISS
        /// header, no stamp, a fresh stamp).
        missed: String,
        /// The fresh render's `wp_rest` nonce in the dead one's place (same script or
        /// variable), when it has one.
        nonce: Option<String>,
        /// The site's answer for that nonce.
        answer: Option<ProbeOutcome>,
    },
}

/// The REST side of a page: whether its `wp_rest` nonces could be asked about, and the answers.
#[derive(Debug, Clone)]
pub enum Rest {
    /// The page has no `wp_rest` nonce ([`nonces_to_probe`] is empty).
    NoRestNonce,
    /// No usable REST root: none advertised or found, unparsable, or on another origin.
    NoRoot(String),
    /// The control probe showed the nonce check cannot be observed at `root`.
    NotObservable {
        /// The REST root tried.
        root: String,
        /// What the control probe saw.
        problem: String,
    },
    /// Each distinct `wp_rest` nonce and the site's answer, in [`nonces_to_probe`] order.
    Probed {
        /// The REST root asked.
        root: String,
        /// (nonce, answer) pairs.
        answers: Vec<(String, ProbeOutcome)>,
    },
}

/// The distinct `wp_rest` nonce values of a page, in page order: the ones to ask the site about.
pub fn nonces_to_probe(rows: &[NonceRow]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for r in rows.iter().filter(|r| r.action == extract::WP_REST) {
        if !out.contains(&r.value) {
            out.push(r.value.clone());
        }
    }
    out
}

/// The page's row: verdict, death time, reason and notes, from the evidence and the site's
/// nonce clock.
pub fn judge(evidence: Evidence, clock: &NonceClock) -> PageResult {
    let Evidence {
        url,
        lastmod,
        final_url,
        fetch,
    } = evidence;
    let failed = |status, reason: String| PageResult {
        lastmod: lastmod.clone(),
        final_url: final_url.clone(),
        ..PageResult::error(&url, status, reason)
    };
    let page = match fetch {
        Fetch::Disallowed(reason) => return failed(None, reason),
        Fetch::Failed(e) => return failed(None, format!("fetch failed: {e}")),
        Fetch::Redirected { status, location } => {
            let to = location.as_deref().unwrap_or("(no Location header)");
            return failed(
                Some(status),
                format!("redirects to another site ({to}); not followed"),
            );
        }
        Fetch::Status { status, title } => {
            let mut reason = format!("HTTP {status}");
            if let Some(t) = title {
                reason.push_str(&format!(" (\"{t}\")"));
            }
            return failed(Some(status), reason);
        }
        Fetch::Page(p) => *p,
    };
    let mut result = PageResult {
        url,
        status: Some(page.status),
        verdict: Verdict::NoNonce,
        reason: None,
        nonces: page.nonces,
        dies_at: None,
        cache: page.cache,
        lastmod,
        rest_root: None,
        final_url,
        died_at: None,
        notes: page.notes,
        cause: None,
        cause_nonce: None,
        private_copy: !page.private.is_empty(),
        private_evidence: page.private,
    };
    let page_time = page.date;
    match page.rest {
        Rest::NoRestNonce => {
            date_other_nonces(clock, &mut result, None, page_time);
            judge_without_rest_nonce(&mut result);
        }
        Rest::NoRoot(reason) => {
            result.verdict = Verdict::Unverifiable;
            result.reason = Some(reason);
            date_other_nonces(clock, &mut result, None, page_time);
        }
        Rest::NotObservable { root, problem } => {
            result.verdict = Verdict::Unverifiable;
            result.reason = Some(format!("REST check not observable at {root}: {problem}"));
            result.rest_root = Some(root);
            date_other_nonces(clock, &mut result, None, page_time);
        }
        Rest::Probed { root, answers } => {
            result.rest_root = Some(root);
            judge_probed(clock, &mut result, &answers, page_time);
        }
    }
    if result.verdict == Verdict::Dead {
        let (cause, nonce, why) = page_cause(clock, &result, &page.rerenders, page_time);
        result.cause = Some(cause);
        result.cause_nonce = nonce;
        if let Some(r) = result.reason.as_mut() {
            r.push_str(&format!("; cause {cause}: {why}"));
        }
    }
    // A dead private copy says so in its cause; any other verdict says it first in its reason.
    if result.private_copy && result.verdict != Verdict::Dead {
        let words = format!(
            "this copy is a logged-in user's render ({}), served from the cache to guests",
            result.private_evidence.join(", ")
        );
        result.reason = Some(match result.reason.take() {
            Some(r) => format!("{words}; {r}"),
            None => words,
        });
    }
    result
}

/// Why a dead page is dead, with the rejected nonce it is about and the words that prove it.
///
/// A logged-in copy is that whatever its nonces say. Otherwise each rejected nonce gets its own
/// cause from its counterfactual, and the page takes the one a cache lifespan cannot fix first
/// (rejected-when-fresh, then copy-predates-key-change, then unproven, then stale-copy): a page
/// with a stale core nonce and a plugin's wrong one stays dead after any lifespan change, so it
/// must not count as saved by one.
fn page_cause(
    clock: &NonceClock,
    page: &PageResult,
    rerenders: &[(String, Rerender)],
    now: Option<i64>,
) -> (Cause, Option<String>, String) {
    if page.private_copy {
        return (
            Cause::LoggedInCopy,
            None,
            format!(
                "the copy is a logged-in user's render ({}); its nonces belong to that user, and the cache hands it to every guest",
                page.private_evidence.join(", ")
            ),
        );
    }
    let mut dead: Vec<&str> = Vec::new();
    for n in page
        .nonces
        .iter()
        .filter(|n| n.state == NonceState::Rejected)
    {
        if !dead.contains(&n.value.as_str()) {
            dead.push(&n.value);
        }
    }
    let rank = |c: Cause| match c {
        Cause::RejectedWhenFresh => 0,
        Cause::CopyPredatesKeyChange => 1,
        Cause::Unproven => 2,
        Cause::StaleCopy => 3,
        Cause::LoggedInCopy => 4,
    };
    let mut each: Vec<(Cause, &str, String)> = dead
        .iter()
        .map(|n| {
            let r = rerenders.iter().find(|(v, _)| v == n).map(|(_, r)| r);
            let (c, why) = cause_of(clock, page, n, r, now);
            (c, *n, why)
        })
        .collect();
    each.sort_by_key(|(c, _, _)| rank(*c));
    let Some((cause, nonce, why)) = each.first().cloned() else {
        return (
            Cause::Unproven,
            None,
            "no rejected nonce to re-render".to_owned(),
        );
    };
    let why = if each.len() > 1 {
        each.iter()
            .map(|(c, n, w)| format!("nonce {n}: {c}: {w}"))
            .collect::<Vec<_>>()
            .join("; ")
    } else {
        why
    };
    (cause, Some(nonce.to_owned()), why)
}

/// Why one rejected nonce is dead, from its counterfactual re-render (see [`Cause`]), with the
/// words that prove it. Anything the evidence does not prove is [`Cause::Unproven`].
fn cause_of(
    clock: &NonceClock,
    page: &PageResult,
    dead: &str,
    rerender: Option<&Rerender>,
    now: Option<i64>,
) -> (Cause, String) {
    let by_age = match page.cache.age_s {
        Some(a) if !page.cache.approximate && a >= clock.tick_len() => format!(
            "; by its age alone ({}) the copy may have outlived its nonce, which is not proven",
            human_duration(a)
        ),
        _ => String::new(),
    };
    let unproven = |why: String| (Cause::Unproven, format!("{why}{by_age}"));
    let (missed, fresh_nonce, answer) = match rerender {
        None => return unproven("the page was not re-rendered past the cache".to_owned()),
        Some(Rerender::Failed(e)) => {
            return unproven(format!("the re-render past the cache failed ({e})"));
        }
        Some(Rerender::Cached(why)) if no_cache_sign(page) => {
            return unproven(format!(
                "no page cache shows itself on this page (no cache header, Age or stamp), and its re-render with a cache-busting query prints the same rejected nonce ({why}): if nothing caches this page, WordPress itself prints a nonce it rejects, and the code printing {} must use wp_create_nonce( 'wp_rest' ); if a cache that shows no sign of itself serves it, that cache ignores query strings",
                carrier_of(page, dead)
            ));
        }
        Some(Rerender::Cached(why)) => {
            return unproven(format!(
                "the re-render with a cache-busting query was not shown to miss the cache ({why}): the cache seems to ignore query strings, so no fresh render could be had"
            ));
        }
        Some(Rerender::Fresh {
            missed,
            nonce,
            answer,
        }) => (missed, nonce, answer),
    };
    let Some(fresh) = fresh_nonce else {
        return unproven(format!(
            "the fresh render ({missed}) carries no wp_rest nonce in the place of the dead one"
        ));
    };
    match answer {
        Some(ProbeOutcome::Rejected { .. }) => {
            let carrier = carrier_of(page, dead);
            (
                Cause::RejectedWhenFresh,
                format!(
                    "a fresh render ({missed}) prints nonce {fresh}, and the site rejects it too: the nonce carried by {carrier} is not one core's REST check accepts. Core checks REST nonces as wp_rest, so the page must print wp_create_nonce( 'wp_rest' ) (made for a logged-out visitor); no cache setting fixes this"
                ),
            )
        }
        Some(ProbeOutcome::Accepted { .. }) => {
            let (Some(generated), Some(age), Some(now)) = (
                page.cache.generated_at.map(|g| g.timestamp()),
                page.cache.age_s,
                now,
            ) else {
                return unproven(format!(
                    "a fresh render ({missed}) gets an accepted nonce, so the cached copy is to blame, but the copy's age is unknown: an outlived nonce and a copy made before a key change cannot be told apart"
                ));
            };
            if page.cache.approximate {
                return unproven(format!(
                    "a fresh render ({missed}) gets an accepted nonce, but the copy's age ({}) is only approximate",
                    human_duration(age)
                ));
            }
            if now > clock.dies_at_for_generation(generated) {
                (
                    Cause::StaleCopy,
                    format!(
                        "a fresh render ({missed}) gets an accepted nonce, and the copy ({} old) is old enough to have outlived its nonce",
                        human_duration(age)
                    ),
                )
            } else if age < clock.tick_len() {
                (
                    Cause::CopyPredatesKeyChange,
                    format!(
                        "a fresh render ({missed}) gets an accepted nonce, but the copy is only {} old, less than a nonce's shortest life ({}): age cannot explain it; the copy was made before the site's keys/salts changed, or for another session",
                        human_duration(age),
                        human_duration(clock.tick_len())
                    ),
                )
            } else {
                unproven(format!(
                    "a fresh render ({missed}) gets an accepted nonce, but by its generation time the copy ({} old) should still be live",
                    human_duration(age)
                ))
            }
        }
        Some(ProbeOutcome::Inconclusive { reason, .. }) => unproven(format!(
            "the fresh render's nonce {fresh} got no clear answer ({reason})"
        )),
        None => unproven(format!(
            "the fresh render's nonce {fresh} was not asked about"
        )),
    }
}

/// The script or variable that carries nonce `value` on the page, with the plugin the pattern
/// table names, for advice that points at code.
fn carrier_of(page: &PageResult, value: &str) -> String {
    page.nonces
        .iter()
        .find(|n| n.value == value)
        .map(|n| match n.plugin.as_deref() {
            // Core prints its own variables with wp_rest nonces: a wrong one there was printed
            // or filtered by a theme or plugin, and the words must not send anyone into core.
            Some(p) if p.starts_with("WordPress core") => format!(
                "{} (core's variable, printed or filtered here by a theme or plugin)",
                n.source
            ),
            p => format!("{} ({})", n.source, p.unwrap_or("unknown plugin")),
        })
        .unwrap_or_else(|| "the page's script".to_owned())
}

/// Whether the copy shows no sign of any cache: no layer recognised, no age, no stamp. The
/// page may then be WordPress's own render, which a cache that ignores query strings cannot be
/// told apart from, so the cause stays unproven and the words say both.
fn no_cache_sign(page: &PageResult) -> bool {
    let c = &page.cache;
    c.layer.is_none()
        && c.layers.is_empty()
        && c.age_s.is_none()
        && c.generated_at.is_none()
        && c.hit.is_none()
}

/// The verdict of a page whose `wp_rest` nonces the site answered for.
fn judge_probed(
    clock: &NonceClock,
    result: &mut PageResult,
    answers: &[(String, ProbeOutcome)],
    page_time: Option<i64>,
) {
    let mut dead = Vec::new();
    let mut unverifiable = Vec::new();
    let mut expiring = false;
    let mut dies_at: Option<i64> = None;
    // The tick the page was rendered in, when a probe proves it (current or previous tick).
    let mut render_tick: Option<i64> = None;
    let mut now = page_time;
    for (nonce, outcome) in answers {
        let mut nonce_dies = None;
        let state = match outcome {
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
                        let i = clock.tick_at(t);
                        if state != NonceState::AcceptedUnknownTick {
                            render_tick = Some(if current { i } else { i - 1 });
                        }
                        let d = clock.dies_at_for_accepted(t, current);
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
    date_other_nonces(clock, result, render_tick, now);
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
            .map(|g| utc(clock.dies_at_for_generation(g.timestamp()) + 1));
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
        explain_old_copy_with_live_nonce(clock, result);
    }
}

/// Dates the nonces that cannot be probed (other plugins' actions) by the page's render tick:
/// proved by a `wp_rest` probe when there was one, else from the copy's generation time. An
/// action with its own nonce life (Gravity Forms: 3 days) is dated with that life.
fn date_other_nonces(
    clock: &NonceClock,
    page: &mut PageResult,
    render_tick: Option<i64>,
    now: Option<i64>,
) {
    let generated = page.cache.generated_at.map(|g| g.timestamp()).or_else(|| {
        // Without a dated copy, a page with no cache is rendered now.
        (page.cache.layers.is_empty() || page.cache.hit == Some(false))
            .then_some(now)
            .flatten()
    });
    // The earliest moment the page can have been rendered, from the proved tick.
    let rendered = match (generated, render_tick) {
        (Some(g), _) => Some(g),
        (None, Some(i)) => Some((i - 1) * clock.tick_len() + 1),
        (None, None) => None,
    };
    for n in page
        .nonces
        .iter_mut()
        .filter(|n| n.action != extract::WP_REST)
    {
        let Some(t) = rendered else { continue };
        let life = extract::pattern_for(&n.source)
            .and_then(|p| p.custom_life_s)
            .map_or(*clock, NonceClock::new);
        let dies = match (render_tick, life == *clock, generated) {
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
                n.plugin.as_deref().unwrap_or("plugin"),
                n.value,
                n.action,
                n.dies_at.map(utc_text).unwrap_or_default()
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

fn utc_text(d: DateTime<Utc>) -> String {
    d.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// A copy older than a tick that still carries a current nonce has a fresh-nonce mechanism in
/// front of it (LiteSpeed ESI nonces, an edge worker...): say so, so its age is not blamed.
fn explain_old_copy_with_live_nonce(clock: &NonceClock, page: &mut PageResult) {
    let Some(age) = page.cache.age_s else { return };
    let current = page.nonces.iter().any(|n| n.state == NonceState::Current);
    if page.cache.hit != Some(true) || !current || age <= clock.tick_len() {
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

mod evidence;

pub use evidence::{fresh_counterpart, missed_cache, stamp_after_date, unknown_local_age};

#[cfg(test)]
mod tests;
