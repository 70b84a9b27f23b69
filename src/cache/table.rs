//! The one data table of cache layers nonce-audit can name: how to spot each one in a response,
//! what dates its copies, how long they live and which setting changes that.
//!
//! Every value comes from the layer's own source or documentation, named in each row's
//! `sources`. Where a value is not confirmed there (UNVERIFIED) it is [`UNKNOWN`], the setting
//! carries `verified: false`, and the row's `unverified` text says what is missing. Detection
//! code in `detect.rs` only interprets this table; adding a layer means adding a row here.

use serde::Serialize;

/// Placeholder for a setting label or key the layer's source or documentation does not give.
pub const UNKNOWN: &str = "unknown";

/// Placeholder for "this setting has no option key": it lives in a dashboard, a config file or VCL.
pub const NO_KEY: &str = "none";

/// Where a layer sits, so that stacked layers can be ordered from the visitor inwards.
///
/// The outermost layer that answered from its cache is the one that served the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LayerKind {
    /// A CDN edge (Cloudflare, Fastly): always in front of everything else.
    Cdn,
    /// A managed host's page cache (Kinsta, WP Engine, Pantheon, VIP, SiteGround).
    Host,
    /// A caching reverse proxy run next to the web server (Varnish). Added to the four kinds of
    /// the brief so that Varnish in front of nginx `fastcgi_cache` orders without a tie-break.
    Proxy,
    /// A cache inside the web server (nginx `fastcgi_cache`, LiteSpeed server cache).
    Server,
    /// A WordPress page-cache plugin or drop-in writing files or objects at the origin.
    Plugin,
}

impl LayerKind {
    /// Position from the visitor inwards (0 = outermost), used to sort stacked layers.
    #[must_use]
    pub const fn outer_rank(self) -> u8 {
        match self {
            Self::Cdn => 0,
            Self::Host => 1,
            Self::Proxy => 2,
            Self::Server => 3,
            Self::Plugin => 4,
        }
    }
}

/// A setting the operator changes, as the advice engine prints it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Setting {
    /// Where to click (or which config file / panel), as the layer's source or docs give it.
    pub ui_path: &'static str,
    /// The option, constant, filter or directive behind it; [`NO_KEY`] or [`UNKNOWN`] otherwise.
    pub option_key: &'static str,
    /// False when part of the path or key is not confirmed in the layer's source or
    /// documentation (UNVERIFIED), so advice can say so.
    pub verified: bool,
}

/// How one response header says "this layer is here" and, if it can, hit or miss.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct HeaderRule {
    /// Header name, lowercase.
    pub name: &'static str,
    /// How to read its value.
    pub read: Reading,
    /// True when the header alone proves the layer. False for shared names such as `x-cache`,
    /// which are read only once another rule or marker has identified the layer.
    pub identifies: bool,
}

/// How a header value is turned into hit (`Some(true)`), miss (`Some(false)`) or unknown.
///
/// "Hit" means the response came out of that layer's store, stale copies included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Reading {
    /// Any value counts; the header says this much about hit or miss.
    Presence(Option<bool>),
    /// Word tokens of the value (split on anything not a letter or digit, any case): any token in
    /// `hit` means hit, otherwise any token in `miss` means miss. Handles lists like `MISS, HIT`.
    Status {
        /// Tokens meaning "served from this cache".
        hit: &'static [&'static str],
        /// Tokens meaning "not served from this cache".
        miss: &'static [&'static str],
    },
    /// LiteSpeed style: the first token in `miss` means miss, any other non-empty value is a hit.
    MissElseHit(&'static [&'static str]),
    /// Whole value (trimmed, any case) looked up in a list; other values identify only.
    Exact(&'static [(&'static str, Option<bool>)]),
    /// The rule matches only when the value contains `needle` (any case).
    Contains {
        /// Substring that must be present.
        needle: &'static str,
        /// What a match says about hit or miss.
        hit: Option<bool>,
    },
    /// `X-Varnish`: one transaction id on a miss or pass, two on a hit.
    VarnishXid,
}

/// Part of the body a marker is searched in. Work is bounded: never the whole page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Region {
    /// The first [`crate::cache::SCAN_BYTES`] bytes.
    Head,
    /// The last [`crate::cache::SCAN_BYTES`] bytes: where plugins append their footer comments.
    Tail,
    /// The [`crate::cache::SCAN_BYTES`] bytes before the first `</head>` (looked for in the
    /// first [`crate::cache::HEAD_CLOSE_SEARCH_BYTES`] bytes): Batcache prints its comment there.
    BeforeHeadClose,
}

/// What the timestamp captured by a marker's `ts` group looks like and which clock it uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Stamp {
    /// The marker carries no time.
    None,
    /// Unix seconds (PHP `time()`): zone-safe. Age source `marker-unix`.
    Unix,
    /// `D, d M Y H:i:s GMT`: zone-safe. Age source `marker-gmt`.
    HttpDateGmt,
    /// `Y-m-d H:i:s` in the site's time zone with no zone marker. Age source `marker-local`.
    LocalYmdHms,
    /// The site's own `date_format` and `time_format` (WP Fastest Cache ≥ 1.3.5, or its older
    /// `d-m-y G:i:s`), site-local. Parsed best-effort. Age source `marker-local`.
    LocalSiteFormat,
    /// Site format followed by the printed UTC offset in hours in the `off` group (WP-Optimize).
    /// Age source `marker-offset`.
    SiteFormatWithOffset,
    /// `M jS, Y @ g:i a` in UTC (Comet Cache; WordPress sets PHP's zone to UTC). Minute precision.
    /// Age source `marker-gmt`.
    UtcMonthDayYearAmPm,
    /// `d-m-y G:i:s`, UTC in newer Hummingbird code and site-local in older code. Read as UTC and
    /// flagged approximate unless the site's offset is known to be 0. Age source `marker-local`.
    UtcOrLocalDmyHms,
    /// The marker states the age itself in seconds (Batcache "generated N seconds ago").
    /// Age source `marker-seconds`.
    SecondsAgo,
}

/// One HTML comment (or part of one) a layer leaves in the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BodyMarker {
    /// Short name for evidence lists and reports.
    pub label: &'static str,
    /// Regex (Rust `regex` syntax). Group `ts` holds the timestamp, `off` the printed offset.
    pub pattern: &'static str,
    /// Format and clock of the `ts` group.
    pub stamp: Stamp,
    /// What the marker alone says about hit or miss.
    pub hit: Option<bool>,
    /// Where in the page the layer puts the marker.
    pub region: Region,
    /// True when the marker alone proves the layer; false for generic text read only once the
    /// layer is identified.
    pub identifies: bool,
}

/// One thing that can date a layer's copy. Rows list them preferred first: a body timestamp
/// dates the HTML itself, while `Age` counts only the time spent in one layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Dating {
    /// A timestamp in one of the layer's body markers.
    Marker,
    /// The `Age` header (time spent in this layer only). `verified: false` when the layer's
    /// documentation does not confirm it sends it; it is still read when present.
    AgeHeader {
        /// Whether the layer's documentation confirms it sends `Age`.
        verified: bool,
    },
    /// `Date − Last-Modified`. `hits_only`: the header dates the copy only on a hit (WP-Optimize's
    /// miss sends a shifted value), so a miss from this layer discards it.
    LastModified {
        /// Whether the header is trustworthy only on a hit.
        hits_only: bool,
    },
}

/// The step a layer's lifespan setting takes (Cache Enabler counts whole hours, WP Fastest Cache's
/// timeout rules are cron schedules of at least a minute).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TtlUnit {
    /// Any number of seconds.
    Seconds,
    /// Whole minutes.
    Minutes,
    /// Whole hours.
    Hours,
}

impl TtlUnit {
    /// Seconds in one step.
    #[must_use]
    pub const fn seconds(self) -> i64 {
        match self {
            Self::Seconds => 1,
            Self::Minutes => 60,
            Self::Hours => 3600,
        }
    }

    /// The unit's name for a sentence ("whole hours").
    #[must_use]
    pub const fn words(self) -> &'static str {
        match self {
            Self::Seconds => "seconds",
            Self::Minutes => "whole minutes",
            Self::Hours => "whole hours",
        }
    }
}

