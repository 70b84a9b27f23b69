//! What to change: turning page verdicts into settings an operator can set.
//!
//! A verdict alone says something is wrong; the operator needs the setting to change, in the
//! cache's own words (from the layer table in `cache/table.rs`), and what it would have fixed on
//! this very audit. Every number in an `impact` is counted from the audited pages, never written
//! in advance.
//!
//! The rules, from the facts:
//! - **ttl**: a copy never older than one tick (`nonce_life / 2`) always carries an accepted
//!   nonce. The safe lifespan is that tick minus the layer's own slack (a purge cron, a garbage
//!   collector) minus a margin of a twelfth of the tick (one hour by default, so WP Rocket gets
//!   its documented 10 h); stacked layers share the budget, since their lifespans add up.
//! - **exclude**: layers with no expiry, or copies observed far older than the layer's lifespan,
//!   need the nonce pages left out of the cache.
//! - **esi**: LiteSpeed can fill `wp_rest` nonces in at delivery (ESI nonces).
//! - **refresh**: a plugin nonce that breaks guests when stale is its author's to fix.
//!
//! Each dead page's proven cause ([`Cause`]) picks its fixes, because a fix for another cause
//! cannot work: only `stale-copy` pages get (and count toward) lifespan, exclusion and ESI
//! advice; `rejected-when-fresh` gets **code** (no cache setting helps); `copy-predates-key-change`
//! gets **purge** in the layer's own words; a logged-in copy gets the layer's **logged-in**
//! setting and a purge. An `unproven` page gets the lifespan advice marked unproven, counted
//! nowhere.

use std::collections::BTreeMap;

use crate::cache::{self, LayerSpec, NO_KEY, UNKNOWN};
use crate::clock::NonceClock;
use crate::model::{
    Cause, Id, NonceState, PageResult, Recommendation, RecommendationKind, Verdict, human_duration,
};

/// `UI path (option key)`, as the operator finds it.
fn setting_text(ui: &str, key: &str) -> String {
    if key == NO_KEY || key == UNKNOWN || key.is_empty() {
        ui.to_owned()
    } else {
        format!("{ui} ({key})")
    }
}

/// Words that open a setting written as an instruction ("make vcl_recv return (pass) …") rather
/// than as a place ("WP Rocket › Settings › …").
const IMPERATIVES: &[&str] = &[
    "add", "ask", "check", "empty", "flush", "keep", "look", "make", "run", "send", "set", "purge",
];

fn is_imperative(text: &str) -> bool {
    text.split_whitespace()
        .next()
        .is_some_and(|w| IMPERATIVES.contains(&w))
}

/// `text` with its first letter in capitals, to open a sentence.
fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |c| {
        c.to_uppercase().chain(chars).collect::<String>()
    })
}

/// Splits a UI path at its first ` › ` outside parentheses into where to go and what to change
/// there: `WP Rocket › Settings › Cache Lifespan` is ("WP Rocket", "Settings › Cache Lifespan");
/// a WordPress admin menu (`Settings › …`, `Performance › …`) is found in the WordPress admin.
fn where_and_what(ui: &str) -> Option<(String, &str)> {
    let mut depth = 0i32;
    let mut split = None;
    for (i, c) in ui.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            '›' if depth == 0 && ui[..i].ends_with(' ') && ui[i..].starts_with("› ") => {
                split = Some(i);
                break;
            }
            _ => {}
        }
    }
    let i = split?;
    let first = ui[..i].trim_end();
    let rest = ui[i + '›'.len_utf8()..].trim_start();
    if matches!(first, "Settings" | "Performance") {
        return Some(("the WordPress admin".to_owned(), ui));
    }
    if first.contains(':') || first.contains(';') {
        return None;
    }
    let place = if first.ends_with("dashboard") {
        format!("the {first}")
    } else {
        first.to_owned()
    };
    Some((place, rest))
}

/// The setting a recommendation of this kind names in a layer's table row.
fn setting_of(spec: &LayerSpec, kind: RecommendationKind) -> Option<&cache::Setting> {
    match kind {
        RecommendationKind::Ttl => Some(&spec.ttl_setting),
        RecommendationKind::Exclude => Some(&spec.exclude_setting),
        RecommendationKind::Purge => Some(&spec.purge),
        RecommendationKind::LoggedIn => Some(&spec.logged_in_setting),
        RecommendationKind::Esi | RecommendationKind::Refresh | RecommendationKind::Code => None,
    }
}

/// The fix as one plain sentence an operator can follow ("In WP Rocket, set Settings › Advanced
/// Rules › Cache Lifespan to 10 h."), which every human report prints. The recommendation's
/// `setting` and `value` keep the parts apart for machines (JSON, CSV); the sentence leaves the
/// option key to them, and where the table has not confirmed a setting's label it says so
/// plainly instead of carrying a research note.
#[must_use]
pub fn fix(r: &Recommendation) -> String {
    use RecommendationKind as K;
    let spec = r.layer.and_then(cache::spec);
    let row = spec.and_then(|s| setting_of(s, r.kind).map(|set| (s, set)));
    let (ui, verified) = match row {
        Some((s, set)) if set.ui_path == UNKNOWN => (
            format!("{} › the {} option", s.name, set.option_key),
            set.verified,
        ),
        Some((_, set)) => (set.ui_path.to_owned(), set.verified),
        None => (r.setting.clone(), true),
    };
    let ui = ui.trim_end_matches(['.', ' ']);
    let placed = |verb: &str, tail: &str| -> String {
        match where_and_what(ui) {
            Some((place, what)) => format!("In {place}, {verb} {what}{tail}"),
            None => format!("{} {ui}{tail}", capitalized(verb)),
        }
    };
    let mut sentence = match r.kind {
        K::Ttl | K::Esi if r.value == "no safe value" => match where_and_what(ui) {
            Some((place, what)) => format!(
                "In {place}, no value of {what} is short enough, so exclude the pages that carry a nonce from the cache instead"
            ),
            None => format!(
                "No value of {ui} is short enough, so exclude the pages that carry a nonce from the cache instead"
            ),
        },
        K::Ttl | K::Esi => placed("set", &format!(" to {}", r.value)),
        K::LoggedIn if is_imperative(ui) => capitalized(ui),
        K::LoggedIn => match ui.rsplit_once(": ") {
            Some((path, state)) if matches!(state, "on" | "off" | "No" | "Yes") => {
                match where_and_what(path) {
                    Some((place, what)) => format!("In {place}, set {what} to {state}"),
                    None => format!("Set {path} to {state}"),
                }
            }
            _ => format!("Make sure {ui}, so that logged-in users' pages are not cached"),
        },
        K::Purge if is_imperative(ui) => format!("{} {}", capitalized(ui), r.value),
        K::Purge => placed("use", &format!(" {}", r.value)),
        K::Exclude if is_imperative(ui) => format!("For each page listed below, {ui}"),
        K::Exclude => match where_and_what(ui) {
            Some((place, what)) => format!(
                "In {place}, add the pages listed below, or a pattern that covers them, to {what}"
            ),
            None => format!("Keep the pages listed below out of the cache with {ui}"),
        },
        K::Refresh => format!("Ask {} to {}", r.setting, r.value),
        K::Code => format!("Change {} to {}", r.setting, r.value),
    };
    if !verified && matches!(r.kind, K::Ttl | K::Exclude) {
        sentence.push_str("; this setting's name is not confirmed, so check it in your version");
    }
    sentence.push('.');
    sentence
}

