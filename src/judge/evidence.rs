//! What the evidence proves about itself: whether a re-render really missed the cache, which
//! fresh nonce stands in for a dead one, and whether a calibrated stamp is possible at all.
//!
//! These rules decide what the audit may conclude from its experiments, so they are the judge's,
//! pure and tested here; the audit calls them while it gathers (to skip a probe that would prove
//! nothing, or to forget an age that rests on an impossible offset).

use chrono::{DateTime, Utc};

use crate::extract;
use crate::model::{AgeSource, CacheInfo};

/// Whether a layer's site-local stamp, calibrated, is later than the server's `Date` (with a
/// minute of slack for the render): the offset cannot be right.
pub fn stamp_after_date(info: &CacheInfo, date: Option<DateTime<Utc>>) -> bool {
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
pub fn unknown_local_age(info: &mut CacheInfo, why: &str) -> String {
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

/// The fresh render's counterpart of the dead nonce: the `wp_rest` nonce printed by the same
/// pattern (script or variable), or the only `wp_rest` value the render has. A page with two
/// different `wp_rest` nonces and none in the dead one's place has no counterpart: probing
/// another script's nonce would prove nothing about the dead one.
pub fn fresh_counterpart(found: &extract::Extraction, source: Option<&str>) -> Option<String> {
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
pub fn missed_cache(
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::utc;
    use crate::model::LayerObservation;
    use url::Url;

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