/// Everything nonce-audit knows about one cache layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LayerSpec {
    /// Stable id used in reports, JSON and advice (e.g. `nginx-fastcgi`).
    pub id: &'static str,
    /// Human name.
    pub name: &'static str,
    /// Where it sits, for ordering stacked layers outer → inner.
    pub kind: LayerKind,
    /// Response headers that reveal it and say hit or miss.
    pub headers: &'static [HeaderRule],
    /// HTML comments that reveal it and may carry a generation time.
    pub body_markers: &'static [BodyMarker],
    /// What dates a copy, preferred first.
    pub age_source: &'static [Dating],
    /// Default lifetime of a copy in seconds; `None` = never expires by default (or, when
    /// `ttl_from_config` is true, no default exists at all).
    pub default_ttl_s: Option<u64>,
    /// True when the lifetime is whatever the server config / VCL / origin headers say, so
    /// `default_ttl_s: None` means "no default", not "forever".
    pub ttl_from_config: bool,
    /// The step the lifespan setting takes: advice is rounded down to it, so it is a value the
    /// operator can type in.
    pub ttl_unit: TtlUnit,
    /// The default lifetime in words, with the caveats its sources give.
    pub ttl_note: &'static str,
    /// Setting that shortens the lifetime.
    pub ttl_setting: Setting,
    /// Setting that keeps a URL out of the cache.
    pub exclude_setting: Setting,
    /// How to purge the layer's whole cache, in its own words: the fix for copies made before
    /// the site's keys changed, and for a logged-in render in the cache. Not read in the layers'
    /// source or docs, so every row marks it unverified and the advice says so.
    pub purge: Setting,
    /// The setting that stops the layer caching logged-in users' renders (or, where the layer
    /// never does, what to check), for a private copy found in the cache.
    pub logged_in_setting: Setting,
    /// Setting that makes copies datable (turns a timestamp comment on), if one exists.
    pub dating_setting: Option<Setting>,
    /// Built-in way of keeping nonces fresh in cached pages, or `"none"`.
    pub nonce_mechanism: &'static str,
    /// Extra lifetime beyond `default_ttl_s` before a copy is really gone (purge cron, GC, stale
    /// serving).
    pub slack_s: u64,
    /// Ids this layer replaces when both are seen (Pantheon runs on Fastly, APO on Cloudflare).
    pub supersedes: &'static [&'static str],
    /// What is not confirmed in this layer's source or documentation (UNVERIFIED); empty when
    /// nothing.
    pub unverified: &'static str,
    /// Public sources of the row's values, `;`-separated: the layer's source (version and files
    /// read), vendor documentation URLs, or what a real install showed.
    pub sources: &'static str,
}

impl LayerSpec {
    /// Longest a copy can live by default (`default_ttl_s + slack_s`); `None` when unbounded or
    /// set by config only.
    #[must_use]
    pub fn max_lifetime_s(&self) -> Option<u64> {
        self.default_ttl_s.map(|t| t.saturating_add(self.slack_s))
    }

    /// Whether a copy kept for the default lifetime can carry a nonce that is already dead.
    ///
    /// A nonce lives between `nonce_life_s / 2` and `nonce_life_s` (WordPress core
    /// `wp_verify_nonce()` in `wp-includes/pluggable.php`), so a copy older than half the nonce
    /// life may be dead. `None` when the lifetime is set by config only and the table cannot say.
    #[must_use]
    pub fn can_outlive_nonce(&self, nonce_life_s: u64) -> Option<bool> {
        if self.ttl_from_config {
            return None;
        }
        Some(match self.max_lifetime_s() {
            None => true,
            Some(life) => life > nonce_life_s / 2,
        })
    }
}

/// Status tokens meaning "served from the store" (nginx `$upstream_cache_status`, Cloudflare,
/// WPVIP, `x-ac`); stale and updating copies count, since they are cached HTML too.
const HIT_WORDS: &[&str] = &["hit", "stale", "updating", "revalidated"];
/// Status tokens meaning "not served from the store".
const MISS_WORDS: &[&str] = &["miss", "bypass", "expired", "dynamic", "none", "unknown"];

/// The usual HIT/MISS/BYPASS/EXPIRED… reading.
const STATUS: Reading = Reading::Status {
    hit: HIT_WORDS,
    miss: MISS_WORDS,
};

const fn rule(name: &'static str, read: Reading, identifies: bool) -> HeaderRule {
    HeaderRule {
        name,
        read,
        identifies,
    }
}

const fn marker(
    label: &'static str,
    pattern: &'static str,
    stamp: Stamp,
    hit: Option<bool>,
    region: Region,
    identifies: bool,
) -> BodyMarker {
    BodyMarker {
        label,
        pattern,
        stamp,
        hit,
        region,
        identifies,
    }
}

const fn setting(ui_path: &'static str, option_key: &'static str) -> Setting {
    Setting {
        ui_path,
        option_key,
        verified: true,
    }
}

const fn unverified_setting(ui_path: &'static str, option_key: &'static str) -> Setting {
    Setting {
        ui_path,
        option_key,
        verified: false,
    }
}

/// WP Rocket's footprint text (normal and white label), shared by its two markers.
macro_rules! rocket_footprint {
    () => {
        r"<!-- (?:This website is like a Rocket, isn't it\? Performance optimized by .+?\. Learn more: https://wp-rocket\.me|Cached for great performance)"
    };
}