/// Rounds a lifespan down to a value people type into a settings screen.
fn round_down(s: i64) -> i64 {
    match s {
        s if s >= 7_200 => s / 3_600 * 3_600,
        s if s >= 1_800 => s / 900 * 900,
        s if s >= 120 => s / 60 * 60,
        s => s,
    }
}

fn slack(id: &str) -> i64 {
    cache::spec(id).map_or(0, |s| i64::try_from(s.slack_s).unwrap_or(i64::MAX / 4))
}

/// The layers of a page that can hold its copy: those that served it or whose status is unknown.
fn stack(p: &PageResult) -> Vec<Id> {
    let layers: Vec<Id> = p
        .cache
        .layers
        .iter()
        .filter(|l| l.hit != Some(false))
        .map(|l| l.layer.clone())
        .collect();
    if layers.is_empty() {
        p.cache.layer.clone().into_iter().collect()
    } else {
        layers
    }
}

/// What the advice needs of one page, and nothing more: the audit keeps one of these per page
/// that advice can be about (about 200 bytes with its URL), instead of the whole row, so its
/// memory grows with the broken pages only and slowly.
#[derive(Debug, Clone)]
pub struct Finding {
    url: Box<str>,
    verdict: Verdict,
    age_s: Option<i64>,
    /// The layers that can hold the copy, outer → inner.
    stack: Box<[Id]>,
    /// (plugin, action) of each dead plugin nonce that breaks for guests.
    refresh: Box<[(Id, Id)]>,
    /// Why the page is dead (dead pages only).
    cause: Option<Cause>,
    /// Whether the copy is a logged-in render.
    private_copy: bool,
    /// For a page whose nonce is rejected even fresh: the script/variable and plugin carrying it.
    carrier: Option<(Id, Id)>,
}

impl Finding {
    /// The finding for page `p`, or `None` when no advice can be about it (neither dead nor
    /// expiring, and no dead plugin nonce that breaks for guests).
    pub fn of(p: &PageResult) -> Option<Self> {
        let refresh: Box<[(Id, Id)]> = p
            .nonces
            .iter()
            .filter(|n| refreshable(n))
            .map(|n| {
                let plugin = n.plugin.clone().unwrap_or(Id::Borrowed("a plugin"));
                (plugin, n.action.clone())
            })
            .collect();
        if !matches!(p.verdict, Verdict::Dead | Verdict::Expiring)
            && refresh.is_empty()
            && !p.private_copy
        {
            return None;
        }
        // The script that carries the nonce the cause is about (the first rejected one for rows
        // written before causes named their nonce).
        let carrier = p
            .nonces
            .iter()
            .find(|n| p.cause_nonce.as_deref() == Some(n.value.as_str()))
            .or_else(|| p.nonces.iter().find(|n| n.state == NonceState::Rejected))
            .map(|n| {
                (
                    n.source.clone(),
                    n.plugin.clone().unwrap_or(Id::Borrowed("unknown plugin")),
                )
            });
        Some(Self {
            url: p.url.as_str().into(),
            verdict: p.verdict,
            age_s: p.cache.age_s,
            stack: stack(p).into_boxed_slice(),
            refresh,
            cause: (p.verdict == Verdict::Dead).then_some(p.cause).flatten(),
            private_copy: p.private_copy,
            carrier,
        })
    }
}

/// The largest lifespan each layer of `stack` may have so that the whole stack fits in a tick.
fn safe_share(stack: &[Id], tick: i64) -> i64 {
    let margin = (tick / 12).max(1);
    let slack: i64 = stack.iter().map(|id| slack(id)).sum();
    let n = i64::try_from(stack.len().max(1)).unwrap_or(1);
    // Zero or less: the layers' own slack alone outlives a nonce, and no lifespan is safe.
    round_down((tick - margin - slack) / n)
}

struct Group<'a> {
    dead: Vec<&'a Finding>,
    expiring: Vec<&'a Finding>,
    share: i64,
}

fn refreshable(n: &crate::model::NonceRow) -> bool {
    n.state == NonceState::EstimatedDead && n.severity == Some(crate::model::Severity::WillBreak)
}

/// Builds the recommendations for a list of page rows, most impact first (the audit itself keeps
/// only [`Finding`]s and calls [`recommend_findings`]).
#[cfg(test)]
fn recommend(pages: &[PageResult], clock: &NonceClock) -> Vec<Recommendation> {
    let findings: Vec<Finding> = pages.iter().filter_map(Finding::of).collect();
    recommend_findings(&findings, clock)
}

