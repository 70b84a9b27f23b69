//! What to change: turning page verdicts into settings an operator can set.
//!
//! A verdict alone says something is wrong; the operator needs the setting to change, in the
//! cache's own words, and what it would have fixed on this very audit. Every number in an
//! `impact` is counted from the audited pages, never written in advance.

use std::collections::BTreeMap;

use crate::audit::human_duration;
use crate::clock::NonceClock;
use crate::model::{PageResult, Recommendation, Verdict};

/// How a layer's lifespan is set, for layers whose setting the advice can name.
struct TtlSetting {
    setting: &'static str,
    /// Extra lifetime the layer adds beyond its TTL (e.g. a purge cron that runs hourly).
    slack_s: i64,
}

fn ttl_setting(layer: Option<&str>) -> TtlSetting {
    let spec = layer.and_then(crate::cache::spec);
    match spec {
        Some(s) => TtlSetting {
            setting: s.ttl_setting.ui_path,
            slack_s: i64::try_from(s.slack_s).unwrap_or(i64::MAX),
        },
        None => TtlSetting {
            setting: "the page cache's lifespan (TTL) for HTML pages",
            slack_s: 0,
        },
    }
}

/// Builds the recommendations for an audit, most impact first.
pub fn recommend(pages: &[PageResult], clock: &NonceClock) -> Vec<Recommendation> {
    let tick = clock.tick_len();
    let mut by_layer: BTreeMap<Option<&'static str>, Vec<&PageResult>> = BTreeMap::new();
    for p in pages
        .iter()
        .filter(|p| matches!(p.verdict, Verdict::Dead | Verdict::Expiring))
    {
        by_layer.entry(p.cache.layer).or_default().push(p);
    }
    let mut out = Vec::new();
    for (layer, group) in by_layer {
        let dead: Vec<&&PageResult> = group
            .iter()
            .filter(|p| p.verdict == Verdict::Dead)
            .collect();
        if dead.is_empty() {
            continue;
        }
        let setting = ttl_setting(layer);
        let safe = (tick - setting.slack_s).max(60);
        // A copy never older than `safe` carries a nonce made at most `safe` ago, which WordPress
        // accepts for at least one full tick: such a page cannot be dead. Count the dead pages
        // that a cache served (hit or dated copy): a shorter lifespan would have renewed them.
        let cached: Vec<&&&PageResult> = dead
            .iter()
            .filter(|p| p.cache.hit == Some(true) || p.cache.age_s.is_some_and(|a| a > safe))
            .collect();
        let impact = if layer.is_some() {
            format!(
                "with a lifespan of {}, {} of {} dead page(s) served by this cache would have been live",
                human_duration(safe),
                cached.len(),
                dead.len()
            )
        } else {
            format!(
                "{} dead page(s) came from a cache nonce-audit could not name; a lifespan of {} keeps every cached nonce valid",
                dead.len(),
                human_duration(safe)
            )
        };
        out.push((
            cached.len(),
            Recommendation {
                layer,
                kind: "ttl",
                setting: setting.setting.to_owned(),
                value: human_duration(safe),
                urls: dead.iter().map(|p| p.url.clone()).collect(),
                why: format!(
                    "WordPress accepts a nonce for {} to {} after the page was generated (nonce_life {}); a cached copy older than that hands visitors a dead nonce, and their REST calls fail with 403 rest_cookie_invalid_nonce",
                    human_duration(tick),
                    human_duration(2 * tick - 1),
                    human_duration(2 * tick)
                ),
                impact,
            },
        ));
    }
    out.sort_by_key(|r| std::cmp::Reverse(r.0));
    out.into_iter().map(|(_, r)| r).collect()
}