/// Every cache layer: page-cache plugins and server caches first, then CDNs and hosts. Detection
/// sorts what it finds by [`LayerKind::outer_rank`], then by position here.
pub static LAYERS: &[LayerSpec] = &[
    LayerSpec {
        id: "wp-rocket",
        name: "WP Rocket",
        kind: LayerKind::Plugin,
        headers: &[
            rule(
                "x-powered-by",
                Reading::Contains {
                    needle: "WP Rocket",
                    hit: Some(true),
                },
                true,
            ),
            rule(
                "x-rocket-nginx-serving-static",
                Reading::Exact(&[("yes", Some(true)), ("no", None)]),
                true,
            ),
            rule("x-rocket-nginx-reason", Reading::Presence(None), true),
        ],
        body_markers: &[
            marker(
                "WP Rocket footprint with cached@",
                concat!(
                    rocket_footprint!(),
                    r" - Debug: cached@(?P<ts>\d{1,20}) -->"
                ),
                Stamp::Unix,
                Some(true),
                Region::Tail,
                true,
            ),
            marker(
                "WP Rocket footprint without time",
                concat!(
                    r"(?:",
                    rocket_footprint!(),
                    r"|<!-- Optimized for great performance) -->"
                ),
                Stamp::None,
                Some(false),
                Region::Tail,
                true,
            ),
        ],
        age_source: &[Dating::Marker, Dating::LastModified { hits_only: true }],
        default_ttl_s: Some(36_000),
        ttl_from_config: false,
        ttl_unit: TtlUnit::Minutes,
        ttl_note: "10 hours (purge_cron_interval 10 × purge_cron_unit HOUR_IN_SECONDS); 0 = unlimited; nothing checks age at serve time",
        ttl_setting: setting(
            "WP Rocket › Settings › Advanced Rules › Cache Lifespan (on the Cache tab before WP Rocket 3.16)",
            "purge_cron_interval + purge_cron_unit",
        ),
        exclude_setting: setting(
            "WP Rocket › Settings › Advanced Rules › Never Cache URL(s)",
            "cache_reject_uri",
        ),
        purge: unverified_setting(
            "WP Rocket › Dashboard › Clear and preload cache (or the toolbar's WP Rocket › Clear cache)",
            "rocket_clean_domain()",
        ),
        logged_in_setting: unverified_setting(
            "WP Rocket › Settings › Cache › Enable caching for logged-in WordPress users: off",
            "cache_logged_user = 0",
        ),
        dating_setting: None,
        nonce_mechanism: "none; the 10 h default lifespan is chosen to stay under the nonce life (WP Rocket docs: 10 h or less, 8 h if in doubt)",
        slack_s: 3600,
        supersedes: &[],
        unverified: "",
        sources: "WP Rocket 3.17.1 source (inc/classes/Buffer/class-cache.php, inc/functions/htaccess.php, inc/admin/upgrader.php, inc/Engine/Admin/Settings/Page.php, PurgeExpired/Subscriber.php, inc/Engine/Admin/Beacon/Beacon.php); SatelliteWP/rocket-nginx rocket-nginx.tmpl; https://docs.wp-rocket.me/article/1383-cache-lifespan; https://docs.wp-rocket.me/article/975-nonces-and-cache-lifespan/; http://de.docs.wp-rocket.me/article/1044-nonces-und-cache-dauer",
    },
    // LiteSpeed server, LiteSpeed Web ADC and QUIC.cloud.
    LayerSpec {
        id: "litespeed",
        name: "LiteSpeed Cache",
        kind: LayerKind::Server,
        headers: &[
            rule("x-litespeed-cache", Reading::MissElseHit(&["miss"]), true),
            rule("x-lsadc-cache", Reading::MissElseHit(&["miss"]), true),
            rule("x-qc-cache", Reading::MissElseHit(&["miss"]), true),
            rule("x-qc-pop", Reading::Presence(None), true),
            rule("x-litespeed-cache-control", Reading::Presence(None), true),
        ],
        body_markers: &[
            marker(
                "LiteSpeed page comment (cached)",
                r"<!-- Page (?:cached|generated) by LiteSpeed Cache [\d.]{1,16} on (?P<ts>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) -->",
                Stamp::LocalYmdHms,
                None,
                Region::Tail,
                true,
            ),
            marker(
                "LiteSpeed page comment (not cached)",
                r"<!-- Page (?:uncached|supported) by LiteSpeed Cache [\d.]{1,16} on (?P<ts>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) -->",
                Stamp::LocalYmdHms,
                Some(false),
                Region::Tail,
                true,
            ),
            marker(
                "LiteSpeed ESI block comment",
                r"<!-- Block (?:cached|generated|uncached|supported) by LiteSpeed Cache [\d.]{1,16} on \d{4}-\d\d-\d\d \d\d:\d\d:\d\d -->",
                Stamp::None,
                None,
                Region::Tail,
                true,
            ),
            marker(
                "LiteSpeed HTML minify comment",
                r"<!-- Page optimized by LiteSpeed Cache @(?P<ts>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) -->",
                Stamp::LocalYmdHms,
                None,
                Region::Tail,
                true,
            ),
        ],
        age_source: &[Dating::Marker, Dating::AgeHeader { verified: false }],
        default_ttl_s: Some(604_800),
        ttl_from_config: false,
        ttl_unit: TtlUnit::Seconds,
        ttl_note: "604800 s (7 days) for public pages and the front page; REST responses are cached too (cache-rest = 1, 604800 s); private 1800 s",
        ttl_setting: setting(
            "LiteSpeed Cache › Cache › TTL › Default Public Cache TTL and Default Front Page TTL (per URI: Cache › Force Public Cache URIs, written `URI TTL`)",
            "cache-ttl_pub + cache-ttl_frontpage",
        ),
        exclude_setting: setting(
            "LiteSpeed Cache › Cache › Excludes › Do Not Cache URIs",
            "cache-exc",
        ),
        purge: unverified_setting(
            "LiteSpeed Cache › Toolbox › Purge › Purge All",
            "litespeed_purge_all",
        ),
        logged_in_setting: unverified_setting(
            "LiteSpeed Cache › Cache › Cache › Cache Logged-in Users: off",
            "cache-priv = 0",
        ),
        dating_setting: None,
        nonce_mechanism: "ESI Nonces (esi-nonce; the predefined list includes wp_rest): needs Cache › ESI › Enable ESI (esi, off by default) and LiteSpeed Enterprise, ADC or QUIC.cloud (not OpenLiteSpeed); nonce block TTL ceil(nonce_life/2)",
        slack_s: 0,
        supersedes: &[],
        unverified: "whether LiteSpeed or QUIC.cloud send Age on hits; `hit,private`; whether X-LiteSpeed-Cache-Control reaches visitors",
        sources: "LiteSpeed Cache 7.9 source, older tags for the pre-5.5 wording (src/core.cls.php, src/crawler.cls.php, src/control.cls.php, data/const.default.json, src/lang.cls.php, tpl/cache/settings-esi.tpl.php, data/esi.nonces.txt, src/esi.cls.php, litespeed-cache.php); https://check.lscache.io/about; https://blog.litespeedtech.com/2020/07/08/cache-wordpress-nonces/",
    },
    LayerSpec {
        id: "wp-super-cache",
        name: "WP Super Cache",
        kind: LayerKind::Plugin,
        headers: &[rule(
            "x-wp-super-cache",
            Reading::Contains {
                needle: "Served",
                hit: Some(true),
            },
            true,
        )],
        body_markers: &[
            marker(
                "WP Super Cache generation comment",
                r"Cached page generated by WP-Super-Cache on (?P<ts>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)",
                Stamp::LocalYmdHms,
                None,
                Region::Tail,
                true,
            ),
            marker(
                "WP Super Cache live page comment",
                r"Live page served on (?P<ts>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)",
                Stamp::LocalYmdHms,
                Some(false),
                Region::Tail,
                true,
            ),
            marker(
                "WP Super Cache static file comment",
                r"<!-- super cache -->",
                Stamp::None,
                None,
                Region::Tail,
                true,
            ),
        ],
        age_source: &[Dating::Marker, Dating::LastModified { hits_only: false }],
        default_ttl_s: Some(1800),
        ttl_from_config: false,
        ttl_unit: TtlUnit::Seconds,
        ttl_note: "1800 s ($cache_max_time, written when caching is enabled; 3600 s in the sample config); in PHP delivery a copy older than that is refused when served (filemtime + cache_max_time < time()); in Expert (mod_rewrite) delivery the web server serves the file until garbage collection deletes it, so keep the garbage collection interval as short; in Preload mode supercache files are never deleted (refreshed every $wp_cache_preload_interval minutes)",
        ttl_setting: setting(
            "Settings › WP Super Cache › Advanced › Expiry Time & Garbage Collection › Cache Timeout",
            "$cache_max_time",
        ),
        exclude_setting: setting(
            "Settings › WP Super Cache › Advanced › Rejected URL Strings",
            "$cache_rejected_uri",
        ),
        purge: unverified_setting(
            "Settings › WP Super Cache › Easy › Delete Cache",
            "wp_cache_clear_cache()",
        ),
        logged_in_setting: unverified_setting(
            "Settings › WP Super Cache › Advanced › Disable caching for visitors who have a cookie set in their browser, or for logged-in visitors: on",
            "wp_cache_not_logged_in",
        ),
        dating_setting: Some(setting(
            "Settings › WP Super Cache › Debug › Cache Status Messages",
            "$wp_super_cache_comments",
        )),
        nonce_mechanism: "none (only the dynamic caching hook wpsc_cachedata, which the operator must code)",
        slack_s: 0,
        supersedes: &[],
        unverified: "Last-Modified on Apache-served static files (server default, not set by the plugin)",
        sources: "WP Super Cache 1.12.5-alpha and 2.0.1 source (wp-cache-phase2.php, wp-cache-config-sample.php, wp-cache.php, partials/advanced.php, partials/debug.php)",
    },
    LayerSpec {
        id: "w3-total-cache",
        name: "W3 Total Cache",
        kind: LayerKind::Plugin,
        headers: &[
            rule(
                "x-powered-by",
                Reading::Contains {
                    needle: "W3 Total Cache",
                    hit: None,
                },
                true,
            ),
            rule("x-w3tc-cdn", Reading::Presence(None), true),
        ],
        body_markers: &[
            marker(
                "W3 Total Cache served-from line",
                r"Served from: \S{1,255} @ (?P<ts>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) by W3 Total Cache",
                Stamp::LocalYmdHms,
                None,
                Region::Tail,
                true,
            ),
            marker(
                "W3 Total Cache page cache rejected",
                r"Page Caching using [^\r\n(]{1,64}\([^\r\n)]{1,200}\)",
                Stamp::None,
                Some(false),
                Region::Tail,
                true,
            ),
            marker(
                "W3 Total Cache page cache line",
                r"Page Caching using [^\r\n(]{1,64}",
                Stamp::None,
                None,
                Region::Tail,
                true,
            ),
            marker(
                "W3 Total Cache footer",
                r"Performance optimized by W3 Total Cache",
                Stamp::None,
                None,
                Region::Tail,
                true,
            ),
            marker(
                "W3 Total Cache debug creation time",
                r"Creation Time:\s{0,16}(?P<ts>\d{9,11})\b",
                Stamp::Unix,
                None,
                Region::Tail,
                false,
            ),
        ],
        age_source: &[Dating::Marker],
        default_ttl_s: Some(3600),
        ttl_from_config: false,
        ttl_unit: TtlUnit::Seconds,
        ttl_note: "3600 s (pgcache.lifetime); with Disk: Basic a copy older than that is refused when served (time() > expires_at); with Disk: Enhanced the web server serves the file until garbage collection (pgcache.file.gc, every 3600 s), so set that interval as short",
        ttl_setting: setting(
            "Performance › Page Cache › Advanced › Maximum lifetime of cache objects",
            "pgcache.lifetime",
        ),
        exclude_setting: setting(
            "Performance › Page Cache › Advanced › Never cache the following pages",
            "pgcache.reject.uri",
        ),
        purge: unverified_setting(
            "Performance › Dashboard › Empty all caches",
            "w3tc_flush_all()",
        ),
        logged_in_setting: unverified_setting(
            "Performance › Page Cache › Don't cache pages for logged in users: on",
            "pgcache.reject.logged",
        ),
        dating_setting: Some(unverified_setting(UNKNOWN, "pgcache.debug")),
        nonce_mechanism: "none (fragment caching and mfunc dynamic tags need the operator's code)",
        slack_s: 0,
        supersedes: &[],
        unverified: "UI label of the page cache debug option",
        sources: "W3 Total Cache 2.10.2 source (Generic_Plugin.php, PgCache_ContentGrabber, BrowserCache_Environment.php, BrowserCache_Plugin.php, ConfigKeys.php, PgCache_ConfigLabels.php, Cache_File_Cleaner_Generic.php, inc/options/pgcache.php)",
    },
    LayerSpec {
        id: "wp-fastest-cache",
        name: "WP Fastest Cache",
        kind: LayerKind::Plugin,
        headers: &[rule(
            "expires",
            Reading::Contains {
                needle: "Mon, 29 Oct 1923 20:30:00 GMT",
                hit: Some(true),
            },
            true,
        )],
        body_markers: &[
            marker(
                "WP Fastest Cache creation comment",
                r"<!-- (?:Mobile: )?WP Fastest Cache file was created in [\d.]{1,32} seconds, on (?P<ts>[^<>\r\n]{1,80}?) -->",
                Stamp::LocalSiteFormat,
                None,
                Region::Tail,
                true,
            ),
            marker(
                "WP Fastest Cache first visit",
                r"<!-- need to refresh to see cached version -->",
                Stamp::None,
                Some(false),
                Region::Tail,
                true,
            ),
            marker(
                "WP Fastest Cache served by PHP",
                r"<!-- via php -->",
                Stamp::None,
                Some(true),
                Region::Tail,
                false,
            ),
        ],
        age_source: &[Dating::Marker, Dating::LastModified { hits_only: true }],
        default_ttl_s: None,
        ttl_from_config: false,
        ttl_unit: TtlUnit::Minutes,
        ttl_note: "no time limit: files stay until a purge (post publish etc.) or a Timeout Rule fires",
        ttl_setting: setting(
            "Settings › WP Fastest Cache › Delete Cache (Clear Cache in some versions) › Timeout Rules",
            "wpFastestCacheTimeOut",
        ),
        exclude_setting: setting(
            "Settings › WP Fastest Cache › Exclude › Exclude Pages",
            "WpFastestCacheExclude",
        ),
        purge: unverified_setting("WP Fastest Cache › Delete Cache › Clear All Cache", NO_KEY),
        logged_in_setting: unverified_setting(
            "WP Fastest Cache › Settings › Logged-in Users › Don't show the cached version for logged-in users: on",
            "wpFastestCacheLoggedInUser",
        ),
        dating_setting: None,
        nonce_mechanism: "none",
        slack_s: 0,
        supersedes: &[],
        unverified: "",
        sources: "WP Fastest Cache 1.3.6 source (inc/cache.php, inc/admin.php, templates/timeout.php) and readme",
    },
    LayerSpec {
        id: "cache-enabler",
        name: "Cache Enabler",
        kind: LayerKind::Plugin,
        headers: &[rule(
            "x-cache-handler",
            Reading::Contains {
                needle: "cache-enabler",
                hit: Some(true),
            },
            true,
        )],
        body_markers: &[marker(
            "Cache Enabler signature",
            r"<!-- Cache Enabler by KeyCDN @ (?P<ts>\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT) \([^)\r\n]{1,255}\) -->",
            Stamp::HttpDateGmt,
            Some(true),
            Region::Tail,
            true,
        )],
        age_source: &[Dating::Marker],
        default_ttl_s: None,
        ttl_from_config: false,
        ttl_unit: TtlUnit::Hours,
        ttl_note: "expiry off by default (cache_expires 0)",
        ttl_setting: setting(
            "Settings › Cache Enabler › Cache Behavior › Expiration (\"Cached pages expire N hours after being created\")",
            "cache_expires + cache_expiry_time",
        ),
        exclude_setting: setting(
            "Settings › Cache Enabler › Cache Exclusions › Page Paths",
            "excluded_page_paths",
        ),
        purge: unverified_setting(
            "Cache Enabler › Clear Site Cache (toolbar)",
            "cache_enabler_clear_complete_cache",
        ),
        logged_in_setting: unverified_setting(
            "look for the plugin or host rule that caches logged-in users' pages, as Cache Enabler itself bypasses its cache for them",
            NO_KEY,
        ),
        dating_setting: None,
        nonce_mechanism: "none",
        slack_s: 0,
        supersedes: &[],
        unverified: "headers when the optional server rewrite rules deliver the cache",
        sources: "Cache Enabler 1.8.16 source (inc/cache_enabler.class.php, inc/cache_enabler_disk.class.php) and readme",
    },
    LayerSpec {
        id: "wp-optimize",
        name: "WP-Optimize",
        kind: LayerKind::Plugin,
        headers: &[rule(
            "wpo-cache-status",
            Reading::Exact(&[("cached", Some(true)), ("saving to cache", Some(false))]),
            true,
        )],
        body_markers: &[marker(
            "WP-Optimize cache comment",
            r"<!-- Cached by WP-Optimize(?: - for mobile devices)? - https://getwpo\.com - Last modified: (?P<ts>[^<>()\r\n]{1,80}?) \((?:[^()<>\r\n]{0,64}?\s)?UTC:(?P<off>[+-]?\d{1,2}(?:\.\d{1,2})?)\)(?: - for mobile devices)? -->",
            Stamp::SiteFormatWithOffset,
            None,
            Region::Tail,
            true,
        )],
        age_source: &[Dating::Marker, Dating::LastModified { hits_only: true }],
        default_ttl_s: Some(86_400),
        ttl_from_config: false,
        ttl_unit: TtlUnit::Minutes,
        ttl_note: "24 h in code (page_cache_length_value 24, unit hours); the vendor FAQ says 10 h; expired files are deleted when requested",
        ttl_setting: setting(
            "WP-Optimize › Cache › Cache lifespan",
            "page_cache_length_value + page_cache_length_unit",
        ),
        exclude_setting: setting(
            "WP-Optimize › Cache › Advanced tab › URLs to exclude from caching",
            "cache_exception_urls",
        ),
        purge: unverified_setting("WP-Optimize › Cache › Page cache › Purge cache", NO_KEY),
        logged_in_setting: unverified_setting(
            "WP-Optimize › Cache › Page cache › Serve cached pages to logged in users: off",
            "enable_user_caching",
        ),
        dating_setting: None,
        nonce_mechanism: "none",
        slack_s: 0,
        supersedes: &[],
        unverified: "",
        sources: "WP-Optimize 4.2.1 source (cache/file-based-page-cache-functions.php, cache/class-wpo-cache-config.php, templates/cache/page-cache.php); https://getwpo.com/faqs/what-is-cache-lifespan/",
    },
    LayerSpec {
        id: "breeze",
        name: "Breeze (Cloudways)",
        kind: LayerKind::Plugin,
        headers: &[
            // Seen on a real WordPress: `CLOUDWAYS-CACHE-DC` on the request that stores the copy,
            // `CLOUDWAYS-CACHE-DE` on a copy served from the store.
            rule(
                "cache-provider",
                Reading::Status {
                    hit: &["de"],
                    miss: &["dc"],
                },
                true,
            ),
            rule(
                "x-breeze-cache",
                Reading::Contains {
                    needle: "BYPASS",
                    hit: Some(false),
                },
                true,
            ),
            rule(
                "x-breeze-circuit-breaker",
                Reading::Presence(Some(false)),
                true,
            ),
        ],
        body_markers: &[marker(
            "Breeze cache comment",
            r"<!-- Cache served by breeze CACHE(?: \(Mobile\))? - Last modified: (?P<ts>\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT) -->",
            Stamp::HttpDateGmt,
            None,
            Region::Tail,
            true,
        )],
        age_source: &[Dating::Marker, Dating::LastModified { hits_only: true }],
        default_ttl_s: Some(86_400),
        ttl_from_config: false,
        ttl_unit: TtlUnit::Minutes,
        ttl_note: "1440 minutes; Cloudways Varnish in front has its own TTL",
        ttl_setting: setting(
            "Settings › Breeze › Basic Options › Purge Cache After (minutes)",
            "breeze-b-ttl in Breeze 2.x, breeze-ttl in Breeze 1.x",
        ),
        exclude_setting: setting(
            "Settings › Breeze › Advanced Options › Never Cache URL(s), which covers its internal cache only (Varnish exclusions are separate)",
            "breeze-exclude-urls",
        ),
        purge: unverified_setting("Breeze › Purge All Cache (toolbar)", NO_KEY),
        logged_in_setting: unverified_setting(
            "Breeze › Basic Options › Cache Logged-in Users: off",
            "breeze-logged-in",
        ),
        dating_setting: None,
        nonce_mechanism: "none",
        slack_s: 0,
        supersedes: &[],
        unverified: "",
        sources: "Breeze 2.5.7 source (inc/cache/execute-cache.php, views/option-tabs/basic-tab.php); marker and hit/miss values observed on a real Breeze 2.x on WordPress 6.1",
    },
    // Seen on a real WordPress running Powered Cache (PHP delivery).
    LayerSpec {
        id: "powered-cache",
        name: "Powered Cache",
        kind: LayerKind::Plugin,
        headers: &[
            rule(
                "x-powered-cache",
                Reading::Status {
                    hit: &["php", "hit"],
                    miss: &["miss"],
                },
                true,
            ),
            rule("x-cache-enabled", Reading::Presence(None), false),
        ],
        body_markers: &[
            marker(
                "Powered Cache signature",
                r"<!-- Cache served by Powered Cache -->",
                Stamp::None,
                None,
                Region::Tail,
                true,
            ),
            marker(
                "Powered Cache last modified",
                r"<!-- Last modified: (?P<ts>\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT) -->",
                Stamp::HttpDateGmt,
                None,
                Region::Tail,
                false,
            ),
        ],
        age_source: &[
            Dating::Marker,
            Dating::AgeHeader { verified: true },
            Dating::LastModified { hits_only: true },
        ],
        default_ttl_s: Some(86_400),
        ttl_from_config: false,
        ttl_unit: TtlUnit::Minutes,
        ttl_note: "1440 minutes (cache_timeout)",
        ttl_setting: setting(
            "Powered Cache › Page Cache › Cache Timeout (minutes)",
            "cache_timeout",
        ),
        exclude_setting: unverified_setting(
            "Powered Cache › Page Cache › Advanced › never cache these URIs",
            "rejected_uri",
        ),
        purge: unverified_setting("Powered Cache › Purge All Cache (toolbar)", NO_KEY),
        logged_in_setting: unverified_setting(
            "Powered Cache › Page Cache › Cache logged-in users: off",
            "loggedin_user_cache",
        ),
        dating_setting: None,
        nonce_mechanism: "none",
        slack_s: 0,
        supersedes: &[],
        unverified: "label and key of the URI exclusion list",
        sources: "observed on a real Powered Cache on WordPress 6.1 (headers and footer comments)",
    },
    // Speed Optimizer's file cache and SiteGround's dynamic (NGINX) cache.
    LayerSpec {
        id: "siteground",
        name: "SiteGround (Speed Optimizer file cache, dynamic cache)",
        kind: LayerKind::Host,
        headers: &[
            rule("sg-f-cache", STATUS, true),
            rule("x-proxy-cache", STATUS, true),
        ],
        body_markers: &[],
        age_source: &[Dating::AgeHeader { verified: false }],
        default_ttl_s: Some(604_800),
        ttl_from_config: false,
        ttl_unit: TtlUnit::Seconds,
        ttl_note: "file cache up to 604800 s (weekly cleanup); dynamic cache 12 h, overridable by the origin's Cache-Control: max-age",
        ttl_setting: unverified_setting(
            "Speed Optimizer › Caching › file cache cleanup interval (for the dynamic cache, the origin's Cache-Control max-age)",
            "siteground_optimizer_file_caching_interval_cleanup",
        ),
        exclude_setting: unverified_setting(
            "Speed Optimizer › Caching › exclude URLs",
            "siteground_optimizer_excluded_urls",
        ),
        purge: unverified_setting("Speed Optimizer › Caching › Purge SG Cache", NO_KEY),
        logged_in_setting: unverified_setting(
            "keep the host's rule that bypasses the cache for WordPress login cookies in Speed Optimizer › Caching",
            NO_KEY,
        ),
        dating_setting: None,
        nonce_mechanism: "none (its JS combiner leaves scripts containing `nonce` inline)",
        slack_s: 0,
        supersedes: &[],
        unverified: "UI labels; Age on SiteGround; whether X-Cache-Enabled reaches visitors; x-proxy-cache is also a generic nginx name",
        sources: "SiteGround Speed Optimizer 7.6.8 source (core/File_Cacher/Cache.php, core/File_Cacher/File_Cacher.php, core/Supercacher/Supercacher.php, core/Supercacher/Supercacher_Helper.php, core/Combinator/Js_Combinator.php); https://www.siteground.com/kb/siteground-dynamic-caching-configuration/",
    },
    LayerSpec {
        id: "nginx-fastcgi",
        name: "nginx fastcgi_cache / proxy_cache (Nginx Helper)",
        kind: LayerKind::Server,
        headers: &[
            rule("x-fastcgi-cache", STATUS, true),
            rule("x-cache-status", STATUS, true),
            rule("x-srcache-fetch-status", STATUS, true),
        ],
        body_markers: &[
            marker(
                "Nginx Helper timestamp",
                r"<!--\s?Cached using Nginx-Helper on (?P<ts>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\.",
                Stamp::LocalYmdHms,
                None,
                Region::Tail,
                true,
            ),
            marker(
                "Nginx Helper FAQ link",
                r"<!--\s?Visit http://wordpress\.org/extend/plugins/nginx-helper/faq/ for more details\s?-->",
                Stamp::None,
                None,
                Region::Tail,
                true,
            ),
        ],
        age_source: &[Dating::Marker],
        default_ttl_s: None,
        ttl_from_config: true,
        ttl_unit: TtlUnit::Seconds,
        ttl_note: "set by fastcgi_cache_valid in the nginx config; no default (snippets commonly use 60m); nginx sends no Age",
        ttl_setting: setting(
            "fastcgi_cache_valid in the nginx config (proxy_cache_valid for proxy_cache)",
            "fastcgi_cache_valid",
        ),
        exclude_setting: setting(
            "the nginx config's $skip_cache rules that feed fastcgi_cache_bypass and fastcgi_no_cache",
            "$skip_cache",
        ),
        purge: unverified_setting(
            "empty the fastcgi_cache_path directory (or Nginx Helper › Purge Entire Cache)",
            "fastcgi_cache_path",
        ),
        logged_in_setting: unverified_setting(
            "set fastcgi_cache_bypass and fastcgi_no_cache when the request has a wordpress_logged_in_ cookie",
            "fastcgi_cache_bypass / fastcgi_no_cache",
        ),
        dating_setting: Some(setting(
            "Nginx Helper › Enable Nginx Timestamp in HTML",
            "enable_stamp",
        )),
        nonce_mechanism: "none",
        slack_s: 0,
        supersedes: &[],
        unverified: "BYPASS and REVALIDATED values of $upstream_cache_status (seen in logs; nginx docs not read)",
        sources: "Nginx Helper 2.3.5 source (admin/class-nginx-helper-admin.php); https://nginx.org/pipermail/nginx/2009-June/012839.html; WordPress core WP_Site_Health::get_page_cache_headers() (wp-admin/includes/class-wp-site-health.php)",
    },
    LayerSpec {
        id: "comet-cache",
        name: "Comet Cache",
        kind: LayerKind::Plugin,
        headers: &[],
        body_markers: &[
            marker(
                "Comet Cache generation note",
                r"Cache File Generated On:\s{1,16}(?P<ts>[A-Z][a-z]{2} \d{1,2}(?:st|nd|rd|th), \d{4} @ \d{1,2}:\d\d [ap]m) UTC",
                Stamp::UtcMonthDayYearAmPm,
                None,
                Region::Tail,
                true,
            ),
            marker(
                "Comet Cache loaded from cache",
                r"<!-- Loaded From Cache On:\s{1,16}[A-Z][a-z]{2} \d{1,2}(?:st|nd|rd|th), \d{4} @ \d{1,2}:\d\d [ap]m UTC -->",
                Stamp::None,
                Some(true),
                Region::Tail,
                true,
            ),
            marker(
                "Comet Cache banner",
                r"Comet Cache is Fully Functional",
                Stamp::None,
                None,
                Region::Tail,
                true,
            ),
            marker(
                "Comet Cache nonce early expiry",
                r"Cache File Expires Early:\s{1,16}yes, due to nonce in markup",
                Stamp::None,
                None,
                Region::Tail,
                true,
            ),
        ],
        age_source: &[Dating::Marker],
        default_ttl_s: Some(604_800),
        ttl_from_config: false,
        ttl_unit: TtlUnit::Seconds,
        ttl_note: "7 days (cache_max_age `7 days`), checked at serve time",
        ttl_setting: setting(
            "Comet Cache › Plugin Options › Cache Expiration Time › Automatic Expiration Time (Max Age)",
            "cache_max_age",
        ),
        exclude_setting: setting(
            "Comet Cache › Plugin Options › URI Exclusions › Don't Cache These Special URI Exclusion Patterns?",
            "exclude_uris",
        ),
        purge: unverified_setting("Comet Cache › Clear Cache (toolbar)", NO_KEY),
        logged_in_setting: unverified_setting(
            "Comet Cache › Logged-In Users › Cache logged-in users: No",
            "when_logged_in",
        ),
        dating_setting: Some(unverified_setting(UNKNOWN, "debugging_enable")),
        nonce_mechanism: "narrow: with cache_nonce_values = 0 (default) pages containing _wpnonce or akismet_comment_nonce are not cached and cached copies containing them are refused after 12 h; REST nonces (wpApiSettings, createNonceMiddleware) do not match",
        slack_s: 0,
        supersedes: &[],
        unverified: "UI label of the debugging notes option",
        sources: "Comet Cache v170808-RC source (src/includes/traits/Ac/CacheIoUtils.php, classes/Notes.php, ObUtils.php); WordPress core wp-settings.php (PHP time zone set to UTC)",
    },
    LayerSpec {
        id: "hummingbird",
        name: "Hummingbird",
        kind: LayerKind::Plugin,
        headers: &[],
        body_markers: &[
            marker(
                "Hummingbird identifier",
                r"<!-- This page is cached by the Hummingbird Performance plugin v[\d.]{1,16} - https://wordpress\.org/plugins/hummingbird-performance/\. -->",
                Stamp::None,
                None,
                Region::Head,
                true,
            ),
            marker(
                "Hummingbird creation comment",
                r"<!-- Hummingbird cache file was created in [\d.]{1,32} seconds, on (?P<ts>\d{1,2}-\d{1,2}-\d\d \d{1,2}:\d\d:\d\d) -->",
                Stamp::UtcOrLocalDmyHms,
                None,
                Region::Tail,
                true,
            ),
        ],
        age_source: &[Dating::Marker],
        default_ttl_s: None,
        ttl_from_config: false,
        ttl_unit: TtlUnit::Seconds,
        ttl_note: "no lifespan by default (clear_interval.enabled false; interval 720 h when on)",
        ttl_setting: unverified_setting(UNKNOWN, "clear_interval"),
        exclude_setting: unverified_setting(UNKNOWN, "exclude.url_strings"),
        purge: unverified_setting("Hummingbird › Caching › Page Caching › Clear cache", NO_KEY),
        logged_in_setting: unverified_setting(
            "Hummingbird › Caching › Page Caching › Settings › Cache for logged in users: off",
            "cache_for_logged_in",
        ),
        dating_setting: Some(unverified_setting(UNKNOWN, "cache_identifier")),
        nonce_mechanism: "none",
        slack_s: 0,
        supersedes: &[],
        unverified: "source repository and version; header marker; UI labels; timestamp is UTC in newer code and site-local in older code",
        sources: "Hummingbird source (core/modules/class-page-cache.php, from a public copy; repository and version not identified)",
    },
    // Batcache, with the WordPress.com / Pressable edge header.
    LayerSpec {
        id: "batcache",
        name: "Batcache (WordPress.com, VIP, Pressable)",
        kind: LayerKind::Plugin,
        headers: &[
            rule(
                "x-nananana",
                Reading::Contains {
                    needle: "Batcache",
                    hit: None,
                },
                true,
            ),
            rule("x-ac", STATUS, true),
        ],
        body_markers: &[
            marker(
                "Batcache hit comment",
                r"served from batcache in [\d.]{1,32} seconds",
                Stamp::None,
                Some(true),
                Region::BeforeHeadClose,
                true,
            ),
            marker(
                "Batcache age",
                r"generated (?P<ts>\d{1,12}) seconds ago",
                Stamp::SecondsAgo,
                Some(true),
                Region::BeforeHeadClose,
                false,
            ),
            marker(
                "Batcache store comment",
                r"\d{1,12} bytes batcached for \d{1,12} seconds",
                Stamp::None,
                Some(false),
                Region::BeforeHeadClose,
                true,
            ),
        ],
        age_source: &[Dating::Marker, Dating::LastModified { hits_only: false }],
        default_ttl_s: Some(300),
        ttl_from_config: false,
        ttl_unit: TtlUnit::Seconds,
        ttl_note: "300 s ($max_age)",
        ttl_setting: setting(
            "$batcache['max_age'] in Batcache's configuration",
            "$batcache['max_age']",
        ),
        exclude_setting: setting(
            "set $batcache['max_age'] = 0 for that URL in Batcache's configuration code",
            "$batcache['max_age']",
        ),
        purge: unverified_setting("flush the object cache (wp cache flush)", NO_KEY),
        logged_in_setting: unverified_setting(
            "check that the cookie list in Batcache's settings array still holds wordpress_logged_in_, which Batcache skips by default",
            "$batcache->cookie",
        ),
        dating_setting: Some(setting("Batcache configuration: $debug = true", "$debug")),
        nonce_mechanism: "none",
        slack_s: 0,
        supersedes: &[],
        unverified: "x-ac and x-nananana formats (third-party monitoring code only)",
        sources: "Batcache source (Automattic/batcache advanced-cache.php, HEAD 2024-06-24); VIP Quickstart config (X-nananana: Batcache)",
    },
    LayerSpec {
        id: "super-page-cache",
        name: "Super Page Cache (for Cloudflare)",
        kind: LayerKind::Plugin,
        headers: &[
            // `cache` marks the page cacheable for Cloudflare; Cloudflare's own header says hit.
            rule(
                "x-wp-cf-super-cache",
                Reading::Exact(&[("cache", None), ("no-cache", Some(false))]),
                true,
            ),
            rule("x-wp-cf-super-cache-active", Reading::Presence(None), true),
            rule(
                "x-wp-cf-super-cache-cache-control",
                Reading::Presence(None),
                true,
            ),
            rule(
                "x-wp-cf-fallback-cache",
                Reading::Presence(Some(true)),
                true,
            ),
        ],
        body_markers: &[],
        age_source: &[],
        default_ttl_s: Some(31_536_000),
        ttl_from_config: false,
        ttl_unit: TtlUnit::Seconds,
        ttl_note: "cf_maxage 31536000 s (1 year, \"Recommended\" in the UI); newer forks use 604800; the version that changed it is not known",
        ttl_setting: unverified_setting(UNKNOWN, "cf_maxage"),
        exclude_setting: setting(
            "Super Page Cache › Prevent the following URIs to be cached",
            UNKNOWN,
        ),
        purge: unverified_setting("Super Page Cache › Purge whole cache", NO_KEY),
        logged_in_setting: unverified_setting(
            "Super Page Cache › Cache › Bypass the cache for logged-in users: on",
            NO_KEY,
        ),
        dating_setting: None,
        nonce_mechanism: "none",
        slack_s: 0,
        supersedes: &[],
        unverified: "plugin version of the default TTL; age source; TTL setting label",
        sources: "Super Page Cache readme (copy in Otima-Ideia/site-consors, wp-content/plugins/wp-cloudflare-page-cache/readme.txt; version not identified); https://docs.themeisle.com/super-page-cache/excluding-urls-from-cache",
    },
    LayerSpec {
        id: "cloudflare",
        name: "Cloudflare (CDN, Cache Rules)",
        kind: LayerKind::Cdn,
        headers: &[rule("cf-cache-status", STATUS, true)],
        body_markers: &[],
        age_source: &[Dating::AgeHeader { verified: true }],
        default_ttl_s: Some(7200),
        ttl_from_config: false,
        ttl_unit: TtlUnit::Seconds,
        ttl_note: "HTML is not cached by default (DYNAMIC); once eligible and with no origin cache headers a 200 is kept 120 min; otherwise origin Cache-Control or the rule's Edge TTL",
        ttl_setting: setting(
            "Cloudflare dashboard › Cache Rules › Edge TTL (\"Ignore cache-control header and use this TTL\")",
            NO_KEY,
        ),
        exclude_setting: setting(
            "Cloudflare dashboard › Cache Rules › Bypass cache (or Page Rule Cache Level: Bypass)",
            NO_KEY,
        ),
        purge: unverified_setting(
            "Cloudflare dashboard › Caching › Configuration › Purge Everything",
            NO_KEY,
        ),
        logged_in_setting: unverified_setting(
            "add a Cache Rule that bypasses the cache when the Cookie holds wordpress_logged_in_",
            NO_KEY,
        ),
        dating_setting: None,
        nonce_mechanism: "none",
        slack_s: 0,
        supersedes: &[],
        unverified: "",
        sources: "https://developers.cloudflare.com/cache/concepts/cache-responses/; https://developers.cloudflare.com/cache/how-to/configure-cache-status-code; https://developers.cloudflare.com/cache/how-to/cache-rules/examples/edge-ttl",
    },
    // APO at the edge, with the Cloudflare plugin's origin header.
    LayerSpec {
        id: "cloudflare-apo",
        name: "Cloudflare APO",
        kind: LayerKind::Cdn,
        headers: &[
            rule(
                "cf-apo-via",
                Reading::Status {
                    hit: &["cache"],
                    miss: &["origin"],
                },
                true,
            ),
            rule(
                "cf-edge-cache",
                Reading::Contains {
                    needle: "platform=wordpress",
                    hit: None,
                },
                true,
            ),
            rule("cf-cache-status", STATUS, false),
        ],
        body_markers: &[],
        age_source: &[Dating::AgeHeader { verified: true }],
        default_ttl_s: Some(2_592_000),
        ttl_from_config: false,
        ttl_unit: TtlUnit::Seconds,
        ttl_note: "30 days; APO ignores the origin's Cache-Control on the edge and purges on change within 30 s",
        ttl_setting: setting(
            "the Edge Cache TTL of a Cloudflare Page Rule or Cache Rule (it replaces APO's 30 days)",
            NO_KEY,
        ),
        exclude_setting: setting(
            "a Cloudflare Page Rule with Cache Level: Bypass, or the Cloudflare plugin filter cloudflare_use_cache returning false for that URL",
            "cloudflare_use_cache",
        ),
        purge: unverified_setting(
            "Cloudflare dashboard › Caching › Configuration › Purge Everything (or the plugin's Purge Cache)",
            NO_KEY,
        ),
        logged_in_setting: unverified_setting(
            "check that no Cache Rule overrides APO's default bypass for wordpress_logged_in_ cookies",
            NO_KEY,
        ),
        dating_setting: None,
        nonce_mechanism: "none automatic; Cloudflare recommends an Edge Cache TTL rule for pages that generate nonces",
        slack_s: 0,
        supersedes: &["cloudflare"],
        unverified: "full cf-apo-via value list (only cache and origin,page-rules documented); the tcache value",
        sources: "https://developers.cloudflare.com/automatic-platform-optimization/troubleshooting/faq/; https://developers.cloudflare.com/automatic-platform-optimization/reference/page-rule-integration/; https://developers.cloudflare.com/cache/concepts/cache-responses/; Cloudflare WordPress plugin source (cloudflare/Cloudflare-WordPress src/WordPress/Hooks.php, HEAD 2025-11-05)",
    },
    LayerSpec {
        id: "fastly",
        name: "Fastly",
        kind: LayerKind::Cdn,
        headers: &[
            rule(
                "x-served-by",
                Reading::Contains {
                    needle: "cache-",
                    hit: None,
                },
                true,
            ),
            rule("x-cache", STATUS, false),
        ],
        body_markers: &[],
        age_source: &[Dating::AgeHeader { verified: true }],
        default_ttl_s: None,
        ttl_from_config: true,
        ttl_unit: TtlUnit::Seconds,
        ttl_note: "from the origin's Cache-Control or the service's VCL",
        ttl_setting: setting(
            "the TTL in the Fastly VCL, or the origin's Cache-Control max-age",
            NO_KEY,
        ),
        exclude_setting: setting("the Fastly VCL or the origin's cache headers", NO_KEY),
        purge: unverified_setting("Fastly › Purge › Purge all", NO_KEY),
        logged_in_setting: unverified_setting(
            "make the Fastly VCL return(pass) when the Cookie holds wordpress_logged_in_",
            NO_KEY,
        ),
        dating_setting: None,
        nonce_mechanism: "none",
        slack_s: 0,
        supersedes: &["varnish"],
        unverified: "",
        sources: "https://www.fastly.com/documentation/reference/http/http-headers/X-Cache/ (and the Age and X-Cache-Hits pages beside it)",
    },
    // Generic Varnish, Cloudways' Varnish included.
    LayerSpec {
        id: "varnish",
        name: "Varnish",
        kind: LayerKind::Proxy,
        headers: &[
            rule("x-varnish", Reading::VarnishXid, true),
            rule(
                "via",
                Reading::Contains {
                    needle: "varnish",
                    hit: None,
                },
                true,
            ),
            rule("x-varnish-cache", STATUS, true),
            rule("x-cache", STATUS, false),
        ],
        body_markers: &[],
        age_source: &[Dating::AgeHeader { verified: true }],
        default_ttl_s: Some(120),
        ttl_from_config: false,
        ttl_unit: TtlUnit::Seconds,
        ttl_note: "120 s built-in default_ttl when the origin sends no cache headers; hosts usually override it in VCL, and Cloudways does not document its own",
        ttl_setting: setting(
            "the Varnish VCL's beresp.ttl or the varnishd parameter default_ttl (on Cloudways: Application › Application Settings › Varnish Settings)",
            "default_ttl",
        ),
        exclude_setting: setting(
            "a return (pass) in the Varnish VCL's vcl_recv (on Cloudways: Application › Application Settings › Varnish Settings › Add New Rule › Type URL)",
            NO_KEY,
        ),
        purge: unverified_setting(
            "run varnishadm \"ban req.http.host == <site> && req.url ~ .\"",
            NO_KEY,
        ),
        logged_in_setting: unverified_setting(
            "make vcl_recv return (pass) when req.http.Cookie ~ \"wordpress_logged_in_\", and never cache a response that sets cookies",
            NO_KEY,
        ),
        dating_setting: None,
        nonce_mechanism: "none",
        slack_s: 0,
        supersedes: &[],
        unverified: "Cloudways: visitor-visible Varnish headers and default TTL",
        sources: "varnishd parameter default_ttl (varnishadm param.show); https://docs.gandi.net/en/web_hosting/common_operations/varnish_cache.html; WordPress core WP_Site_Health::get_page_cache_headers() (wp-admin/includes/class-wp-site-health.php); Proxy Cache Purge 5.2.2 source (debug.php); https://support.cloudways.com/how-to-exclude-url-from-varnish/; https://support.cloudways.com/en/articles/5496342-how-to-use-varnish-at-cloudways; x-varnish-cache as added by the VCL of a real Varnish 7.1",
    },
    LayerSpec {
        id: "kinsta",
        name: "Kinsta",
        kind: LayerKind::Host,
        headers: &[
            rule("x-kinsta-cache", STATUS, true),
            rule("ki-cf-cache-status", Reading::Presence(None), true),
            rule("ki-edge", Reading::Presence(None), true),
            rule("ki-origin", Reading::Presence(None), true),
        ],
        body_markers: &[],
        age_source: &[Dating::AgeHeader { verified: false }],
        default_ttl_s: Some(86_400),
        ttl_from_config: false,
        ttl_unit: TtlUnit::Seconds,
        ttl_note: "cache expires every 24 h by default; can be made longer (whether it can be made shorter is not documented); also sets the Edge Caching expiration",
        ttl_setting: setting(
            "MyKinsta › WordPress Sites › sitename › Caching › Server Caching › Change cache expiration",
            NO_KEY,
        ),
        exclude_setting: unverified_setting("a custom cache exclusion from Kinsta support", NO_KEY),
        purge: unverified_setting(
            "MyKinsta › Sites › Tools › Site cache › Clear cache",
            NO_KEY,
        ),
        logged_in_setting: unverified_setting(
            "ask Kinsta support why a logged-in page was cached, as MyKinsta bypasses logged-in cookies",
            NO_KEY,
        ),
        dating_setting: None,
        nonce_mechanism: "none",
        slack_s: 0,
        supersedes: &[],
        unverified: "full x-kinsta-cache values; meaning of ki-* headers; Age; exclusion UI; expiration below 24 h",
        sources: "https://kinsta.com/docs/edge-caching; Kinsta's Server Caching documentation; rviscomi/ismyhostfastyet ttfb.sql (x-kinsta-cache); ki-* headers from third-party detector code",
    },
    LayerSpec {
        id: "wp-engine",
        name: "WP Engine",
        kind: LayerKind::Host,
        headers: &[
            rule("wpe-backend", Reading::Presence(None), true),
            rule(
                "x-powered-by",
                Reading::Contains {
                    needle: "WP Engine",
                    hit: None,
                },
                true,
            ),
            rule("x-cache", STATUS, false),
        ],
        body_markers: &[],
        age_source: &[Dating::AgeHeader { verified: false }],
        default_ttl_s: Some(600),
        ttl_from_config: false,
        ttl_unit: TtlUnit::Seconds,
        ttl_note: "600 s page cache; Cache-Control cannot go below 600 without a cache exclusion rule",
        ttl_setting: setting(
            "the origin's Cache-Control max-age (at least 600 s, or ask WP Engine support)",
            NO_KEY,
        ),
        exclude_setting: unverified_setting(
            "a cache exclusion rule from WP Engine support or the User Portal",
            NO_KEY,
        ),
        purge: unverified_setting("WP Engine User Portal › Caching › Clear all caches", NO_KEY),
        logged_in_setting: unverified_setting(
            "ask WP Engine support why a logged-in page was cached, as WP Engine bypasses logged-in cookies",
            NO_KEY,
        ),
        dating_setting: None,
        nonce_mechanism: "none",
        slack_s: 0,
        supersedes: &["varnish"],
        unverified: "exact x-cache format (`HIT: 1`?); Age; exclusion UI",
        sources: "https://wpengine.com/support/cache-control-headers-wp-engine/; https://wpengine.com/support/cache/; rviscomi/ismyhostfastyet ttfb.sql (wpe-backend, WP Engine)",
    },
    LayerSpec {
        id: "pantheon",
        name: "Pantheon Global CDN",
        kind: LayerKind::Host,
        headers: &[
            rule("x-pantheon-styx-hostname", Reading::Presence(None), true),
            rule("x-styx-req-id", Reading::Presence(None), true),
            rule("x-cache", STATUS, false),
        ],
        body_markers: &[],
        age_source: &[Dating::AgeHeader { verified: true }],
        default_ttl_s: Some(604_800),
        ttl_from_config: false,
        ttl_unit: TtlUnit::Seconds,
        ttl_note: "WEEK_IN_SECONDS (filter pantheon_cache_default_max_age; minimum 60 s on Live); older sites used 600 s",
        ttl_setting: setting(
            "Settings › Pantheon Page Cache › Page Cache Max Age",
            "pantheon_cache_default_max_age",
        ),
        exclude_setting: setting(
            "send Cache-Control: private or no-cache for that page, or set a NO_CACHE cookie (filter pantheon_skip_cache_control or a send_headers hook)",
            "pantheon_skip_cache_control",
        ),
        purge: unverified_setting(
            "Pantheon dashboard › Clear Caches (terminus env:clear-cache)",
            NO_KEY,
        ),
        logged_in_setting: unverified_setting(
            "make sure the login cookie is not renamed or stripped, as Pantheon's edge bypasses session cookies",
            NO_KEY,
        ),
        dating_setting: None,
        nonce_mechanism: "none built in (pantheon-advanced-page-cache PR #282 caps max-age below the nonce life on responses that create nonces)",
        slack_s: 0,
        supersedes: &["fastly", "varnish"],
        unverified: "the 600 s → 1 week auto-upgrade (repository not identified)",
        sources: "Pantheon mu-plugin source (pantheon-systems/pantheon-mu-plugin inc/pantheon-page-cache.php, HEAD 2026-08-14); pantheon-systems/documentation (source/content/debug-cache.md, test-global-cdn-caching.md, caching-advanced-topics.md); pantheon-advanced-page-cache PR #282",
    },
    LayerSpec {
        id: "wpvip",
        name: "WordPress VIP",
        kind: LayerKind::Host,
        headers: &[
            rule("x-rq", Reading::Presence(None), true),
            rule("x-cache", STATUS, false),
        ],
        body_markers: &[],
        age_source: &[Dating::AgeHeader { verified: false }],
        default_ttl_s: Some(1800),
        ttl_from_config: false,
        ttl_unit: TtlUnit::Seconds,
        ttl_note: "200 responses kept 30 min at the edge (browser max-age=300); a stale copy may be served up to 12 h (read as 12 h in total); REST GETs 1 min",
        ttl_setting: unverified_setting(
            "the origin's Cache-Control max-age or VIP's TTL manager",
            NO_KEY,
        ),
        exclude_setting: setting("send no-cache headers for that URL", NO_KEY),
        purge: unverified_setting(
            "VIP Dashboard › Cache › Purge (or wpcom_vip_purge_edge_cache_for_url)",
            NO_KEY,
        ),
        logged_in_setting: unverified_setting(
            "ask VIP support why a logged-in page was cached, as VIP's edge bypasses logged-in cookies",
            NO_KEY,
        ),
        dating_setting: None,
        nonce_mechanism: "none",
        slack_s: 41_400,
        supersedes: &[],
        unverified: "Age; VIP TTL manager; whether the 12 h stale window counts from storage or from expiry",
        sources: "https://docs.wpvip.com/?p=23047; https://docs.wpvip.com/caching/page-cache/default-responses/",
    },
];