/// [`recommend`] from the [`Finding`]s of the pages, in sitemap order.
pub fn recommend_findings(pages: &[Finding], clock: &NonceClock) -> Vec<Recommendation> {
    let tick = clock.tick_len();
    let mut out: Vec<(usize, Recommendation)> = Vec::new();

    // Group stale dead pages and expiring pages by every layer that can hold their copy: only
    // a copy that outlived its nonce is fixed by a shorter life, an exclusion or ESI.
    let mut groups: BTreeMap<Option<&str>, Group> = BTreeMap::new();
    let mut unproven: BTreeMap<Option<&str>, Group> = BTreeMap::new();
    for p in pages.iter().filter(|p| {
        p.verdict == Verdict::Expiring
            || (p.verdict == Verdict::Dead
                && matches!(p.cause, Some(Cause::StaleCopy | Cause::Unproven)))
    }) {
        let groups = if p.cause == Some(Cause::Unproven) {
            &mut unproven
        } else {
            &mut groups
        };
        let st = &p.stack;
        let share = safe_share(st, tick);
        let keys: Vec<Option<&str>> = if st.is_empty() {
            vec![None]
        } else {
            st.iter().map(|l| Some(&**l)).collect()
        };
        for k in keys {
            let g = groups.entry(k).or_insert_with(|| Group {
                dead: Vec::new(),
                expiring: Vec::new(),
                share,
            });
            g.share = g.share.min(share);
            if p.verdict == Verdict::Dead {
                g.dead.push(p);
            } else {
                g.expiring.push(p);
            }
        }
    }

    for (layer, g) in &groups {
        if g.dead.is_empty() {
            continue;
        }
        let spec = layer.and_then(cache::spec);
        // Rows carry table ids, so the table's own `'static` id names the layer.
        out.push(ttl(spec.map(|s| s.id), spec, g, tick));
        if let Some(spec) = spec {
            if let Some(r) = exclude(spec, g) {
                out.push(r);
            }
            if spec.id == "litespeed" {
                out.push(esi(spec, g));
            }
        }
    }
    for (layer, g) in &unproven {
        let spec = layer.and_then(cache::spec);
        let (_, mut r) = ttl(spec.map(|s| s.id), spec, g, tick);
        r.cause = Some(Cause::Unproven);
        r.why = format!(
            "UNPROVEN: these pages could not be re-rendered past the cache (or the re-render did not miss it), so it is not proven that their copies outlived their nonces; if they did: {}",
            r.why
        );
        r.impact = format!(
            "not counted: the cause of these {} dead page(s) is unproven, and a lifespan fixes only copies that outlived their nonce",
            g.dead.len()
        );
        out.push((0, r));
    }
    out.extend(code(pages));
    out.extend(purge_and_private(pages));
    out.extend(refresh(pages));
    // Urgent causes first (a private copy leaks a user's page), then by impact.
    out.sort_by_key(|(impact, r)| (urgency(r), std::cmp::Reverse(*impact)));
    out.into_iter().map(|(_, r)| r).collect()
}

fn urgency(r: &Recommendation) -> u8 {
    match r.cause {
        Some(Cause::LoggedInCopy) => 0,
        Some(Cause::RejectedWhenFresh) => 1,
        Some(Cause::CopyPredatesKeyChange) => 2,
        _ => 3,
    }
}

/// `code` advice for pages whose nonce is rejected even in a fresh render, one per script that
/// carries it: no cache setting can help them, so none is offered.
fn code(pages: &[Finding]) -> Vec<(usize, Recommendation)> {
    let mut by_carrier: BTreeMap<(&str, &str), Vec<String>> = BTreeMap::new();
    for p in pages
        .iter()
        .filter(|p| p.cause == Some(Cause::RejectedWhenFresh))
    {
        let (source, plugin) = p
            .carrier
            .as_ref()
            .map_or(("the page's script", "unknown plugin"), |(s, pl)| {
                (&**s, &**pl)
            });
        by_carrier
            .entry((source, plugin))
            .or_default()
            .push(p.url.to_string());
    }
    by_carrier
        .into_iter()
        .map(|((source, plugin), urls)| {
            (
                urls.len(),
                Recommendation {
                    layer: None,
                    kind: RecommendationKind::Code,
                    // Core's own scripts print wp_rest nonces: when the carrier is core's
                    // variable, something else printed or filtered it, and core is not to be
                    // edited.
                    setting: if plugin.starts_with("WordPress core") {
                        format!("the theme or plugin code that prints its own {source} (core's {source} carries a wp_rest nonce; find which one prints or filters it on these pages)")
                    } else {
                        format!("the code in {plugin} that prints {source}")
                    },
                    value: "print wp_create_nonce('wp_rest') for the REST API".to_owned(),
                    why: format!(
                        "a fresh render, past every cache, prints a nonce the site rejects: core checks REST nonces (X-WP-Nonce or _wpnonce) as wp_rest, so {source} carries a nonce made for another action or another user; this is not a cache problem and no cache setting fixes it"
                    ),
                    impact: format!(
                        "{} dead page(s) would carry an accepted nonce; no lifespan, exclusion or purge would have changed them",
                        urls.len()
                    ),
                    urls,
                    cause: Some(Cause::RejectedWhenFresh),
                },
            )
        })
        .collect()
}

/// The layer a copy came from: the outermost that can hold it (all of them for a purge).
fn stack_keys(p: &Finding) -> Vec<Option<&str>> {
    if p.stack.is_empty() {
        vec![None]
    } else {
        p.stack.iter().map(|l| Some(&**l)).collect()
    }
}

/// `purge` advice for copies made before a key change, and `logged-in` plus `purge` advice for
/// private copies, per layer, in the layer's own words.
fn purge_and_private(pages: &[Finding]) -> Vec<(usize, Recommendation)> {
    let mut keyed: BTreeMap<Option<&str>, Vec<String>> = BTreeMap::new();
    let mut private: BTreeMap<Option<&str>, Vec<String>> = BTreeMap::new();
    for p in pages {
        let into = if p.private_copy {
            &mut private
        } else if p.cause == Some(Cause::CopyPredatesKeyChange) {
            &mut keyed
        } else {
            continue;
        };
        for k in stack_keys(p) {
            into.entry(k).or_default().push(p.url.to_string());
        }
    }
    let mut out = Vec::new();
    for (layer, urls) in keyed {
        let spec = layer.and_then(cache::spec);
        out.push((
            urls.len(),
            purge(
                spec,
                Cause::CopyPredatesKeyChange,
                "now, and after every change of the keys and salts in wp-config.php",
                "these copies are younger than a nonce's shortest life, yet their nonces are rejected while a fresh render's is accepted: they were made with the site's old keys/salts (or for another session), and no lifespan or exclusion changes a copy that is already stored",
                urls,
            ),
        ));
    }
    for (layer, urls) in private {
        let spec = layer.and_then(cache::spec);
        let (setting, verified) = match spec {
            Some(s) => (
                setting_text(s.logged_in_setting.ui_path, s.logged_in_setting.option_key),
                s.logged_in_setting.verified,
            ),
            None => (
                "make the page cache never store a response to a request with a wordpress_logged_in_ cookie".to_owned(),
                true,
            ),
        };
        out.push((
            urls.len(),
            Recommendation {
                layer: spec.map(|s| s.id),
                kind: RecommendationKind::LoggedIn,
                setting,
                value: "do not cache logged-in users' pages".to_owned(),
                why: format!(
                    "a logged-in user's render is stored in the shared cache and served to guests: it shows that user's toolbar and data and carries nonces no guest can use{}",
                    unverified_words(verified)
                ),
                impact: format!(
                    "{} page(s) would stop serving a logged-in user's render to everyone",
                    urls.len()
                ),
                urls: urls.clone(),
                cause: Some(Cause::LoggedInCopy),
            },
        ));
        out.push((
            urls.len(),
            purge(
                spec,
                Cause::LoggedInCopy,
                "now, after turning off caching for logged-in users",
                "the stored private copies stay until purged, whatever the setting says from now on",
                urls,
            ),
        ));
    }
    out
}

