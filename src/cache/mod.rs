//! Which cache served a page and how old the copy is (interim version: Varnish and nginx only).

use chrono::{DateTime, Utc};
use serde::Serialize;

/// One cache layer seen on a response.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LayerObservation {
    /// Layer id.
    pub layer: &'static str,
    /// Hit or miss, when the layer says.
    pub hit: Option<bool>,
    /// Age of the copy according to this layer.
    pub age_s: Option<i64>,
    /// What dated it.
    pub age_source: Option<&'static str>,
    /// When the copy was generated.
    pub generated_at: Option<DateTime<Utc>>,
    /// Whether the age is approximate.
    pub approximate: bool,
}

/// Everything known about the cache of one page.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CacheInfo {
    /// Outermost layer that served a hit.
    pub layer: Option<&'static str>,
    /// Whether that layer hit.
    pub hit: Option<bool>,
    /// Age of the HTML.
    pub age_s: Option<i64>,
    /// What dated it.
    pub age_source: Option<&'static str>,
    /// When the HTML was generated.
    pub generated_at: Option<DateTime<Utc>>,
    /// Whether the age is approximate.
    pub approximate: bool,
    /// All layers, outer to inner.
    pub layers: Vec<LayerObservation>,
}

/// Detects layers from headers.
pub fn fingerprint(
    headers: &http::HeaderMap,
    _body: &str,
    server_date: Option<DateTime<Utc>>,
    _site_utc_offset_s: Option<i32>,
) -> CacheInfo {
    let h = |n: &str| {
        headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let mut info = CacheInfo::default();
    let age = h("age")
        .and_then(|a| a.trim().parse::<i64>().ok())
        .filter(|a| *a >= 0);
    if h("x-varnish").is_some()
        || h("via").is_some_and(|v| v.to_ascii_lowercase().contains("varnish"))
    {
        let hit = h("x-varnish").map(|v| v.split_whitespace().count() >= 2);
        info.layers.push(LayerObservation {
            layer: "varnish",
            hit,
            age_s: age,
            age_source: age.map(|_| "age-header"),
            generated_at: age
                .zip(server_date)
                .map(|(a, d)| d - chrono::Duration::seconds(a)),
            approximate: false,
        });
    }
    if let Some(v) = h("x-fastcgi-cache") {
        info.layers.push(LayerObservation {
            layer: "nginx-fastcgi",
            hit: Some(v.eq_ignore_ascii_case("HIT")),
            age_s: None,
            age_source: None,
            generated_at: None,
            approximate: false,
        });
    }
    if let Some(first) = info
        .layers
        .iter()
        .find(|l| l.hit == Some(true))
        .or(info.layers.first())
    {
        info.layer = Some(first.layer);
        info.hit = first.hit;
    }
    if let Some(best) = info
        .layers
        .iter()
        .filter(|l| l.age_s.is_some())
        .max_by_key(|l| l.age_s)
    {
        info.age_s = best.age_s;
        info.age_source = best.age_source;
        info.generated_at = best.generated_at;
    }
    info
}

/// Interim: what the advice needs of a layer.
#[derive(Debug)]
pub struct LayerSpec {
    /// The lifespan setting.
    pub ttl_setting: &'static str,
    /// Extra life beyond the TTL.
    pub slack_s: i64,
}

static NGINX: LayerSpec = LayerSpec {
    ttl_setting: "nginx: fastcgi_cache_valid 200 <time> (in the server's cache location)",
    slack_s: 0,
};
static VARNISH: LayerSpec = LayerSpec {
    ttl_setting: "Varnish VCL: set beresp.ttl in vcl_backend_response",
    slack_s: 0,
};

/// Interim lookup.
pub fn spec(id: &str) -> Option<&'static LayerSpec> {
    match id {
        "nginx-fastcgi" => Some(&NGINX),
        "varnish" => Some(&VARNISH),
        _ => None,
    }
}