/// The table row for `id`, for the advice engine.
///
/// Returns `None` for an id the table does not know (for example from an old report).
#[must_use]
pub fn spec(id: &str) -> Option<&'static LayerSpec> {
    LAYERS.iter().find(|l| l.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use regex::bytes::RegexBuilder;

    const IDS: [&str; 23] = [
        "wp-rocket",
        "litespeed",
        "wp-super-cache",
        "w3-total-cache",
        "wp-fastest-cache",
        "cache-enabler",
        "wp-optimize",
        "breeze",
        "powered-cache",
        "siteground",
        "nginx-fastcgi",
        "comet-cache",
        "hummingbird",
        "batcache",
        "super-page-cache",
        "cloudflare",
        "cloudflare-apo",
        "fastly",
        "varnish",
        "kinsta",
        "wp-engine",
        "pantheon",
        "wpvip",
    ];

    #[test]
    fn table_has_exactly_the_agreed_ids_once_each() {
        let mut got: Vec<&str> = LAYERS.iter().map(|l| l.id).collect();
        got.sort_unstable();
        let mut want = IDS.to_vec();
        want.sort_unstable();
        assert_eq!(got, want);
    }

    #[test]
    fn every_marker_compiles_and_has_the_groups_its_stamp_needs() {
        for layer in LAYERS {
            for m in layer.body_markers {
                // Compiled the way cache::markers compiles them.
                let re = RegexBuilder::new(m.pattern)
                    .unicode(false)
                    .build()
                    .unwrap_or_else(|e| panic!("{} / {}: {e}", layer.id, m.label));
                let names: Vec<&str> = re.capture_names().flatten().collect();
                let wants_ts = m.stamp != Stamp::None;
                assert_eq!(
                    names.contains(&"ts"),
                    wants_ts,
                    "{} / {}",
                    layer.id,
                    m.label
                );
                let wants_off = m.stamp == Stamp::SiteFormatWithOffset;
                assert_eq!(
                    names.contains(&"off"),
                    wants_off,
                    "{} / {}",
                    layer.id,
                    m.label
                );
            }
        }
    }

    #[test]
    fn header_names_are_lowercase_and_valid() {
        for layer in LAYERS {
            for h in layer.headers {
                assert_eq!(h.name, h.name.to_ascii_lowercase(), "{}", layer.id);
                assert!(
                    http::HeaderName::from_bytes(h.name.as_bytes()).is_ok(),
                    "{}",
                    h.name
                );
            }
        }
    }

    #[test]
    fn every_layer_can_be_identified_and_supersedes_known_ids() {
        for layer in LAYERS {
            let by_header = layer.headers.iter().any(|h| h.identifies);
            let by_marker = layer.body_markers.iter().any(|m| m.identifies);
            assert!(by_header || by_marker, "{} cannot be identified", layer.id);
            for s in layer.supersedes {
                assert!(spec(s).is_some(), "{} supersedes unknown {s}", layer.id);
            }
        }
    }

    #[test]
    fn settings_are_never_blank() {
        for layer in LAYERS {
            for s in [
                layer.ttl_setting,
                layer.exclude_setting,
                layer.purge,
                layer.logged_in_setting,
            ] {
                assert!(!s.ui_path.is_empty(), "{}", layer.id);
                assert!(!s.option_key.is_empty(), "{}", layer.id);
            }
            assert!(!layer.nonce_mechanism.is_empty(), "{}", layer.id);
            assert!(!layer.ttl_note.is_empty(), "{}", layer.id);
        }
    }

    #[test]
    fn spec_finds_rows_by_id_and_rejects_unknown_ids() {
        assert_eq!(spec("wp-rocket").map(|s| s.slack_s), Some(3600));
        assert_eq!(spec("varnish").and_then(|s| s.default_ttl_s), Some(120));
        assert!(spec("godaddy").is_none());
        assert!(spec("").is_none());
    }

    #[test]
    fn nonce_outliving_follows_ttl_plus_slack() {
        let life = 86_400;
        let check = |id: &str| spec(id).and_then(|s| s.can_outlive_nonce(life));
        assert_eq!(check("wp-rocket"), Some(false)); // 10 h + 1 h cron < 12 h
        assert_eq!(check("litespeed"), Some(true)); // 7 days
        assert_eq!(check("wp-fastest-cache"), Some(true)); // never expires
        assert_eq!(check("wpvip"), Some(false)); // 30 min, stale up to 12 h in total
        assert_eq!(check("nginx-fastcgi"), None); // config decides
        assert_eq!(check("kinsta"), Some(true));
    }

    #[test]
    fn kinds_order_outer_to_inner() {
        let ranks = [
            LayerKind::Cdn,
            LayerKind::Host,
            LayerKind::Proxy,
            LayerKind::Server,
            LayerKind::Plugin,
        ]
        .map(LayerKind::outer_rank);
        assert_eq!(ranks, [0, 1, 2, 3, 4]);
    }
}