fn unverified_words(verified: bool) -> &'static str {
    if verified {
        ""
    } else {
        " (the setting's wording is not verified in this layer's source; check its documentation)"
    }
}

fn purge(
    spec: Option<&'static LayerSpec>,
    cause: Cause,
    value: &str,
    why: &str,
    urls: Vec<String>,
) -> Recommendation {
    let (setting, verified) = match spec {
        Some(s) => (
            setting_text(s.purge.ui_path, s.purge.option_key),
            s.purge.verified,
        ),
        None => ("purge the page cache".to_owned(), true),
    };
    Recommendation {
        layer: spec.map(|s| s.id),
        kind: RecommendationKind::Purge,
        setting,
        value: value.to_owned(),
        why: format!("{why}{}", unverified_words(verified)),
        impact: if cause == Cause::LoggedInCopy {
            format!(
                "{} logged-in render(s) would leave the cache; guests get their own render",
                urls.len()
            )
        } else {
            format!(
                "{} page(s) would be rendered again with an accepted nonce",
                urls.len()
            )
        },
        urls,
        cause: Some(cause),
    }
}

fn ttl(
    layer: Option<&'static str>,
    spec: Option<&'static LayerSpec>,
    g: &Group,
    tick: i64,
) -> (usize, Recommendation) {
    let Some(value) = settable(g.share, spec) else {
        return unexpressible(layer, spec, g, tick);
    };
    let aged: Vec<i64> = g.dead.iter().filter_map(|p| p.age_s).collect();
    // A dead page whose copy is older than the new lifespan would have been rendered again, with
    // a nonce WordPress still accepts.
    let saved = aged.iter().filter(|a| **a > value).count();
    let undated = g.dead.len() - aged.len();
    let mut impact = format!(
        "with a lifespan of {}, {} of {} dead page(s) would have been live",
        human_duration(value),
        saved,
        g.dead.len()
    );
    if undated > 0 {
        impact.push_str(&format!(
            " ({undated} more had no measurable age: their cache sent no date)"
        ));
    }
    if !g.expiring.is_empty() {
        impact.push_str(&format!(
            "; {} expiring page(s) would be renewed before their nonce dies",
            g.expiring.len()
        ));
    }
    let setting = match spec {
        Some(s) => setting_text(s.ttl_setting.ui_path, s.ttl_setting.option_key),
        None => "the page cache's lifespan (TTL) for HTML pages".to_owned(),
    };
    let stacked = g
        .dead
        .iter()
        .chain(g.expiring.iter())
        .any(|p| p.stack.len() > 1);
    let mut why = format!(
        "WordPress accepts a nonce for {} to {} after the page was generated (nonce_life {}); a cached copy older than that hands visitors a dead nonce, and their REST calls fail with 403 rest_cookie_invalid_nonce",
        human_duration(tick),
        human_duration(2 * tick - 1),
        human_duration(2 * tick)
    );
    if let Some(s) = spec {
        if s.slack_s > 0 {
            why.push_str(&format!(
                "; {} can keep a copy {} past its lifespan",
                s.name,
                human_duration(i64::try_from(s.slack_s).unwrap_or(0))
            ));
        }
        why.push_str(&format!("; its default: {}", s.ttl_note));
    }
    if stacked {
        why.push_str("; the caches in front of each other add up, so they share the budget");
    }
    let urls = g.dead.iter().map(|p| p.url.to_string()).collect();
    (
        saved,
        Recommendation {
            layer,
            kind: RecommendationKind::Ttl,
            setting,
            value: human_duration(value),
            urls,
            why,
            impact,
            cause: Some(Cause::StaleCopy),
        },
    )
}

/// The safe lifespan `share` as a value the layer's setting accepts: rounded down (the safe way)
/// to the setting's step; `None` when not even one step is safe.
fn settable(share: i64, spec: Option<&LayerSpec>) -> Option<i64> {
    let step = spec.map_or(1, |s| s.ttl_unit.seconds());
    let value = share / step * step;
    (value >= 1).then_some(value)
}

/// The lifespan advice when the longest safe lifespan is shorter than the setting's smallest step
/// (Cache Enabler's whole hours against a 20 s nonce life): no value of the setting can work, so
/// the advice says so and points at the exclusion, which [`exclude`] then gives for every page.
fn unexpressible(
    layer: Option<&'static str>,
    spec: Option<&'static LayerSpec>,
    g: &Group,
    tick: i64,
) -> (usize, Recommendation) {
    let (name, unit, setting) = match spec {
        Some(s) => (
            s.name,
            s.ttl_unit.words(),
            setting_text(s.ttl_setting.ui_path, s.ttl_setting.option_key),
        ),
        None => (
            "the cache",
            "seconds",
            "the page cache's lifespan (TTL) for HTML pages".to_owned(),
        ),
    };
    (
        0,
        Recommendation {
            cause: Some(Cause::StaleCopy),
            layer,
            kind: RecommendationKind::Ttl,
            setting,
            value: "no safe value".to_owned(),
            urls: g.dead.iter().map(|p| p.url.to_string()).collect(),
            why: if g.share > 0 {
                format!(
                    "a copy must be renewed within {} to keep a live nonce, and this setting takes {}: no value it accepts is short enough; exclude the pages that carry a nonce from {name} instead",
                    human_duration(g.share),
                    unit
                )
            } else {
                format!(
                    "{name} keeps copies past their lifespan (purge cron, garbage collection or stale serving) for longer than a nonce tick ({}): no lifespan is short enough; exclude the pages that carry a nonce from {name} instead",
                    human_duration(tick)
                )
            },
            impact: format!(
                "no lifespan {name} accepts would have kept these {} dead page(s) live (a nonce tick is {})",
                g.dead.len(),
                human_duration(tick)
            ),
        },
    )
}

fn exclude(spec: &'static LayerSpec, g: &Group) -> Option<(usize, Recommendation)> {
    let unexpressible = settable(g.share, Some(spec)).is_none();
    let no_expiry = (spec.default_ttl_s.is_none() && !spec.ttl_from_config) || unexpressible;
    // Only a plugin's lifespan is a known setting; servers, proxies and CDNs are configured per
    // site, so a copy older than their built-in default says nothing.
    let known_lifespan = spec.kind == cache::LayerKind::Plugin && !spec.ttl_from_config;
    let limit = spec
        .max_lifetime_s()
        .and_then(|l| i64::try_from(l).ok())
        .map(|l| l.saturating_mul(2));
    let overdue: Vec<&&Finding> = g
        .dead
        .iter()
        .filter(|p| {
            no_expiry || matches!((p.age_s, limit), (Some(a), Some(l)) if known_lifespan && a > l)
        })
        .collect();
    if overdue.is_empty() {
        return None;
    }
    let why = if unexpressible {
        format!(
            "no lifespan {} accepts ({}) is short enough for a nonce tick here; pages that carry a nonce must not be cached by it",
            spec.name,
            spec.ttl_unit.words()
        )
    } else if no_expiry {
        format!(
            "{} keeps pages until something purges them ({}); pages that carry a nonce must not be cached longer than a nonce lives",
            spec.name, spec.ttl_note
        )
    } else {
        format!(
            "these copies are far older than {}'s lifespan ({}): something (preloading, a missing purge cron) keeps them; excluding the pages that carry a nonce is the sure fix",
            spec.name, spec.ttl_note
        )
    };
    Some((
        overdue.len(),
        Recommendation {
            cause: Some(Cause::StaleCopy),
            layer: Some(spec.id),
            kind: RecommendationKind::Exclude,
            setting: setting_text(
                spec.exclude_setting.ui_path,
                spec.exclude_setting.option_key,
            ),
            value: "the URLs below (or a pattern that covers them)".to_owned(),
            urls: overdue.iter().map(|p| url_path(&p.url)).collect(),
            why,
            impact: format!(
                "{} dead page(s) would be rendered by WordPress on each view, with a live nonce (they lose page caching)",
                overdue.len()
            ),
        },
    ))
}

fn esi(spec: &'static LayerSpec, g: &Group) -> (usize, Recommendation) {
    (
        g.dead.len(),
        Recommendation {
            cause: Some(Cause::StaleCopy),
            layer: Some(spec.id),
            kind: RecommendationKind::Esi,
            setting: "LiteSpeed Cache › ESI › Enable ESI (esi) and ESI Nonces (esi-nonce)"
                .to_owned(),
            value: "on, with wp_rest in the ESI Nonces list".to_owned(),
            urls: g.dead.iter().map(|p| p.url.to_string()).collect(),
            why: format!(
                "{}; the pages can then stay cached for long and still hand out a live nonce",
                spec.nonce_mechanism
            ),
            impact: format!(
                "{} dead page(s) served by LiteSpeed would carry a fresh wp_rest nonce on every delivery (LiteSpeed Enterprise, ADC or QUIC.cloud only)",
                g.dead.len()
            ),
        },
    )
}

fn refresh(pages: &[Finding]) -> Vec<(usize, Recommendation)> {
    let mut by_plugin: BTreeMap<&str, (Vec<String>, &str)> = BTreeMap::new();
    for p in pages {
        for (plugin, action) in &p.refresh {
            let e = by_plugin
                .entry(plugin)
                .or_insert_with(|| (Vec::new(), action));
            // A page's nonces come together, so one look back keeps each URL once.
            if e.0.last().map(String::as_str) != Some(&*p.url) {
                e.0.push(p.url.to_string());
            }
        }
    }
    by_plugin
        .into_iter()
        .map(|(plugin, (urls, action))| {
            (
                urls.len(),
                Recommendation {
            cause: None,
                    layer: None,
                    kind: RecommendationKind::Refresh,
                    setting: format!("{plugin}'s authors or support"),
                    value: "fetch a fresh nonce on page load from a logged-out (nopriv) endpoint, or print none for guests".to_owned(),
                    why: format!(
                        "its {action} nonce is checked for guests and cannot refresh itself: a cached page keeps a stale one; guests' nonces are the same for everyone, so they add no protection"
                    ),
                    impact: format!(
                        "{} page(s) carry a {plugin} nonce that, by the copy's age, has already died",
                        urls.len()
                    ),
                    urls,
                },
            )
        })
        .collect()
}

fn url_path(u: &str) -> String {
    url::Url::parse(u)
        .map(|p| p[url::Position::BeforePath..].to_owned())
        .unwrap_or_else(|_| u.to_owned())
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
    groups: BTreeMap<chrono::DateTime<chrono::Utc>, ForecastGroup>,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::{CacheInfo, LayerObservation};

    /// Every piece of advice the engine can give for every layer of the table, and for no
    /// recognised layer, through the same functions the audit uses.
    fn every_advice() -> Vec<Recommendation> {
        let finding = |stack: &[&'static str], cause: Option<Cause>, private: bool| Finding {
            url: "https://ex.com/page/".into(),
            verdict: Verdict::Dead,
            age_s: Some(400_000),
            stack: stack.iter().map(|s| Id::Borrowed(*s)).collect(),
            refresh: Box::new([(Id::Borrowed("Some Forms Plugin"), Id::Borrowed("forms"))]),
            cause,
            private_copy: private,
            carrier: Some((
                Id::Borrowed("wpApiSettings"),
                Id::Borrowed("WordPress core (wp-api-request / wp-api)"),
            )),
        };
        let mut out = Vec::new();
        let stacks: Vec<Vec<&'static str>> = cache::LAYERS
            .iter()
            .map(|s| vec![s.id])
            .chain([vec![]])
            .collect();
        for stack in &stacks {
            let spec = stack.first().and_then(|id| cache::spec(id));
            let stale = finding(stack, Some(Cause::StaleCopy), false);
            let keyed = finding(stack, Some(Cause::CopyPredatesKeyChange), false);
            let private = finding(stack, Some(Cause::LoggedInCopy), true);
            let fresh_rejected = finding(stack, Some(Cause::RejectedWhenFresh), false);
            let group = |share| Group {
                dead: vec![&stale],
                expiring: vec![],
                share,
            };
            out.push(ttl(spec.map(|s| s.id), spec, &group(36_000), 43_200).1);
            out.push(unexpressible(spec.map(|s| s.id), spec, &group(0), 43_200).1);
            if let Some(spec) = spec {
                out.extend(exclude(spec, &group(0)).map(|(_, r)| r));
                out.push(esi(spec, &group(36_000)).1);
            }
            let all = [stale.clone(), keyed, private, fresh_rejected];
            out.extend(purge_and_private(&all).into_iter().map(|(_, r)| r));
            out.extend(refresh(&all).into_iter().map(|(_, r)| r));
            out.extend(code(&all).into_iter().map(|(_, r)| r));
        }
        out
    }

    #[test]
    fn every_fix_is_one_plain_sentence_without_research_tags() {
        let all = every_advice();
        let kinds: std::collections::BTreeSet<String> =
            all.iter().map(|r| format!("{:?}", r.kind)).collect();
        assert_eq!(kinds.len(), 7, "every kind is exercised: {kinds:?}");
        assert!(all.len() > 5 * cache::LAYERS.len());
        for r in &all {
            let fix = fix(r);
            // `PRINT_FIXES=1 cargo test --lib every_fix -- --nocapture` lists every sentence,
            // for reading them all after a change to the layer table.
            if std::env::var_os("PRINT_FIXES").is_some() {
                eprintln!("{:?} {:?}: {fix}", r.layer, r.kind);
            }
            let ctx = format!("{:?} {:?}: {fix}", r.layer, r.kind);
            for text in [&fix, &r.why, &r.impact, &r.setting, &r.value] {
                assert!(!text.contains("UNVERIFIED"), "{ctx} / {text}");
                assert!(!text.to_lowercase().contains("label unverified"), "{ctx}");
            }
            assert!(fix.ends_with('.') && !fix.ends_with(".."), "{ctx}");
            let first = fix.chars().next().unwrap_or(' ');
            assert!(first.is_uppercase(), "{ctx}");
            // One sentence: no full stop followed by a new sentence inside it.
            let body = &fix[..fix.len() - 1];
            assert!(
                !body
                    .split(". ")
                    .skip(1)
                    .any(|rest| rest.starts_with(char::is_uppercase)),
                "{ctx}"
            );
            // No doubled or nested parentheses, and no parenthesis left open.
            assert!(
                !fix.contains("((") && !fix.contains("))") && !fix.contains(") ("),
                "{ctx}"
            );
            let mut depth = 0;
            for c in fix.chars() {
                match c {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    _ => {}
                }
                assert!((0..=1).contains(&depth), "{ctx}");
            }
            assert_eq!(depth, 0, "{ctx}");
            assert!(!fix.contains(" ;") && !fix.contains(";;"), "{ctx}");
        }
    }

    #[test]
    fn fixes_read_as_the_layer_names_its_settings() {
        let all = every_advice();
        let find = |layer: &str, kind: RecommendationKind| {
            all.iter()
                .find(|r| r.layer == Some(layer) && r.kind == kind && r.value != "no safe value")
                .map(fix)
                .unwrap_or_default()
        };
        assert_eq!(
            find("wp-rocket", RecommendationKind::Ttl),
            "In WP Rocket, set Settings › Advanced Rules › Cache Lifespan (on the Cache tab before WP Rocket 3.16) to 10 h."
        );
        assert_eq!(
            find("varnish", RecommendationKind::Ttl),
            "Set the Varnish VCL's beresp.ttl or the varnishd parameter default_ttl (on Cloudways: Application › Application Settings › Varnish Settings) to 10 h."
        );
        assert_eq!(
            find("hummingbird", RecommendationKind::Ttl),
            "In Hummingbird, set the clear_interval option to 10 h; this setting's name is not confirmed, so check it in your version."
        );
        assert_eq!(
            find("w3-total-cache", RecommendationKind::LoggedIn),
            "In the WordPress admin, set Performance › Page Cache › Don't cache pages for logged in users to on."
        );
    }

    fn page(
        url: &str,
        verdict: Verdict,
        layers: &[(&'static str, Option<bool>)],
        age: Option<i64>,
    ) -> PageResult {
        let mut p = PageResult::error(url, Some(200), "");
        p.verdict = verdict;
        p.reason = None;
        p.cause = (verdict == Verdict::Dead).then_some(Cause::StaleCopy);
        p.cache = CacheInfo {
            layer: layers
                .iter()
                .find(|l| l.1 == Some(true))
                .map(|l| l.0.into()),
            hit: layers.first().and_then(|l| l.1),
            age_s: age,
            layers: layers
                .iter()
                .map(|(id, hit)| LayerObservation {
                    layer: (*id).into(),
                    hit: *hit,
                    age_s: age,
                    age_source: age.map(|_| crate::model::AgeSource::AgeHeader),
                    generated_at: None,
                    approximate: false,
                    evidence: Vec::new(),
                })
                .collect(),
            ..CacheInfo::default()
        };
        p
    }

    /// The seven plugins run for real (nonce life 20 s, a 10 s tick): each gets a lifespan its
    /// setting accepts, rounded down to the setting's step, or "no safe value" and an exclusion
    /// when the step is longer than the budget. WP Super Cache and W3 Total Cache (Disk: Basic)
    /// refuse an expired copy when serving, so about 9 s is right for them.
    #[test]
    fn real_plugins_on_a_twenty_second_nonce_get_values_their_settings_accept() {
        let clock = NonceClock::new(20);
        for (id, want) in [
            ("wp-super-cache", Some("9 s")),
            ("w3-total-cache", Some("9 s")),
            ("comet-cache", Some("9 s")),
            ("cache-enabler", None),
            ("wp-fastest-cache", None),
            ("breeze", None),
            ("powered-cache", None),
        ] {
            let pages = [page(
                "https://s/a/",
                Verdict::Dead,
                &[(id, Some(true))],
                Some(30),
            )];
            let recs = recommend(&pages, &clock);
            let ttl = recs
                .iter()
                .find(|r| r.kind == RecommendationKind::Ttl)
                .expect(id);
            match want {
                Some(v) => {
                    assert_eq!(ttl.value, v, "{id}");
                    assert!(!ttl.why.contains("past its lifespan"), "{id}: {}", ttl.why);
                }
                None => {
                    assert_eq!(ttl.value, "no safe value", "{id}");
                    assert!(ttl.why.contains("exclude"), "{id}: {}", ttl.why);
                    let ex = recs.iter().find(|r| r.kind == RecommendationKind::Exclude);
                    assert!(ex.is_some_and(|r| r.urls == ["/a/"]), "{id}: {recs:?}");
                }
            }
        }
    }

    /// A lifespan in whole minutes or hours is rounded down to the step, never up.
    #[test]
    fn lifespans_round_down_to_the_settings_step() {
        // 3 h nonce life: a 90 min tick, 7 min 30 s margin -> 1 h 15 min (quarter hours).
        let clock = NonceClock::new(10_800);
        for (id, want) in [("cache-enabler", "1 h"), ("powered-cache", "1 h 15 min")] {
            let pages = [page(
                "https://s/a/",
                Verdict::Dead,
                &[(id, Some(true))],
                Some(9_000),
            )];
            let recs = recommend(&pages, &clock);
            let ttl = recs
                .iter()
                .find(|r| r.kind == RecommendationKind::Ttl)
                .expect(id);
            assert_eq!(ttl.value, want, "{id}");
        }
    }

    #[test]
    fn wp_rocket_gets_its_documented_ten_hours() {
        let pages = [page(
            "https://s/a/",
            Verdict::Dead,
            &[("wp-rocket", Some(true))],
            Some(30 * 3600),
        )];
        let r = recommend(&pages, &NonceClock::default());
        let ttl = r
            .iter()
            .find(|r| r.kind == RecommendationKind::Ttl)
            .unwrap();
        assert_eq!(ttl.value, "10 h");
        assert_eq!(ttl.layer, Some("wp-rocket"));
        assert!(ttl.setting.contains("Cache Lifespan"), "{}", ttl.setting);
        assert!(
            ttl.setting.contains("purge_cron_interval"),
            "{}",
            ttl.setting
        );
        assert_eq!(
            ttl.impact,
            "with a lifespan of 10 h, 1 of 1 dead page(s) would have been live"
        );
    }

    #[test]
    fn stacked_layers_share_the_budget() {
        let pages = [page(
            "https://s/a/",
            Verdict::Dead,
            &[("cloudflare", Some(true)), ("wp-rocket", None)],
            Some(2 * 86_400),
        )];
        let r = recommend(&pages, &NonceClock::default());
        let values: Vec<_> = r
            .iter()
            .filter(|r| r.kind == RecommendationKind::Ttl)
            .map(|r| (r.layer, r.value.clone()))
            .collect();
        // 12 h - 1 h margin - 1 h WP Rocket slack = 10 h, shared by two layers.
        assert!(
            values.contains(&(Some("cloudflare"), "5 h".to_owned())),
            "{values:?}"
        );
        assert!(
            values.contains(&(Some("wp-rocket"), "5 h".to_owned())),
            "{values:?}"
        );
        assert!(r.iter().any(|r| r.why.contains("add up")));
    }

    #[test]
    fn impact_is_counted_from_the_observed_ages() {
        let pages = [
            page(
                "https://s/a/",
                Verdict::Dead,
                &[("varnish", Some(true))],
                Some(40 * 3600),
            ),
            page(
                "https://s/b/",
                Verdict::Dead,
                &[("varnish", Some(true))],
                None,
            ),
            page(
                "https://s/c/",
                Verdict::Expiring,
                &[("varnish", Some(true))],
                Some(14 * 3600),
            ),
        ];
        let r = recommend(&pages, &NonceClock::default());
        let ttl = r
            .iter()
            .find(|r| r.kind == RecommendationKind::Ttl)
            .unwrap();
        assert_eq!(ttl.value, "11 h");
        assert_eq!(
            ttl.impact,
            "with a lifespan of 11 h, 1 of 2 dead page(s) would have been live (1 more had no measurable age: their cache sent no date); 1 expiring page(s) would be renewed before their nonce dies"
        );
        assert_eq!(ttl.urls, ["https://s/a/", "https://s/b/"]);
    }

    #[test]
    fn caches_without_expiry_get_an_exclusion() {
        let pages = [page(
            "https://s/form/",
            Verdict::Dead,
            &[("wp-fastest-cache", Some(true))],
            Some(9 * 86_400),
        )];
        let r = recommend(&pages, &NonceClock::default());
        let ex = r
            .iter()
            .find(|r| r.kind == RecommendationKind::Exclude)
            .unwrap();
        assert_eq!(ex.urls, ["/form/"]);
        assert!(ex.setting.contains("Exclude"), "{}", ex.setting);
    }

    #[test]
    fn plugins_keeping_copies_far_past_their_lifespan_get_an_exclusion_servers_do_not() {
        let old = Some(5 * 86_400);
        let pages = [page(
            "https://s/a/",
            Verdict::Dead,
            &[("wp-super-cache", Some(true))],
            old,
        )];
        let r = recommend(&pages, &NonceClock::default());
        assert!(r.iter().any(|r| r.kind == RecommendationKind::Exclude));
        let pages = [page(
            "https://s/a/",
            Verdict::Dead,
            &[("varnish", Some(true))],
            old,
        )];
        let r = recommend(&pages, &NonceClock::default());
        assert!(
            !r.iter().any(|r| r.kind == RecommendationKind::Exclude),
            "{r:?}"
        );
    }

    #[test]
    fn litespeed_dead_pages_get_esi_advice() {
        let pages = [page(
            "https://s/a/",
            Verdict::Dead,
            &[("litespeed", Some(true))],
            Some(3 * 86_400),
        )];
        let r = recommend(&pages, &NonceClock::default());
        assert!(
            r.iter()
                .any(|r| r.kind == RecommendationKind::Esi && r.setting.contains("esi-nonce"))
        );
    }

    #[test]
    fn short_nonce_life_gives_a_safe_value_not_a_floor() {
        let pages = [page(
            "https://s/a/",
            Verdict::Dead,
            &[("nginx-fastcgi", Some(true))],
            Some(60),
        )];
        let r = recommend(&pages, &NonceClock::new(20));
        let ttl = r
            .iter()
            .find(|r| r.kind == RecommendationKind::Ttl)
            .unwrap();
        // tick 10 s, margin 1 s: 9 s, never more than the tick.
        assert_eq!(ttl.value, "9 s");
    }

    #[test]
    fn every_layer_in_the_table_gets_its_own_setting_and_a_computed_value() {
        let clock = NonceClock::default();
        for spec in cache::LAYERS {
            let pages = [page(
                "https://s/a/",
                Verdict::Dead,
                &[(spec.id, Some(true))],
                Some(5 * 86_400),
            )];
            let r = recommend(&pages, &clock);
            let ttl = r
                .iter()
                .find(|r| r.kind == RecommendationKind::Ttl)
                .unwrap_or_else(|| panic!("{}: no ttl advice", spec.id));
            assert_eq!(ttl.layer, Some(spec.id));
            assert!(
                ttl.setting.starts_with(spec.ttl_setting.ui_path),
                "{}: {}",
                spec.id,
                ttl.setting
            );
            let slack = i64::try_from(spec.slack_s).unwrap();
            let step = spec.ttl_unit.seconds();
            let expected = round_down(43_200 - 3_600 - slack) / step * step;
            if expected < 1 {
                // The layer's own slack outlives a nonce (WPVIP serves stale for 11.5 h): no
                // lifespan can work, and the exclusion is the fix.
                assert_eq!(ttl.value, "no safe value", "{}", spec.id);
                assert!(
                    r.iter().any(|r| r.kind == RecommendationKind::Exclude),
                    "{}",
                    spec.id
                );
                continue;
            }
            assert_eq!(ttl.value, human_duration(expected), "{}", spec.id);
            assert_eq!(
                ttl.impact,
                format!(
                    "with a lifespan of {}, 1 of 1 dead page(s) would have been live",
                    human_duration(expected)
                ),
                "{}",
                spec.id
            );
            if spec.id == "litespeed" {
                assert!(r.iter().any(|r| r.kind == RecommendationKind::Esi));
            }
            let no_expiry = spec.default_ttl_s.is_none() && !spec.ttl_from_config;
            let excluded = r.iter().find(|r| r.kind == RecommendationKind::Exclude);
            if no_expiry {
                let ex = excluded.unwrap_or_else(|| panic!("{}: no exclusion", spec.id));
                assert!(ex.setting.starts_with(spec.exclude_setting.ui_path));
            }
        }
    }

    fn with_cause(mut p: PageResult, cause: Cause) -> PageResult {
        p.cause = Some(cause);
        p
    }

    /// Each cause gets only the fixes that can work for it, and only stale copies count in a
    /// lifespan's "would have been live".
    #[test]
    fn each_cause_gets_only_fixes_that_can_work() {
        let old = Some(3 * 86_400);
        let clock = NonceClock::default();
        let rocket = &[("wp-rocket", Some(true))];
        let stale = page("https://s/stale/", Verdict::Dead, rocket, old);
        let mut wrong = with_cause(
            page("https://s/wrong/", Verdict::Dead, rocket, Some(60)),
            Cause::RejectedWhenFresh,
        );
        wrong.nonces = vec![crate::model::NonceRow {
            value: "0123456789".to_owned(),
            source: "myPlugin.nonce".into(),
            action: "wp_rest".into(),
            state: NonceState::Rejected,
            plugin: Some("My Plugin".into()),
            severity: None,
            checked_for_guests: None,
            dies_at: None,
        }];
        let keyed = with_cause(
            page("https://s/keyed/", Verdict::Dead, rocket, Some(600)),
            Cause::CopyPredatesKeyChange,
        );
        let mut private = with_cause(
            page("https://s/private/", Verdict::Dead, rocket, Some(600)),
            Cause::LoggedInCopy,
        );
        private.private_copy = true;
        let unproven = with_cause(
            page("https://s/unproven/", Verdict::Dead, rocket, old),
            Cause::Unproven,
        );
        let r = recommend(&[stale, wrong, keyed, private, unproven], &clock);
        let of = |k: RecommendationKind, c: Cause| {
            r.iter()
                .filter(|x| x.kind == k && x.cause == Some(c))
                .collect::<Vec<_>>()
        };
        let ttl = of(RecommendationKind::Ttl, Cause::StaleCopy);
        assert_eq!(ttl.len(), 1, "{r:#?}");
        assert_eq!(ttl[0].urls, ["https://s/stale/"]);
        assert_eq!(
            ttl[0].impact,
            "with a lifespan of 10 h, 1 of 1 dead page(s) would have been live"
        );
        let code = of(RecommendationKind::Code, Cause::RejectedWhenFresh);
        assert_eq!(code.len(), 1);
        assert_eq!(code[0].urls, ["https://s/wrong/"]);
        assert!(
            code[0]
                .setting
                .contains("in My Plugin that prints myPlugin.nonce"),
            "{}",
            code[0].setting
        );
        assert!(code[0].why.contains("no cache setting fixes it"));
        let purge = of(RecommendationKind::Purge, Cause::CopyPredatesKeyChange);
        assert_eq!(purge.len(), 1);
        assert_eq!(purge[0].urls, ["https://s/keyed/"]);
        assert!(purge[0].setting.contains("Clear"), "{}", purge[0].setting);
        let logged = of(RecommendationKind::LoggedIn, Cause::LoggedInCopy);
        assert_eq!(logged.len(), 1);
        assert!(
            logged[0].setting.contains("logged-in"),
            "{}",
            logged[0].setting
        );
        assert_eq!(of(RecommendationKind::Purge, Cause::LoggedInCopy).len(), 1);
        let maybe = of(RecommendationKind::Ttl, Cause::Unproven);
        assert_eq!(maybe.len(), 1);
        assert!(maybe[0].why.starts_with("UNPROVEN"), "{}", maybe[0].why);
        assert!(
            maybe[0].impact.starts_with("not counted"),
            "{}",
            maybe[0].impact
        );
        // No cache fix for code or key problems; private copies come first.
        for x in &r {
            if matches!(
                x.kind,
                RecommendationKind::Ttl | RecommendationKind::Exclude | RecommendationKind::Esi
            ) {
                assert!(
                    !x.urls.iter().any(|u| u.contains("wrong")
                        || u.contains("keyed")
                        || u.contains("private")),
                    "{x:?}"
                );
            }
        }
        assert_eq!(r[0].cause, Some(Cause::LoggedInCopy), "{r:#?}");
    }

    #[test]
    fn no_dead_pages_no_advice() {
        let pages = [page(
            "https://s/a/",
            Verdict::Fresh,
            &[("varnish", Some(true))],
            Some(60),
        )];
        assert!(recommend(&pages, &NonceClock::default()).is_empty());
    }
}
